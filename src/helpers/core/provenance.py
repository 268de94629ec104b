"""What a report was built from: input files with sha256, parameters and code version
(git commit + dirty flag + package version). Shown in every report's footer and written to the
build manifest."""

from __future__ import annotations

import functools
import hashlib
import subprocess
from pathlib import Path
from typing import Any

from helpers import __version__
from helpers.core import paths


def sha256_file(path: Path | str) -> str:
    """The hex sha256 of a file's bytes, read in 64 KiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    """The hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def _git(cwd: str, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True,
                             text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


@functools.lru_cache(maxsize=4)
def _code_version(package_dir: str) -> dict[str, Any]:
    commit = dirty = None
    top = _git(package_dir, "rev-parse", "--show-toplevel") if Path(package_dir).is_dir() else None
    if top:
        commit = _git(top, "rev-parse", "HEAD")
        if commit is not None:
            status = _git(top, "status", "--porcelain", "--untracked-files=no", "--", "src", "notebooks")
            dirty = bool(status) if status is not None else None
    return {"git_commit": commit, "git_dirty": dirty, "package_version": __version__}


def code_version() -> dict[str, Any]:
    """``{"git_commit": "…" | None, "git_dirty": bool | None, "package_version": "0.1.0"}``.

    Git is asked about the checkout holding the code (``paths.PACKAGE_DIR``), not the data tree
    (``BUDGET_REPORTS_ROOT`` may point at a copy that is no checkout). ``git_dirty`` looks only at
    tracked files under that checkout's src/ and notebooks/ (the code that makes a report); when
    the package is not in a git checkout both git fields are None."""
    return dict(_code_version(str(paths.PACKAGE_DIR)))


def describe_code_version(version: dict[str, Any] | None = None) -> str:
    """One line for a footer: "budget-reports 0.1.0 · git 21ff36e (未提交修改)"."""
    v = version or code_version()
    s = f"budget-reports {v['package_version']}"
    if v.get("git_commit"):
        s += f" · git {v['git_commit'][:12]}"
        if v.get("git_dirty"):
            s += "（含未提交修改）"
    else:
        s += " · git 版本未知"
    return s


def input_record(path: Path | str) -> dict[str, str]:
    """``{"path": relative path, "sha256": …}`` of one input file."""
    return {"path": paths.relative(path), "sha256": sha256_file(path)}


def raw_inputs(year: int | None = None) -> list[dict[str, str]]:
    """Every source text under data/raw/<year>/ (or all years), sorted, with its sha256."""
    root = paths.raw_dir()
    base = root / str(year) if year is not None else root
    if not base.exists():
        return []
    return [input_record(p) for p in sorted(base.rglob("*")) if p.is_file() and p.suffix == ".txt"]
