"""Kinds of amount (helpers.ingest.stages) and the product check comparing like with like.

The false alarm of issue 10: a grant (count × standard) followed by the year's executed amount,
lower as it normally is, with its execution rate beside it. The texts are edits of the QA text
tests/fixtures/audit/qa2_rates_planted.txt (an unseen 新平县教育体育局 text)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from helpers.ingest.stages import (
    ARRIVED,
    EXECUTED,
    GRANTED,
    LEFT_OVER,
    PLANNED,
    compatible,
    stage_of,
)
from tests.audit.test_checks import audit_text, keys, qa


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
    found = audit_text(_with("（1）实际资助小学家庭经济困难寄宿生1100人，补助标准1000元/人，实际支出108.00万元。"),
                       checks=["product"])
    assert keys(found) == {("product", "error", "六.1", Decimal(1080000), Decimal(1100000))}
