"""The one module that owns paths. Everything is anchored at the package location
(src/helpers/core → src/helpers → project root), never at the current directory.

Set ``BUDGET_REPORTS_ROOT`` to point the suite at another project tree (tests use this to build
into a temporary copy)."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def project_root() -> Path:
    """The project tree: $BUDGET_REPORTS_ROOT if set, else the checkout holding src/helpers."""
    env = os.environ.get("BUDGET_REPORTS_ROOT")
    if env:
        return Path(env).resolve()
    return PACKAGE_DIR.parent.parent


def data_dir() -> Path:
    """The data folder (<root>/data): raw texts, derived tables, targets and actuals."""
    return project_root() / "data"


def raw_dir() -> Path:
    """Source disclosure texts, one folder per budget year; read-only."""
    return data_dir() / "raw"


def derived_dir() -> Path:
    """Derived tables (git-ignored), rebuilt by `ingest`."""
    return data_dir() / "derived"


def targets_dir() -> Path:
    """Hand-kept performance target tables (绩效目标表), per year."""
    return data_dir() / "targets"


def actuals_dir() -> Path:
    """Hand-kept self-evaluation tables (绩效自评表), per year."""
    return data_dir() / "actuals"


def params_dir() -> Path:
    """Report parameter files (<root>/params), one YAML per report under a folder per year."""
    return project_root() / "params"


def notebooks_dir() -> Path:
    """The report notebooks executed by the build (<root>/notebooks)."""
    return project_root() / "notebooks"


def reports_dir() -> Path:
    """Where built reports (HTML, PDF, indexes) are published (<root>/reports)."""
    return project_root() / "reports"


def project_ids_file() -> Path:
    """Registry mapping project names to readable ASCII ids."""
    return data_dir() / "project_ids.yaml"


def relative(path: Path | str) -> str:
    """A path shown relative to the project root where possible (for messages and provenance)."""
    p = Path(path).resolve()
    try:
        return p.relative_to(project_root()).as_posix()
    except ValueError:
        return str(path)
