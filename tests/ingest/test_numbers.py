"""Numbers with units → normalised Decimal values (docs/domain.md §1), each worked by hand."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.core.normalize import fold
from helpers.ingest.numbers import find_quantities, parse_quantity


@pytest.mark.parametrize(
    ("text", "value", "unit", "decimals", "approx"),
    [
        ("59039人", "59039", "人", 0, None),
        ("318.9万元", "3189000", "元", 1, None),        # 318.9 × 10,000
        ("12.80万元", "128000", "元", 2, None),         # 12.80 × 10,000
        ("2.5亿元", "250000000", "元", 1, None),        # 2.5 × 100,000,000
        ("1500元", "1500", "元", 0, None),
        ("40元/人", "40", "元/人", 0, None),
        ("1.2万元/人", "12000", "元/人", 1, None),      # 1.2 × 10,000
        ("52.00%", "52.00", "%", 2, None),
        ("５２．００％", "52.00", "%", 2, None),         # full-width
        ("117个", "117", "个", 0, None),
        ("525件", "525", "件", 0, None),
        ("3600余人", "3600", "人", 0, "余"),
        ("约3,600人", "3600", "人", 0, "约"),
        ("3600多人", "3600", "人", 0, "多"),
        ("5.9万人", "59000", "人", 1, None),            # 5.9 × 10,000
        ("120名", "120", "人", 0, None),
        ("30户", "30", "户", 0, None),
    ],
)
def test_parse_quantity(text, value, unit, decimals, approx):
    q = parse_quantity(text)
    assert q.value == Decimal(value)
    assert q.unit == unit
    assert q.decimals == decimals
    assert q.approx == approx


@pytest.mark.parametrize("text", ["2024年", "第31次", "37号", "3-4月", "abc", "40"])
def test_not_a_quantity(text):
    with pytest.raises(ValueError):
        parse_quantity(text)


@pytest.mark.parametrize(
    ("sentence", "raws"),
    [
        ("2023年全区参保人数59039人，完成保费318.9万元。", ["59039人", "318.9万元"]),
        ("第三届区人民政府第31次常务会议", []),
        ("国计生协（2008）37号", []),
        ("共有3个人员、2家庭", []),                      # 个人 / 家庭 are words, not units
        ("计划补助444人（其中失独家庭282人，独生子女伤残家庭162人）", ["444人", "282人", "162人"]),
    ],
)
def test_find_quantities_in_sentences(sentence, raws):
    assert [q.raw for q in find_quantities(fold(sentence), sentence)] == raws


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=4),
       st.sampled_from(["元", "万元", "亿元", "人", "%"]))
def test_roundtrip_printed_numbers(units, places, unit):
    """Printing a Decimal with a unit and parsing it back gives the Decimal × the unit's scale."""
    number = Decimal(units).scaleb(-places)
    text = f"{number}{unit}"
    scale = {"元": 1, "万元": 10_000, "亿元": 100_000_000, "人": 1, "%": 1}[unit]
    q = parse_quantity(text)
    assert q.value == number * scale
    assert q.decimals == places


@pytest.mark.parametrize(
    ("sentence", "value", "unit"),
    [
        ("补助标准为每人40元。", "40", "元/人"),
        ("人均补助1.2万元。", "12000", "元/人"),     # 1.2 × 10,000
        ("每户补助500元。", "500", "元/户"),
        ("共补助40元。", "40", "元"),                 # no 每人: plain money
    ],
)
def test_per_capita_written_before_the_number(sentence, value, unit):
    (q,) = find_quantities(fold(sentence), sentence)
    assert (q.value, q.unit) == (Decimal(value), unit)


@pytest.mark.parametrize(
    ("sentence", "value", "upper", "unit", "approx"),
    [
        ("每人每年补助3000-5000元/人。", "3000", "5000", "元/人", "区间"),
        ("每人每年补助3000～5000元/人。", "3000", "5000", "元/人", "区间"),
        ("每人补助3000元至5000元。", "3000", "5000", "元/人", "区间"),   # 每人…元 is per-capita
        ("投入1.2-1.5万元。", "12000", "15000", "元", "区间"),           # 1.2万 … 1.5万
        ("每户奖补不超过3000元。", "3000", None, "元/户", "不超过"),
        ("培训不少于200人。", "200", None, "人", "不少于"),
        ("满意度不低于90%。", "90", None, "%", "不低于"),
        ("补助超过200人。", "200", None, "人", "超过"),
    ],
)
def test_ranges_and_bounds(sentence, value, upper, unit, approx):
    (q,) = find_quantities(fold(sentence), sentence)
    assert (q.value, q.upper, q.unit, q.approx) == (
        Decimal(value), Decimal(upper) if upper else None, unit, approx)


def test_second_standard_of_a_list_shares_the_first_per_unit():
    sentence = "计划补助脱贫户1200户、监测户300户，分别按每户3000元、2000元的标准补助，预计补助420.00万元。"
    got = [(q.value, q.unit) for q in find_quantities(fold(sentence), sentence)]
    assert got == [(Decimal(1200), "户"), (Decimal(300), "户"), (Decimal(3000), "元/户"),
                   (Decimal(2000), "元/户"), (Decimal(4200000), "元")]     # 420.00万元


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # a number followed by a date is no range's lower end
        ("每人每月500元至2024年12月底。", [("500", None, "元/人·月")]),
        ("共培训3000人到2024年底。", [("3000", None, "人")]),
        # 300万 … 500万元: the lower end's 万 is the upper end's scale
        ("安排300万至500万元。", [("3000000", "5000000", "元")]),
        # totals after 每… are not per-unit standards
        ("为全县每户脱贫户购买保险支出保费共计35万元。", [("350000", None, "元")]),
        ("人均可支配收入增长带动投入300万元。", [("3000000", None, "元")]),
        ("每期补助标准为2000元/期。", [("2000", None, "元/期")]),
        ("住院期间每天给予护理补贴100元。", [("100", None, "元/天")]),
    ],
)
def test_review_cases(sentence, expected):
    got = [(q.value, q.upper, q.unit) for q in find_quantities(fold(sentence), sentence)]
    assert got == [(Decimal(v), Decimal(u) if u else None, unit) for v, u, unit in expected]
