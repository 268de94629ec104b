"""The audit checks one by one: interval rules, then each check on a hand-written text where it
fires and one where it stays silent (tests/fixtures/audit/*.txt)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from helpers.audit import audit_documents, registry
from helpers.audit.checks.integrality import achievable
from helpers.audit.intervals import interval, step, uncertainty
from helpers.core.decoding import decode_bytes
from helpers.ingest.loader import parse_text
from helpers.ingest.models import Fact

FIXTURES = Path(__file__).parents[1] / "fixtures" / "audit"


def fact(value, unit="人", *, raw=None, scale=1, decimals=0, approx=None) -> Fact:
    v = Decimal(str(value))
    return Fact(id="F01", label="x", metric=None, value=v, unit=unit, year=None, section="六",
                section_title="", quote="", line=1, raw=raw or f"{value}{unit}", raw_unit=unit,
                scale=scale, decimals=decimals, approx=approx)


def audit_text(text: str, name: str = "t.txt", checks=None):
    doc = parse_text(decode_bytes(text.encode("utf-8"), name))
    return audit_documents([doc], targets_loader=None, checks=checks)


def audit_fixture(name: str, checks=None):
    return audit_text((FIXTURES / name).read_text(encoding="utf-8"), name, checks)


def keys(findings):
    return {(f.check, f.severity, f.section, f.stated, f.computed) for f in findings}


# ---------------------------------------------------------------------------- intervals

@pytest.mark.parametrize("kwargs, expected", [
    # 12.80万元: printed to 0.01万 = 100 元 → ±50 元
    (dict(value=128000, unit="元", scale=10000, decimals=2), Decimal(50)),
    # 318.9万元 → ±500 元
    (dict(value=3189000, unit="元", scale=10000, decimals=1), Decimal(500)),
    # 52.00% → ±0.005 percentage points
    (dict(value="52.00", unit="%", decimals=2), Decimal("0.005")),
    # whole counts and per-capita standards are exact
    (dict(value=3200, unit="人"), Decimal(0)),
    (dict(value=40, unit="元/人"), Decimal(0)),
])
def test_uncertainty(kwargs, expected):
    assert uncertainty(fact(**kwargs)) == expected


@pytest.mark.parametrize("value, approx, expected", [
    (3600, "余", (Decimal(3600), Decimal(3700))),     # 3600余人: above 3600, below the next hundred
    (3650, "多", (Decimal(3650), Decimal(3660))),
    (36, "余", (Decimal(36), Decimal(46))),           # at least one step of ten
    (3600, "约", (Decimal(3500), Decimal(3700))),     # 约: one printed step either way
    (3600, "近", (Decimal(3500), Decimal(3600))),     # 近: just under
    (3644, None, (Decimal(3644), Decimal(3644))),
])
def test_interval_of_approximate_counts(value, approx, expected):
    assert interval(fact(value, approx=approx)) == expected


def test_step_of_money_with_decimals():
    assert step(fact(12000, "元", scale=10000, decimals=1, approx="约")) == Decimal(1000)


@pytest.mark.parametrize("p, n, ok, k", [
    ("95.00", 116, False, 110),    # 110/116 = 94.83 %, 111/116 = 95.69 %
    ("95.00", 117, False, 111),    # 111/117 = 94.87 %
    ("95.00", 120, True, 114),     # 114/120 = 95.00 %
    ("52.00", 525, True, 273),     # 273/525 = 52.00 %
    ("33.33", 3, True, 1),         # 1/3 = 33.333 %, within ±0.005
    ("33.30", 3, False, 1),
])
def test_achievable(p, n, ok, k):
    assert achievable(Decimal(p), Decimal("0.005"), n) == (ok, k)


def test_registry_lists_every_check_once():
    ids = [c.id for c in registry.all()]
    assert ids == ["product", "parts_sum", "category_sum", "ratio", "integrality", "restatement",
                   "duplicate_section", "foreign_project", "section_subject", "year_reference", "target"]
    assert registry.get("ratio").kind == "ratio"
    assert all(c.explanation and c.title for c in registry.all())


# ---------------------------------------------------------------------------- consistent texts

@pytest.mark.parametrize("name", ["insurance_consistent.txt", "association_consistent.txt",
                                  "two_projects_distinct.txt", "varied_wording.txt"])
def test_consistent_texts_raise_nothing(name):
    # Products 2000×40 = 8.00万, 350×50 = 1.75万; parts 210+140 = 350; categories 2000+350 = 2350
    # within 2300余 (2300…2400); loss ratio 121.84万 ÷ 206.5万 = 59.0024 % vs 59.00 %; coverage
    # 95.00 % = 114/120 (乡12 + 村108); years all 2025; no section shared between the projects.
    # varied_wording: full-width digits, 每人40元, 约600人, 两项合计6.80万元 = 5.00 + 1.80, 宣传覆盖率
    # 90.00 % = 72/80, 会员之家 94.68 % = 89/94, 赔付率 86.10万 ÷ 143.25万 = 60.105 % vs 60.11 %.
    assert audit_fixture(name) == []


# ---------------------------------------------------------------------------- planted errors

def test_insurance_planted_errors_are_each_found():
    found = keys(audit_fixture("insurance_planted.txt"))
    assert found == {
        # 2000人 × 40元/人 = 80,000 元, the text says 8.10万元 (±50 元)
        ("product", "error", "六", Decimal(81000), Decimal(80000)),
        # 其中 210 + 150 = 360 > 350
        ("parts_sum", "error", "六", Decimal(350), Decimal(360)),
        # categories 2000 + 350 = 2350, not in 2500余 = 2500…2600
        ("category_sum", "error", "八", Decimal(2500), Decimal(2350)),
        # 121.84万 ÷ 206.5万 = 59.00 %, the text says 52.00 % in 四.2
        ("ratio", "error", "四.2", Decimal("52.00"), Decimal("59.00")),
        # 四.2 52.00 % vs 五 59.00 %; 四.2 参保 41250人 vs 五 承保 41520人
        ("restatement", "error", "五", Decimal("59.00"), Decimal("52.00")),
        ("restatement", "error", "五", Decimal(41520), Decimal(41250)),
        # 组织实施2024年度… in a 2025 text; 计划于2026年1-4月
        ("year_reference", "warning", "二", Decimal(2024), Decimal(2025)),
        ("year_reference", "warning", "七", Decimal(2026), Decimal(2025)),
    }


def test_association_planted_errors_are_each_found():
    found = keys(audit_fixture("association_planted.txt"))
    assert found == {
        # 立项依据 names an insurance project as its own
        ("foreign_project", "warning", "二", None, None),
        # 1 + 12 + 108 = 121 < 123: parts short of the total
        ("parts_sum", "warning", "四.2", Decimal(123), Decimal(121)),
        # 93.00 % over 乡12 + 村108 = 120: 112/120 = 93.33 %, 111/120 = 92.50 %; over 123 neither
        ("integrality", "note", "四.2", Decimal("93.00"), Decimal("93.33")),
        # 六 is an insurance premium plan, not this association's
        ("section_subject", "error", "六", None, None),
    }


def test_copied_sections_between_projects():
    findings = audit_fixture("two_projects_copied.txt")
    assert keys(findings) == {
        ("duplicate_section", "error", "六", None, None),
        ("duplicate_section", "error", "七", None, None),
    }
    assert {f.project for f in findings} == {"association-operations"}
    assert all("计划生育家庭意外伤害保险专项资金项目" in f.message for f in findings)


def test_near_copy_is_still_a_copy():
    # The insurance project's own 六 gets a changed figure: the association's copy is no longer
    # identical, but 99 % alike and still about 意外伤害保险.
    text = (FIXTURES / "two_projects_copied.txt").read_text(encoding="utf-8").replace(
        "预计补助8.00万元", "预计补助8.10万元", 1)
    findings = audit_text(text, checks=["duplicate_section"])
    assert keys(findings) == {("duplicate_section", "error", "六", None, None),
                              ("duplicate_section", "error", "七", None, None)}
    six = next(f for f in findings if f.section == "六")
    assert "几乎逐字相同" in six.message and six.project == "association-operations"


def test_seed_funding_plan_pasted_into_a_single_association_project():
    seed = (Path(__file__).resolve().parents[2] / "data" / "raw" / "2024" /
            "hongta-jishengxie-2024.txt").read_text(encoding="utf-8")
    seed_six = seed[seed.index("六、资金安排情况"):seed.index("七、项目实施计划")]
    assoc = (FIXTURES / "association_consistent.txt").read_text(encoding="utf-8")
    own_six = assoc[assoc.index("六、资金安排情况"):assoc.index("七、项目实施计划")]
    found = keys(audit_text(assoc.replace(own_six, seed_six.replace("2024年", "2025年")),
                            checks=["section_subject"]))
    assert found == {("section_subject", "error", "六", None, None)}


def test_shared_basis_documents_are_not_a_copy():
    # Two projects of one unit citing the same documents, each naming itself: no finding.
    assoc = (FIXTURES / "association_consistent.txt").read_text(encoding="utf-8")
    basis_ins = BASE[BASE.index("根据"):BASE.index("三、项目实施单位")]
    basis_assoc = assoc[assoc.index("根据"):assoc.index("三、项目实施单位")]
    mine = basis_ins.replace("组织实施2025年度计划生育家庭意外伤害保险专项资金项目",
                             "组织实施2025年度计划生育协会综合工作经费项目")
    text = BASE + "\n" + assoc.replace(basis_assoc, mine)
    assert audit_text(text, checks=["duplicate_section", "foreign_project"]) == []


# ---------------------------------------------------------------------------- one check at a time

BASE = (FIXTURES / "insurance_consistent.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("check, old, new, fires", [
    ("product", "预计补助1.75万元", "预计补助1.70万元", True),
    ("product", "预计补助1.75万元", "预计补助1.750万元", False),
    ("parts_sum", "独生子女伤残家庭140人", "独生子女伤残家庭141人", True),
    ("category_sum", "计划对2300余人", "计划对约2400人", False),     # 约2400 → 2300…2500 holds 2350
    ("category_sum", "计划对2300余人", "计划对近2300人", True),      # 近2300 → 2200…2300 misses 2350
    ("ratio", "赔付率59.00%。", "赔付率59.05%。", True),    # 59.02% would still fit 58.986…59.019
    ("ratio", "赔付率59.00%。", "赔付率59.0%。", False),
    ("restatement", "完成206.5万元", "完成206.8万元", True),
    ("year_reference", "计划于2025年1-4月", "计划于2024年1-4月", True),
    ("year_reference", "2024年全县参保人数", "2023年全县参保人数", False),  # a past result
    ("year_reference", "2024年全县参保人数", "2026年全县参保人数", True),   # a "result" in the future
])
def test_single_planted_change(check, old, new, fires):
    assert old in BASE
    findings = audit_text(BASE.replace(old, new, 1), checks=[check])
    assert bool(findings) is fires, [f.message for f in findings]
    assert all(f.check == check for f in findings)


def test_standard_written_as_yuan_per_person_in_words():
    text = BASE.replace("每人补助标准为40元/人", "每人补助标准为40元")
    assert audit_text(text, checks=["product"]) == []
    found = keys(audit_text(text.replace("预计补助8.00万元", "预计补助8.40万元"), checks=["product"]))
    # 2000人 × 40元 = 80,000 元 vs 8.40万元
    assert found == {("product", "error", "六", Decimal(84000), Decimal(80000))}


def test_category_total_marked_with_gongji_in_the_same_section():
    text = BASE.replace("预计补助1.75万元。", "预计补助1.75万元。共计计划补助2450人。")
    found = keys(audit_text(text, checks=["category_sum"]))
    # 2000 + 350 = 2350 ≠ 共计2450
    assert ("category_sum", "error", "六", Decimal(2450), Decimal(2350)) in found
    assert audit_text(BASE.replace("预计补助1.75万元。", "预计补助1.75万元。共计计划补助2350人。"),
                      checks=["category_sum"]) == []


def test_varied_wording_planted_total():
    text = (FIXTURES / "varied_wording.txt").read_text(encoding="utf-8")
    found = keys(audit_text(text.replace("两项合计补助资金6.80万元", "两项合计补助资金7.80万元")))
    # 5.00万 + 1.80万 = 68,000 元 vs 合计7.80万元 = 78,000 元
    assert found == {("category_sum", "error", "六", Decimal(78000), Decimal(68000))}


def test_total_amount_over_several_standards_is_not_a_product():
    # 2000×40 + 350×50 = 97,500 元 = 9.75万元, stated as one 共计 after both standards
    text = BASE.replace("预计补助8.00万元。计划补助350人", "计划补助350人").replace(
        "每人补助标准为50元/人，预计补助1.75万元。", "每人补助标准为50元/人，共计补助9.75万元。")
    assert audit_text(text, checks=["product"]) == []


def test_integrality_needs_a_share_label_not_satisfaction():
    text = (FIXTURES / "association_planted.txt").read_text(encoding="utf-8").replace(
        "覆盖率达到93.00%", "满意度达到93.00%")
    assert audit_text(text, checks=["integrality"]) == []


def test_foreign_project_of_the_same_document_is_an_error():
    ins = BASE
    assoc = (FIXTURES / "association_consistent.txt").read_text(encoding="utf-8").replace(
        "组织实施2025年度计划生育协会综合工作经费项目",
        "组织实施2025年度计划生育家庭意外伤害保险专项资金项目")
    findings = audit_text(ins + "\n" + assoc, checks=["foreign_project"])
    assert [(f.project, f.severity, f.section) for f in findings] == \
        [("association-operations", "error", "二")]
    # Naming itself, or a related programme of no known type, is fine.
    assert audit_text(ins.replace("组织实施2025年度计划生育家庭意外伤害保险专项资金项目",
                                  "组织实施计划生育特殊家庭扶助项目"), checks=["foreign_project"]) == []


def test_years_inside_cited_document_titles_are_not_the_projects():
    # 《…关于做好2016年度…工作的通知》 is a title: its year is the notice's, not a plan year.
    assert "做好2016年度" in BASE
    assert audit_text(BASE, checks=["year_reference"]) == []


def test_past_dated_period_in_funding_is_not_a_plan():
    text = BASE.replace("计划生育家庭意外伤害保险支出计划：申请政府补贴。",
                        "截至2024年9月已拨付上年补助。计划生育家庭意外伤害保险支出计划：申请政府补贴。")
    assert audit_text(text, checks=["year_reference"]) == []


# ---------------------------------------------------------------------------- QA texts
# qa_*.txt are unseen texts from the QA round (utf-8 copies of /tmp/qa t01/t02/t03/t04/t07, c09,
# c18); each test plants the QA edit (e06, e09, e10, e14, e17) and checks the clean text is silent.

def qa(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name, old, new, stated, computed", [
    # e06: 620 + 430 + 165 = 1,215万元 ≠ 合计…需资金1,225万元 (合计 governs the whole segment)
    ("qa_education_aid.txt", "需资金1,215万元", "需资金1,225万元", 12250000, 12150000),
    # e14: 1,281,600 + 153,600 = 143.52万元 ≠ 合计安排资金145.52万元 (total has no metric)
    ("qa_village_doctors.txt", "合计安排资金143.52万元", "合计安排资金145.52万元", 1455200, 1435200),
    # e17: 480 + 69.6 + 12 = 561.6万元 ≠ 共计需资金571.6万元
    ("qa_elderly_allowance.txt", "共计需资金561.6万元", "共计需资金571.6万元", 5716000, 5616000),
])
def test_marked_money_total_against_its_categories(name, old, new, stated, computed):
    text = qa(name)
    assert old in text
    assert audit_text(text, checks=["category_sum"]) == []
    found = keys(audit_text(text.replace(old, new), checks=["category_sum"]))
    assert found == {("category_sum", "error", "六", Decimal(stated), Decimal(computed))}


def test_persons_total_still_reported_once():
    # e07: 6,200 + 2,150 + 1,650 = 10,000人 ≠ 合计资助10,500人: one finding, not two
    text = qa("qa_education_aid.txt").replace("合计资助10,000人", "合计资助10,500人")
    found = keys(audit_text(text, checks=["category_sum"]))
    assert found == {("category_sum", "error", "六", Decimal(10500), Decimal(10000))}


def test_bracketed_explanations_are_not_categories():
    # t04 P3: 17.2万元（86个×2000元）+ 4.5万元（9个×5000元）= 合计21.7万元; 2000元/5000元 are not items
    text = qa("qa_three_projects.txt")
    assert audit_text(text, checks=["category_sum"]) == []
    found = keys(audit_text(text.replace("合计21.7万元", "合计22.7万元"), checks=["category_sum"]))
    assert found == {("category_sum", "error", "六", Decimal(227000), Decimal(217000))}


@pytest.mark.parametrize("name", ["qa_elderly_allowance.txt", "qa_elderly_allowance_noparent.txt"])
def test_standard_paired_with_the_count_of_its_category(name):
    # t02 / c18: "80至89周岁补助标准600元/人，需资金480万元" goes with 80至89周岁8000人, not with
    # 约8600人 (t02) or the nearest 100周岁以上20人 (c18)
    text = qa(name)
    assert audit_text(text, checks=["product"]) == []
    found = keys(audit_text(text.replace("需资金69.6万元", "需资金79.6万元"), checks=["product"]))
    # 580人 × 1200元/人 = 696,000 元 ≠ 79.6万元
    assert found == {("product", "error", "六", Decimal(796000), Decimal(696000))}


def test_standard_without_category_after_a_list_of_counts_is_not_paired():
    # Counts listed by category, then one standard that names none: no unambiguous pairing.
    text = qa("qa_elderly_allowance_noparent.txt").replace("80至89周岁补助标准600元/人", "补助标准600元/人")
    assert audit_text(text, checks=["product"]) == []


def test_stated_share_against_its_numerator_and_denominator():
    # c09: 12,480 ÷ 99,840 = 12.50% = 占比12.5%; e09 writes 13.5%
    text = qa("qa_education_share.txt")
    assert audit_text(text, checks=["ratio", "integrality"]) == []
    found = audit_text(text.replace("占比12.5%", "占比13.5%"), checks=["ratio", "integrality"])
    assert keys(found) == {("ratio", "error", "四.2", Decimal("13.5"), Decimal("12.50"))}
    assert "12,480人 ÷" in found[0].message and "99,840人" in found[0].message
    # 12.46% is outside 12.5 ± 0 (exact counts): ±0.005 of the printed 12.46 → error
    assert audit_text(text.replace("占比12.5%", "占比12.46%"), checks=["ratio"])


def test_share_of_one_of_several_parts_needs_the_part_named():
    # t04 P2: "参保1,046人，其中失独家庭成员612人，伤残家庭成员434人，参保率100%" is not 434 ÷ 1,046
    text = qa("qa_three_projects.txt").replace("参保率100%", "参保率41.5%")
    assert audit_text(text, checks=["ratio"]) == []


def test_integrality_only_over_a_base_of_the_percentages_subject():
    # t07: 康复服务覆盖率88.6% next to 救助残疾儿童186人: 186 is not said to be the base → no note
    text = qa("qa_disability_rehab.txt")
    assert "186人" in text and "88.6%" in text
    assert audit_text(text, checks=["integrality"]) == []
    # t01: 达标率98.59% of 村卫生室 is over 村卫生室142个 (140/142), not over 356 doctors
    text = qa("qa_village_doctors.txt")
    assert audit_text(text, checks=["integrality"]) == []
    found = keys(audit_text(text.replace("达到98.59%", "达到98.50%"), checks=["integrality"]))
    assert [k[:3] for k in found] == [("integrality", "note", "四.2")]


def test_copied_section_message_names_both_projects_and_the_section():
    # e10: P1's 八 pasted over P2's 八 (P2 of unknown type): a warning naming both
    text = qa("qa_three_projects.txt")
    heads = [i for i in range(len(text)) if text.startswith("八、项目实施成效", i)]
    p1_eight = text[heads[0]:text.index("\n", text.index("\n", heads[0]) + 1)]
    p2_end = text.index("\n", text.index("\n", heads[1]) + 1)
    planted = text[:heads[1]] + p1_eight + text[p2_end:]
    found = [f for f in audit_text(planted, checks=["duplicate_section"]) if f.section == "八"]
    assert len(found) == 1
    msg = found[0].message
    assert "八、项目实施成效" in msg and found[0].project_name in msg
    assert "计划生育家庭意外伤害保险项目" in msg


def test_products_read_ranges_and_bounds_as_intervals():
    """350人 × 3000-5000元/人 = 105万…175万元 contains 140.00万元: silent. 350人 × 不超过3000元/人
    allows at most 105万元, so 140.00万元 fires (computed 105万 from the figure as printed)."""
    from helpers.ingest.synthetic import make_text

    text, _ = make_text(2024, 1, 1)
    head = text[: text.index("六、资金安排情况")]
    tail = text[text.index("七、项目实施计划"):]

    def audit(funding: str):
        body = head + "六、资金安排情况\n\n" + funding + "\n" + tail
        doc = parse_text(decode_bytes(body.encode(), "t.txt"))
        return [(f.kind, f.stated, f.computed) for f in audit_documents([doc], checks=["product"])]

    assert audit("2024年计划救助350人，每人每年补助3000-5000元/人，预计安排资金140.00万元。") == []
    assert audit("2024年计划救助350人，每人补助不超过3000元，预计安排资金140.00万元。") == [
        ("product", Decimal(1400000), Decimal(1050000))]


@pytest.mark.parametrize("name, wrong, right, stated, computed", [
    # 162.00万 ÷ 180.00万 = 90.00% ≠ 执行率92.00%
    ("qa2_rates_planted.txt", "执行率92.00%", "执行率90.00%", Decimal("92.00"), Decimal("90.00")),
    # 84 ÷ 96 = 87.50% ≠ 就业率89.50%
    ("qa2_employment_planted.txt", "就业率89.50%", "就业率87.50%", Decimal("89.50"), Decimal("87.50")),
])
def test_plain_rates_against_the_two_figures_before_them(name, wrong, right, stated, computed):
    text = qa(name)
    found = audit_text(text, checks=["ratio"])
    assert keys(found) == {("ratio", "error", "四.2", stated, computed)}
    assert audit_text(text.replace(wrong, right), checks=["ratio"]) == []


def test_rates_that_are_not_a_part_of_a_base_are_left_alone():
    # a growth rate, a satisfaction rate and a rate after figures of two units are not recomputed
    text = qa("qa2_rates_planted.txt")
    assert audit_text(text.replace("执行率92.00%", "增长率92.00%"), checks=["ratio"]) == []
    assert audit_text(text.replace("执行率92.00%", "满意率92.00%"), checks=["ratio"]) == []


def test_restated_figure_without_a_metric_is_compared_by_its_label():
    # 四.2 春节慰问重点优抚对象1820人, 五 the same label 1802人 (same year 2023): an error
    text = qa("qa2_restated_planted.txt")
    found = audit_text(text, checks=["restatement"])
    assert keys(found) == {("restatement", "error", "五", Decimal(1802), Decimal(1820))}
    assert audit_text(text.replace("重点优抚对象1802人", "重点优抚对象1820人"), checks=["restatement"]) == []


def test_a_rate_that_does_not_name_the_figures_before_it_is_not_recomputed():
    # review case: 达标率 after 356名 and 120名 (执业医师) is not 120 ÷ 356
    text = qa("qa2_employment_planted.txt").replace(
        "2023年培训退役士兵96人，培训后就业人数84人，就业率89.50%。",
        "全县共有在岗乡村医生356名，其中具备执业医师资格的120名，村卫生室标准化建设达标率达到98.59%。")
    assert audit_text(text, checks=["ratio"]) == []
