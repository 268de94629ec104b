"""A build with nothing to do stays flat: it imports neither papermill, nbformat, jsonschema nor
distributed, rewrites no file under reports/ (bytes and mtimes), and a changed text rebuilds only
its own reports and its year's audit page. The notebook fingerprint and the parameter check read
the templates with json and ast, equal to what nbformat and papermill give."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, copy_project
from helpers.ingest.synthetic import make_document

HEAVY = ("papermill", "nbformat", "jsonschema", "distributed")

# Runs a build in a fresh interpreter, with the code version of a clean checkout (the real one may
# hold others' uncommitted work, which disables reuse). "stand-in": each report to build gets
# stand-in files instead of a kernel run (what is tested here is everything around the kernels).
BUILD = r"""
import json, sys
from pathlib import Path
from helpers.core import provenance
provenance.code_version = lambda: {"git_commit": "c" * 40, "git_dirty": False, "package_version": "0.1.0"}
from helpers.reports import batch
from helpers.reports.worker import Result

def stand_in(todo, formats, workers, progress, results):
    for job in todo:
        res = Result(key=job.key, status="ok")
        for ext in ("ipynb", "html"):
            f = Path(job.staging) / f"{job.params.name}.{ext}"
            f.write_text(f"stand-in {ext} of {job.key}\n", encoding="utf-8")
            res.staged[ext] = str(f)
        batch.publish(job, res)
        results.append(res)
    return results

if sys.argv[1] == "stand-in":
    batch._run = stand_in
results = batch.build(formats=("html",), jobs=1, allow_synthetic=True)
print(json.dumps({"built": sorted(r.key for r in results if r.status == "ok"),
                  "skipped": sum(r.status == "skipped" for r in results),
                  "heavy": sorted(m for m in HEAVY if m in sys.modules)}))
""".replace("HEAVY", repr(HEAVY))


def _build(root: Path, mode: str) -> dict:
    env = {**os.environ, "BUDGET_REPORTS_ROOT": str(root),
           "BUDGET_REPORTS_PARSE_CACHE": str(root.parent / "parse-cache")}
    proc = subprocess.run([sys.executable, "-c", BUILD, mode], env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _state(root: Path) -> dict[str, tuple[int, bytes]]:
    return {p.relative_to(root).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted((root / "reports").rglob("*")) if p.is_file()}


@pytest.fixture
def two_years(tmp_path) -> Path:
    """A copy of the project with a second (synthetic) year, built once with stand-in reports."""
    root = copy_project(tmp_path / "project")
    (root / "data/raw/2031").mkdir(parents=True)
    (root / "data/raw/2031/synthetic-2031.txt").write_text(make_document(2031, seed=3), encoding="utf-8")
    first = _build(root, "stand-in")
    assert len(first["built"]) == 6 and first["skipped"] == 0
    return root


def test_a_no_change_build_imports_nothing_heavy_and_writes_nothing(two_years):
    before = _state(two_years)
    assert {"reports/manifest.json", "reports/index.html", "reports/2024/audit.html",
            "reports/2031/audit.csv", "reports/2031/index.html"} <= set(before)
    again = _build(two_years, "real")          # the real kernel runner: nothing may reach it
    assert again == {"built": [], "skipped": 6, "heavy": []}
    assert _state(two_years) == before         # same bytes, same mtimes, no file added or removed


def test_a_changed_text_rebuilds_its_reports_and_its_year_audit_only(two_years):
    text = two_years / "data/raw/2031/synthetic-2031.txt"
    text.write_text(make_document(2031, seed=4), encoding="utf-8")
    before = _state(two_years)
    years = json.loads((two_years / "reports/manifest.json").read_text(encoding="utf-8"))["years"]
    again = _build(two_years, "stand-in")
    assert again["built"] == ["2031/association-operations", "2031/family-accident-insurance",
                              "2031/overview"]
    assert again["skipped"] == 3 and again["heavy"] == []
    after = _state(two_years)
    changed = {k for k in before if before[k] != after.get(k)}
    assert "reports/manifest.json" in changed and "reports/2031/index.html" in changed
    assert not {k for k in changed if k.startswith("reports/2024/")}     # the other year untouched
    manifest = json.loads((two_years / "reports/manifest.json").read_text(encoding="utf-8"))
    assert manifest["years"]["2024"] == years["2024"]                    # its audit not redone
    assert manifest["years"]["2031"]["fingerprint"] != years["2031"]["fingerprint"]   # redone …
    # … and written only where its bytes changed (the synthetic texts have no findings either way)
    assert after["reports/2031/audit.html"][1] == before["reports/2031/audit.html"][1]
    assert ("reports/2031/audit.html" in changed) == (after["reports/2031/audit.html"][1]
                                                      != before["reports/2031/audit.html"][1])
    assert manifest["reports"]["2031/family-accident-insurance"]["key_figures"]   # described when built


def _nbformat_clean(path: Path) -> str:
    """The clean template as nbformat writes it (the reference for the json implementation: the
    worker's own nbformat path, kept for notebooks older than format 4.5)."""
    from helpers.reports.worker import _clean_template_text_nbformat

    return _clean_template_text_nbformat(path)


NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_clean_template_text_is_byte_identical_to_nbformat(path, tmp_path):
    from helpers.reports.worker import clean_template_text

    assert clean_template_text(path) == _nbformat_clean(path)
    # the same notebook as run and saved in JupyterLab: outputs, counts, run metadata, attachments
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        cell["metadata"].update({"trusted": True, "scrolled": True, "execution": {"x": i}})
        if cell["cell_type"] == "code":
            cell["execution_count"] = i + 1
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["out\n", "put"]}]
        else:
            cell["attachments"] = {"a.png": {"image/png": "iVBORw0KGgo=", "text/plain": ["a\n", "b"]}}
            cell["source"] = "".join(cell["source"])      # a string, not lines
    nb["metadata"]["signature"] = "sha256:0"
    saved = tmp_path / path.name
    saved.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    assert clean_template_text(saved) == _nbformat_clean(saved)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_declared_parameters_are_papermills(path):
    import papermill

    from helpers.reports import params

    assert params.declared_parameters(path) == papermill.inspect_notebook(str(path))


CELLS = [
    'project_id: str = "x"  # the project\nyear: int = 2024\n',
    'a = 1  # one\nb = "s"  # type: str  the help\n# a comment\n\nc: list = [\n    1,\n    2]  # many\n',
    'd: "float" = 1.5\ne = None\nf: dict = {"k": 1}  # mapping\n',
    "",
]


@pytest.mark.parametrize("source", CELLS)
def test_parameters_cell_reading_matches_papermill(source):
    from papermill.translators import PythonTranslator

    from helpers.reports.params import inspect_source

    expected = {p.name: p._asdict() for p in PythonTranslator.inspect({"source": source})}
    assert inspect_source(source) == expected


def test_params_yaml_keeps_dates_as_text_like_papermill(tmp_path):
    import yaml
    from papermill.iorw import NoDatesSafeLoader as Papermill

    from helpers.reports.params import load_yaml

    text = "notebook: x\nparameters:\n  day: 2024-01-01\n  at: 2024-01-01 10:00:00\n  n: 3\n  on: yes\n"
    f = tmp_path / "p.yaml"
    f.write_text(text, encoding="utf-8")
    assert load_yaml(f) == yaml.load(text, Loader=Papermill)
    assert load_yaml(f)["parameters"]["day"] == "2024-01-01"
