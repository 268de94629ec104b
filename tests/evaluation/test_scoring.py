"""Scoring rules (helpers.scoring), one parametrised table per formula. Every expected value is
worked by hand; the arithmetic is in the comment next to it."""

from __future__ import annotations

from decimal import Decimal as D
from fractions import Fraction as F

import pytest

from helpers.core.errors import ScoringError
from helpers.evaluation.scoring import METHODS, Row, ScoringConfig, grade, round_cents, score_rows


def row(level1="产出指标", direction="≥", target="100", actual="100", points="10", *, level3="指标",
        unit="", given=None, reason="", line=7):
    def val(v):
        try:
            return D(v) if isinstance(v, str) else v
        except ArithmeticError:   # text such as 是, 达成, 2024年1-4月 stays text
            return v

    return Row(level1=level1, level2="二级", level3=level3, direction=direction, target=val(target),
               unit=unit, actual=val(actual), points=D(points),
               given_score=None if given is None else D(given), reason=reason, line=line)


def filler(points: str) -> Row:
    """A full-marks row carrying the rest of the 100 points (≥ 1 / 1 → full)."""
    return row(target="1", actual="1", points=points, level3="其余", line=99)


def score_one(r: Row, method: str = "2020", config: ScoringConfig | None = None):
    rest = D(100) - r.points
    rows = [r, filler(str(rest))] if rest else [r]
    result = score_rows(rows, method, config)
    return result.rows[0], result


# ---------------------------------------------------------------- rounding and grade

@pytest.mark.parametrize("value, expected", [
    (D("2.675"), D("2.68")),    # half-up; a binary float 2.675 would round to 2.67
    (D("2.665"), D("2.67")),    # half-up, not half-even (2.66)
    (D("1.005"), D("1.01")),
    (D("9.99499"), D("9.99")),
    (D("0"), D("0.00")),
])
def test_round_cents_is_half_up(value, expected):
    assert round_cents(value) == expected


# Exact rounding: the old code divided numerator by denominator at 60 (or 28) digits first, which
# rounds 0.00499…9 (more nines than digits) up to 0.005000… and then half-up to 0.01.
NEAR = F(1, 10**70)
@pytest.mark.parametrize("value, expected", [
    (F(5, 1000) - NEAR, D("0.00")),          # 0.005 − 10⁻⁷⁰ = 0.00499…9 (67 nines) < tie → 0.00
    (F(5, 1000) - NEAR / 3, D("0.00")),      # 0.00499…9666… (non-terminating) < tie → 0.00
    (F(12345, 1000) - NEAR, D("12.34")),     # 12.345 − 10⁻⁷⁰ = 12.34499…9 → 12.34
    (F(12345, 1000), D("12.35")),            # exactly 12.345: a tie → up
    (F(12345, 1000) + NEAR, D("12.35")),     # just above the tie → up
    (F(1, 8), D("0.13")),                    # 0.125 exactly: half-up 0.13 (half-even: 0.12)
    (F(-1, 8), D("-0.13")),                  # sign restored: ties away from zero
    (F(-1, 1000), D("0.00")),                # −0.001 → 0.00, no negative zero
    (F(2, 3), D("0.67")),                    # 0.666… → 0.67
    (F(10**20 + 1, 200), D("500000000000000000.01")),  # 5·10¹⁷ + 0.005: a tie beyond 17 digits → up
    (D("9.994999999999999999999999999999"), D("9.99")),  # 31 digits, below the tie
])
def test_round_cents_is_exact(value, expected):
    assert round_cents(value) == expected
    assert round_cents(value).as_tuple().exponent == -2


