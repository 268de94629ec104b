"""The package's architecture: one subpackage per pipeline stage, imports one way (checked by
import-linter's contracts in pyproject.toml), no import cycles, every registry full as soon as its
package is imported, and a docstring on every public function, class and module."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "helpers"
BIN = Path(sys.executable).parent
STAGES = {"core", "ingest", "indicators", "evaluation", "audit", "reports", "commands"}


def _lint_imports(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    return subprocess.run([str(BIN / "lint-imports"), "--no-cache"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_top_level_holds_only_the_entry_points_and_the_stages():
    entries = {p.name for p in SRC.iterdir() if p.name != "__pycache__"}
    assert entries == {"__init__.py", "__main__.py", "cli.py"} | STAGES
    for stage in STAGES:
        assert (SRC / stage / "__init__.py").is_file(), stage


def test_import_contracts_are_kept():
    r = _lint_imports(ROOT, ROOT / "src")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2 kept, 0 broken" in r.stdout


@pytest.fixture
def tree_copy(tmp_path):
    """A copy of the package and its import-linter configuration, to break on purpose."""
    shutil.copytree(SRC, tmp_path / "src" / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _add_line(path: Path, line: str) -> None:
    text = path.read_text(encoding="utf-8")
    head, sep, rest = text.partition("from __future__ import annotations\n")
    assert sep, f"{path} has no __future__ import to insert after"
    path.write_text(head + sep + line + "\n" + rest, encoding="utf-8")


@pytest.mark.parametrize(("module", "line", "contract"), [
    # core importing from the report layer: an upward import
    ("core/paths.py", "from helpers.reports import render  # noqa", "Pipeline stages import one way"),
    # ingest reaching up into the audit
    ("ingest/facts.py", "import helpers.audit.base  # noqa", "Pipeline stages import one way"),
    # indicators and evaluation are independent siblings of one layer
    ("indicators/base.py", "import helpers.evaluation.scoring  # noqa", "Pipeline stages import one way"),
    # a cycle inside a stage: the loader imports facts, facts importing the loader closes it
    ("ingest/facts.py", "import helpers.ingest.loader  # noqa", "No import cycles"),
])
def test_a_deliberate_violation_breaks_a_contract(tree_copy, module, line, contract):
    _add_line(tree_copy / "src" / "helpers" / module, line)
    r = _lint_imports(tree_copy, tree_copy / "src")
    assert r.returncode != 0, r.stdout
    assert " broken." in r.stdout, r.stdout
    # the verdict printed after the contract's (possibly wrapped) name
    after = r.stdout[r.stdout.index(contract):]
    verdict = min((after.find(v), v) for v in ("KEPT", "BROKEN") if v in after)[1]
    assert verdict == "BROKEN", r.stdout


REGISTRIES = {
    # registry (imported alone in a fresh interpreter) → the names it must hold
    "from helpers.ingest.metrics import registry as r": {"loss_ratio", "premium_income", "members"},
    "from helpers.indicators import registry as r": {"insured_persons", "loss_ratio_recomputed"},
    "from helpers.indicators.base import registry as r": {"insured_persons", "coverage_gap"},
    "from helpers.evaluation.scoring import METHODS as r": {"2020", "2021"},
    "from helpers.audit import registry as r": {"product", "ratio", "duplicate_section", "target"},
    "from helpers.audit.base import registry as r": {"product", "restatement"},
    "from helpers.commands import registry as r": {"ingest", "audit", "score", "workbook", "params", "build"},
}


@pytest.mark.parametrize("statement", list(REGISTRIES))
def test_every_registry_is_full_in_a_fresh_interpreter(statement):
    code = f"{statement}\nprint('\\n'.join(r.names()))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    names = set(r.stdout.split())
    assert REGISTRIES[statement] <= names, names


def test_registry_counts_match_their_registration_blocks():
    """The numbers of registered items, counted by hand from the registration blocks: 17 metrics
    (ingest/metrics.py), 11 audit checks (audit/checks/__init__.py), 2 scoring methods, 6 commands."""
    code = ("from helpers.ingest.metrics import registry as m; from helpers.audit import registry as a;"
            "from helpers.evaluation import METHODS; from helpers.commands import registry as c;"
            "print(len(m), len(a), len(METHODS), len(c))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.stdout.split() == ["17", "11", "2", "6"], r.stdout + r.stderr


def test_every_public_function_class_and_module_has_a_docstring():
    r = subprocess.run([str(BIN / "ruff"), "check", "--select", "D1", "--ignore", "D105,D107",
                        "--no-cache", "src"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-4000:]
