"""Ingestion: disclosure texts → Documents of Projects with sections, facts, basis documents
and schedule. One bad file never stops the others: its error is collected and reported."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from helpers.core import atomic, paths
from helpers.core.decoding import DecodedText, decode_bytes, read_bytes
from helpers.core.errors import HelpersError, InputError, TemplateError, UnknownProjectError
from helpers.core.normalize import fold
from helpers.ingest.facts import extract_facts
from helpers.ingest.ids import project_id, project_type
from helpers.ingest.models import Document, Notice, Project, Section
from helpers.ingest.references import basis_documents, periods
from helpers.ingest.synthetic import SYNTHETIC_MARK
from helpers.ingest.template import EXPECTED_KEYS, RawProject, split_projects

TITLE_RE = re.compile(r"^(?P<unit>.+?)\s*(?P<year>\d{4})\s*年(?:度)?")
# "2024年某某县文化和旅游局预算重点领域…": the year first, the unit up to 预算/部门/财政/项目.
TITLE_YEAR_FIRST_RE = re.compile(
    r"^\s*(?P<year>\d{4})\s*年(?:度)?\s*(?P<unit>.+?)\s*(?=(?:部门)?预算|重点领域|项目文本)")
TEXT_SUFFIXES = (".txt", ".text")
# A real disclosure text is under 100 KB; a larger file is refused before it is read (docs/assumptions.md).
MAX_TEXT_BYTES = 2 * 1024 * 1024


@dataclass
class IngestResult:
    """The outcome of ingesting many files: the parsed documents and the errors of files that failed."""

    documents: list[Document] = field(default_factory=list)
    failures: list[HelpersError] = field(default_factory=list)

    @property
    def projects(self) -> list[Project]:
        """Every project of every parsed document, in document order."""
        return [p for d in self.documents for p in d.projects]

    @property
    def notices(self) -> list[Notice]:
        """Every warning of every parsed document, in document order."""
        return [n for d in self.documents for n in d.notices]


def parse_text(decoded: DecodedText, year_hint: int | None = None) -> Document:
    """Parse decoded text; raises TemplateError when the text does not follow the template."""
    path = decoded.path
    lines = decoded.lines
    raws, notices = split_projects(lines, path)
    if not raws:
        raise TemplateError("no template headings (一、项目名称 … 八、项目实施成效) found", path=path)
    doc = Document(path=path, encoding=decoded.encoding, line_endings=decoded.line_endings,
                   sha256=decoded.sha256, notices=notices)
    seen: dict[str, int] = {}
    for raw in raws:
        first = doc.projects[0] if doc.projects else None
        if not raw.title and first is not None and first.title:
            # one title line for the whole document: a later project without its own is under it
            raw.title = first.title
            doc.notices.append(Notice(path, raw.start_line, "project without a title line of its own: "
                                                            f"the document's title ({first.budget_year}年) "
                                                            "applies"))
        project = _project(raw, lines, path, year_hint, doc.notices)
        if project is None:
            continue
        if project.name in seen:
            doc.notices.append(Notice(path, raw.start_line, f"project {project.name!r} repeats the "
                                                             f"project at line {seen[project.name]}; "
                                                             "the repeat is skipped"))
            continue
        seen[project.name] = project.line
        doc.projects.append(project)
    if not doc.projects:
        raise TemplateError("no complete project: every project lacks 一、项目名称", path=path,
                            line=raws[0].start_line)
    return doc


def _project(raw: RawProject, lines: list[str], path: str, year_hint: int | None,
             notices: list[Notice]) -> Project | None:
    sections: dict[str, Section] = {}
    for s in raw.sections:
        key = s.key if s.key not in sections else f"{s.key}_{s.number}"
        if s.key in sections:
            notices.append(Notice(path, s.line, f"section {s.number}、{s.title} repeats the "
                                                f"{sections[s.key].number}、{sections[s.key].title} heading"))
        s.key = key
        sections[key] = s
    where = raw.title_line or raw.start_line
    name_sec = sections.get("name")
    name = name_sec.text.strip().split("\n")[0].strip().rstrip("。.；;") if name_sec else ""
    if not name:
        notices.append(Notice(path, where, "project without 一、项目名称 (or with an empty one): skipped"))
        return None
    missing = [k for k in EXPECTED_KEYS if k not in sections]
    if missing:
        notices.append(Notice(path, where, f"project {name!r} is incomplete: no section for "
                                           f"{', '.join(missing)} (truncated text?)"))
    empty = [f"{s.number}、{s.title}" for s in sections.values() if not s.text.strip()]
    if empty:
        notices.append(Notice(path, where, f"project {name!r}: empty section(s) {', '.join(empty)}"))
    unit, year = "", None
    if raw.title:
        folded_title = fold(raw.title)
        m = TITLE_YEAR_FIRST_RE.match(folded_title) or TITLE_RE.match(folded_title)
        if m:
            unit = raw.title[m.start("unit"):m.end("unit")].strip()
            year = int(m.group("year"))
    unit_sec = sections.get("unit")
    stated_unit = unit_sec.text.strip().split("\n")[0].strip().rstrip("。") if unit_sec else ""
    # The implementing unit is the one 三、项目实施单位 names; the title's (publishing) unit stands
    # in when 三 is missing. A unit that is the title's without its prefix is the same unit.
    if stated_unit and unit and not (unit.endswith(stated_unit) or stated_unit.endswith(unit)):
        notices.append(Notice(path, unit_sec.line, f"implementing unit {stated_unit!r} differs from "
                                                   f"the title's {unit!r}"))
    unit = stated_unit or unit
    if year is None:
        year = year_hint
        if year is None:
            raise TemplateError("cannot tell the budget year: no 'YYYY年' in the title line and the "
                                "file is not under a year folder", path=path, line=where)
        notices.append(Notice(path, where, f"no title line with a year: budget year {year} taken "
                                           "from the folder name"))
    elif year_hint is not None and year != year_hint:
        notices.append(Notice(path, where, f"title says {year} but the file is in the {year_hint} "
                                           "folder"))
    facts, fact_notices = extract_facts(sections, lines, path)
    notices.extend(fact_notices)
    return Project(
        id=project_id(name, unit), name=name, unit=unit, budget_year=year,
        title=raw.title or "", path=path, line=where, end_line=raw.end_line,
        type=project_type(name), sections=sections, facts=facts,
        basis=basis_documents(sections.get("basis")), schedule=periods(sections),
        synthetic=SYNTHETIC_MARK in (raw.title or ""),
    )


def _year_hint(path: Path) -> int | None:
    for part in reversed(path.parts[:-1]):
        if re.fullmatch(r"(19|20)\d{2}", part):
            return int(part)
    return None


def parse_file(path: Path | str) -> Document:
    """Parse one file. Parses are cached per process on the file's content (sha256) and the id
    registry's, so a batch that looks projects up many times parses each text once; callers get
    their own copy (unpickled from the cached parse) and may change it freely. With
    ``BUDGET_REPORTS_PARSE_CACHE`` set to a folder the parses are also kept there, shared by the
    processes of a build (see :func:`parser_version`)."""
    p = Path(path)
    display = paths.relative(p)
    data = read_bytes(p, display, limit=MAX_TEXT_BYTES)
    ids_file = paths.project_ids_file()
    ids_key = hashlib.sha256(ids_file.read_bytes()).hexdigest() if ids_file.exists() else ""
    key = hashlib.sha256(data).hexdigest()
    try:
        hint = _year_hint(p.resolve())
    except (OSError, RuntimeError) as exc:   # a symlink loop: name the file, not an internal error
        raise InputError(f"cannot resolve the path: {exc}", path=display) from None
    blob = _parse_cached(key, data, display, hint, ids_key, _cache_dir())
    try:
        return pickle.loads(blob)   # our own parse, written by _parse_cached
    except Exception:               # an unreadable cache entry: parse again, uncached
        return parse_text(decode_bytes(data, display), hint)


PARSE_CACHE_VARIABLE = "BUDGET_REPORTS_PARSE_CACHE"


def _cache_dir() -> str:
    """The folder of the on-disk parse cache, or "" when it is off (the variable unset or "off")."""
    value = os.environ.get(PARSE_CACHE_VARIABLE, "")
    return "" if value.lower() in ("", "0", "off", "no") else value


def default_cache_dir() -> Path:
    """Where a build keeps its parse cache: $XDG_CACHE_HOME/budget-reports/parse (~/.cache/…)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "budget-reports" / "parse"


