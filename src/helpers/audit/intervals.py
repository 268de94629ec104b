"""Reading printed figures as intervals, for the audit checks.

A printed figure stands for every value that prints the same (12.80万元 → 127,950 … 128,050 元),
an approximate one (3600余人, 约…) for the range its word allows. Two figures disagree only when
their intervals do not meet. Also: how a figure is shown in a message, and the small readings of
its clause (a total word, a per-capita standard). Rules: docs/audit.md."""

from __future__ import annotations

import re
from decimal import Decimal

from helpers.core.formatting import fmt_decimal
from helpers.core.normalize import fold
from helpers.ingest.models import Fact

COUNT_UNITS = {"人", "户", "家", "个", "件", "例", "次", "项", "场", "期", "人次", "处", "座", "所", "台",
               "辆", "套", "间", "艘", "栋", "对", "批次", "盏", "卷", "宗", "册", "株", "棵", "份"}
DENOMINATOR_UNITS = {"户", "家", "个", "件", "例", "次", "项", "场", "座", "所", "台", "辆", "套", "间",
                     "艘", "栋"}   # integrality over things
PER_UNIT = {"元/人": "人", "元/户": "户", "元/件": "件", "元/个": "个", "元/处": "处", "元/场": "场",
            "元/次": "次", "元/人次": "人次"}
OVER = ("余", "多", "逾", "超过", "来")
ABOUT = ("约", "大约", "达到约", "左右", "上下")
UNDER = ("近", "将近")
AT_LEAST = ("不少于", "不低于", "至少", "以上")          # a floor: [v, ∞)
AT_MOST = ("不超过", "不高于", "不多于", "最高", "最多", "以下")  # a ceiling: [0, v]
_UNBOUNDED = Decimal(10) ** 15
TOTAL_WORDS = re.compile(r"合计|共计|总计|总共|累计|总额|总数|总人数")
ZERO = Decimal(0)


# ---------------------------------------------------------------------------- intervals

def year_of(f: Fact, project, sections: tuple[str, ...] = ("funding", "plan")) -> int | None:
    """The year a figure is for: its own, or for a figure that names none in one of the
    ``sections`` (keys of the template: the funding and plan sections are the budget year's),
    the budget year; else None."""
    if f.year is not None:
        return f.year
    top = f.section.split(".")[0]
    keys = {s.number: s.key for s in project.sections.values()}
    return project.budget_year if keys.get(top) in sections else None


def uncertainty(f: Fact) -> Decimal:
    """Half a unit of the last printed digit; whole counts are exact, and so is every per-unit
    standard however it is printed (40元/人, 每人1万元, 每公里0.5万元: a standard is set, not
    measured)."""
    if f.decimals == 0 and f.scale == 1 and (f.unit in COUNT_UNITS or f.unit in PER_UNIT):
        return ZERO
    if f.upper is None and not f.approx and per_unit(f) is not None:
        return ZERO
    return f.tolerance


def step(f: Fact) -> Decimal:
    """The printed precision of an approximate figure, in the normalised unit: 3600余 → 100
    (two trailing zeros), 36余 → 10, 1.2万 → 1000."""
    if f.decimals:
        return Decimal(f.scale) * Decimal(1).scaleb(-f.decimals)
    printed = int(f.value / f.scale)
    zeros = 0
    while printed and printed % 10 == 0 and zeros < 8:
        printed //= 10
        zeros += 1
    return Decimal(f.scale) * Decimal(10) ** max(zeros, 1)


