"""Fixtures of the reliability suite: one good build of the seed reports (``build --formats
html`` with the real CLI), shared by every module; each test works on its own copy of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import copy_project

from .support import SEED_KEYS, assert_manifest_matches_disk, copy_tree, run_cli


@pytest.fixture(scope="session")
def good_tree(tmp_path_factory) -> Path:
    """A project copy with every seed report built (HTML) by the real CLI. Read-only for tests."""
    root = copy_project(tmp_path_factory.mktemp("good") / "project")
    proc = run_cli(root, "build", "--formats", "html", "--force", "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    assert_manifest_matches_disk(root, SEED_KEYS)
    return root


@pytest.fixture
def good_copy(good_tree, tmp_path) -> Path:
    """This test's own copy of the good tree (inputs and reports)."""
    return copy_tree(good_tree, tmp_path / "project")


@pytest.fixture
def good_env(good_copy, monkeypatch) -> Path:
    """``good_copy`` with BUDGET_REPORTS_ROOT pointing at it, for in-process CLI calls."""
    monkeypatch.setenv("BUDGET_REPORTS_ROOT", str(good_copy))
    monkeypatch.delenv("BUDGET_REPORTS_FAULT", raising=False)
    monkeypatch.delenv("BUDGET_REPORTS_TESTING", raising=False)
    return good_copy
