"""The kind of an amount or count: planned, granted, executed, arrived or left over.

A text states the same money several times over a budget cycle: what is planned (预算 72万元),
what is granted or paid out (发放补助), what was actually spent (实际支出 64.8万元), what has
arrived from the treasury (到位) and what is left (结余/结转). These legitimately differ: an
executed amount below the planned one is an execution rate, not an error. The audit compares
only figures of compatible kinds (:func:`compatible`).

The kind is read from the words of the figure's own clause before the number (folded text),
by priority: left over, arrived, executed, planned, granted. Words are a registration block
(``STAGE_WORDS``); a clause with none of them has no kind (None), which is compatible with any.
Rules and examples: docs/audit.md, "Kinds of amount".
"""

from __future__ import annotations

import re

PLANNED, GRANTED, EXECUTED, ARRIVED, LEFT_OVER = "planned", "granted", "executed", "arrived", "left_over"

# Registration block, in priority order: the first kind whose words occur in the clause wins.
# "计划发放" is planned (the plan outranks the grant); "预算执行" is executed; "已发放" (paid out
# so far) counts as executed, since it is part of the year's amount, not the whole of it.
STAGE_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (LEFT_OVER, re.compile(r"结余|结转|剩余|余额|沉淀")),
    (ARRIVED, re.compile(r"到位|到账")),
    (EXECUTED, re.compile(r"实际|执行|已(?:经)?(?:支付|拨付|发放|兑现|使用|支出|下拨|完成)"
                          r"|累计(?:支付|发放|支出)|(?<!计划)(?<!安排)(?<!预算)(?<!预计)(?<!拟)(?:支出|使用|花费|支付)")),
    (PLANNED, re.compile(r"预算|计划(?!生育)|安排|预计|拟|需(?:要)?(?:资金|经费)|申请|测算|概算")),
    (GRANTED, re.compile(r"发放|补助|补贴|兑现|资助|奖补|奖励|救助金|慰问")),
)

# Amounts of what was done with the money, compared only with figures of their own kind.
SPENT = (EXECUTED, ARRIVED, LEFT_OVER)

STAGE_ZH = {PLANNED: "计划/预算", GRANTED: "发放/补助", EXECUTED: "执行/支出", ARRIVED: "到位",
            LEFT_OVER: "结余/结转"}


def stage_of(clause: str) -> str | None:
    """The kind of the figure whose clause (the folded words before the number) is ``clause``:
    one of planned, granted, executed, arrived, left_over, or None when no word says.

    >>> stage_of("2024年实际支出资金"), stage_of("计划发放补助"), stage_of("需资金")
    ('executed', 'planned', 'planned')
    """
    for stage, pattern in STAGE_WORDS:
        if pattern.search(clause):
            return stage
    return None


def compatible(a: str | None, b: str | None) -> bool:
    """Whether figures of kinds ``a`` and ``b`` may be compared as the same amount: the same
    kind, either unknown, or planned against granted (a grant total is what the plan grants).
    Executed, arrived and left-over amounts are compared only with their own kind."""
    if a is None or b is None or a == b:
        return True
    return {a, b} == {PLANNED, GRANTED}
