"""Chinese numerals (伍拾, 十二, 一百二十, 三点五, 两千, 一万二千, 百分之九十五) → exact Decimal.

Only the conversion lives here: which numerals in a text are figures (a numeral directly followed
by a registered unit, or after 百分之) is decided by ``helpers.ingest.numbers``, which finds the
runs with ``RUN_RE`` and converts them with ``parse_numeral``. Every function is linear in the
length of its input.

The grammar read is the written one, strict on purpose, so that words made of numeral
characters (十四五, 一二三, 两三, 二〇二四) are rejected rather than guessed at:

- digits 零〇○ 一壹 二贰两 三叁 四肆 五伍 六陆 七柒 八捌 九玖; multipliers 十拾 百佰 千仟 inside a
  section, 万 and 亿 between sections (一亿二千万 = 120,000,000; 一万亿 = 10^12);
- a leading 十 means 1×10 (十二 = 12); any other multiplier needs its digit (百, 千, 万 alone are
  not numbers: 千家万户, 百姓);
- two digits in a row are not a number (十四五, 二〇二四, 三五), except after 零 (一百零五 = 105);
- a digit closing a section after 百/千/万/亿 without 零 is colloquial shorthand (两千五 = 2500
  or 2005?, 三千五万) and is rejected; 二十五, 一百零五 and 十五万 are read;
- 点 then digits is a decimal fraction (三点五 = 3.5), optionally scaled by a final 万 or 亿
  (三点五万 = 35,000);
- 零/〇 alone is 0 only before 点 (零点五 = 0.5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

DIGITS: dict[str, int] = {}
for _chars, _d in (("零〇○", 0), ("一壹", 1), ("二贰两", 2), ("三叁", 3), ("四肆", 4), ("五伍", 5),
                   ("六陆", 6), ("七柒", 7), ("八捌", 8), ("九玖", 9)):
    for _c in _chars:
        DIGITS[_c] = _d
SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG = {"万": 10_000, "亿": 100_000_000}
POINT = "点"
# The longest fraction read after 点; longer ones are not figures (numbers.MAX_DIGITS in spirit).
MAX_FRACTION = 16

NUMERAL_CHARS = "".join(DIGITS) + "".join(SMALL) + "".join(BIG)
_DIGIT_CLASS = "[" + "".join(DIGITS) + "]"
# A maximal run of numeral characters, with a decimal part and its 万/亿 scale when present.
RUN_RE = re.compile("[" + NUMERAL_CHARS + "]+(?:" + POINT + _DIGIT_CLASS + "+[万亿]?)?")


@dataclass(frozen=True)
class Numeral:
    """A converted numeral: its exact value and how many digits were written after 点."""

    value: Decimal
    decimals: int


def _integer(text: str) -> int | None:
    """The integer a run of digits and multipliers writes, or None when it is not well formed."""
    if text in ("零", "〇", "○"):
        return 0
    total = 0                  # 亿 groups
    wan = 0                    # the 万 group of the current 亿 group
    section = 0                # below 万
    pending: int | None = None  # a digit waiting for its multiplier
    last_small = 10_000        # multipliers fall inside a section (千 > 百 > 十)
    last_mult = 0              # the last multiplier read (for the shorthand rule)
    after_zero = False
    wan_used = False
    yi_used = False
    previous = ""
    for ch in text:
        if ch in DIGITS:
            d = DIGITS[ch]
            if pending is not None or (d == 0 and (not previous or previous in DIGITS)):
                return None            # 十四五, 二〇二四, 零 at the start or after a digit
            if d == 0:
                after_zero = True
            else:
                pending = d
        elif ch in SMALL:
            m = SMALL[ch]
            if pending is None:
                # 十 alone: at the start (十二) or after a multiplier or 零 (一百一十, 一百十, 一万零十)
                if m != 10 or (previous and previous in DIGITS and DIGITS[previous] != 0):
                    return None
                pending = 1
            if m >= last_small:
                return None            # 十百, 一百二百
            section += pending * m
            pending, last_small, last_mult, after_zero = None, m, m, False
        else:                          # 万 or 亿
            if pending is not None and last_mult > 10 and not after_zero:
                return None            # 两千五万: shorthand, not read
            section += pending or 0
            if ch == "万":
                if wan_used or section == 0:
                    return None
                wan, wan_used = section * 10_000, True
            else:
                group = wan + section
                if yi_used or group == 0:
                    return None
                total, wan, wan_used, yi_used = group * 100_000_000, 0, False, True
            section, pending, last_small, last_mult, after_zero = 0, None, 10_000, BIG[ch], False
        previous = ch
    if pending is not None:
        if last_mult > 10 and not after_zero:
            return None                # 两千五, 三万五: shorthand, not read
        section += pending
    return total + wan + section


def parse_numeral(text: str) -> Numeral | None:
    """The exact value of a written Chinese numeral (伍拾 → 50, 一万二千 → 12000, 三点五万 →
    35000 with 1 decimal), or None when ``text`` is not one well-formed numeral."""
    if not text:
        return None
    scale = 1
    int_part, _, frac = text.partition(POINT)
    if frac:
        if frac[-1] in BIG:
            scale, frac = BIG[frac[-1]], frac[:-1]
            if any(c in BIG for c in int_part):
                return None            # 一万三点五万
        if not frac or len(frac) > MAX_FRACTION or any(c not in DIGITS for c in frac):
            return None
    elif POINT in text:
        return None                    # 三点 (a time, 三点半)
    whole = _integer(int_part) if int_part else None
    if whole is None or (whole == 0 and not frac):
        return None                    # 零 alone is no figure (零投诉)
    digits = "".join(str(DIGITS[c]) for c in frac)
    value = Decimal(f"{whole}.{digits}" if digits else str(whole)) * scale
    return Numeral(value, len(digits))


def percent_numeral(text: str) -> Numeral | None:
    """The numeral after 百分之: as ``parse_numeral``, and 百 alone is 100 (百分之百)."""
    if text in ("百", "佰"):
        return Numeral(Decimal(100), 0)
    return parse_numeral(text)


_YEAR_DIGITS = "零〇○Oo一二三四五六七八九"
_YEAR_RE = re.compile(f"(?<![{NUMERAL_CHARS}])[{_YEAR_DIGITS}]{{4}}(?=\\s*年)")
_YEAR_TABLE = str.maketrans(_YEAR_DIGITS, "00000123456789")


def year_digits(text: str) -> str:
    """``text`` with every year written digit by digit in Chinese (二〇二四年, 二零二三年) put in ASCII
    digits (2024年); same length, so offsets are kept. Years are never figures: this only lets
    the year of a fact be read."""
    if not any(c in DIGITS for c in text):
        return text
    return _YEAR_RE.sub(lambda m: m.group(0).translate(_YEAR_TABLE), text)
