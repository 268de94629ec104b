"""Spreadsheet and HTML safety (issue 13): formula text (``=``, ``+``, ``-``, ``@``) that reaches us
through a sentence of a raw text, a cell of an actuals table or a row of a target table is written
as a text cell in every XLSX (``data_type == "s"`` read back with openpyxl, never a formula) and
with a ``'`` guard in every CSV; ``<script>`` in a project name or a quoted sentence is escaped in
every HTML page.

Cases (37): one real build of an injected tree (``build``, ``ingest``, two ``workbook``, ``audit
--csv``; slow) checked in 6 workbook checks, 7 CSV files, a read-back and every HTML page (16 tests);
then each of the 4 formula triggers through each of the 5 writers in-process (ingest CSV, audit CSV,
indicators XLSX, score XLSX, blank workbook: 20 tests); and a guard that reads back as the text.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import copy_project

from .support import (
    SELFEVAL,
    csv_cells,
    non_text_cells,
    replace_seed_text,
    run_cli,
    run_main,
    template_text,
    unguarded_csv_cells,
    xlsx_cells,
)

TEXT_PAYLOAD = '=HYPERLINK("http://evil.example/text","点此")'
SECTION_PAYLOAD = "@SUM(1,1)"
FACT_PAYLOAD = '+HYPERLINK("http://evil.example/fact","x")'
NAME_PAYLOAD = "=1+1<script>alert('name')</script>"
QUOTE_SCRIPT = "<script>alert('quote')</script>"
TARGET_PAYLOAD = '=HYPERLINK("http://evil.example/target","x")'
TARGET_NOTE = "@cmd 备注"
ACTUAL_PAYLOAD = '=HYPERLINK("http://evil.example/actual","x")'
ACTUAL_NAME = "-1+1 特殊家庭"
XLSX_ACTUAL_PAYLOAD = "@SUM(A1:A9)*cmd"
INSURANCE = "计划生育家庭意外伤害保险专项资金项目"
ASSOCIATION = "计划生育协会综合工作经费项目"


def _csv_rows(path: Path) -> list[list[str]]:
    return [list(r) for r in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""))]


def _write_csv(path: Path, rows: list[list[str]], bom: bool = True) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8-sig" if bom else "utf-8"))


def _text_cells_xlsx(path: Path, rows: list[list[str]]) -> None:
    """An input workbook whose formula-like texts are text cells (as a spreadsheet saves them)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row, start=1):
            cell = ws.cell(i, j)
            cell.value = value
            cell.data_type = "s"
    wb.save(path)


def inject_text(text: str, payload: str = TEXT_PAYLOAD) -> str:
    """The seed text with formula text and <script> in sentences and a project name."""
    claims, plan = "截止2023年9月30日全区理赔案件525件", "计划生育家庭意外伤害保险支出计划："
    text = text.replace(claims, payload + claims, 1)
    text = text.replace(plan, SECTION_PAYLOAD + plan, 1)
    text = text.replace("预计补助12.80万元。", FACT_PAYLOAD + "预计补助12.80万元" + QUOTE_SCRIPT + "。", 1)
    text = text.replace("区计生协会加强基层建设", payload + "区计生协会加强基层建设", 1)
    return text.replace(ASSOCIATION + "。", NAME_PAYLOAD + ASSOCIATION + "。", 1)


def inject(root: Path) -> None:
    """Formula text in every input of ``root``: raw text, id registry, targets, actuals."""
    replace_seed_text(root, inject_text(template_text()))
    (root / "data/project_ids.yaml").write_text(
        f'projects:\n  {INSURANCE}: family-accident-insurance\n  "{NAME_PAYLOAD}{ASSOCIATION}": '
        "association-operations\n", encoding="utf-8")
    targets = root / "data/targets/2024"
    rows = _csv_rows(targets / "family-accident-insurance.csv")
    rows[3][2], rows[3][7] = TARGET_PAYLOAD, TARGET_NOTE
    _write_csv(targets / "family-accident-insurance.csv", rows)
    rows = _csv_rows(targets / "association-operations.csv")
    rows[1][2] = TARGET_PAYLOAD
    _write_csv(targets / "association-operations.csv", rows)
    actuals = root / "data/actuals/2024"
    actuals.mkdir(parents=True)
    rows = _csv_rows(SELFEVAL)
    rows[2][9], rows[3][2] = ACTUAL_PAYLOAD, ACTUAL_NAME
    _write_csv(actuals / "family-accident-insurance.csv", rows, bom=False)
    rows = _csv_rows(SELFEVAL)
    rows[2][9] = XLSX_ACTUAL_PAYLOAD
    _text_cells_xlsx(actuals / "association-operations.xlsx", rows)