@pytest.mark.parametrize("target, actual, points, expected", [
    # 1 × 0.00049…9 (70 decimals, 67 nines) / 1 × 10 = 0.00499…9 < 0.005 → 0.00 (60-digit division gave 0.01)
    ("1", "0." + "0" * 3 + "4" + "9" * 66, "10", "0.00"),
    # 10 × (0.0015 − 10⁻⁷⁰)/3 = 0.005 − 10⁻⁶⁹/3 = 0.00499…9666… → 0.00
    ("3", "0.0014" + "9" * 66, "10", "0.00"),
    # 1 × 1/8 = 0.125 exactly → 0.13 (half-up, not half-even)
    ("8", "1", "1", "0.13"),
    # 10 × 12.345/100 = 1.2345 → 1.23 (below the tie at the 2nd decimal)
    ("100", "12.345", "10", "1.23"),
    # 10 × 12.35/1000 = 0.1235 → 0.12
    ("1000", "12.35", "10", "0.12"),
])
def test_row_score_is_rounded_once_exactly(target, actual, points, expected):
    rs, _ = score_one(row(target=target, actual=actual, points=points, reason="x"))
    assert rs.score == D(expected)


def test_execution_rate_is_rounded_once_exactly():
    # A = 1, B = 0.96545 − 10⁻⁵⁰ (50 decimals): B/A × 100 = 96.545 − 10⁻⁴⁸ → 96.54. Dividing at
    # 40 digits first gave 96.54500…0 and then 96.55.
    b = "0.96544" + "9" * 45
    assert F(D(b)) == F(96545, 10**5) - F(1, 10**50)
    execution = row(level1="预算执行率", direction="", target="1", actual=b, points="10", reason="x")
    _, result = score_one(execution)
    assert result.execution_rate_pct == D("96.54")


@pytest.mark.parametrize("total, expected", [
    (D("100"), "优"), (D("90.00"), "优"), (D("89.99"), "良"), (D("80"), "良"),
    (D("79.99"), "中"), (D("60"), "中"), (D("59.99"), "差"), (D("0"), "差"),
])
def test_grade_bands(total, expected):
    assert grade(total) == expected


# ---------------------------------------------------------------- method 2020, quantitative

@pytest.mark.parametrize("direction, target, actual, points, expected", [
    ("≥", "100", "95", "10", "9.50"),         # 10 × 95/100 = 9.5
    ("≥", "100", "130", "10", "10.00"),       # min(130/100, 1) = 1 → 10
    ("≥", "100", "0", "10", "0.00"),          # 10 × 0/100 = 0
    ("≥", "3200", "3100", "20", "19.38"),     # 20 × 3100/3200 = 19.375 → half-up 19.38
    ("≥", "3", "2", "10", "6.67"),            # 10 × 2/3 = 6.666… → 6.67
    ("≥", "40", "17", "5", "2.13"),           # 5 × 17/40 = 2.125 → 2.13 (half-even would give 2.12)
    ("≥", "200", "67", "3", "1.01"),          # 3 × 67/200 = 1.005 → 1.01 (float 1.005 gives 1.0)
    ("≤", "12.80", "13.00", "5", "4.92"),     # 5 × 12.8/13 = 4.923… → 4.92
    ("≤", "12.80", "12.50", "5", "5.00"),     # min(12.8/12.5, 1) = 1 → 5
    ("≤", "12.80", "0", "5", "5.00"),         # actual 0 on a ≤ row scores full
    ("≤", "0", "0", "5", "5.00"),             # actual 0 first: full, even with target 0
    ("=", "40", "40", "5", "5.00"),           # equal → full
    ("=", "40", "50", "5", "4.00"),           # 5 × min(40,50)/max(40,50) = 5 × 0.8 = 4
    ("=", "50", "40", "5", "4.00"),           # 5 × 40/50 = 4
    ("=", "0", "0", "5", "5.00"),             # equal (both 0) → full
    ("=", "0", "5", "5", "0.00"),             # 5 × min(0,5)/max(0,5) = 0
])
def test_quantitative_2020(direction, target, actual, points, expected):
    rs, _ = score_one(row(direction=direction, target=target, actual=actual, points=points))
    assert rs.score == D(expected)


# ---------------------------------------------------------------- method 2021, quantitative

