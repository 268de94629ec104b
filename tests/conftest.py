"""Shared fixtures: a temporary copy of the project tree (BUDGET_REPORTS_ROOT points at it) and
one batch build of the seed reports shared by the browser, PDF, publish and batch tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
COPIED = ("data", "notebooks", "params")


def copy_project(dest: Path, reports_from: Path | None = None) -> Path:
    """Copy the inputs of the project (data, notebooks, params) into ``dest``; optionally the
    reports/ of an earlier build."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        src = REPO / name
        if src.exists():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("derived", ".ipynb_checkpoints"))
    if reports_from is not None:
        shutil.copytree(reports_from / "reports", dest / "reports")
    else:
        (dest / "reports").mkdir(exist_ok=True)
    return dest


@pytest.fixture
def project_copy(tmp_path, monkeypatch) -> Path:
    """A fresh copy of the project; helpers.paths resolves into it for this test."""
    root = copy_project(tmp_path / "project")
    monkeypatch.setenv("BUDGET_REPORTS_ROOT", str(root))
    return root


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> Path:
    """One real batch build (HTML + PDF, 2 jobs) of every seed report in a temporary copy.
    Returns the copy's root; its reports/ holds the outputs. Read-only for the tests."""
    from helpers.reports import batch

    root = copy_project(tmp_path_factory.mktemp("built") / "project")
    old = os.environ.get("BUDGET_REPORTS_ROOT")
    os.environ["BUDGET_REPORTS_ROOT"] = str(root)
    try:
        batch.build(formats=("html", "pdf"), jobs=2, force=True)
    finally:
        if old is None:
            os.environ.pop("BUDGET_REPORTS_ROOT", None)
        else:
            os.environ["BUDGET_REPORTS_ROOT"] = old
    return root