@pytest.fixture(scope="module")
def injected(tmp_path_factory) -> SimpleNamespace:
    """One injected tree, built with the real CLI; the blank workbooks and an audit CSV beside it."""
    base = tmp_path_factory.mktemp("injected")
    root = copy_project(base / "project")
    inject(root)
    runs = {"build": run_cli(root, "build", "--formats", "html", "--force", "--jobs", "2"),
            "ingest": run_cli(root, "ingest")}
    for pid in ("family-accident-insurance", "association-operations"):
        runs[f"workbook {pid}"] = run_cli(root, "workbook", "--year", "2024", "--project", pid,
                                          "-o", str(base / f"wb-{pid}.xlsx"))
    runs["audit"] = run_cli(root, "audit", "--csv", str(base / "audit-cli.csv"))
    return SimpleNamespace(root=root, base=base, runs=runs)


# ============================================================================ the injected build (slow)

@pytest.mark.slow
def test_injected_inputs_are_read_and_built(injected):
    for name, proc in injected.runs.items():
        assert proc.returncode == 0, (name, proc.stderr)
        assert "Traceback" not in proc.stderr, name


XLSX_OUTPUTS = {
    "indicators-from-raw-text": ("project/reports/2024/family-accident-insurance.indicators.xlsx",
                                 TEXT_PAYLOAD),
    "score-from-csv-actuals": ("project/reports/2024/family-accident-insurance.score.xlsx", ACTUAL_PAYLOAD),
    "score-row-name-from-csv-actuals": ("project/reports/2024/family-accident-insurance.score.xlsx",
                                        ACTUAL_NAME),
    "score-from-xlsx-actuals": ("project/reports/2024/association-operations.score.xlsx",
                                XLSX_ACTUAL_PAYLOAD),
    "workbook-from-targets": ("wb-family-accident-insurance.xlsx", TARGET_PAYLOAD),
    "workbook-from-targets-2": ("wb-association-operations.xlsx", TARGET_PAYLOAD),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(XLSX_OUTPUTS))
def test_xlsx_output_holds_formula_text_as_text(injected, case):
    name, payload = XLSX_OUTPUTS[case]
    path = injected.base / name
    assert non_text_cells(path) == []
    texts = [c.value for c in xlsx_cells(path) if isinstance(c.value, str)]
    assert any(t.startswith(payload) for t in texts), f"{payload!r} did not reach {name}"


CSV_OUTPUTS = {
    "derived-facts": ("project/data/derived/facts.csv", "'" + FACT_PAYLOAD),
    "derived-sections": ("project/data/derived/sections.csv", "'" + SECTION_PAYLOAD),
    "derived-projects": ("project/data/derived/projects.csv", "'" + NAME_PAYLOAD),
    "derived-basis-documents": ("project/data/derived/basis_documents.csv", None),
    "derived-schedule": ("project/data/derived/schedule.csv", None),
    "reports-audit": ("project/reports/2024/audit.csv", "'" + TEXT_PAYLOAD),
    "audit-cli": ("audit-cli.csv", "'" + NAME_PAYLOAD),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CSV_OUTPUTS))
def test_csv_output_guards_formula_text(injected, case):
    name, guarded = CSV_OUTPUTS[case]
    path = injected.base / name
    assert unguarded_csv_cells(path) == []
    if guarded is not None:
        assert any(c.startswith(guarded) for c in csv_cells(path)), f"{guarded!r} not in {name}"


@pytest.mark.slow
def test_guarded_csv_reads_back_exactly(injected):
    from helpers.ingest import tables

    names = [r["name"] for r in tables.read("projects", injected.root / "data/derived")]
    assert NAME_PAYLOAD + ASSOCIATION in names


@pytest.mark.slow
def test_script_is_escaped_in_every_html_page(injected):
    from helpers.reports.publish import FILTER_SCRIPT

    pages = sorted((injected.root / "reports").rglob("*.html"))
    assert len(pages) >= 6
    escaped = []
    for page in pages:
        html = page.read_text(encoding="utf-8")
        if page.name == "index.html":      # a year index's own filter script, and nothing else
            html = html.replace(f"<script>\n{FILTER_SCRIPT}\n</script>", "", 1)
        assert "<script" not in html.lower(), page
        if "&lt;script&gt;" in html:
            escaped.append(page.name)
    for name in ("association-operations.html", "family-accident-insurance.html", "index.html"):
        assert name in escaped, f"the escaped script never reached {name}"


# ============================================================================ each trigger, each writer