def interval(f: Fact) -> tuple[Decimal, Decimal]:
    """The values the printed figure allows: exact ± half a digit; 余/多/逾 → [v, v + step];
    约/左右 → [v − step, v + step]; 近 → [v − step, v]; a range → [low, high]; 不少于/以上 → a
    floor; 不超过/以下 → a ceiling."""
    v = f.value
    if f.upper is not None:                      # a stated range: 3000-5000元/人
        u = uncertainty(f)
        return (v - u, f.upper + u)
    if f.approx in AT_LEAST:
        return (v - uncertainty(f), _UNBOUNDED)
    if f.approx in AT_MOST:
        return (ZERO, v + uncertainty(f))
    if f.approx in OVER:
        return (v, v + step(f))
    if f.approx in ABOUT:
        return (v - step(f), v + step(f))
    if f.approx in UNDER:
        return (v - step(f), v)
    u = uncertainty(f)
    return (v - u, v + u)


def meets(a: tuple[Decimal, Decimal], b: tuple[Decimal, Decimal]) -> bool:
    """Whether the closed intervals ``a`` and ``b`` overlap (the two figures can agree)."""
    return a[0] <= b[1] and b[0] <= a[1]


def show(value: Decimal, unit: str) -> str:
    """A figure as a reader writes it: 元 with thousands separators (and 万元 from 10,000 元 on),
    % with 2 decimals."""
    if unit == "元" and abs(value) < 10000:
        return fmt_decimal(value, 0 if value == value.to_integral_value() else 2, thousands=True) + "元"
    if unit == "元":
        yuan = fmt_decimal(value, 0 if value == value.to_integral_value() else 2, thousands=True)
        return f"{yuan}元（{fmt_decimal(value / 10000, 2)}万元）"
    if unit == "%":
        return f"{fmt_decimal(value, 2)}%"
    v = value.normalize()
    return f"{v:,f}{unit}" if v == v.to_integral_value() else f"{v}{unit}"


def shown(f: Fact) -> str:
    """The figure as printed, prefixed with its approximation word when ``raw`` lacks it (约1.2万元)."""
    return f.raw if not f.approx or f.approx in f.raw else f.approx + f.raw


def quotes(*facts: Fact) -> str:
    """The distinct sentences of ``facts``, in order, joined by " … " (a finding's evidence)."""
    seen: list[str] = []
    for f in facts:
        if f.quote not in seen:
            seen.append(f.quote)
    return " … ".join(seen)


def context(f: Fact) -> str:
    """The printed words of the clause just before the number."""
    i = f.offset if f.offset is not None and f.quote[f.offset:f.offset + len(f.raw)] == f.raw \
        else f.quote.find(f.raw)
    if i < 0:
        return ""
    before = fold(f.quote[:i])
    cut = max(before.rfind(ch) for ch in ",;:。")
    return before[cut + 1:]


def is_total(f: Fact) -> bool:
    """Whether a figure reads as a total: 合计/共计 … in its clause, an approximation, or 总 in its label."""
    return bool(TOTAL_WORDS.search(context(f)) or f.approx or "总" in f.label)


# "每<measure word>" before an amount makes it a per-unit standard (每人补助40元, 每生每年1,000元,
# 每座补助120万元, 每公里0.5万元); the measure word → the unit its count is printed in.
PER_MEASURE = {"人次": "人次", "人": "人", "名": "人", "生": "人", "位": "人", "户": "户", "件": "件",
               "个": "个", "处": "处", "场": "场", "次": "次", "座": "座", "所": "所", "台": "台",
               "辆": "辆", "套": "套", "间": "间", "公里": "公里", "亩": "亩", "站": "个", "校": "所",
               "村": "个", "馆": "个", "对": "对", "艘": "艘", "栋": "栋", "张": "张", "批次": "批次",
               "盏": "盏", "卷": "卷", "宗": "宗", "册": "册", "株": "株", "棵": "棵", "份": "份", "吨": "吨"}
_PER_WORDS = re.compile(r"每(" + "|".join(sorted(PER_MEASURE, key=len, reverse=True)) + r")(?!年|月|天)"
                        r"|(人|户|件)均|标准|每(?P<other>[\u4e00-\u9fff])|(?P<avg>[\u4e00-\u9fff])均")
# 每 + a character that is a period, not a thing counted: 每年/每月 alone make no standard.
_NOT_MEASURE = set("年月天日季周")


