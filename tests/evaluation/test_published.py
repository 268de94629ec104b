"""Self-evaluation tables as public bodies publish them (helpers.evaluation.published / .check).

The corpus (tests/fixtures/selfeval/real/) holds 13 tables published by county and city bodies in
7 provinces (安徽, 四川, 云南, 北京, 上海, 河北, 湖北; 2016–2023), transcribed cell by cell from their
pages by people who had not read this code, each with a `.key.yaml` worked by hand from
docs/domain.md §2 (the arithmetic is in each row's `work` field) and a `.meta.yaml` with the
address. The keys are the expected values: nothing here is computed by the code under test.
"""

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from helpers.cli import main
from helpers.core.errors import ScoringError
from helpers.evaluation.check import check_published
from helpers.evaluation.published import parse_value, read_published, tier_word
from helpers.evaluation.selfeval import score_file

REAL = Path(__file__).parents[1] / "fixtures" / "selfeval" / "real"
TABLES = sorted(p.stem for p in REAL.glob("*.csv"))
PROVINCES = {yaml.safe_load((REAL / f"{t}.meta.yaml").read_text(encoding="utf-8"))["province"]
             for t in TABLES}


def key(table: str) -> dict:
    return yaml.safe_load((REAL / f"{table}.key.yaml").read_text(encoding="utf-8"))


def expected_rows(table: str, method: str) -> list[tuple[object, Decimal]]:
    """(row number or "exec", expected score) of every checkable row of the key."""
    k = key(table)
    out = []
    ex = k.get("execution")
    if ex and ex.get(f"expected_{method}") is not None:
        out.append(("exec", Decimal(str(ex[f"expected_{method}"]))))
    for r in k.get("rows") or []:
        if r.get(f"expected_{method}") is not None:
            out.append((r["row"], Decimal(str(r[f"expected_{method}"]))))
    return out


def scores_by_row(checked) -> dict[object, object]:
    out = {}
    for rs in checked.result.rows:
        out["exec" if rs.row.level1 == "预算执行率" else rs.row.line] = rs
    return out


def test_the_corpus_is_what_the_issue_asks_for():
    assert len(TABLES) >= 10 and len(PROVINCES) >= 4
    for t in TABLES:
        meta = yaml.safe_load((REAL / f"{t}.meta.yaml").read_text(encoding="utf-8"))
        assert meta.get("publisher") and meta.get("province") and meta.get("year"), t


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_every_table_is_read_as_published(table, suffix):
    path = REAL / f"{table}{suffix}"
    if not path.exists():
        pytest.skip(f"no {suffix} for {table}")
    pub = read_published(path)
    k = key(table)
    indicator_rows = {r.line for r in pub.rows if r.level1 != "预算执行率"}
    assert {r["row"] for r in k.get("rows") or []} <= indicator_rows | set(pub.placeholders)
    assert set(k.get("placeholder_rows") or []) <= set(pub.placeholders)
    if k.get("execution"):
        assert any(r.level1 == "预算执行率" for r in pub.rows)


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("method", ["2020", "2021"])
def test_recomputed_rows_equal_the_hand_worked_rule(table, method):
    checked = check_published(read_published(REAL / f"{table}.csv"), method)
    got = scores_by_row(checked)
    for row, expected in expected_rows(table, method):
        assert row in got, f"{table}: row {row} not read"
        assert got[row].score == expected, f"{table} row {row} ({method}): {got[row].basis}"


@pytest.mark.parametrize("table", TABLES)
def test_stated_scores_the_rules_do_not_give_are_findings_and_only_those(table):
    """Under method 2020: a score_mismatch on exactly the rows whose printed 得分 the key marks as
    not the rule's (stated_is_rule_2020: false), the execution block included."""
    k = key(table)
    checked = check_published(read_published(REAL / f"{table}.csv"), "2020")
    exec_line = next((rs.row.line for rs in checked.result.rows if rs.row.level1 == "预算执行率"), None)
    found = sorted(str("exec" if f.row == exec_line else f.row) for f in checked.findings
                   if f.kind == "score_mismatch")
    expected = [str(r["row"]) for r in k.get("rows") or [] if r.get("stated_is_rule_2020") is False]
    ex = k.get("execution")
    if ex and ex.get("stated_score") not in (None, "") and ex.get("expected_2020") is not None \
            and Decimal(str(ex["stated_score"])) != Decimal(str(ex["expected_2020"])):
        expected.append("exec")
    assert found == sorted(expected)