@pytest.mark.parametrize("direction, target, actual, points, expected", [
    ("≥", "100", "100", "10", "10.00"),       # r = 1 → 10 × 0.4/0.4 = 10
    ("≥", "100", "130", "10", "10.00"),       # r = min(1.3, 1) = 1 → 10
    ("≥", "3200", "3100", "20", "18.44"),     # r = 0.96875; 20 × 0.36875/0.4 = 18.4375 → 18.44
    ("≥", "100", "80", "10", "5.00"),         # r = 0.8; 10 × 0.2/0.4 = 5
    ("≥", "100", "70", "15", "3.75"),         # r = 0.7; 15 × 0.1/0.4 = 3.75
    ("≥", "100", "60", "10", "0.00"),         # r = 0.6 (not < 0.6): 10 × 0/0.4 = 0
    ("≥", "100", "59", "10", "0.00"),         # r = 0.59 < 0.6 → 0
    ("≥", "100", "0", "10", "0.00"),          # r = 0 → 0
    ("≤", "12.80", "16.00", "5", "2.50"),     # r = 12.8/16 = 0.8; 5 × 0.2/0.4 = 2.5
    ("≤", "12.80", "13.00", "10", "9.62"),    # r = 0.984615…; 10 × 0.384615…/0.4 = 9.615… → 9.62
    ("≤", "12.80", "0", "5", "5.00"),         # actual 0 on ≤ → r = 1 → full
    ("=", "40", "50", "5", "2.50"),           # r = 40/50 = 0.8; 5 × 0.2/0.4 = 2.5
    ("=", "40", "40", "5", "5.00"),           # r = 1 → full
])
def test_quantitative_2021(direction, target, actual, points, expected):
    rs, _ = score_one(row(direction=direction, target=target, actual=actual, points=points), "2021")
    assert rs.score == D(expected)


# ---------------------------------------------------------------- execution

def execution(budget: str, spent: str, points: str = "10") -> Row:
    return row(level1="预算执行率", direction="", target=budget, actual=spent, points=points,
               level3="预算执行率", unit="万元", line=2)


@pytest.mark.parametrize("method, budget, spent, points, expected, rate", [
    ("2020", "100", "95", "10", "9.50", "95.00"),       # 10 × 95/100 = 9.5; rate 95 %
    ("2020", "15.02", "14.50", "10", "9.65", "96.54"),  # 10 × 14.5/15.02 = 9.6538… → 9.65; 96.5379…% → 96.54
    ("2020", "100", "105", "10", "10.00", "105.00"),    # min(1.05, 1) → 10 (capped, reported)
    ("2020", "100", "0", "10", "0.00", "0.00"),         # 10 × 0 = 0
    ("2020", "100", "90", "20", "18.00", "90.00"),      # a locality giving execution 20: 20 × 0.9 = 18
    ("2021", "100", "100", "10", "10.00", "100.00"),    # completed within budget → 10
    ("2021", "100", "105", "10", "10.00", "105.00"),    # above 100 % → full, reported (docs/scoring.md)
    ("2021", "10000", "9999", "10", "7.00", "99.99"),   # 80 % ≤ 99.99 % < 100 % → 7
    ("2021", "100", "80", "10", "7.00", "80.00"),       # 80 % (inclusive) → 7
    ("2021", "10000", "7999", "10", "5.00", "79.99"),   # 60 % ≤ 79.99 % < 80 % → 5
    ("2021", "100", "60", "10", "5.00", "60.00"),       # 60 % (inclusive) → 5
    ("2021", "10000", "5999", "10", "0.00", "59.99"),   # < 60 % → 0
    ("2021", "100", "85", "20", "14.00", "85.00"),      # band 7/10 scaled to 20 points: 20 × 0.7 = 14
])
def test_execution(method, budget, spent, points, expected, rate):
    rs, result = score_one(execution(budget, spent, points), method)
    assert rs.score == D(expected)
    assert result.execution_rate_pct == D(rate)


def test_execution_above_100_is_reported():
    # 105/100 = 105 % → full marks and an execution_above_100 warning
    _, result = score_one(execution("100", "105"))
    assert [w.code for w in result.warnings] == ["execution_above_100"]


def test_execution_budget_zero_is_an_error():
    with pytest.raises(ScoringError, match="全年预算数") as exc:
        score_one(execution("0", "5"))
    assert exc.value.line == 2


def test_no_execution_row_warns_and_rate_is_none():
    _, result = score_one(row(points="100"))
    assert result.execution_rate is None
    assert "no_execution_row" in [w.code for w in result.warnings]


# ---------------------------------------------------------------- satisfaction

