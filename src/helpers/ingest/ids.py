"""Stable, ASCII-safe project ids and project types.

A small registry file (data/project_ids.yaml) maps project names to readable ids; a name not in
it gets ``p-`` + the first 10 hex digits of SHA-1 over "unit/name", which never changes for the
same unit and name. Project types (which indicators apply) come from keyword rules."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

import yaml

from helpers.core import paths
from helpers.core.errors import InputError

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")

# Registration block: project type → pattern on the project name (first match wins).
PROJECT_TYPES: tuple[tuple[str, str], ...] = (
    ("accident_insurance", r"意外伤害保险|意外险|意外保险"),
    ("association", r"协会.*(工作经费|综合|运转|组织建设)|基层组织建设"),
)


def project_type(name: str) -> str:
    """The project type of a project name: the first PROJECT_TYPES pattern it matches, else "general"."""
    for type_id, pattern in PROJECT_TYPES:
        if re.search(pattern, name):
            return type_id
    return "general"


@lru_cache(maxsize=4)
def _load_registry(path: str, mtime: float) -> dict[str, str]:
    shown = paths.relative(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text) or {}
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 ({exc.reason})", path=shown) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise InputError(f"not valid YAML: {problem}", path=shown,
                         line=mark.line + 1 if mark is not None else None) from None
    projects = data.get("projects", {}) if isinstance(data, dict) else None
    if not isinstance(projects, dict):
        raise InputError("expected a mapping 'projects: {name: id}'", path=shown)
    lines = _project_lines(root)
    names = [str(k.value) for k, _ in _project_nodes(root)]
    for i, name in enumerate(names):
        if name in names[:i]:
            first = [k for k, _ in _project_nodes(root) if str(k.value) == name]
            raise InputError(f"project {name!r} is listed twice (lines {first[0].start_mark.line + 1} and "
                             f"{first[1].start_mark.line + 1}): keep one id per project", path=shown,
                             line=first[1].start_mark.line + 1)
    owner: dict[str, str] = {}
    for name, pid in projects.items():
        if not isinstance(pid, str) or not ID_RE.match(pid):
            raise InputError(f"id {pid!r} for {name!r} is not lower-case ASCII (a-z, 0-9, -)",
                             path=shown, line=lines.get(str(name)))
        if pid in owner:
            raise InputError(f"id {pid!r} is given to two projects, {owner[pid]!r} and {name!r}: "
                             "each project needs its own id", path=shown, line=lines.get(str(name)))
        owner[pid] = str(name)
    return {str(k): v for k, v in projects.items()}


def _project_nodes(root) -> list:
    """The (key, value) nodes under ``projects:``, duplicates included."""
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if key.value == "projects" and isinstance(value, yaml.MappingNode):
            return list(value.value)
    return []


def _project_lines(root) -> dict[str, int]:
    """The 1-based line of each name under ``projects:`` (from the YAML node marks)."""
    return {str(k.value): k.start_mark.line + 1 for k, _ in reversed(_project_nodes(root))}


def registry() -> dict[str, str]:
    """The name → id mapping of data/project_ids.yaml ({} when the file is absent), re-read when it changes.

    Raises InputError when the file is not valid YAML or holds an id that is not lower-case ASCII.
    """
    path = paths.project_ids_file()
    if not path.exists():
        return {}
    return _load_registry(str(path), path.stat().st_mtime)


def project_id(name: str, unit: str) -> str:
    """The project's id: the registry's for a known name, else "p-" + 10 hex digits of SHA-1("unit/name")."""
    known = registry()
    if name in known:
        return known[name]
    digest = hashlib.sha1(f"{unit}/{name}".encode()).hexdigest()[:10]
    return f"p-{digest}"


def check_project_id(project_id: str) -> str:
    """``project_id`` when it is a valid id (helpers.ingest.ids.ID_RE), else an InputError naming it: an
    id becomes a file name under data/, so "../x" must never get there."""
    if not isinstance(project_id, str) or not ID_RE.match(project_id):
        raise InputError(f"invalid project id {project_id!r}: expected lower-case ASCII letters, digits "
                         "and '-' (2 to 63 characters, not starting with '-')")
    return project_id


def check_year(year: int | str) -> str:
    """The year as 4 digits, else an InputError naming it."""
    text = str(year)
    if not re.fullmatch(r"\d{4}", text):
        raise InputError(f"invalid year {year!r}: expected 4 digits, e.g. 2024")
    return text