def per_unit(f: Fact) -> str | None:
    """The count unit a per-unit figure is per: 40元/人 → 人; also "每人补助标准为40元" → 人,
    "每生每年1,000元" → 人, "每座补助120万元" → 座, "每公里0.5万元" → 公里 (any money scale)."""
    if f.unit in PER_UNIT:
        return PER_UNIT[f.unit]
    if f.unit.startswith("元/"):
        rest = f.unit[2:].split("·")[0]            # 元/人·月 → 人 (a monthly standard per person)
        if rest in _NOT_MEASURE or rest == "期":       # 元/天 of "每生每天5元": per whom is in the words
            m = re.search(r"每(人|生|名|户)", context(f))
            return PER_MEASURE[m.group(1)] if m else None
        return rest
    if f.unit == "元":
        words = re.split(r"\d", context(f))[-1]       # only the words since the previous number
        for m in _PER_WORDS.finditer(words):
            if m.group(1):
                return PER_MEASURE[m.group(1)]
            if m.group("other"):
                if m.group("other") in _NOT_MEASURE:
                    continue
                return m.group("other")      # 每吨, 每份, 每例, 每盏: a standard per thing
            if m.group("avg"):
                if m.group("avg") in _NOT_MEASURE or m.group("avg") in "平":
                    continue
                return PER_MEASURE.get(m.group("avg"), m.group("avg"))   # 亩均, 校均: an average per thing
            return m.group(2) or ("人" if f.scale == 1 else None)
    return None


# ---------------------------------------------------------------------------- positions in the sentence

def locate(facts: list[Fact]) -> dict[str, tuple[int, int]]:
    """Where each figure stands in its sentence (start, end of its printed form in ``quote``).
    Figures of one sentence are found in text order, each after the previous one, so "12,480人"
    after "12,480人次" is not taken for the first."""
    out: dict[str, tuple[int, int]] = {}
    cursor: dict[tuple[int, str], int] = {}
    for f in facts:
        key = (f.line, f.quote)
        start = f.quote.find(f.raw, cursor.get(key, 0))
        if start < 0:
            start = f.quote.find(f.raw)
        if start < 0:
            continue
        out[f.id] = (start, start + len(f.raw))
        cursor[key] = start + len(f.raw)
    return out


_SEGMENT_END = "。;；"
_CLAUSE_END = ",，:：" + _SEGMENT_END
SCOPED_TOTAL = re.compile(r"合计|共计|总计|总额|累计")
BARE_GONG = re.compile(r"(?<!中)(?<!公)共(?!同|享|建|青|产|性|识|济|赢|治|计)")


def segment_before(f: Fact, start: int) -> str:
    """The words of the sentence segment (up to the last 。/；) before the figure."""
    before = fold(f.quote[:start])
    return before[max(before.rfind(ch) for ch in _SEGMENT_END) + 1:]


def clause_before(f: Fact, start: int) -> str:
    """The words of the clause (up to the last ，/：/；/。) before the figure."""
    before = fold(f.quote[:start])
    return before[max(before.rfind(ch) for ch in _CLAUSE_END) + 1:]


def segment_of(f: Fact, start: int) -> int:
    """Index of the sentence segment (split at ；) the figure stands in."""
    return sum(fold(f.quote[:start]).count(ch) for ch in _SEGMENT_END)


def signals_total(f: Fact, start: int) -> bool:
    """The text marks the figure as a total: 合计/共计/总计/总额/累计 earlier in its sentence
    segment (合计资助10,000人，需资金1,225万元: both are totals), or 共 in its own clause."""
    return bool(SCOPED_TOTAL.search(segment_before(f, start)) or
                BARE_GONG.search(clause_before(f, start)))


def in_brackets(f: Fact, start: int) -> bool:
    """The figure stands inside （…）: an explanation of the figure before it (86个×2000元)."""
    before = fold(f.quote[:start])
    return before.count("(") > before.count(")")
