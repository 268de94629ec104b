"""Indicator registry (helpers.indicators, helpers.indicator_defs).

Every formula is tested with a table of inputs → expected value worked by hand (the arithmetic in
the comment), on the seed text and on synthetic projects with other wording and values, so the
formulas are not tuned to the seed. Edge cases: missing input, zero denominator, repeated and
disagreeing statements, categories with a missing standard or a wrong stated amount."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from helpers.core.decoding import decode_bytes
from helpers.core.formatting import round_half_up
from helpers.indicators import (
    FORMATS,
    Indicator,
    IndicatorRegistry,
    IndicatorResult,
    compute_indicators,
    display_value,
    indicators_frame,
    registry,
    write_indicators_xlsx,
)
from helpers.ingest.loader import parse_file, parse_text
from helpers.ingest.models import Fact, Project, Section

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "data" / "raw" / "2024" / "hongta-jishengxie-2024.txt"
D = Decimal


# --- builders -------------------------------------------------------------------------------------

def fact(fid: str, metric: str | None, value, unit: str, *, section: str = "四.2", line: int = 10,
         planned: bool = False, year: int | None = None, as_of: str | None = None,
         approx: str | None = None, parent: str | None = None, label: str | None = None,
         raw: str | None = None, scale: int = 1, decimals: int = 0) -> Fact:
    raw = raw or f"{value}{unit}"
    return Fact(id=fid, label=label or (metric or "x"), metric=metric, value=D(str(value)), unit=unit,
                year=year, section=section, section_title="t", quote=f"句子{fid}：{raw}。", line=line,
                raw=raw, raw_unit=unit, scale=scale, decimals=decimals, approx=approx, as_of=as_of,
                planned=planned, parent=parent)


def project(ptype: str, facts: list[Fact]) -> Project:
    sections = {"overview": Section("overview", "四", "项目基本概况", "", 5),
                "funding": Section("funding", "六", "资金安排情况", "", 15),
                "outcome": Section("outcome", "八", "项目实施成效", "", 20)}
    return Project(id="p", name="n", unit="u", budget_year=2025, title="t", path="synthetic.txt",
                   line=1, end_line=30, type=ptype, sections=sections, facts=facts)


def by_id(results: list[IndicatorResult]) -> dict[str, IndicatorResult]:
    return {r.id: r for r in results}


def one(ptype: str, facts: list[Fact], indicator_id: str) -> IndicatorResult:
    return by_id(compute_indicators(project(ptype, facts)))[indicator_id]


@pytest.fixture(scope="module")
def seed() -> dict[str, dict[str, IndicatorResult]]:
    doc = parse_file(SEED)
    return {p.type: by_id(compute_indicators(p)) for p in doc.projects}


# --- the seed ---------------------------------------------------------------------------------------

SEED_CASES = [
    # (project type, indicator, exact value at 4 decimals (half-up), display)
    ("accident_insurance", "insured_persons", "59039.0000", "59,039人"),
    ("accident_insurance", "premium_income", "3189000.0000", "318.90万元"),        # 318.9万元 × 10000
    # 3,189,000 ÷ 59,039 = 54.015142… → 54.02
    ("accident_insurance", "avg_premium", "54.0151", "54.02元/人"),
    ("accident_insurance", "claims_count", "525.0000", "525件"),
    ("accident_insurance", "claims_paid", "1877900.0000", "187.79万元"),
    # 1,877,900 ÷ 525 = 3,576.952380… → 3,576.95
    ("accident_insurance", "avg_paid_claim", "3576.9524", "3,576.95元"),
    # 525 ÷ 59,039 × 1000 = 8.892427… → 8.89
    ("accident_insurance", "claims_per_1000", "8.8924", "8.89件/千人"),
    ("accident_insurance", "loss_ratio_stated", "52.0000", "52.00%"),
    # 1,877,900 ÷ 3,189,000 × 100 = 58.886798… → 58.89
    ("accident_insurance", "loss_ratio_recomputed", "58.8868", "58.89%"),
    ("accident_insurance", "subsidised_persons", "3495.0000", "3,495人"),
    ("accident_insurance", "subsidy_amount", "142800.0000", "14.28万元"),
    # 142,800 ÷ 3,495 = 40.858369… → 40.86
    ("accident_insurance", "subsidy_per_person", "40.8584", "40.86元/人"),
    # 3,200 × 40 = 128,000 元 = 12.80万元
    ("accident_insurance", "planned_subsidy_category.1", "128000.0000", "12.80万元"),
    # 444 × 50 = 22,200 元 = 2.22万元
    ("accident_insurance", "planned_subsidy_category.2", "22200.0000", "2.22万元"),
    # 3,200 + 444 = 3,644
    ("accident_insurance", "planned_subsidy_persons_total", "3644.0000", "3,644人"),
    # 128,000 + 22,200 = 150,200 元 = 15.02万元
    ("accident_insurance", "planned_subsidy_amount_total", "150200.0000", "15.02万元"),
    ("accident_insurance", "planned_persons_stated", "3600.0000", "3,600余人"),
    ("association", "organisations_total", "117.0000", "117个"),
    ("association", "org_district", "1.0000", "1个"),
    ("association", "org_township", "11.0000", "11个"),
    ("association", "org_village", "105.0000", "105个"),
    ("association", "members", "30328.0000", "30,328人"),
    # 30,328 ÷ 117 = 259.213675… → 259.21
    ("association", "members_per_org", "259.2137", "259.21人"),
    ("association", "coverage_rate", "95.0000", "95.00%"),
    ("association", "coverage_target", "100.0000", "100.00%"),
    # 100.00 − 95.00 = 5.00
    ("association", "coverage_gap", "5.0000", "5.00个百分点"),
]


@pytest.mark.parametrize(("ptype", "iid", "value", "display"), SEED_CASES)
def test_seed_values(seed, ptype, iid, value, display):
    r = seed[ptype][iid]
    assert r.missing == []
    assert round_half_up(r.value, 4) == D(value)
    assert r.display == display


def test_seed_lists_every_indicator_once_per_type(seed):
    expected = {t: {iid for t2, iid, _, _ in SEED_CASES if t2 == t} for t in seed}
    assert {t: set(rs) for t, rs in seed.items()} == expected


def test_seed_loss_ratio_names_its_basis(seed):
    r = seed["accident_insurance"]["loss_ratio_recomputed"]
    assert r.formula == "简单赔付率：截至2023年9月30日赔付金额 ÷ 2023年保费收入"
    assert r.inputs == ["F02", "F06", "F07"]
    assert "52.00%" in r.note and "6.89个百分点" in r.note     # 58.8868 − 52.00 = 6.8868 → 6.89


def test_seed_notes_repeats_and_quotes(seed):
    r = seed["accident_insurance"]["avg_premium"]
    assert "参保人数在文本中陈述2次（F01、F08），数值一致；取首次陈述F01" in r.note
    assert r.quotes == ["2023年全区参保人数59039人，完成保费318.9万元。"]


def test_seed_categories_pair_within_paragraph(seed):
    r1 = seed["accident_insurance"]["planned_subsidy_category.1"]
    r2 = seed["accident_insurance"]["planned_subsidy_category.2"]
    assert r1.inputs == ["F15", "F16", "F17"] and "与文本预计补助12.80万元一致" in r1.note
    assert r2.inputs == ["F18", "F21", "F22"]
    assert r2.name == "计划补助金额·第2类（失独家庭、独生子女伤残家庭）"


def test_seed_association_checks_levels(seed):
    assert "1 + 11 + 105 = 117，与总数一致" in seed["association"]["organisations_total"].note
    assert "avg_premium" not in seed["association"]     # insurance text copied into it is not used


# --- formula tables on synthetic facts -------------------------------------------------------------

INS_FACTS = [
    fact("F01", "insured_persons", 48000, "人", year=2024),
    fact("F02", "premium_income", 2000000, "元", year=2024),
    fact("F03", "subsidised_persons", 2000, "人"),
    fact("F04", "subsidy_amount", 100050, "元"),
    fact("F05", "claims_count", 9, "件", as_of="2024-10-31"),
    fact("F06", "claims_paid", 1350000, "元", year=2024, as_of="2024-10-31"),
    fact("F07", "loss_ratio", "60.00", "%", decimals=2),
]

FORMULA_CASES = [
    # 2,000,000 ÷ 48,000 = 41.6666… → 41.67
    ("avg_premium", D(2000000) / D(48000), "41.67元/人"),
    # 1,350,000 ÷ 9 = 150,000 exactly
    ("avg_paid_claim", D(150000), "150,000.00元"),
    # 9 ÷ 48,000 × 1000 = 0.1875 → 0.19 (half-up of the 5)
    ("claims_per_1000", D("0.1875"), "0.19件/千人"),
    # 1,350,000 ÷ 2,000,000 × 100 = 67.5
    ("loss_ratio_recomputed", D("67.5"), "67.50%"),
    # 100,050 ÷ 2,000 = 50.025 → 50.03 half-up (banker's rounding would give 50.02)
    ("subsidy_per_person", D("50.025"), "50.03元/人"),
    ("loss_ratio_stated", D("60.00"), "60.00%"),
]


@pytest.mark.parametrize(("iid", "value", "display"), FORMULA_CASES)
def test_insurance_formulas_on_synthetic_facts(iid, value, display):
    r = one("accident_insurance", INS_FACTS, iid)
    assert r.value == value
    assert r.display == display
    assert r.missing == []


ASSOC_CASES = [
    # (facts, indicator, value, display)
    # 4,000 ÷ 16 = 250 exactly
    ([fact("F01", "organisations_total", 16, "个"), fact("F02", "members", 4000, "人")],
     "members_per_org", D(250), "250.00人"),
    # 1,001 ÷ 8 = 125.125 → 125.13 half-up
    ([fact("F01", "organisations_total", 8, "个"), fact("F02", "members", 1001, "人")],
     "members_per_org", D("125.125"), "125.13人"),
    # 95.5 − 87.5 = 8.0 percentage points
    ([fact("F01", "coverage_rate", "87.5", "%"), fact("F02", "coverage_target", "95.5", "%", planned=True)],
     "coverage_gap", D("8.0"), "8.00个百分点"),
    # target below the current rate: 90 − 92.25 = −2.25
    ([fact("F01", "coverage_rate", "92.25", "%"), fact("F02", "coverage_target", "90", "%", planned=True)],
     "coverage_gap", D("-2.25"), "-2.25个百分点"),
    ([fact("F01", "coverage_target", "98", "%", planned=True, year=2026)],
     "coverage_target", D(98), "98.00%"),
]


@pytest.mark.parametrize(("facts", "iid", "value", "display"), ASSOC_CASES)
def test_association_formulas_on_synthetic_facts(facts, iid, value, display):
    r = one("association", facts, iid)
    assert r.value == value
    assert r.display == display


def test_organisation_levels_that_do_not_add_up_are_noted():
    facts = [fact("F01", "organisations_total", 20, "个"),
             fact("F02", "org_district", 1, "个", parent="F01"),
             fact("F03", "org_township", 5, "个", parent="F01"),
             fact("F04", "org_village", 12, "个", parent="F01")]
    r = one("association", facts, "organisations_total")
    assert r.value == 20
    assert "1 + 5 + 12 = 18，与总数不一致" in r.note                     # 1 + 5 + 12 = 18 ≠ 20


# --- missing inputs and zero denominators -----------------------------------------------------------

MISSING_CASES = [
    # (type, facts, indicator, Chinese names of the missing inputs)
    ("accident_insurance", [fact("F01", "premium_income", 100, "元")], "avg_premium", ["参保人数"]),
    ("accident_insurance", [], "avg_paid_claim", ["赔付金额", "理赔件数"]),
    ("accident_insurance", [fact("F01", "claims_count", 3, "件")], "claims_per_1000", ["参保人数"]),
    ("accident_insurance", [fact("F01", "claims_paid", 100, "元")], "loss_ratio_recomputed", ["保费收入"]),
    ("accident_insurance", [], "loss_ratio_stated", ["赔付率"]),
    ("accident_insurance", [fact("F01", "subsidised_persons", 10, "人")], "subsidy_per_person", ["补助金额"]),
    ("accident_insurance", [], "planned_subsidy_category", ["计划补助人数（资金安排情况）"]),
    ("accident_insurance", [], "planned_subsidy_amount_total", ["计划补助人数（资金安排情况）"]),
    ("accident_insurance", [], "planned_persons_stated", ["计划补助人数（资金安排情况以外的总体计划）"]),
    ("association", [fact("F01", "members", 10, "人")], "members_per_org", ["协会组织总数"]),
    ("association", [fact("F01", "coverage_rate", 90, "%")], "coverage_gap", ["覆盖率目标"]),
    ("association", [], "coverage_rate", ["覆盖率"]),
]


@pytest.mark.parametrize(("ptype", "facts", "iid", "missing"), MISSING_CASES)
def test_missing_input_gives_no_number(ptype, facts, iid, missing):
    r = one(ptype, facts, iid)
    assert r.value is None
    assert r.display == "—"
    assert r.missing == missing
    assert "缺少输入" in r.note


def test_planned_figure_does_not_stand_in_for_a_reported_one():
    # a planned insured count must not be used where the reported one is needed
    facts = [fact("F01", "insured_persons", 50000, "人", planned=True),
             fact("F02", "premium_income", 10, "元")]
    r = one("accident_insurance", facts, "avg_premium")
    assert r.value is None and r.missing == ["参保人数"]


ZERO_CASES = [
    ("accident_insurance", [fact("F01", "insured_persons", 0, "人"), fact("F02", "premium_income", 5, "元")],
     "avg_premium", "分母（参保人数）为零"),
    ("accident_insurance", [fact("F01", "claims_count", 0, "件"), fact("F02", "claims_paid", 0, "元")],
     "avg_paid_claim", "分母（理赔件数）为零"),
    ("accident_insurance", [fact("F01", "claims_paid", 7, "元"), fact("F02", "premium_income", 0, "元")],
     "loss_ratio_recomputed", "分母（保费收入）为零"),
    ("association", [fact("F01", "organisations_total", 0, "个"), fact("F02", "members", 9, "人")],
     "members_per_org", "分母（协会组织总数）为零"),
]


@pytest.mark.parametrize(("ptype", "facts", "iid", "note"), ZERO_CASES)
def test_zero_denominator_gives_no_number_and_says_why(ptype, facts, iid, note):
    r = one(ptype, facts, iid)
    assert r.value is None and r.display == "—"
    assert r.missing == []
    assert note in r.note


# --- repeats, basis wording, categories -------------------------------------------------------------

def test_disagreeing_repeats_are_noted_and_the_first_is_used():
    facts = [fact("F01", "insured_persons", 1000, "人", raw="1000人"),
             fact("F02", "premium_income", 50000, "元"),
             fact("F03", "insured_persons", 1250, "人", raw="1250人", line=12)]
    r = one("accident_insurance", facts, "avg_premium")
    assert r.value == 50                                             # 50,000 ÷ 1,000 (not ÷ 1,250)
    assert "参保人数在文本中陈述2次，数值不一致（F01 1000人；F03 1250人）；取首次陈述F01" in r.note


@pytest.mark.parametrize(("paid_kw", "prem_kw", "basis"), [
    ({"as_of": "2024-10-31", "year": 2024}, {"year": 2024},
     "简单赔付率：截至2024年10月31日赔付金额 ÷ 2024年保费收入"),
    ({"year": 2022}, {"year": 2022}, "简单赔付率：2022年赔付金额 ÷ 2022年保费收入"),
    ({}, {}, "简单赔付率：赔付金额 ÷ 保费收入"),
])
def test_loss_ratio_basis_is_worded_from_the_facts(paid_kw, prem_kw, basis):
    facts = [fact("F01", "claims_paid", 30, "元", **paid_kw),
             fact("F02", "premium_income", 40, "元", **prem_kw)]
    r = one("accident_insurance", facts, "loss_ratio_recomputed")
    assert r.formula == basis
    assert r.value == 75                                             # 30 ÷ 40 × 100 = 75


def test_stated_loss_ratio_matching_the_recomputed_one_is_called_consistent():
    facts = [fact("F01", "claims_paid", 1877900, "元"), fact("F02", "premium_income", 3189000, "元"),
             fact("F03", "loss_ratio", "58.89", "%", decimals=2)]       # |58.8868 − 58.89| ≤ 0.005
    assert "与文本陈述赔付率58.89%一致" in one("accident_insurance", facts, "loss_ratio_recomputed").note


def _funding(*facts: Fact) -> list[Fact]:
    return list(facts)


CATEGORY_FACTS = _funding(
    # paragraph 1: the standard comes BEFORE the persons ("按每人80元标准，计划补助250人")
    fact("F01", "subsidy_standard", 80, "元/人", section="六", line=16, planned=True),
    fact("F02", "planned_subsidy_persons", 250, "人", section="六", line=16, planned=True),
    fact("F03", "planned_subsidy_amount", 20000, "元", section="六", line=16, planned=True,
         raw="2.00万元", scale=10000, decimals=2),
    # paragraph 2: two categories in one paragraph; the second states a wrong amount
    fact("F04", "planned_subsidy_persons", 75, "人", section="六", line=17, planned=True),
    fact("F05", "subsidy_standard", 120, "元/人", section="六", line=17, planned=True),
    fact("F06", "planned_subsidy_persons", 33, "人", section="六", line=17, planned=True),
    fact("F07", "subsidy_standard", 150, "元/人", section="六", line=17, planned=True),
    fact("F08", "planned_subsidy_amount", 5000, "元", section="六", line=17, planned=True,
         raw="0.50万元", scale=10000, decimals=2),
    # outside the funding section: the overall figure
    fact("F09", "planned_subsidy_persons", 350, "人", section="八", line=21, planned=True, approx="余",
         raw="350余人"),
)

CATEGORY_CASES = [
    # 250 × 80 = 20,000 元 = 2.00万元
    ("planned_subsidy_category.1", D(20000), "2.00万元", ["F01", "F02", "F03"]),
    # 75 × 120 = 9,000 元 = 0.90万元 (no amount stated for this category)
    ("planned_subsidy_category.2", D(9000), "0.90万元", ["F04", "F05"]),
    # 33 × 150 = 4,950 元 = 0.495万元 → 0.50万元 half-up
    ("planned_subsidy_category.3", D(4950), "0.50万元", ["F06", "F07", "F08"]),
    # 250 + 75 + 33 = 358
    ("planned_subsidy_persons_total", D(358), "358人", ["F02", "F04", "F06"]),
    # 20,000 + 9,000 + 4,950 = 33,950 元 = 3.395万元 → 3.40万元
    ("planned_subsidy_amount_total", D(33950), "3.40万元", ["F01", "F02", "F03", "F04", "F05", "F06", "F07",
                                                          "F08"]),
    ("planned_persons_stated", D(350), "350余人", ["F02", "F04", "F06", "F09"]),
]


@pytest.mark.parametrize(("iid", "value", "display", "inputs"), CATEGORY_CASES)
def test_planned_subsidy_categories(iid, value, display, inputs):
    r = one("accident_insurance", CATEGORY_FACTS, iid)
    assert r.value == value
    assert r.display == display
    assert r.inputs == inputs


def test_category_notes():
    rs = by_id(compute_indicators(project("accident_insurance", CATEGORY_FACTS)))
    assert "本类未陈述预计补助金额" in rs["planned_subsidy_category.2"].note
    # stated 0.50万元 = 5,000 元 vs 4,950 元: |5,000 − 4,950| = 50 ≤ tolerance 50 → agrees
    assert "与文本预计补助0.50万元一致" in rs["planned_subsidy_category.3"].note
    assert "资金安排分类合计358人" in rs["planned_persons_stated"].note


def test_category_without_a_standard_is_missing_and_the_total_is_not_shown():
    facts = [fact("F01", "planned_subsidy_persons", 100, "人", section="六", line=16, planned=True),
             fact("F02", "planned_subsidy_amount", 6000, "元", section="六", line=16, planned=True),
             fact("F03", "planned_subsidy_persons", 10, "人", section="六", line=17, planned=True),
             fact("F04", "subsidy_standard", 40, "元/人", section="六", line=17, planned=True)]
    rs = by_id(compute_indicators(project("accident_insurance", facts)))
    assert rs["planned_subsidy_category.1"].value is None
    assert rs["planned_subsidy_category.1"].missing == ["补助标准"]
    assert rs["planned_subsidy_category.2"].value == 400                 # 10 × 40
    assert rs["planned_subsidy_amount_total"].value is None
    assert rs["planned_subsidy_amount_total"].missing == ["补助标准"]
    assert rs["planned_subsidy_persons_total"].value == 110              # 100 + 10


def test_categories_in_different_units_are_not_added():
    facts = [fact("F01", "planned_subsidy_persons", 100, "人", section="六", line=16, planned=True),
             fact("F02", "subsidy_standard", 40, "元/人", section="六", line=16, planned=True),
             fact("F03", "planned_subsidy_persons", 20, "户", section="六", line=17, planned=True),
             fact("F04", "subsidy_standard", 200, "元/户", section="六", line=17, planned=True)]
    rs = by_id(compute_indicators(project("accident_insurance", facts)))
    assert rs["planned_subsidy_persons_total"].value is None
    assert "不能相加" in rs["planned_subsidy_persons_total"].note
    assert rs["planned_subsidy_amount_total"].value == 8000                # 100 × 40 + 20 × 200 = 8,000
    assert "20户 × 200元/户 = 0.40万元" in rs["planned_subsidy_category.2"].note


# --- a synthetic text through the real ingestion, other wording and values --------------------------

SYNTHETIC = """某县计划生育协会2025年预算重点领域财政项目文本公开
一、项目名称
某县计生家庭意外伤害保险项目。
二、立项依据
根据有关文件精神。
三、项目实施单位
某县计划生育协会
四、项目基本概况
1.项目必要性：惠民工程。
2.绩效目标合理性：2024年全县投保人数48000人，收取保费200万元。对特殊家庭人员2000人给予保费补助，补助金额10.005万元。截至2024年10月31日全县理赔案件360件，赔付金额135万元，赔付率60.00%。
3.投入经济性：合理。
4.筹资合规性：合规。
五、项目实施内容
开展保险工作。
六、资金安排情况
具体用款计划：
2025年计划补助1500人，每人补助标准为60元/人，预计补助9.00万元。
计划补助120人（其中失独家庭80人，伤残家庭40人），每人补助标准为100元/人，预计补助1.30万元。
七、项目实施计划
计划于2025年1-6月开展此项目。
八、项目实施成效
计划对1600余人进行补助。
"""

SYNTHETIC_CASES = [
    ("avg_premium", "41.67元/人"),                    # 2,000,000 ÷ 48,000 = 41.666… → 41.67
    ("avg_paid_claim", "3,750.00元"),                 # 1,350,000 ÷ 360 = 3,750
    ("claims_per_1000", "7.50件/千人"),               # 360 ÷ 48,000 × 1000 = 7.5
    ("loss_ratio_recomputed", "67.50%"),              # 1,350,000 ÷ 2,000,000 = 67.5 %
    ("subsidy_per_person", "50.03元/人"),             # 100,050 ÷ 2,000 = 50.025 → 50.03
    ("planned_subsidy_category.1", "9.00万元"),       # 1,500 × 60 = 90,000 元
    ("planned_subsidy_category.2", "1.20万元"),       # 120 × 100 = 12,000 元 (text says 1.30万元)
    ("planned_subsidy_persons_total", "1,620人"),     # 1,500 + 120
    ("planned_subsidy_amount_total", "10.20万元"),    # 90,000 + 12,000 = 102,000 元
    ("planned_persons_stated", "1,600余人"),
]


@pytest.fixture(scope="module")
def synthetic() -> dict[str, IndicatorResult]:
    doc = parse_text(decode_bytes(SYNTHETIC.encode("utf-8"), "synthetic.txt"), 2025)
    (p,) = doc.projects
    assert p.type == "accident_insurance"
    return by_id(compute_indicators(p))


@pytest.mark.parametrize(("iid", "display"), SYNTHETIC_CASES)
def test_synthetic_text(synthetic, iid, display):
    assert synthetic[iid].display == display


def test_synthetic_text_flags_the_wrong_stated_amount(synthetic):
    assert "与文本预计补助1.30万元不一致（相差0.10万元）" in synthetic["planned_subsidy_category.2"].note
    basis = "简单赔付率：截至2024年10月31日赔付金额 ÷ 2024年保费收入"
    assert synthetic["loss_ratio_recomputed"].formula == basis


# --- registry, formats, frame, workbook -------------------------------------------------------------

def _dummy(**kw) -> Indicator:
    base = dict(id="x", name="x", unit="人", formula_text="f", compute=lambda ix: D(1), inputs=(),
                display="persons", types=("t",))
    base.update(kw)
    return Indicator(**base)


def test_registry_for_type_and_conflicts():
    reg = IndicatorRegistry()
    a = reg.register(_dummy(id="a"))
    with pytest.raises(ValueError, match="already registered"):
        reg.register(a)                               # one rule for every registry: a name once
    reg.register(_dummy(id="b", types=("other",)))
    assert [i.id for i in reg.for_type("t")] == ["a"]
    assert reg.get("b").types == ("other",)
    with pytest.raises(ValueError, match="already registered"):
        reg.register(_dummy(id="a", name="另一个"))


@pytest.mark.parametrize(("kw", "message"), [
    ({"display": "nope"}, "display format"),
    ({"level1": "成本指标"}, "一级指标"),
    ({"level1": "产出指标", "level2": "社会效益"}, "二级指标"),
    ({"level2": "数量指标"}, "二级指标"),
])
def test_bad_definitions_are_refused(kw, message):
    with pytest.raises(ValueError, match=message):
        _dummy(**kw)


def test_general_projects_have_no_indicators():
    compute_indicators(project("accident_insurance", []))   # makes sure the definitions are loaded
    assert registry.for_type("general") == []
    assert compute_indicators(project("general", [fact("F01", "insured_persons", 5, "人")])) == []


def test_a_new_type_gets_indicators_by_registering_them():
    reg = IndicatorRegistry()
    reg.register(_dummy(id="double", types=("new_type",), display="persons_2dp",
                        compute=lambda ix: None if (v := ix.value("members")) is None else v * 2))
    rs = compute_indicators(project("new_type", [fact("F01", "members", "12.5", "人")]), reg)
    assert [(r.id, r.value, r.display) for r in rs] == [("double", D(25), "25.00人")]   # 12.5 × 2


FORMAT_CASES = [
    ("money_wan", "128000", "12.80万元"),
    ("money_wan", "4950", "0.50万元"),                 # 0.495 → 0.50
    ("yuan_2dp", "3576.952", "3,576.95元"),
    ("per_capita", "40.5", "41元/人"),                  # half-up to integer
    ("per_capita_2dp", "54.015", "54.02元/人"),
    ("percent", "58.885", "58.89%"),
    ("pct_points", "5", "5.00个百分点"),
    ("per_thousand", "8.8924", "8.89件/千人"),
    ("persons_2dp", "259.2137", "259.21人"),
    ("persons", "59039", "59,039人"),
    ("orgs", "117", "117个"),
    ("cases", "525", "525件"),
]


@pytest.mark.parametrize(("fmt", "value", "expected"), FORMAT_CASES)
def test_display_formats(fmt, value, expected):
    assert display_value(D(value), fmt) == expected


def test_every_format_is_tested():
    assert {f for f, _, _ in FORMAT_CASES} == set(FORMATS)


def test_frame_has_chinese_headers_and_exact_values(seed):
    results = list(seed["association"].values())
    df = indicators_frame(results)
    assert list(df.columns) == ["指标编号", "一级指标", "二级指标", "指标名称", "计算值", "显示值", "单位",
                                "计算公式", "所用数据", "缺少输入", "说明", "原文引用"]
    assert len(df) == len(results)
    row = df.set_index("指标编号").loc["members_per_org"]
    assert row["计算值"] == D(30328) / D(117)
    assert row["显示值"] == "259.21人"
    assert row["计算公式"] == "会员人数 ÷ 协会组织总数"


def test_xlsx_is_written_atomically_with_rounded_values(seed, tmp_path):
    target = tmp_path / "out" / "indicators.xlsx"
    results = list(seed["accident_insurance"].values())
    write_indicators_xlsx(results, target)
    ws = load_workbook(target).active
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert ws.cell(1, 1).value == "指标编号"
    assert rows["avg_premium"][4] == pytest.approx(54.02)             # 54.0151… → 54.02 half-up
    assert rows["avg_premium"][5] == "54.02元/人"
    assert rows["insured_persons"][4] == 59039
    assert [p.name for p in target.parent.iterdir()] == ["indicators.xlsx"]   # no temporary left over


def test_xlsx_leaves_cells_empty_for_missing_values(tmp_path):
    rs = compute_indicators(project("association", []))
    write_indicators_xlsx(rs, tmp_path / "i.xlsx")
    ws = load_workbook(tmp_path / "i.xlsx").active
    values = {r[0]: (r[4], r[5], r[9]) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert values["members_per_org"] == (None, "—", "会员人数、协会组织总数")


def test_headline_figures_of_the_seed():
    # The headline indicators declared per type in indicator_defs, with the hand values above:
    # 1,877,900 ÷ 3,189,000 = 58.89%; 12.80万 + 2.22万 = 15.02万元.
    from helpers.indicators import headline_figures
    from helpers.ingest.loader import get_project

    ins = get_project("family-accident-insurance", 2024)
    assert headline_figures(ins) == [("参保人数", "59,039人"), ("保费收入", "318.90万元"),
                                     ("赔付率（复算）", "58.89%"), ("计划补助金额合计", "15.02万元")]
    assoc = get_project("association-operations", 2024)
    assert headline_figures(assoc, limit=2) == [("协会组织总数", "117个"), ("会员人数", "30,328人")]


def test_headline_figures_skip_what_cannot_be_computed():
    from helpers.indicators import headline_figures
    from helpers.ingest.loader import get_project

    ins = get_project("family-accident-insurance", 2024)
    ins.facts = [f for f in ins.facts if f.metric != "premium_income"]
    names = [n for n, _ in headline_figures(ins)]
    assert names == ["参保人数", "计划补助金额合计"]    # no premium → no premium, no loss ratio


def test_general_projects_declare_no_headlines():
    from helpers.indicators import headline_figures
    from helpers.ingest.loader import get_project

    ins = get_project("family-accident-insurance", 2024)
    ins.type = "general"
    assert headline_figures(ins) == []
