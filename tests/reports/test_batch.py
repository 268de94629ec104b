"""End-to-end batch behaviour (real kernels). The seed build is shared (conftest.built_project);
tests that need their own build work in their own copy with HTML only."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from conftest import copy_project
from helpers.core import provenance
from helpers.core.errors import BuildError
from helpers.reports import batch
from helpers.reports.manifest import fingerprint, up_to_date

SEED = ("family-accident-insurance", "association-operations", "overview")
FIXTURES = Path(__file__).parents[1] / "fixtures"


@pytest.mark.slow
def test_seed_build_has_every_output_and_a_manifest(built_project):
    out = built_project / "reports" / "2024"
    for name in SEED:
        for ext in ("html", "pdf", "ipynb"):
            assert (out / f"{name}.{ext}").stat().st_size > 0, (name, ext)
    assert (out / "index.html").exists() and (built_project / "reports" / "index.html").exists()
    manifest = json.loads((built_project / "reports" / "manifest.json").read_text(encoding="utf-8"))
    for name in SEED:
        entry = manifest["reports"][f"2024/{name}"]
        assert entry["status"] == "ok"
        expected = ["data/raw/2024/hongta-jishengxie-2024.txt"]
        if name != "overview":      # the id registry and the target table feed a project report
            expected += ["data/project_ids.yaml", f"data/targets/2024/{name}.csv"]
        assert [i["path"] for i in entry["inputs"]] == expected
        for rec in entry["inputs"]:
            assert rec["sha256"] == provenance.sha256_file(built_project / rec["path"])
        assert entry["key_figures"] is None if name == "overview" else entry["key_figures"]
        assert entry["parameters"]["year"] == 2024
        assert set(entry["code"]) == {"git_commit", "git_dirty", "package_version"}
        for kind, rec in entry["outputs"].items():
            assert provenance.sha256_file(built_project / rec["path"]) == rec["sha256"], kind
    assert not list((built_project / "reports").rglob("*.tmp"))


@pytest.mark.slow
def test_seed_build_writes_tables_and_the_year_audit(built_project):
    import openpyxl

    out = built_project / "reports" / "2024"
    manifest = json.loads((built_project / "reports" / "manifest.json").read_text(encoding="utf-8"))
    for name in SEED[:2]:
        xlsx = out / f"{name}.indicators.xlsx"
        assert openpyxl.load_workbook(xlsx).active["A1"].value
        assert manifest["reports"][f"2024/{name}"]["outputs"]["indicators_xlsx"]["path"] == \
            f"reports/2024/{name}.indicators.xlsx"
        assert not (out / f"{name}.score.xlsx").exists()       # no actuals for the seed year
    assert not (out / "overview.indicators.xlsx").exists()
    audit = manifest["years"]["2024"]["outputs"]
    assert audit["audit_html"]["path"] == "reports/2024/audit.html"
    assert audit["audit_csv"]["path"] == "reports/2024/audit.csv"
    for rec in audit.values():
        assert provenance.sha256_file(built_project / rec["path"]) == rec["sha256"]
    assert "2024年预算项目文本一致性核查" in (out / "audit.html").read_text(encoding="utf-8")
    assert (out / "audit.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="audit.html"' in index and 'href="audit.csv"' in index


@pytest.mark.slow
def test_actuals_give_a_scored_section_and_a_score_table(tmp_path, monkeypatch):
    import shutil

    import openpyxl

    root = copy_project(tmp_path / "scored")
    monkeypatch.setenv("BUDGET_REPORTS_ROOT", str(root))
    actuals = root / "data/actuals/2024/family-accident-insurance.csv"
    actuals.parent.mkdir(parents=True)
    shutil.copy(FIXTURES / "selfeval" / "hand_scored.csv", actuals)
    batch.build(year=2024, project_id="family-accident-insurance", formats=("html",), jobs=1)
    out = root / "reports/2024"
    html = (out / "family-accident-insurance.html").read_text(encoding="utf-8")
    assert "七、绩效自评" in html and "92.72" in html and "待填报" not in html
    ws = openpyxl.load_workbook(out / "family-accident-insurance.score.xlsx").active
    last = [c.value for c in ws[ws.max_row]]
    assert last[0] == "合计" and last[8] == 92.72 and "优" in last[9]
    entry = json.loads((root / "reports/manifest.json").read_text(encoding="utf-8"))["reports"][
        "2024/family-accident-insurance"]
    assert {"indicators_xlsx", "score_xlsx"} <= set(entry["outputs"])
    assert {"path": "data/actuals/2024/family-accident-insurance.csv",
            "sha256": provenance.sha256_file(actuals)} in entry["inputs"]


@pytest.mark.slow
def test_published_html_is_self_contained(built_project):
    pages = [*(built_project / "reports/2024").glob("*.html"), built_project / "reports/index.html"]
    assert len(pages) == 6          # 3 reports, the year index, the audit page, the root index
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert '<html lang="zh-CN">' in html, page
        assert not re.search(r"https?://|<link|MathJax|<script[^>]*\bsrc=", html), page
        if page.name != "index.html":       # only the indexes carry a (small, inline) filter script
            assert "<script" not in html, page
        assert "In&nbsp;[" not in html and "rd.project_report" not in html, page   # no code cells


@pytest.mark.slow
def test_report_says_what_it_was_built_from(built_project):
    html = (built_project / "reports/2024/family-accident-insurance.html").read_text(encoding="utf-8")
    seed = built_project / "data/raw/2024/hongta-jishengxie-2024.txt"
    assert provenance.sha256_file(seed) in html
    assert "project_id = <code>family-accident-insurance</code>" in html
    assert "budget-reports 0.1.0" in html


@pytest.mark.slow
def test_cli_build_is_deterministic_and_shows_progress(built_project, tmp_path):
    root = copy_project(tmp_path / "again")
    env = {**os.environ, "BUDGET_REPORTS_ROOT": str(root)}
    proc = subprocess.run([sys.executable, "-m", "helpers", "build", "--formats", "html", "--jobs", "2"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "[1/3]" in proc.stderr and "[3/3]" in proc.stderr and "elapsed" in proc.stderr
    assert "report" in proc.stderr and "status" in proc.stderr      # the summary table
    downloads = re.compile(rb'<p class="downloads">.*?</p>\n')
    for name in SEED:
        for ext in ("html", "ipynb"):      # the executed notebook too: no timings, no temp paths
            first = (built_project / f"reports/2024/{name}.{ext}").read_bytes()
            now = (root / f"reports/2024/{name}.{ext}").read_bytes()
            if ext == "html":   # the html,pdf build links the report's PDF; an html-only build must not
                assert not re.search(rb'href="[^"]*\.pdf"', now), name
                first, now = downloads.sub(b"", first), downloads.sub(b"", now)
            assert now == first, (name, ext)
    nb = json.loads((root / "reports/2024/overview.ipynb").read_text(encoding="utf-8"))
    pm = nb["metadata"]["papermill"]
    assert not {"start_time", "end_time", "duration"} & set(pm)
    assert pm["input_path"] == "notebooks/year_overview.ipynb"
    assert pm["output_path"] == "reports/2024/overview.ipynb"
    assert str(tmp_path) not in json.dumps(nb) and "/tmp" not in json.dumps(nb)
    assert not (root / "reports/2024/overview.pdf").exists()


def _break_notebook(root, project_id):
    path = root / "notebooks" / "project_report.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(2, new_code_cell(
        f"if project_id == {project_id!r}:\n    raise RuntimeError('deliberate failure')"))
    nbformat.write(nb, path)


@pytest.mark.slow
def test_failed_report_keeps_previous_good_report(built_project, tmp_path, monkeypatch):
    root = copy_project(tmp_path / "fail", reports_from=built_project)
    monkeypatch.setenv("BUDGET_REPORTS_ROOT", str(root))
    out = root / "reports" / "2024"
    good_html = (out / "association-operations.html").read_bytes()
    good_pdf = (out / "association-operations.pdf").read_bytes()
    _break_notebook(root, "association-operations")
    with pytest.raises(BuildError) as err:
        batch.build(year=2024, formats=("html",), jobs=2, force=True)
    assert err.value.exit_code == 1
    assert "2024/association-operations" in str(err.value) and "deliberate failure" in str(err.value)
    assert (out / "association-operations.html").read_bytes() == good_html
    assert (out / "association-operations.pdf").read_bytes() == good_pdf
    failed = nbformat.read(out / "association-operations.failed.ipynb", as_version=4)
    errors = [o for c in failed.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors and errors[0]["evalue"] == "deliberate failure"
    assert failed.metadata.papermill.exception is True              # error information kept
    assert any(c.metadata.get("papermill", {}).get("exception") for c in failed.cells)
    assert "start_time" not in failed.metadata.papermill
    # the batch went on: the other project was rebuilt
    manifest = json.loads((root / "reports/manifest.json").read_text(encoding="utf-8"))
    assert manifest["reports"]["2024/family-accident-insurance"]["status"] == "ok"
    entry = manifest["reports"]["2024/association-operations"]
    assert entry["status"] == "failed" and entry["outputs"]["html"]["path"].endswith(".html")
    kept = json.loads((built_project / "reports/manifest.json").read_text(encoding="utf-8"))
    assert entry["key_figures"] == kept["reports"]["2024/association-operations"]["key_figures"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "构建失败" in index and 'href="association-operations.html"' in index


@pytest.mark.slow
def test_synthetic_second_year_needs_no_code_change(tmp_path, monkeypatch):
    from helpers.ingest.synthetic import make_document

    root = copy_project(tmp_path / "year2")
    monkeypatch.setenv("BUDGET_REPORTS_ROOT", str(root))
    (root / "data/raw/2031").mkdir()
    (root / "data/raw/2031/synthetic-2031.txt").write_text(make_document(2031, seed=7), encoding="utf-8")
    results = batch.build(year=2031, formats=("html",), jobs=2, allow_synthetic=True)
    assert {r.status for r in results} == {"ok"}
    names = sorted(p.name for p in (root / "reports/2031").glob("*.html"))
    assert len(names) == 5 and {"overview.html", "index.html", "audit.html"} <= set(names)  # 2 projects
    assert len(list((root / "params/2031").glob("*.yaml"))) == 3
    assert "2031年度" in (root / "reports/index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_up_to_date_reports_are_skipped_unless_forced(built_project, tmp_path, monkeypatch):
    root = copy_project(tmp_path / "skip", reports_from=built_project)
    monkeypatch.setenv("BUDGET_REPORTS_ROOT", str(root))
    job = batch.plan(2024, "association-operations")[0]
    code = {"git_commit": "a" * 40, "git_dirty": False, "package_version": "0.1.0"}
    fp = fingerprint(job, code, ("html",))
    entry = {"status": "ok", "fingerprint": fp, "key_figures": [],
             "outputs": {"html": {"path": "reports/2024/association-operations.html"}}}
    assert up_to_date(job, fp, {"reports": {job.key: entry}}, ("html",))
    assert not up_to_date(job, fp, {"reports": {job.key: entry}}, ("html", "pdf"))
    code["git_dirty"] = True
    assert fingerprint(job, code, ("html",)) is None     # uncommitted code is never reused


@pytest.mark.slow
def test_ctrl_c_leaves_no_half_written_file(built_project, tmp_path):
    root = copy_project(tmp_path / "intr", reports_from=built_project)
    before = {p: p.read_bytes() for p in (root / "reports").rglob("*") if p.is_file()}
    env = {**os.environ, "BUDGET_REPORTS_ROOT": str(root)}
    proc = subprocess.Popen([sys.executable, "-m", "helpers", "build", "--force", "--jobs", "2"],
                            env=env, stderr=subprocess.PIPE, text=True, start_new_session=True)
    for line in proc.stderr:                      # interrupt while reports are being built
        if line.startswith("[1/3]"):
            break
    os.killpg(proc.pid, signal.SIGINT)
    proc.communicate(timeout=120)
    assert proc.returncode != 0
    time.sleep(0.5)
    assert not list((root / "reports").rglob("*.tmp"))
    for p, data in before.items():                # every file is complete: old or new, never half
        now = p.read_bytes()
        assert now == data or (p.suffix == ".html" and now.rstrip().endswith(b"</html>")) \
            or (p.suffix == ".pdf" and now.rstrip().endswith(b"%%EOF")) \
            or (p.suffix in (".ipynb", ".json") and json.loads(now))


def test_build_command_passes_its_flags(monkeypatch):
    from helpers import cli

    seen = {}
    monkeypatch.setattr(batch, "build", lambda **kw: seen.update(kw) or [])
    assert cli.main(["build", "--year", "2024", "--project", "x", "--formats", "pdf,html", "--jobs", "3",
                     "--force", "--cell-timeout", "20"]) == 0
    assert seen == {"year": 2024, "project_id": "x", "formats": ("pdf", "html"), "jobs": 3, "force": True,
                    "allow_synthetic": False, "cell_timeout": 20}
    seen.clear()
    assert cli.main(["build"]) == 0
    assert seen["formats"] == ("html", "pdf") and seen["jobs"] == (os.cpu_count() or 1)
    assert seen["force"] is False and seen["allow_synthetic"] is False and seen["cell_timeout"] == 300
    assert cli.main(["build", "--allow-synthetic"]) == 0 and seen["allow_synthetic"] is True
    assert cli.main(["build", "--cell-timeout", "0"]) == 0 and seen["cell_timeout"] is None
    assert cli.main(["build", "--cell-timeout", "-1"]) == 2


def test_synthetic_year_is_refused_without_the_flag(tmp_path):
    from helpers.ingest.synthetic import make_document

    root = copy_project(tmp_path / "synthetic")
    (root / "data/raw/2031").mkdir()
    (root / "data/raw/2031/synthetic-2031.txt").write_text(make_document(2031, seed=7), encoding="utf-8")
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    env = {**os.environ, "BUDGET_REPORTS_ROOT": str(root)}
    proc = subprocess.run([sys.executable, "-m", "helpers", "build", "--year", "2031", "--formats", "html"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert lines[0].startswith("error: data/raw/2031/synthetic-2031.txt: refusing to build synthetic")
    assert "--allow-synthetic" in lines[0]
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before     # nothing written


@pytest.mark.parametrize("argv", [["--formats", "docx"], ["--jobs", "0"]])
def test_build_command_rejects_bad_flags(argv, capsys):
    from helpers import cli

    assert cli.main(["build", *argv]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1 and err.startswith("error: argument")


@pytest.mark.slow
def test_missing_browser_fails_pdf_reports_but_keeps_going(project_copy, monkeypatch):
    from helpers.reports import pdf

    monkeypatch.setattr(pdf, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(BuildError) as err:
        batch.build(year=2024, project_id="association-operations", formats=("html", "pdf"), jobs=1)
    assert "pdf: cannot start chromium" in str(err.value)
    assert not (project_copy / "reports/2024/association-operations.html").exists()   # all or nothing
    assert not (project_copy / "reports/2024/association-operations.indicators.xlsx").exists()
    assert (project_copy / "reports/2024/association-operations.failed.ipynb").exists()


CLEAN_CODE = {"git_commit": "c" * 40, "git_dirty": False, "package_version": "0.1.0"}


@pytest.mark.slow
def test_changing_the_target_table_rebuilds_the_report(tmp_path, monkeypatch):
    root = copy_project(tmp_path / "targets")
    monkeypatch.setenv("BUDGET_REPORTS_ROOT", str(root))
    # committed code (the real checkout may have others' uncommitted work in progress)
    monkeypatch.setattr(provenance, "code_version", lambda: dict(CLEAN_CODE))
    pid = "association-operations"
    first = batch.build(year=2024, project_id=pid, formats=("html",), jobs=1)
    assert [r.status for r in first] == ["ok"]
    again = batch.build(year=2024, project_id=pid, formats=("html",), jobs=1)
    assert [r.status for r in again] == ["skipped"]                  # up to date
    targets = root / f"data/targets/2024/{pid}.csv"
    text = targets.read_text(encoding="utf-8-sig")
    assert ",≥,100.00,%," in text
    targets.write_text(text.replace(",≥,100.00,%,", ",≥,99.00,%,", 1), encoding="utf-8")
    rebuilt = batch.build(year=2024, project_id=pid, formats=("html",), jobs=1)
    assert [r.status for r in rebuilt] == ["ok"]
    entry = json.loads((root / "reports/manifest.json").read_text(encoding="utf-8"))["reports"][f"2024/{pid}"]
    record = {"path": f"data/targets/2024/{pid}.csv", "sha256": provenance.sha256_file(targets)}
    assert record in entry["inputs"]
    html = (root / f"reports/2024/{pid}.html").read_text(encoding="utf-8")
    assert provenance.sha256_file(targets) in html and "data/project_ids.yaml" in html   # the footer
    (root / "data/project_ids.yaml").write_text(
        (root / "data/project_ids.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert [r.status for r in batch.build(year=2024, project_id=pid, formats=("html",), jobs=1)] == ["ok"]


@pytest.mark.parametrize("argv, named", [(["--year", "1999"], "known years: 2024"),
                                          (["--project", "nope"], "association-operations"),
                                          (["--year", "2024", "--project", "nope"], "family-accident")])
def test_build_with_nothing_selected_exits_2_and_writes_nothing(tmp_path, argv, named):
    root = copy_project(tmp_path / "none")
    before = {p: p.stat().st_mtime_ns for p in root.rglob("*")}
    env = {**os.environ, "BUDGET_REPORTS_ROOT": str(root)}
    proc = subprocess.run([sys.executable, "-m", "helpers", "build", "--formats", "html", *argv],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and named in lines[0], proc.stderr
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*")} == before      # nothing written


@pytest.mark.slow
def test_html_only_build_removes_the_older_pdf(built_project, tmp_path, monkeypatch):
    root = copy_project(tmp_path / "htmlonly", reports_from=built_project)
    monkeypatch.setenv("BUDGET_REPORTS_ROOT", str(root))
    pid = "association-operations"
    assert (root / f"reports/2024/{pid}.pdf").exists()
    batch.build(year=2024, project_id=pid, formats=("html",), jobs=1, force=True)
    assert not (root / f"reports/2024/{pid}.pdf").exists()             # not left as if current
    assert (root / f"reports/2024/{pid}.html").exists()
    entry = json.loads((root / "reports/manifest.json").read_text(encoding="utf-8"))["reports"][f"2024/{pid}"]
    assert "pdf" not in entry["outputs"] and "html" in entry["outputs"]
    index = (root / "reports/2024/index.html").read_text(encoding="utf-8")
    assert f"{pid}.pdf" not in index and "family-accident-insurance.pdf" in index


def test_summary_table_lines_up_chinese_keys():
    """Columns are aligned by display width (a CJK character takes two terminal columns)."""
    from wcwidth import wcswidth

    from helpers.reports.batch import summary_table
    from helpers.reports.worker import Result

    text = summary_table([
        Result(key="2024/计划生育协会", status="ok", timings={"execute": 1.0}),
        Result(key="2024/family-accident-insurance", status="failed", stage="pdf"),
    ])
    lines = text.splitlines()
    assert len(lines) == 4 and lines[0].startswith("report")
    starts = {wcswidth(line[:line.index(word)])
              for line, word in zip(lines[2:], ("ok", "failed"), strict=True)}
    assert len(starts) == 1 and starts == {wcswidth(lines[0][:lines[0].index("status")])}


@pytest.mark.slow
def test_a_template_run_in_the_lab_builds_the_same_report(tmp_path):
    """An analyst runs project_report.ipynb in JupyterLab and saves it (outputs, execution counts,
    cell run metadata, another project in the parameters cell). The batch runs the notebook as
    committed: the same report bytes, the same notebook fingerprint."""
    import json

    from helpers.reports.manifest import template_sha256

    root = copy_project(tmp_path / "p")
    env = {**os.environ, "BUDGET_REPORTS_ROOT": str(root)}
    args = [sys.executable, "-m", "helpers", "build", "--formats", "html", "--project",
            "family-accident-insurance", "--jobs", "1", "--force"]
    assert subprocess.run(args, env=env, capture_output=True, text=True).returncode == 0
    html = (root / "reports/2024/family-accident-insurance.html").read_bytes()
    nb_path = root / "notebooks/project_report.ipynb"
    clean_sha = template_sha256(nb_path)
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    committed_parameters = list(nb["cells"][0]["source"])
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            cell["execution_count"] = i + 1
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["lab output\n"]}]
            cell["metadata"]["execution"] = {"iopub.execute_input": "2026-12-03T10:00:00Z"}
            cell["metadata"]["scrolled"] = True
    nb["cells"][0]["source"] = ['project_id: str = "association-operations"\n', "year: int = 2024\n"]
    nb_path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    assert template_sha256(nb_path) != clean_sha      # the parameters cell really changed …
    assert subprocess.run(args, env=env, capture_output=True, text=True).returncode == 0
    assert (root / "reports/2024/family-accident-insurance.html").read_bytes() == html   # injected
    nb["cells"][0]["source"] = committed_parameters
    nb_path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    assert template_sha256(nb_path) == clean_sha      # … outputs and run metadata do not count
    assert subprocess.run(args, env=env, capture_output=True, text=True).returncode == 0
    assert (root / "reports/2024/family-accident-insurance.html").read_bytes() == html