# (no "!" or ";" in a payload: they end a sentence, so the quote would not begin with the payload)
TRIGGERS = {"=": '=HYPERLINK("http://evil.example/","x")', "+": "+SUM(A1,A2)*cmd|' /C calc'",
            "-": "-SUM(A1,A2)*cmd|' /C calc'", "@": "@SUM(A1,A2)*cmd|' /C calc'"}


def _sentence_text(payload: str) -> str:
    """The seed text with three sentences (with figures) starting with the payload."""
    text = template_text()
    claims = "截止2023年9月30日全区理赔案件525件"
    text = text.replace(claims, payload + claims, 1)
    text = text.replace("预计补助12.80万元。", payload + "预计补助12.80万元。", 1)
    return text.replace("区计生协会加强基层建设", payload + "区计生协会加强基层建设", 1)


@pytest.fixture
def trigger_root(project_copy, request) -> tuple[Path, str]:
    payload = TRIGGERS[request.param]
    replace_seed_text(project_copy, _sentence_text(payload))
    return project_copy, payload


@pytest.mark.parametrize("trigger_root", list(TRIGGERS), indirect=True)
def test_ingest_csv_guards_each_trigger(trigger_root, capsys):
    root, payload = trigger_root
    status, _, err = run_main(["ingest"], capsys)
    assert status == 0, err
    facts = root / "data/derived/facts.csv"
    assert unguarded_csv_cells(facts) == []
    assert any(c.startswith("'" + payload) for c in csv_cells(facts))


@pytest.mark.parametrize("trigger_root", list(TRIGGERS), indirect=True)
def test_audit_csv_guards_each_trigger(trigger_root, tmp_path, capsys):
    _root, payload = trigger_root
    out = tmp_path / "findings.csv"
    status, _, err = run_main(["audit", "--csv", str(out)], capsys)
    assert status == 0, err
    assert unguarded_csv_cells(out) == []
    assert any(c.startswith("'" + payload) for c in csv_cells(out))


@pytest.mark.parametrize("trigger_root", list(TRIGGERS), indirect=True)
def test_indicators_xlsx_keeps_each_trigger_as_text(trigger_root, tmp_path):
    from helpers import indicators, ingest

    _root, payload = trigger_root
    project = ingest.get_project("family-accident-insurance", 2024)
    out = indicators.write_indicators_xlsx(indicators.compute_indicators(project), tmp_path / "i.xlsx")
    assert non_text_cells(out) == []
    assert any(isinstance(c.value, str) and payload in c.value for c in xlsx_cells(out))


@pytest.mark.parametrize("trigger", list(TRIGGERS))
def test_score_xlsx_keeps_each_trigger_as_text(trigger, tmp_path):
    from helpers.evaluation import selfeval

    payload = TRIGGERS[trigger]
    rows = _csv_rows(SELFEVAL)
    rows[2][9], rows[3][2] = payload, payload + " 行"
    table = tmp_path / "actuals.csv"
    _write_csv(table, rows)
    out = selfeval.write_score_xlsx(selfeval.score_file(table), tmp_path / "s.xlsx")
    assert non_text_cells(out) == []
    texts = [c.value for c in xlsx_cells(out) if isinstance(c.value, str)]
    assert payload in texts and payload + " 行" in texts


@pytest.mark.parametrize("trigger", list(TRIGGERS))
def test_workbook_keeps_each_trigger_as_text(trigger, project_copy, tmp_path, capsys):
    payload = TRIGGERS[trigger]
    path = project_copy / "data/targets/2024/family-accident-insurance.csv"
    rows = _csv_rows(path)
    rows[3][2], rows[3][7] = payload, payload + " 备注"
    _write_csv(path, rows)
    out = tmp_path / "blank.xlsx"
    status, _, err = run_main(["workbook", "--year", "2024", "--project", "family-accident-insurance",
                               "-o", str(out)], capsys)
    assert status == 0, err
    assert non_text_cells(out) == []
    assert payload in [c.value for c in xlsx_cells(out)]


# ============================================================================ a guard is data, not a formula

def test_a_guarded_target_cell_reads_back_as_its_text(project_copy):
    from helpers.evaluation.targets import read_targets, write_targets

    table = read_targets(project_copy / "data/targets/2024/family-accident-insurance.csv", 2024,
                         "family-accident-insurance")
    first = table.rows[0]
    table.rows[0] = type(first)(**{**first.__dict__, "level3": TARGET_PAYLOAD, "note": "'=already quoted"})
    out = write_targets(table, project_copy / "out.csv")
    assert unguarded_csv_cells(out) == []
    back = read_targets(out, 2024, "family-accident-insurance")
    assert back.rows[0].level3 == TARGET_PAYLOAD and back.rows[0].note == "'=already quoted"