@lru_cache(maxsize=1)
def parser_version() -> str:
    """sha256 of the parser: the source of helpers.ingest and helpers.core, the Python version and
    the pickle protocol. An on-disk parse is reused only by the same parser, so a changed parser
    (committed or not) never reads an old parse."""
    h = hashlib.sha256(f"{sys.version}|{pickle.HIGHEST_PROTOCOL}".encode())
    root = Path(__file__).resolve().parent.parent
    for package in ("ingest", "core"):
        for f in sorted((root / package).rglob("*.py")):
            h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


@lru_cache(maxsize=256)
def _parse_cached(key: str, data: bytes, display: str, year_hint: int | None, ids_key: str,
                  cache_dir: str) -> bytes:
    """One parse as pickle bytes (each caller unpickles its own copy, faster than a deep copy),
    read from and written to ``cache_dir`` when given. A text that does not parse raises and is
    never cached."""
    entry = None
    if cache_dir:
        name = hashlib.sha256(json.dumps([key, display, year_hint, ids_key, parser_version()])
                              .encode()).hexdigest()
        entry = Path(cache_dir) / f"{name}.pickle"
        with contextlib.suppress(OSError):
            return entry.read_bytes()
    blob = pickle.dumps(parse_text(decode_bytes(data, display), year_hint), protocol=pickle.HIGHEST_PROTOCOL)
    if entry is not None:
        with contextlib.suppress(OSError):   # a cache that cannot be written is only slower
            atomic.write_bytes(entry, blob)
    return blob


