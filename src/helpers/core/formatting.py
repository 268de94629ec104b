"""Display formats of docs/domain.md §4, all rounding half-up (四舍五入) through Decimal.

- amounts in 万元 with 2 decimals: 128000 元 → "12.80万元"
- percentages with 2 decimals: 52.0 → "52.00%"
- per-capita standards as integers: 40 → "40元/人"
- 元 with thousands separators: 3189000 → "3,189,000"
- dates: "2024年4月", "2023年9月30日"
"""

from __future__ import annotations

import datetime as _dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

Number = Decimal | int | float | str

_UNITS_PER_WAN = Decimal(10000)


def to_decimal(value: Number) -> Decimal:
    """Exact Decimal of a number; floats go through their shortest repr (0.1 → Decimal('0.1'))."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a bool is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None


def round_half_up(value: Number, places: int = 2) -> Decimal:
    """Round to ``places`` decimals, halves away from zero (2.675 → 2.68, 2.665 → 2.67)."""
    q = Decimal(1).scaleb(-places)
    return to_decimal(value).quantize(q, rounding=ROUND_HALF_UP)


def _group(d: Decimal, places: int) -> str:
    return f"{d:,.{places}f}"


def fmt_decimal(value: Number, places: int = 2, *, thousands: bool = False) -> str:
    """A number rounded half-up to ``places`` decimals as text, optionally with thousands separators.

    A value that rounds to zero is shown without a minus sign (-0.0001 → "0.00").
    """
    d = round_half_up(value, places)
    if d == 0:
        d = abs(d)  # -0.0001 rounds to 0.00, shown without a sign
    return _group(d, places) if thousands else f"{d:.{places}f}"


def yuan_to_wan(yuan: Number) -> Decimal:
    """元 → 万元, exact."""
    return to_decimal(yuan) / _UNITS_PER_WAN


def fmt_wan(yuan: Number | None, places: int = 2, *, suffix: bool = True) -> str:
    """An amount in 元 shown in 万元 with 2 decimals: 128000 → "12.80万元"."""
    if yuan is None:
        return "—"
    s = fmt_decimal(yuan_to_wan(yuan), places, thousands=True)
    return s + ("万元" if suffix else "")


def fmt_yuan(yuan: Number | None, places: int = 0, *, suffix: bool = False) -> str:
    """元 with thousands separators: 3189000 → "3,189,000" (integers unless places is given)."""
    if yuan is None:
        return "—"
    return fmt_decimal(yuan, places, thousands=True) + ("元" if suffix else "")


def fmt_pct(percent: Number | None, places: int = 2) -> str:
    """A percent number shown with 2 decimals: 52 → "52.00%" (the value is already in %)."""
    if percent is None:
        return "—"
    return fmt_decimal(percent, places) + "%"


def fmt_ratio_pct(ratio: Number | None, places: int = 2) -> str:
    """A ratio shown as a percentage: 0.58887 → "58.89%"."""
    if ratio is None:
        return "—"
    return fmt_pct(to_decimal(ratio) * 100, places)


def fmt_per_capita(yuan_per_person: Number | None) -> str:
    """A per-capita standard as an integer: 40 → "40元/人" (half-up)."""
    if yuan_per_person is None:
        return "—"
    return fmt_decimal(yuan_per_person, 0, thousands=True) + "元/人"


def fmt_count(value: Number | None, unit: str = "") -> str:
    """A count with thousands separators: 59039 → "59,039人"."""
    if value is None:
        return "—"
    d = to_decimal(value)
    places = 0 if d == d.to_integral_value() else 2
    return fmt_decimal(d, places, thousands=True) + unit


def fmt_value(value: Number | None, unit: str) -> str:
    """A normalised fact value in its display format, chosen by unit."""
    if value is None:
        return "—"
    if unit == "元":
        return fmt_wan(value)
    if unit == "元/人":
        return fmt_per_capita(value)
    if unit == "%":
        return fmt_pct(value)
    return fmt_count(value, unit)


def fmt_date(year: int, month: int | None = None, day: int | None = None) -> str:
    """2024年4月 · 2023年9月30日 · 2024年."""
    s = f"{year}年"
    if month:
        s += f"{month}月"
        if day:
            s += f"{day}日"
    return s


def fmt_iso_date(iso: str | _dt.date | None) -> str:
    """"2023-09-30" → "2023年9月30日"."""
    if iso is None:
        return "—"
    d = iso if isinstance(iso, _dt.date) else _dt.date.fromisoformat(str(iso))
    return fmt_date(d.year, d.month, d.day)
