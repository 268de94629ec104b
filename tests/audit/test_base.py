"""The audit end to end: the golden findings on the seed (worked out by hand), encodings and line
ends, target tables, the JSON/CSV/HTML outputs and the `audit` command."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from helpers import cli
from helpers.audit import Finding, audit_documents, findings_for, summary
from helpers.evaluation.targets import read_targets
from helpers.ingest.loader import ingest_paths
from helpers.reports.audit_page import (
    findings_csv,
    findings_frame,
    findings_html,
    render_year_audit_page,
    write_findings_csv,
)

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "data" / "raw" / "2024" / "hongta-jishengxie-2024.txt"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "audit"
INS, ASSOC = "family-accident-insurance", "association-operations"
D = Decimal

# The seed, audited by hand (kind, check, severity, project, section, stated, computed).
SEED_EXPECTED = {
    # 二、立项依据 of the insurance project: "组织实施2023年度…项目" in a 2024 budget text.
    ("text", "year_reference", "warning", INS, "二", D(2023), D(2024)),
    # 赔付率 52.00% stated; 187.79万元 ÷ 318.9万元 = 1,877,900 ÷ 3,189,000 = 58.8868… % → 58.89 %.
    # With the printed precision (±50 元, ±500 元) the ratio lies in 58.876 %…58.898 %, far from
    # 52.00 % ± 0.005. Claims are as of 2023-09-30, premium is the 2023 total: the message names
    # the basis; no other basis is given, so an error. Stated in 四.2, again in 五, and in the
    # association project's 五 (the same text copied): one discrepancy, one finding, three places
    # (test_one_finding_per_discrepancy_lists_every_place).
    ("ratio", "ratio", "error", INS, "四.2", D("52.00"), D("58.89")),
    # 二、立项依据 of the association project ends "组织实施2024年度计划生育家庭意外伤害保险专项资金项目":
    # the other project of the same document named as its own.
    ("text", "foreign_project", "error", ASSOC, "二", None, None),
    # 会员之家 coverage 95.00 %: over 乡11 + 村105 = 116, 110/116 = 94.83 %, 111/116 = 95.69 %;
    # over 117, 111/117 = 94.87 %, 112/117 = 95.73 %: no whole count gives 95.00 % ± 0.005. The text
    # does not state the denominator, so a note.
    ("integrality", "integrality", "note", ASSOC, "四.2", D("95.00"), D("94.83")),
    # 四.3 and 四.4 are the insurance project's generic wording word for word: notes.
    ("text", "duplicate_section", "note", ASSOC, "四.3", None, None),
    ("text", "duplicate_section", "note", ASSOC, "四.4", None, None),
    # 五–八 are the insurance project's sections word for word and about 意外伤害保险: errors
    # (六 is a funding plan that is not this project's).
    ("text", "duplicate_section", "error", ASSOC, "五", None, None),
    ("text", "duplicate_section", "error", ASSOC, "六", None, None),
    ("text", "duplicate_section", "error", ASSOC, "七", None, None),
    ("text", "duplicate_section", "error", ASSOC, "八", None, None),
}
# Consistent on the seed, so absent: 3200 × 40 = 128,000 元 = 12.80万元 (±50); 444 × 50 = 22,200 元
# = 2.22万元; 282 + 162 = 444; 1 + 11 + 105 = 117; 3200 + 444 = 3644 within 3600余 (3600…3700);
# 四.2 and 五 restate the same figures; 2023 results precede the 2024 budget year; the seed target
# tables agree with the text; identical 三 (the unit) is legitimate.


def tuple_of(f: Finding) -> tuple:
    return (f.kind, f.check, f.severity, f.project, f.section, f.stated, f.computed)


@pytest.fixture(scope="module")
def seed_findings() -> list[Finding]:
    return audit_documents(ingest_paths([SEED]).documents)


def test_seed_golden(seed_findings):
    got = [tuple_of(f) for f in seed_findings]
    assert len(got) == len(set(got))
    assert set(got) == SEED_EXPECTED


def test_one_finding_per_discrepancy_lists_every_place(seed_findings):
    ratio = [f for f in seed_findings if f.check == "ratio"]
    assert len(ratio) == 1
    assert [(p.project, p.section) for p in ratio[0].places] == [(INS, "四.2"), (INS, "五"), (ASSOC, "五")]
    assert ratio[0].places_text() == "四.2、五；计划生育协会综合工作经费项目 五"
    assert ratio[0].places_text(ASSOC) == "五；计划生育家庭意外伤害保险专项资金项目 四.2、五"
    # each project's report shows it once, the association's too (the copied section)
    assert ratio[0] in findings_for(seed_findings, ASSOC, 2024)
    assert sum(f.check == "ratio" for f in findings_for(seed_findings, INS, 2024)) == 1
    assert [p["section"] for p in ratio[0].to_json()["places"]] == ["四.2", "五", "五"]


def test_seed_findings_carry_evidence(seed_findings):
    for f in seed_findings:
        assert f.quote and f.message and f.line and f.path.endswith("hongta-jishengxie-2024.txt")
        assert f.year == 2024
    ratio = next(f for f in seed_findings if f.check == "ratio" and f.section == "四.2")
    assert "187.79万元 ÷ 318.9万元 = 58.89%" in ratio.message
    assert "截至2023年9月30日" in ratio.message and "口径" in ratio.message
    assert ratio.tolerance == D("0.005")
    assert ratio.fact_ids == ["F07", "F06", "F02"]
    assert "52.00%" in ratio.quote and "318.9万元" in ratio.quote


def test_seed_order_is_deterministic(seed_findings):
    again = audit_documents(ingest_paths([SEED]).documents)
    assert [f.to_json() for f in again] == [f.to_json() for f in seed_findings]
    assert [f.project for f in seed_findings][:3] == [INS, INS, ASSOC]
    assert [f.section for f in seed_findings if f.project == ASSOC][:3] == ["二", "四.2", "四.3"]


@pytest.mark.parametrize("encoding, newline", [("gb18030", "\n"), ("utf-8", "\r\n"),
                                               ("utf-8-sig", "\r\n")])
def test_encodings_and_line_ends_give_the_same_findings(tmp_path, encoding, newline):
    text = (FIXTURES / "insurance_planted.txt").read_text(encoding="utf-8")
    path = tmp_path / "2025" / f"planted-{encoding}.txt"
    path.parent.mkdir()
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    plain = tmp_path / "plain.txt"
    plain.write_bytes(text.encode("utf-8"))
    doc = ingest_paths([path]).documents[0]
    assert doc.encoding == encoding
    got = {tuple_of(f)[1:] for f in audit_documents([doc], targets_loader=None)}
    want = {tuple_of(f)[1:] for f in audit_documents(ingest_paths([plain]).documents, targets_loader=None)}
    assert got == want and len(got) == 8


# ---------------------------------------------------------------------------- targets

def _table_with(tmp_path: Path, old: str, new: str):
    src = REPO / "data" / "targets" / "2024" / f"{INS}.csv"
    path = tmp_path / "2024" / f"{INS}.csv"
    path.parent.mkdir(parents=True)
    text = src.read_text(encoding="utf-8-sig")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8-sig")
    return read_targets(path, 2024, INS)


def test_seed_targets_agree_with_the_text():
    docs = ingest_paths([SEED]).documents
    assert audit_documents(docs, checks=["target"]) == []


def test_planted_target_mismatch_fires(tmp_path):
    table = _table_with(tmp_path, "补助资金（40元/人标准）,≤,12.80,万元",
                        "补助资金（40元/人标准）,≤,12.50,万元")
    docs = ingest_paths([SEED]).documents

    def loader(year, pid):
        return table if pid == INS else None

    found = audit_documents(docs, targets_loader=loader, checks=["target"])
    # target 12.50万元 = 125,000 元 vs the quoted sentence's 预计补助12.80万元 = 128,000 元
    assert [tuple_of(f) for f in found] == [("target", "target", "error", INS, "六", D(125000), D(128000))]
    assert "12.50万元" in found[0].message
    assert str(tmp_path) not in found[0].message        # published pages carry no absolute paths


def test_target_quote_missing_from_text_is_a_warning(tmp_path):
    table = _table_with(tmp_path, "预计补助12.80万元。,3200人", "预计补助13.80万元。,3200人")
    docs = ingest_paths([SEED]).documents
    found = audit_documents(docs, targets_loader=lambda y, p: table if p == INS else None,
                            checks=["target"])
    assert [(f.severity, f.section) for f in found] == [("warning", "目标表")]


# ---------------------------------------------------------------------------- outputs

def test_json_contract(seed_findings):
    for f in seed_findings:
        j = f.to_json()
        for key in ("kind", "severity", "project", "section", "stated", "computed", "message", "quote"):
            assert key in j
    ratio = next(f.to_json() for f in seed_findings if f.check == "ratio")
    assert ratio["stated"] == 52.0 and ratio["computed"] == 58.89
    assert json.loads(json.dumps(ratio, ensure_ascii=False)) == ratio


def test_csv_written_atomically(tmp_path, seed_findings):
    out = write_findings_csv(seed_findings, tmp_path / "audit" / "findings.csv")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == len(SEED_EXPECTED)
    assert rows[1]["stated"] == "52" and rows[1]["computed"] == "58.89" and rows[1]["check"] == "ratio"
    assert not list(tmp_path.glob("audit/.*.tmp"))
    assert findings_csv([]).splitlines() == [",".join(
        ("year", "project", "project_name", "section", "kind", "check", "severity", "stated",
         "computed", "tolerance", "unit", "message", "quote", "line", "path", "fact_ids", "places"))]
    assert rows[1]["places"] == "四.2、五；计划生育协会综合工作经费项目 五"


def test_project_table_and_year_page(seed_findings):
    mine = findings_for(seed_findings, INS, 2024)
    frame = findings_frame(mine)
    assert list(frame.columns) == ["级别", "部分", "类别", "文本所写", "核算结果", "说明", "原文引用"]
    assert frame["核算结果"].tolist() == ["2024", "58.89%"]
    assert frame["部分"].tolist() == ["二", "四.2、五；计划生育协会综合工作经费项目 五"]
    assert "<table" in findings_html(mine) and "未发现" in findings_html([])
    page = render_year_audit_page(2024, seed_findings)
    assert page.startswith("<!DOCTYPE html>") and 'lang="zh-CN"' in page
    assert "错误：6项" in page and "警告：1项" in page and "提示：3项" in page
    assert "计划生育协会综合工作经费项目" in page and "<script" not in page
    assert summary(seed_findings) == {"error": 6, "warning": 1, "note": 3}
    assert "未发现" in render_year_audit_page(2023, seed_findings)


def test_html_escapes_text():
    f = Finding("ratio", "ratio", "error", "p", "<b>", 2024, "四.2", "a<script>", "q&")
    assert "<script>" not in findings_html([f]) and "&lt;script&gt;" in findings_html([f])


# ---------------------------------------------------------------------------- command

def test_cli_json_and_exit_codes(capsys):
    assert cli.main(["audit", str(SEED), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {(f["project"], f["section"], f["kind"]) for f in out["findings"]} == \
        {(p, s, k) for k, _, _, p, s, _, _ in SEED_EXPECTED}
    assert cli.main(["audit", str(SEED), "--strict"]) == 1
    assert cli.main(["audit", str(FIXTURES / "insurance_consistent.txt"), "--strict"]) == 0
    capsys.readouterr()


def test_cli_csv_and_bad_input(tmp_path, capsys):
    target = tmp_path / "f.csv"
    assert cli.main(["audit", str(SEED), "--csv", str(target)]) == 0
    assert target.exists()
    bad = tmp_path / "bad.txt"
    bad.write_text("没有标题的文字\n", encoding="utf-8")
    assert cli.main(["audit", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.txt" in err and "Traceback" not in err


def test_year_page_uses_the_page_template_and_report_stylesheet(seed_findings):
    from helpers.reports import render

    page = render_year_audit_page(2024, seed_findings)
    assert '<body class="audit">' in page and '<main class="report">' in page
    assert render.css() in page                        # the one stylesheet of every page
    assert '<table class="data">' in page and '<span class="status-failed">错误</span>' in page
