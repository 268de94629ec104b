"""The notebooks themselves: committed clean, parameters declared papermill's way, no formulas,
and they run top to bottom with papermill's own CLI from any directory."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers.core import paths

NOTEBOOKS = ("project_report", "year_overview")
PAPERMILL = str(Path(sys.executable).with_name("papermill"))
# What a notebook code cell may contain: imports from helpers, the parameters, names and calls.
ALLOWED = (ast.Module, ast.Expr, ast.Assign, ast.AnnAssign, ast.Name, ast.Load, ast.Store, ast.Call,
           ast.Attribute, ast.Constant, ast.ImportFrom, ast.alias, ast.keyword)


def load(name):
    return nbformat.read(paths.notebooks_dir() / f"{name}.ipynb", as_version=4)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_without_outputs(name):
    nb = load(name)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_holds_no_formulas(name):
    for cell in load(name).cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            assert isinstance(node, ALLOWED), f"{name}: {type(node).__name__} in {cell.source!r}"
            if isinstance(node, ast.ImportFrom):
                assert node.module == "helpers" or node.module.startswith("helpers."), cell.source


@pytest.mark.parametrize("name, expected", [
    ("project_report", {"project_id": "str", "year": "int"}),
    ("year_overview", {"year": "int"}),
])
def test_parameters_cell_is_typed(name, expected):
    import papermill

    found = papermill.inspect_notebook(str(paths.notebooks_dir() / f"{name}.ipynb"))
    assert {k: v["inferred_type_name"] for k, v in found.items()} == expected
    tagged = [c for c in load(name).cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1


def test_help_notebook_lists_parameters():
    proc = subprocess.run([PAPERMILL, "--help-notebook", str(paths.notebooks_dir() / "project_report.ipynb")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert "project_id: str" in proc.stdout and "year: int" in proc.stdout


def _errors(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
            if o.get("output_type") == "error"]


@pytest.mark.slow
def test_papermill_cli_runs_report_from_another_directory(tmp_path):
    out = tmp_path / "out.ipynb"
    proc = subprocess.run([PAPERMILL, str(paths.notebooks_dir() / "project_report.ipynb"), str(out),
                           "-p", "project_id", "association-operations", "--no-progress-bar"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    nb = nbformat.read(out, as_version=4)
    assert not _errors(nb)
    html = json.dumps([o.get("data", {}).get("text/html", "") for c in nb.cells
                       for o in c.get("outputs", [])], ensure_ascii=False)
    assert "计划生育协会综合工作经费项目" in html and "data:image/png;base64," in html
    assert "117个" in html                                # a fact, formatted per domain.md §4


@pytest.mark.slow
def test_overview_runs_with_its_defaults(tmp_path):
    import papermill

    nb = papermill.execute_notebook(str(paths.notebooks_dir() / "year_overview.ipynb"),
                                    str(tmp_path / "o.ipynb"), progress_bar=False,
                                    kernel_name="python3", shutdown_kernel="immediate")
    assert not _errors(nb)
    text = json.dumps([o.get("data", {}) for c in nb.cells for o in c.get("outputs", [])], ensure_ascii=False)
    assert "计划生育家庭意外伤害保险专项资金项目" in text and "计划生育协会综合工作经费项目" in text
    assert "15.02万元" in text                              # 12.80 + 2.22 万元 stated in 资金安排


def test_explore_notebook_is_clean_and_not_a_report():
    nb = load("explore")
    assert all(c.outputs == [] and c.execution_count is None for c in nb.cells if c.cell_type == "code")
    assert nb.metadata["kernelspec"]["name"] == "budget-reports"
    assert not any("explore" in p.read_text(encoding="utf-8") for p in paths.params_dir().rglob("*.yaml"))


@pytest.mark.slow
def test_explore_notebook_runs_in_the_project_kernel(project_copy):
    """Run All in the project kernel, as an analyst would: no error output, the frames have numbers,
    and the plot draws its Chinese labels with a CJK font (matplotlib warns on a missing glyph)."""
    from nbclient import NotebookClient

    nb = load("explore")
    nb.cells = [c for c in nb.cells if not c.source.startswith("!python")]   # the build is tested elsewhere
    nb.cells.insert(1, nbformat.v4.new_code_cell(
        "import warnings; warnings.simplefilter('error', UserWarning)  # a missing glyph is an error"))
    NotebookClient(nb, kernel_name="budget-reports", timeout=300,
                   resources={"metadata": {"path": str(project_copy / "notebooks")}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "59039" in html or "59,039" in html                       # 参保人数 in the indicator pivot
    assert any("image/png" in o.get("data", {}) for o in outputs)    # the plot
