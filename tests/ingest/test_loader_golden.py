"""Golden test: the seed's facts, worked out by hand from data/raw/2024/hongta-jishengxie-2024.txt.

How the expected values were worked: each number was read off the text and normalised per
docs/domain.md §1 by hand — 万元 × 10,000 → 元 (318.9万元 = 3,189,000 元; 14.28万元 = 142,800 元;
187.79万元 = 1,877,900 元; 12.80万元 = 128,000 元; 2.22万元 = 22,200 元), percentages keep the
printed percent number (52.00% → 52.00), persons/counts as printed. The year is the one the
sentence names before the number (none → None)."""

from decimal import Decimal

import pytest

from helpers.core.paths import raw_dir
from helpers.ingest.loader import ingest_paths, parse_file

SEED = raw_dir() / "2024" / "hongta-jishengxie-2024.txt"

# (section, label, value, unit, year, metric, raw)
INSURANCE = [
    ("四.2", "参保人数", "59039", "人", 2023, "insured_persons", "59039人"),
    ("四.2", "保费", "3189000", "元", 2023, "premium_income", "318.9万元"),
    ("四.2", "计生特殊家庭人员", "3495", "人", None, "subsidised_persons", "3495人"),
    ("四.2", "补助金额", "142800", "元", None, "subsidy_amount", "14.28万元"),
    ("四.2", "理赔案件", "525", "件", 2023, "claims_count", "525件"),
    ("四.2", "赔付金额", "1877900", "元", 2023, "claims_paid", "187.79万元"),
    ("四.2", "赔付率", "52.00", "%", 2023, "loss_ratio", "52.00%"),
    ("五", "承保人数", "59039", "人", 2023, "insured_persons", "59039人"),
    ("五", "完成金额", "3189000", "元", 2023, "premium_income", "318.9万元"),
    ("五", "补助计生特殊家庭", "3495", "人", None, "subsidised_persons", "3495人"),
    ("五", "补助金额", "142800", "元", None, "subsidy_amount", "14.28万元"),
    ("五", "理赔", "525", "件", 2023, "claims_count", "525件"),
    ("五", "赔付金额", "1877900", "元", 2023, "claims_paid", "187.79万元"),
    ("五", "赔付率", "52.00", "%", 2023, "loss_ratio", "52.00%"),
    ("六", "计划补助", "3200", "人", 2024, "planned_subsidy_persons", "3200人"),
    ("六", "补助标准", "40", "元/人", 2024, "subsidy_standard", "40元/人"),
    ("六", "预计补助", "128000", "元", None, "planned_subsidy_amount", "12.80万元"),
    ("六", "计划补助", "444", "人", None, "planned_subsidy_persons", "444人"),
    ("六", "失独家庭", "282", "人", None, None, "282人"),
    ("六", "独生子女伤残家庭", "162", "人", None, None, "162人"),
    ("六", "补助标准", "50", "元/人", None, "subsidy_standard", "50元/人"),
    ("六", "预计补助", "22200", "元", None, "planned_subsidy_amount", "2.22万元"),
    ("八", "计划补助", "3600", "人", 2024, "planned_subsidy_persons", "3600余人"),
]
ASSOCIATION_OWN = [
    ("四.2", "协会组织", "117", "个", None, "organisations_total", "117个"),
    ("四.2", "区级计生协会", "1", "个", None, "org_district", "1个"),
    ("四.2", "乡（街道）计生协会", "11", "个", None, "org_township", "11个"),
    ("四.2", "村（社区）计生协会", "105", "个", None, "org_village", "105个"),
    ("四.2", "会员", "30328", "人", None, "members", "30328人"),
    ("四.2", "覆盖率", "95.00", "%", None, "coverage_rate", "95.00%"),
    ("四.2", "覆盖率", "100.00", "%", 2024, "coverage_target", "100.00%"),
]
# Sections 五–八 of the second project repeat the first project's text word for word (the audit
# reports this); ingestion must still extract them as printed.
ASSOCIATION = ASSOCIATION_OWN + INSURANCE[7:]


@pytest.fixture(scope="module")
def doc():
    return parse_file(SEED)


def _rows(project):
    return [(f.section, f.label, f.value, f.unit, f.year, f.metric, f.raw) for f in project.facts]