def _is_text(p: Path) -> bool:
    """A text file to read, or a link named like one that cannot be followed (a loop, a dangling
    link): that one is read too, so its error names it instead of it being skipped."""
    return p.suffix.lower() in TEXT_SUFFIXES and (p.is_file() or p.is_symlink())


def discover(inputs: list[Path | str] | None = None) -> list[Path]:
    """The text files to read: every *.txt under data/raw/ by default, in a stable order."""
    if not inputs:
        root = paths.raw_dir()
        return sorted(p for p in root.rglob("*") if _is_text(p))
    out: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted(x for x in p.rglob("*") if _is_text(x))
            if not found:
                raise InputError(f"no disclosure texts ({', '.join('*' + s for s in TEXT_SUFFIXES)}) "
                                 "in this folder", path=str(item))
            out.extend(found)
        else:
            out.append(p)
    return out


def ingest_paths(inputs: list[Path | str] | None = None) -> IngestResult:
    """Parse every file; a file that fails is recorded in ``failures`` and the rest go on."""
    result = IngestResult()
    files: list[Path] = []
    for group in ([inputs] if not inputs else [[item] for item in inputs]):
        try:
            files.extend(discover(group or None))
        except InputError as exc:      # an explicit folder without texts: that item fails
            result.failures.append(exc)
    if not files and not inputs:
        raise InputError("no disclosure texts (*.txt) found", path=paths.relative(paths.raw_dir()))
    for f in files:
        try:
            result.documents.append(parse_file(f))
        except HelpersError as exc:
            result.failures.append(exc)
    _check_unique_ids(result)
    return result


SUPERSEDES_RE = re.compile(r"`(?P<new>[^`]+\.(?:txt|text))`\s*supersedes\s*`(?P<old>[^`]+\.(?:txt|text))`")


def superseded() -> dict[str, str]:
    """Which raw text replaces which, as data/raw/README.md says ("`2024/b.txt` supersedes
    `2024/a.txt`"): {old path: new path}, paths relative to the project root."""
    readme = paths.raw_dir() / "README.md"
    try:
        text = readme.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    base = paths.relative(paths.raw_dir())
    return {f"{base}/{m['old']}": f"{base}/{m['new']}" for m in SUPERSEDES_RE.finditer(text)}