@pytest.mark.parametrize("method, target, actual, unit, expected", [
    ("2020", "90", "85", "%", "9.44"),     # like ≥: 10 × 85/90 = 9.444… → 9.44
    ("2020", "90", "95", "%", "10.00"),    # min(95/90, 1) → 10
    ("2021", "90", "100", "%", "10.00"),   # ≥ 90 % → full
    ("2021", "90", "90", "%", "10.00"),    # 90 % (inclusive) → full
    ("2021", "90", "89.99", "%", "8.00"),  # 80 % ≤ s < 90 % → 0.8 × 10 = 8
    ("2021", "90", "80", "%", "8.00"),     # 80 % (inclusive) → 8
    ("2021", "90", "79.99", "%", "5.00"),  # 60 % ≤ s < 80 % → 0.5 × 10 = 5
    ("2021", "90", "60", "%", "5.00"),     # 60 % (inclusive) → 5
    ("2021", "90", "59.99", "%", "0.00"),  # < 60 % → 0
    ("2021", "", "0.95", "", "10.00"),     # written as a ratio with no % unit: 0.95 → 95 % → full
])
def test_satisfaction(method, target, actual, unit, expected):
    r = row(level1="满意度指标", target=target or None, actual=actual, unit=unit, reason="样本少")
    rs, _ = score_one(r, method)
    assert rs.kind == "satisfaction"
    assert rs.score == D(expected)


# ---------------------------------------------------------------- qualitative tiers

@pytest.mark.parametrize("tier, given, ok", [
    ("达成", "10", True),            # top of 达成 [8, 10]
    ("达成", "8", True),             # 80 % of 10 belongs to 达成
    ("达成年度指标", "9", True),      # the long form of the tier
    ("达成", "7.99", False),         # below 8
    ("部分达成", "6", True),          # 60 % of 10 belongs to 部分达成 [6, 8)
    ("部分达成", "7.99", True),
    ("部分达成", "8", False),         # 80 % is 达成, not 部分达成
    ("部分达成", "5.99", False),
    ("未达成", "0", True),            # [0, 6)
    ("未达成", "5.99", True),
    ("未达成", "6", False),
    ("未达成", "10", False),
])
@pytest.mark.parametrize("method", ["2020", "2021"])
def test_qualitative_tiers(method, tier, given, ok):
    r = row(direction="定性", target="提高", actual=tier, given=given, reason="说明")
    if ok:
        rs, _ = score_one(r, method)
        assert rs.score == D(given)   # the evaluator's score is kept as given
        assert rs.kind == "qualitative"
    else:
        with pytest.raises(ScoringError, match="outside") as exc:
            score_one(r, method)
        assert exc.value.line == 7 and exc.value.where == "列 得分"


def test_qualitative_tier_scaled_to_points():
    # 部分达成 of 15 points: [9, 12); 11.5 is inside
    rs, _ = score_one(row(direction="定性", target="提高", actual="部分达成", points="15", given="11.5",
                          reason="说明"))
    assert rs.score == D("11.50")


@pytest.mark.parametrize("actual, given, message", [
    ("良好", "8", "not a tier"),
    ("达成", None, "needs the evaluator's score"),
])
def test_qualitative_errors(actual, given, message):
    with pytest.raises(ScoringError, match=message):
        score_one(row(direction="定性", target="提高", actual=actual, given=given))


# ---------------------------------------------------------------- yes/no

@pytest.mark.parametrize("method", ["2020", "2021"])
@pytest.mark.parametrize("target, actual, expected", [
    ("是", "是", "10.00"),   # met → full
    ("是", "否", "0.00"),    # missed → 0
    ("有", "有", "10.00"),
    ("有", "无", "0.00"),
    ("否", "否", "10.00"),   # a "否" target met
])
def test_yes_no(method, target, actual, expected):
    rs, _ = score_one(row(direction="=", target=target, actual=actual, reason="x"), method)
    assert rs.kind == "yes_no"
    assert rs.score == D(expected)


# ---------------------------------------------------------------- validation errors

