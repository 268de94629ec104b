"""Kinds of amount (helpers.ingest.stages) and the product check comparing like with like.

The false alarm of issue 10: a grant (count × standard) followed by the year's executed amount,
lower as it normally is, with its execution rate beside it. The texts are edits of the QA text
tests/fixtures/audit/qa2_rates_planted.txt (an unseen 新平县教育体育局 text)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.audit.test_checks import audit_text, keys, qa

from helpers.ingest.stages import (
    ARRIVED,
    EXECUTED,
    GRANTED,
    LEFT_OVER,
    PLANNED,
    compatible,
    stage_of,
)


@pytest.mark.parametrize("clause, stage", [
    ("2024年实际支出资金", EXECUTED),
    ("全年执行", EXECUTED),
    ("截至年底已发放", EXECUTED),            # paid out so far: part of the year's amount
    ("预算执行", EXECUTED),
    ("资金到位", ARRIVED),
    ("年末结余", LEFT_OVER),
    ("结转下年", LEFT_OVER),
    ("计划发放补助", PLANNED),              # the plan outranks the grant
    ("安排支出", PLANNED),                  # 支出 after 安排: a planned expenditure
    ("需资金", PLANNED),
    ("预计补助", PLANNED),
    ("发放补助资金", GRANTED),
    ("计划生育家庭", None),                 # 计划生育 is not a plan
    ("参保人数", None),
])
def test_stage_of(clause, stage):
    assert stage_of(clause) == stage


def test_compatible_kinds():
    assert compatible(PLANNED, GRANTED) and compatible(None, EXECUTED) and compatible(EXECUTED, EXECUTED)
    assert not compatible(PLANNED, EXECUTED)
    assert not compatible(GRANTED, ARRIVED)
    assert not compatible(PLANNED, LEFT_OVER)


SENTENCE = "（1）小学家庭经济困难寄宿生1200人，每人补助标准为1000元/人，预计补助120.00万元。"


def _with(sentence: str) -> str:
    return qa("qa2_rates_planted.txt").replace(SENTENCE, sentence)


@pytest.mark.parametrize("sentence", [
    # 1200 × 1000 = 120万元 granted; executed 108万元 (90.00%) is spending, not the product
    "（1）资助小学家庭经济困难寄宿生1200人，补助标准1000元/人，2024年实际执行资金108.00万元，执行率90.00%。",
    # arrived and left over after the product
    "（1）资助小学家庭经济困难寄宿生1200人，补助标准1000元/人，目前到位资金80.00万元。",
    "（1）资助小学家庭经济困难寄宿生1200人，补助标准1000元/人，上年结转资金12.00万元。",
    # the product stated, then the executed amount
    "（1）资助小学家庭经济困难寄宿生1200人，补助标准1000元/人，预计补助120.00万元，实际支出108.00万元。",
])
def test_executed_arrived_left_over_amounts_are_not_products(sentence):
    assert audit_text(_with(sentence), checks=["product"]) == []


def test_a_wrong_product_of_its_own_kind_is_still_found():
    # 1200 × 1000 = 1,200,000 元, the planned amount after the executed one says 125万元
    found = audit_text(_with("（1）资助小学家庭经济困难寄宿生1200人，补助标准1000元/人，实际支出108.00万元，"
                             "预计补助125.00万元。"), checks=["product"])
    assert keys(found) == {("product", "error", "六.1", Decimal(1250000), Decimal(1200000))}
    # an executed count × standard against an executed amount is compared too: 1100 × 1000 ≠ 108万
    found = audit_text(_with("（1）实际资助小学家庭经济困难寄宿生1100人，补助标准1000元/人，"
                             "实际支出108.00万元。"), checks=["product"])
    assert keys(found) == {("product", "error", "六.1", Decimal(1080000), Decimal(1100000))}


# ----------------------------------------------------------------- rates with unnamed terms

RATES = ("2.绩效目标合理性：2023年预算资金180.00万元，实际支出162.00万元，执行率92.00%。"
         "共资助学生2000人，其中脱贫家庭学生860人，占受助学生总数的43.00%。")


def _rates(sentence: str) -> str:
    text = qa("qa2_rates_planted.txt")
    assert RATES in text
    return text.replace(RATES, "2.绩效目标合理性：" + sentence)


def test_rate_after_its_numerator_over_the_total_of_the_sentence_before():
    # the miss: 1,100 ÷ 1,250 = 0.88 → 88.00%, the text says 90.00%
    wrong = _rates("全年共救治患者1,250人。其中有效救治1,100人，有效率90.00%。")
    assert keys(audit_text(wrong, checks=["ratio"])) == {
        ("ratio", "error", "四.2", Decimal("90.00"), Decimal("88.00"))}
    assert audit_text(wrong.replace("有效率90.00%", "有效率88.00%"), checks=["ratio"]) == []


def test_rate_with_two_possible_bases_is_a_note_not_an_error():
    # 1,100 ÷ 1,250 = 88.00%, 1,100 ÷ 1,200 = 91.67%: neither gives 90.00%, and the text does not
    # say which total the rate is over → a note naming both readings
    text = _rates("全年共救治患者1,250人，出院1,200人。其中有效救治1,100人，有效率90.00%。")
    found = audit_text(text, checks=["ratio"])
    assert keys(found) == {("ratio", "note", "四.2", Decimal("90.00"), Decimal("88.00"))}
    assert "88.00%" in found[0].message and "91.67%" in found[0].message
    # one reading gives the stated rate (1,100 ÷ 1,200 = 91.67%): nothing to say
    assert audit_text(text.replace("有效率90.00%", "有效率91.67%"), checks=["ratio"]) == []


def test_rate_whose_stem_is_not_the_figure_before_it_is_left_alone():
    # 达标率 after 培训1,100人: the stem 达标 is not in the count's label, so no reading
    text = _rates("全年共救治患者1,250人。其中培训1,100人，达标率90.00%。")
    assert audit_text(text, checks=["ratio"]) == []
