"""Property tests for helpers.formatting: half-up rounding against a Decimal reference, 万元
conversion, display formats. Magnitudes stay below 10^12 元 (far above any project budget)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.core.formatting import (
    fmt_count,
    fmt_date,
    fmt_iso_date,
    fmt_pct,
    fmt_per_capita,
    fmt_ratio_pct,
    fmt_value,
    fmt_wan,
    fmt_yuan,
    round_half_up,
    to_decimal,
    yuan_to_wan,
)

LIMIT = 10**12
decimals = st.decimals(min_value=-LIMIT, max_value=LIMIT, allow_nan=False, allow_infinity=False, places=6)
yuan = st.integers(min_value=-LIMIT, max_value=LIMIT)
floats = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


def reference_half_up(d: Decimal, places: int) -> Decimal:
    """Integer arithmetic: scale, add one half away from zero, truncate."""
    scaled = d.scaleb(places)
    sign = -1 if scaled < 0 else 1
    whole = int((abs(scaled) * 2 + 1) // 2)   # floor(|x| + 0.5)
    return Decimal(sign * whole).scaleb(-places) if whole else Decimal(0).scaleb(-places)


@given(decimals, st.integers(min_value=0, max_value=4))
def test_round_half_up_matches_reference(d, places):
    got = round_half_up(d, places)
    assert got == reference_half_up(d, places)
    assert got == d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    assert abs(got - d) <= Decimal(5).scaleb(-places - 1)   # never more than half a unit off


@given(st.integers(min_value=-10**9, max_value=10**9))
def test_ties_go_away_from_zero(n):
    tie = Decimal(n) / 100 + (Decimal("0.005") if n >= 0 else Decimal("-0.005"))   # x.xx5
    expected = Decimal(n) / 100 + (Decimal("0.01") if n >= 0 else Decimal("-0.01"))
    assert round_half_up(tie) == expected


@given(floats)
def test_floats_round_through_their_repr(x):
    assert to_decimal(x) == Decimal(repr(x))
    assert round_half_up(x) == reference_half_up(Decimal(repr(x)), 2)


@pytest.mark.parametrize("value, expected", [
    (2.675, "2.68"), (1.005, "1.01"), ("0.125", "0.13"), (Decimal("-2.675"), "-2.68"), (0, "0.00"),
])
def test_round_half_up_examples(value, expected):
    # floats 2.675 and 1.005 sit just below the half in binary; through repr they round up
    assert str(round_half_up(value)) == expected


@given(yuan)
def test_yuan_to_wan_is_exact(y):
    assert yuan_to_wan(y) * 10000 == y


def wan_reference(y: int) -> str:
    """万元 to 2 decimals = 元 / 100 in 'wan-cents', half-up by integer divmod."""
    q, r = divmod(abs(y), 100)
    q += r >= 50
    sign = "-" if y < 0 and q else ""
    return f"{sign}{q // 100:,}.{q % 100:02d}万元"


@given(yuan.filter(lambda y: y >= 0 or y <= -50))
def test_fmt_wan_matches_integer_reference(y):
    assert fmt_wan(y) == wan_reference(y)


def test_fmt_wan_small_negative_is_not_negative_zero():
    # -1 元 = -0.0001 万元 → half-up to 2 decimals is 0.00, shown without a sign
    assert fmt_wan(-1) == "0.00万元"


@pytest.mark.parametrize("y, expected", [
    (128000, "12.80万元"),     # 128000 / 10000 = 12.8
    (22200, "2.22万元"),
    (3189000, "318.90万元"),
    (1877900, "187.79万元"),
    (50, "0.01万元"),          # 0.005 → 0.01 (half-up)
    (49, "0.00万元"),
    (123456789, "12,345.68万元"),
])
def test_fmt_wan_examples(y, expected):
    assert fmt_wan(y) == expected


@given(yuan)
def test_fmt_yuan_groups_thousands(y):
    s = fmt_yuan(y)
    assert s.replace(",", "") == str(y)
    assert all(len(g) == 3 for g in s.lstrip("-").split(",")[1:])


@given(st.decimals(min_value=0, max_value=1000, places=4, allow_nan=False))
def test_fmt_pct(p):
    s = fmt_pct(p)
    assert s.endswith("%") and s[:-1] == str(reference_half_up(p, 2))


@given(st.decimals(min_value=0, max_value=10, places=6, allow_nan=False))
def test_fmt_ratio_pct_is_fmt_pct_of_100x(r):
    assert fmt_ratio_pct(r) == fmt_pct(r * 100)


@given(st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False))
def test_fmt_per_capita_is_an_integer(v):
    s = fmt_per_capita(v)
    assert s.endswith("元/人")
    assert Decimal(s[:-3].replace(",", "")) == reference_half_up(v, 0)


@given(st.integers(min_value=0, max_value=10**9))
def test_fmt_count_integral(n):
    assert fmt_count(n, "人") == f"{n:,}人"


@pytest.mark.parametrize("value, unit, expected", [
    (128000, "元", "12.80万元"), (40, "元/人", "40元/人"), (52.0, "%", "52.00%"),
    (59039, "人", "59,039人"), (None, "人", "—"),
])
def test_fmt_value_by_unit(value, unit, expected):
    assert fmt_value(value, unit) == expected


@given(st.dates(min_value=dt.date(1949, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_dates(d):
    expected = f"{d.year}年{d.month}月{d.day}日"
    assert fmt_iso_date(d.isoformat()) == expected == fmt_date(d.year, d.month, d.day)


def test_date_examples():
    got = (fmt_date(2024, 4), fmt_iso_date("2023-09-30"), fmt_date(2024))
    assert got == ("2024年4月", "2023年9月30日", "2024年")


def test_bool_is_not_a_number():
    with pytest.raises(TypeError):
        to_decimal(True)


def test_text_that_is_not_a_number():
    with pytest.raises(ValueError, match="not a number"):
        to_decimal("十二")