@pytest.mark.parametrize("r, message, column", [
    (row(direction="≥", target="0", actual="5"), "指标值 is 0", "列 指标值"),
    (row(direction="≤", target="0", actual="5"), "指标值 is 0", "列 指标值"),
    (row(direction="≥", target="100", actual="约九十"), "not a number", "列 实际完成值"),
    (row(direction="≥", target="很多", actual="5"), "not a number", "列 指标值"),
    (row(direction="≥", target="100", actual=None), "empty", "列 实际完成值"),
    (row(direction="≈", target="100", actual="5"), "unknown 指标性质", "列 指标性质"),
    (row(direction="≥", target="100", actual="-5"), "negative", "列 实际完成值"),
])
def test_row_errors_name_the_row(r, message, column):
    with pytest.raises(ScoringError, match=message) as exc:
        score_one(r)
    assert exc.value.line == 7
    assert exc.value.where == column
    assert "「指标」" in exc.value.message


def test_points_must_add_up_to_100():
    # 10 + 85 = 95 ≠ 100
    rows = [row(points="10"), row(points="85", line=8)]
    with pytest.raises(ScoringError, match="add up to 95"):
        score_rows(rows)


def test_points_total_is_configurable():
    # a locality scoring out of 110: 10 + 100 = 110
    cfg = ScoringConfig(total_points=D(110))
    result = score_rows([row(points="10"), row(points="100", line=8)], config=cfg)
    assert result.total == D("110.00")


def test_unknown_method():
    with pytest.raises(ScoringError, match="unknown scoring method"):
        score_rows([row(points="100")], method="2019")


def test_registry_lists_both_methods():
    assert METHODS.names() == ["2020", "2021"]
    assert METHODS.get("2021").name == "2021"


# ---------------------------------------------------------------- warnings

def codes(result) -> list[str]:
    return [w.code for w in result.warnings if w.code != "no_execution_row"]


@pytest.mark.parametrize("r, expected", [
    (row(target="100", actual="121"), ["far_above_target"]),   # 121/100 = 1.21 > 1.2
    (row(target="100", actual="120"), []),                     # 1.2 is not above 1.2
    (row(direction="≤", target="10", actual="5"), ["far_above_target"]),  # ≤: 10/5 = 2 > 1.2
    (row(target="100", actual="90"), ["missing_reason"]),      # 9.00 < 10, no 偏差原因
    (row(target="100", actual="90", reason="原因"), []),
    (row(target="100", actual="100", given="9"), ["score_differs"]),  # rule gives 10.00
    (row(target="100", actual="95", given="9.5", reason="x"), []),    # 9.5 = 9.50
])
def test_warnings(r, expected):
    _, result = score_one(r)
    assert codes(result) == expected


def test_far_above_never_changes_the_score():
    # 10 × min(300/100, 1) = 10, flagged but not reduced
    rs, result = score_one(row(target="100", actual="300"))
    assert rs.score == D("10.00")
    assert "far_above_target" in codes(result)


def test_far_above_threshold_is_configurable():
    from fractions import Fraction

    cfg = ScoringConfig(far_above=Fraction(3, 2))
    _, result = score_one(row(target="100", actual="130"), config=cfg)   # 1.3 ≤ 1.5: no flag
    assert codes(result) == []


# ---------------------------------------------------------------- whole tables

def hand_table() -> list[Row]:
    """The table of tests/fixtures/selfeval/hand_scored.csv, built in code."""
    return [
        execution("15.02", "14.50"),
        row(target="3200", actual="3100", points="15", level3="补助计生家庭人数", reason="r"),
        row(target="444", actual="600", points="10", level3="补助特殊家庭人数"),
        row(target="100", actual="95", points="5", unit="%", level3="会员之家覆盖率", reason="r"),
        row(direction="定性", target="2024年1-4月", actual="部分达成", points="5", given="3.5", reason="r"),
        row(direction="≤", target="12.80", actual="13.00", points="10", reason="r"),
        row(direction="=", target="40", actual="50", points="5", reason="r"),
        row(level1="效益指标", direction="定性", target="提高", actual="达成", points="20", given="17",
            reason="r"),
        row(level1="效益指标", direction="=", target="是", actual="是", points="10"),
        row(level1="满意度指标", target="90", actual="85", points="10", unit="%", reason="r"),
    ]