def _expected(rows):
    return [(s, lab, Decimal(v), u, y, m, r) for s, lab, v, u, y, m, r in rows]


def test_document_level(doc):
    assert doc.encoding == "utf-8"
    assert doc.line_endings == "LF"
    assert [p.id for p in doc.projects] == ["family-accident-insurance", "association-operations"]
    assert doc.notices == []


def test_project_profile(doc):
    ins, assoc = doc.projects
    assert ins.name == "计划生育家庭意外伤害保险专项资金项目"
    assert assoc.name == "计划生育协会综合工作经费项目"
    for p in doc.projects:
        assert p.unit == "玉溪市红塔区计划生育协会"
        assert p.budget_year == 2024
        assert list(p.sections) == ["name", "basis", "unit", "overview", "content", "funding", "plan",
                                    "outcome"]
        assert [s.number for s in p.sections["overview"].subsections] == ["1", "2", "3", "4"]
    assert (ins.line, assoc.line) == (2, 42)
    assert (ins.type, assoc.type) == ("accident_insurance", "association")


def test_insurance_facts(doc):
    assert _rows(doc.projects[0]) == _expected(INSURANCE)


def test_association_facts(doc):
    assert _rows(doc.projects[1]) == _expected(ASSOCIATION)


def test_fact_details(doc):
    ins = doc.projects[0]
    f05 = ins.fact("F05")
    assert f05.as_of == "2023-09-30"
    assert f05.quote == ("截止2023年9月30日全区理赔案件525件，赔付金额187.79万元，赔付率52.00%，"
                         "使意外家庭得到实惠与保障。")
    assert f05.line == 16
    f23 = ins.fact("F23")
    assert (f23.approx, f23.planned) == ("余", True)
    # 282 and 162 are parts of the 444 (…其中…); tolerance follows printed precision.
    assert ins.fact("F19").parent == ins.fact("F20").parent == "F18"
    assert ins.fact("F17").tolerance == Decimal(50)        # 12.80万元: ±0.005万元 = ±50 元
    assert ins.fact("F02").tolerance == Decimal(500)       # 318.9万元: ±0.05万元 = ±500 元
    assert ins.fact("F07").tolerance == Decimal("0.005")   # 52.00%
    assert ins.fact("F01").tolerance == Decimal("0.5")


def test_basis_documents(doc):
    got = [(b.title, b.number) for b in doc.projects[0].basis]
    assert got == [
        ("中国计划生育协会章程", None),
        ("中国计生协关于开展计划生育家庭意外伤害保险的通知", "国计生协〔2008〕37号"),
        ("云南省计划生育协会关于做好2016年度计划生育家庭意外伤害保险工作的通知", "云计生协〔2016〕2号"),
        ("玉溪市红塔区人民政府办公室关于印发《红塔区进一步做好计划生育特殊家庭扶助工作实施方案》的通知",
         "玉红政办通〔2022〕30号"),
        ("云南省卫生健康委 云南省计划生育协会关于实施2022年度计划生育特殊家庭住院护理保险工作的通知",
         "云计生协〔2022〕1号"),
    ]


def test_schedule(doc):
    got = [(p.text, p.year, p.start_month, p.end_month, p.section) for p in doc.projects[0].schedule]
    assert got == [("2024年1-4月", 2024, 1, 4, "七"), ("2024年3-4月", 2024, 3, 4, "六")]


def test_every_quote_contains_its_number(doc):
    for p in doc.projects:
        for f in p.facts:
            assert f.raw in f.quote, f


def test_default_ingest_finds_the_seed():
    result = ingest_paths()
    assert not result.failures
    assert {(p.budget_year, p.id) for p in result.projects} >= {
        (2024, "family-accident-insurance"), (2024, "association-operations")}


def test_offsets_point_at_the_number_in_the_quote(doc):
    for p in doc.projects:
        for f in p.facts:
            assert f.quote[f.offset:f.offset + len(f.raw)] == f.raw, f
    # 12,480人 vs 12,480人次 style ambiguity: the second 525件 of the sentence is found by offset
    f = doc.projects[0].fact("F12")
    assert f.quote[:f.offset] == "截止2023年9月30日理赔"