def _check_unique_ids(result: IngestResult) -> None:
    """One project per (year, id). Two texts giving the same project is an error naming both,
    unless data/raw/README.md says which text supersedes the other; a repeat inside one text is
    skipped with a notice."""
    replaced = superseded()
    seen: dict[tuple[int, str], Project] = {}
    clashes: dict[str, list[tuple[Project, Project]]] = {}
    for doc in result.documents:
        for p in list(doc.projects):
            key = (p.budget_year, p.id)
            first = seen.get(key)
            if first is None:
                seen[key] = p
                continue
            if first.path == p.path:
                doc.notices.append(Notice(doc.path, p.line, f"project {p.name!r} ({p.budget_year}) is "
                                                            f"already given at line {first.line}; "
                                                            "this copy is skipped"))
                doc.projects[:] = [x for x in doc.projects if x is not p]
            elif replaced.get(first.path) == p.path or replaced.get(p.path) == first.path:
                keep, drop = (p, first) if replaced.get(first.path) == p.path else (first, p)
                _drop(result, drop)
                seen[key] = keep
                for d in result.documents:
                    if d.path == keep.path:
                        d.notices.append(Notice(keep.path, keep.line,
                                                f"project {p.name!r} ({p.budget_year}) replaces the one in "
                                                f"{drop.path} (data/raw/README.md: supersedes)"))
            else:
                clashes.setdefault(p.path, []).append((p, first))
                doc.projects[:] = [x for x in doc.projects if x is not p]
    for path, pairs in clashes.items():        # one error line per file, naming every project
        p, first = pairs[0]
        more = f" and {len(pairs) - 1} more project(s)" if len(pairs) > 1 else ""
        result.failures.append(InputError(
            f"project {p.name!r} ({p.budget_year}){more} also given by {first.path}:{first.line}; "
            f"say in data/raw/README.md which text supersedes the other "
            f"(\"`{p.budget_year}/new.txt` supersedes `{p.budget_year}/old.txt`\")", path=path, line=p.line))


def _drop(result: IngestResult, project: Project) -> None:
    for doc in result.documents:
        doc.projects[:] = [x for x in doc.projects if x is not project]


def load_projects(year: int | None = None) -> list[Project]:
    """Every project under data/raw/ (of one budget year if given), in a stable order.

    A file under data/raw/ that cannot be read is an error here (the first one is raised, naming
    its file and line): reports, parameters and indexes are never made from a catalogue that
    silently lacks a text. `python -m helpers ingest` lists every bad file."""
    result = ingest_paths()
    if result.failures:
        first = result.failures[0]
        more = len(result.failures) - 1
        if more:
            first.message += f" (and {more} more bad file(s): run `python -m helpers ingest`)"
        raise first
    projects = [p for p in result.projects if year is None or p.budget_year == year]
    return sorted(projects, key=lambda p: (p.budget_year, p.path, p.line))


def get_project(project_id_: str, year: int) -> Project:
    """The project ``project_id_`` of budget year ``year`` from the full catalogue under data/raw/.

    Raises UnknownProjectError, listing the known year/id pairs, when there is none.
    """
    return Catalogue(load_projects()).get(project_id_, year)


class Catalogue:
    """Every project under data/raw/, loaded once and indexed by (year, id): a build plans,
    validates and describes all its reports from one catalogue instead of re-reading the texts
    for each report. The projects are shared, not copied: read them, do not change them."""

    def __init__(self, projects: list[Project]) -> None:
        self.projects = projects
        self._by_key: dict[tuple[int, str], Project] = {}
        for p in projects:                       # the first one, as get_project always returned
            self._by_key.setdefault((p.budget_year, p.id), p)

    def get(self, project_id_: str, year: int) -> Project:
        """The project of that id and year; UnknownProjectError listing the known ones."""
        found = self._by_key.get((year, project_id_))
        if found is not None:
            return found
        known = ", ".join(sorted({f"{p.budget_year}/{p.id}" for p in self.projects})) or "none"
        raise UnknownProjectError(f"unknown project {project_id_!r} for {year} (known: {known})",
                                  path=paths.relative(paths.raw_dir()))

    def for_year(self, year: int | None) -> list[Project]:
        """The projects of one budget year (every project when ``year`` is None)."""
        return [p for p in self.projects if year is None or p.budget_year == year]


def catalogue() -> Catalogue:
    """The whole catalogue under data/raw/, loaded once (see :class:`Catalogue`)."""
    return Catalogue(load_projects())


def years() -> list[int]:
    """The budget years of the catalogue under data/raw/, ascending."""
    return sorted({p.budget_year for p in load_projects()})