# Method 2020, by hand:
#   execution 10 × 14.50/15.02 = 9.6538 → 9.65
#   ≥ 15 × 3100/3200 = 14.53125 → 14.53 · ≥ 444→600 capped 10.00 · ≥ 5 × 95/100 = 4.75
#   定性 部分达成 3.50 · ≤ 10 × 12.8/13 = 9.8462 → 9.85 · = 5 × 40/50 = 4.00
#   定性 达成 17.00 · 是/是 10.00 · satisfaction like ≥ 10 × 85/90 = 9.444 → 9.44
#   total 9.65 + 14.53 + 10 + 4.75 + 3.50 + 9.85 + 4.00 + 17.00 + 10 + 9.44 = 92.72 → 优
HAND_2020 = ["9.65", "14.53", "10.00", "4.75", "3.50", "9.85", "4.00", "17.00", "10.00", "9.44"]
# Method 2021, by hand:
#   execution 96.54 % in [80, 100) → 7/10 → 7.00
#   ≥ r 0.96875: 15 × 0.36875/0.4 = 13.828125 → 13.83 · 600/444 capped → 10.00
#   ≥ r 0.95: 5 × 0.35/0.4 = 4.375 → 4.38 · 定性 3.50
#   ≤ r 12.8/13 = 0.984615: 10 × 0.384615/0.4 = 9.6154 → 9.62 · = r 0.8: 5 × 0.2/0.4 = 2.50
#   定性 17.00 · 是/是 10.00 · satisfaction 85 % in [80, 90) → 0.8 × 10 = 8.00
#   total 7 + 13.83 + 10 + 4.38 + 3.50 + 9.62 + 2.50 + 17 + 10 + 8 = 85.83 → 良
HAND_2021 = ["7.00", "13.83", "10.00", "4.38", "3.50", "9.62", "2.50", "17.00", "10.00", "8.00"]


@pytest.mark.parametrize("method, scores, total, grade_", [
    ("2020", HAND_2020, "92.72", "优"),
    ("2021", HAND_2021, "85.83", "良"),
])
def test_hand_scored_table(method, scores, total, grade_):
    result = score_rows(hand_table(), method)
    assert [str(rs.score) for rs in result.rows] == scores
    assert result.total == D(total)
    assert result.grade == grade_
    assert result.execution_rate_pct == D("96.54")   # 14.50/15.02 = 96.5379…% → 96.54


def test_total_is_the_sum_of_rounded_scores():
    # three rows of 100/3 points each... use 33.33 + 33.33 + 33.34 = 100, each ≥ 2/3:
    # 33.33 × 2/3 = 22.22, 33.33 × 2/3 = 22.22, 33.34 × 2/3 = 22.2266… → 22.23; sum 66.67
    rows = [row(target="3", actual="2", points=p, reason="r", line=i)
            for i, p in enumerate(["33.33", "33.33", "33.34"], start=2)]
    result = score_rows(rows)
    assert [str(rs.score) for rs in result.rows] == ["22.22", "22.22", "22.23"]
    assert result.total == D("66.67")


def test_json_contract_keys():
    result = score_rows(hand_table(), "2020")
    data = result.to_json()
    assert {"method", "total", "grade", "execution_rate", "rows", "warnings"} <= set(data)
    assert data["total"] == 92.72 and data["execution_rate"] == 96.54 and data["method"] == "2020"
    first = data["rows"][0]
    assert {"indicator", "points", "score"} <= set(first)
    assert first == {**first, "indicator": "预算执行率", "points": 10, "score": 9.65}


@pytest.mark.parametrize(
    ("written", "tier"),
    [
        ("达成", "达成"), ("部分达成", "部分达成"), ("未达成", "未达成"), (" 达成 ", "达成"),
        ("部分达成年度指标", "部分达成"), ("达成年度目标", "达成"),
        ("已达成", "达成"), ("全部达成", "达成"), ("完全达成", "达成"), ("均已达成", "达成"),
        # negated or hedged wordings are no tier: the row is reported, never read as 达成
        ("未能达成", None), ("没有达成", None), ("未完全达成", None), ("基本达成", None), ("完成", None),
    ],
)
def test_tier_words(written, tier):
    from helpers.evaluation.scoring import tier_of

    assert tier_of(written) == tier