@pytest.mark.parametrize("table", TABLES)
def test_csv_and_xlsx_give_the_same_check(table):
    xlsx = REAL / f"{table}.xlsx"
    if not xlsx.exists():
        pytest.skip("no xlsx")
    a = check_published(read_published(REAL / f"{table}.csv"))
    b = check_published(read_published(xlsx))
    assert [(rs.row.line, rs.score) for rs in a.result.rows] == \
        [(rs.row.line, rs.score) for rs in b.result.rows]
    assert [(f.kind, f.row) for f in a.findings] == [(f.kind, f.row) for f in b.findings]


def test_points_that_do_not_add_up_are_the_only_refusal_and_are_named(capsys):
    """中江 prints 分值 adding up to 110 under a 总分 of 100 (key: points_sum 110): execution 10 plus
    indicator rows 70 + 20 + 10, each group matching its label; the stated 得分 add up to 110 too."""
    table = REAL / "sc-deyang-zhongjiang-2022-shuibiaochi.csv"
    with pytest.raises(ScoringError, match="分值 add up to 110, not 100"):
        score_file(table)
    assert main(["score", str(table)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert main(["score", str(table), "--check", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    kinds = {f["kind"] for f in doc["findings"]}
    assert {"points_sum", "total_mismatch"} <= kinds and "group_points" not in kinds
    assert all(set(f) == {"row", "indicator", "kind", "severity", "stated", "computed", "message"}
               for f in doc["findings"])


def test_check_json_and_strict(capsys):
    """永德 (key): row 16 stated 7 where the rule gives 10.00, row 19 stated 9 where it gives 9.80."""
    table = REAL / "yn-lincang-yongde-2022-yingyang.csv"
    assert main(["score", str(table), "--check", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    mism = {f["row"]: f for f in doc["findings"] if f["kind"] == "score_mismatch"}
    assert set(mism) == {16, 19}
    assert (mism[16]["stated"], mism[16]["computed"]) == (7, 10) and mism[16]["severity"] == "error"
    assert (mism[19]["stated"], mism[19]["computed"]) == (9, 9.8)
    assert main(["score", str(table), "--check", "--strict"]) == 1
    assert "finding(s)" in capsys.readouterr().out
    assert main(["score", str(table)]) == 0      # without --check: the recomputed total, warnings
    captured = capsys.readouterr()
    assert "score_mismatch" not in captured.out and "得分 stated 7" in captured.err


@pytest.mark.parametrize(("text", "direction", "number", "unit"), [
    ("≥90%", "≥", "90", "%"), ("≤10万元", "≤", "10", "万元"), ("=0件", "=", "0", "件"),
    ("≥266米", "≥", "266", "米"), ("≥100百分比", "≥", "100", "%"), ("100%", None, "100", "%"),
    ("20万元", None, "20", "万元"), ("≧735", "≥", "735", ""), ("≦5天", "≤", "5", "天"),
    ("＝100%", "=", "100", "%"), ("═100", "=", "100", ""), ("不低于95%", "≥", "95", "%"),
    ("不高于10万元", "≤", "10", "万元"), ("不少于3次", "≥", "3", "次"), ("大于等于90%", "≥", "90", "%"),
    ("100人以上", "≥", "100", "人"), ("30天以内", "≤", "30", "天"), (">=90%", "≥", "90", "%"),
    ("有效", None, None, ""), ("完成1部宣传片,2套方案", None, None, ""),
])
def test_direction_and_unit_are_read_from_the_value(text, direction, number, unit):
    v = parse_value(text)
    assert v.direction == direction and v.unit == unit
    assert v.number == (Decimal(number) if number is not None else None)


@pytest.mark.parametrize(("word", "tier"), [
    ("有效", "达成"), ("显著提升", "达成"), ("效果明显", "达成"), ("是", "达成"), ("良好", "达成"),
    ("明显改善", "达成"), ("达成预期指标", "达成"), ("已完成", "达成"), ("基本达成", "部分达成"),
    ("部分完成", "部分达成"), ("否", "未达成"), ("未完成", "未达成"), ("差强人意", None), ("/", None),
])
def test_qualitative_words_map_to_tiers_by_the_documented_table(word, tier):
    assert tier_word(word) == tier


HEAD = ("项目支出绩效自评表（2022年度）,,,,,,,,\n"
        "项目资金（万元）,,年初预算数,全年预算数（A）,全年执行数（B）,分值,执行率（B/A）,得分,\n"
        ",年度资金总额,100,100,90,10,90%,9,\n"
        "绩效指标,一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分,偏差原因分析及改进措施\n")


def write(tmp_path: Path, body: str, total: str = "总分,,,,,,100,,") -> Path:
    p = tmp_path / "t.csv"
    p.write_text(HEAD + body + total + "\n", encoding="utf-8")
    return p


def kinds(path: Path) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in check_published(read_published(path)).findings:
        out.setdefault(f.kind, []).append(f.row)
    return out


def test_each_kind_of_finding_on_a_hand_made_table(tmp_path):
    """Rows (line numbers as a person sees them): 5 ≥ row met, stated full; 6 written as a bound
    (≥95%), the rule gives 30 × 95/100 = 28.50, stated 28.5; 7 no direction written on a 成本指标,
    so ≤ is assumed: target 8万元 against an actual 10万元 → 10 × 8/10 = 8.00, stated 8 with no
    偏差原因 (missing_reason); 8 a word that is no tier; 9 only 分值 and 得分 (not checkable, the
    stated 10 kept); 10 satisfaction 95% of ≥90%, stated 10. Points: 10 + 20 + 30 + 10 + 10 + 10
    + 10 = 100; the label 产出指标(50分) is over rows carrying 20 + 30 + 10 = 60 → group_points."""
    body = (",产出指标(50分),数量指标,补助人数,≥100人,100人,20,20,\n"
            ",,质量指标,合格率,≥100%,≥95%,30,28.5,个别不合格\n"
            ",,成本指标,总成本,8万元,10万元,10,8,\n"
            ",效益指标(20分),社会效益指标,群众获得感,提升,差强人意,10,10,\n"
            ",,可持续影响指标,长效机制建设,,,10,10,\n"
            ",满意度指标(10分),服务对象满意度指标,满意度,≥90%,95%,10,10,\n")
    p = write(tmp_path, body, "总分,,,,,,100,95.5,良")
    found = kinds(p)
    assert found.get("actual_is_bound") == [6]
    assert found.get("assumed_direction") == [7]
    assert found.get("missing_reason") == [7]
    assert found.get("unknown_tier") == [8]
    assert found.get("not_checkable") == [9]
    assert found.get("group_points") == [None]            # 产出指标 labelled 50, rows carry 60
    assert "score_mismatch" not in found                  # every checkable stated score is right
    # stated 得分: 9 + 20 + 28.5 + 8 + 10 + 10 + 10 = 95.5 = the stated total: no total_mismatch;
    # 95.5 is 优, not 良: a grade_mismatch
    assert "total_mismatch" not in found and found.get("grade_mismatch") == [11]
    checked = check_published(read_published(p))
    # recomputed total: 9.00 (10 × 90/100) + 20 + 28.50 + 8.00 + 10 (kept) + 10 (kept) + 10 = 95.50
    assert checked.result.total == Decimal("95.50")


def test_total_and_points_findings(tmp_path):
    body = ",产出指标,数量指标,补助人数,≥100人,90人,90,80,对象减少\n"
    p = write(tmp_path, body, "总分,,,,,,100,95,")
    found = kinds(p)
    assert found.get("score_mismatch") == [5]              # 90 × 90/100 = 81.00, stated 80
    assert found.get("total_mismatch") == [6]              # 9 + 80 = 89 ≠ 95
    assert "points_sum" not in found                       # 10 + 90 = 100


def test_a_table_in_our_own_layout_is_scored_as_before():
    own = Path(__file__).parents[1] / "fixtures" / "selfeval" / "hand_scored.csv"
    assert score_file(own).total == Decimal("92.72")       # tests/evaluation/test_scoring.py, by hand


def test_a_table_reads_the_same_under_another_name(tmp_path):
    """A corpus table copied under another name reads the same (no dependence on the file name)."""
    src = REAL / "yn-lincang-yongde-2022-yingyang.xlsx"
    dst = tmp_path / "自评表.xlsx"
    shutil.copy(src, dst)
    assert check_published(read_published(dst)).result.total == \
        check_published(read_published(src)).result.total


def test_dropped_placeholders_are_said(capsys):
    """天长 leaves 18 template rows (指标2:, ……, 指标1:/ with / values) in the sheet (key)."""
    table = REAL / "ah-chuzhou-tianchang-2022-shuihan.csv"
    assert main(["score", str(table)]) == 0
    err = capsys.readouterr().err
    assert "18 template placeholder row(s) dropped" in err
