"""Numbers with units as printed in disclosure texts (59039人, 318.9万元, 40元/人, 52.00%,
3600余人, 约1.2万元/人) → exact Decimal values in the normalised units of docs/domain.md §1.

Works on folded text (helpers.core.normalize.fold): ASCII digits, "%", "/", "-"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, localcontext


@dataclass(frozen=True)
class UnitSpec:
    """One printed unit (万元) with its normalised unit (元), the scale between them and its kind."""

    printed: str
    unit: str       # normalised unit
    scale: int      # printed value × scale = normalised value
    kind: str       # money, per_capita, persons, count, percent


# Registration block: printed unit → normalised unit. Longest printed forms are matched first.
UNITS: dict[str, UnitSpec] = {}


def register_unit(printed: str, unit: str, scale: int, kind: str) -> None:
    """Register the printed unit ``printed``: value × ``scale`` is in ``unit``; ``kind`` classifies it."""
    UNITS[printed] = UnitSpec(printed, unit, scale, kind)


for _p, _u, _s, _k in (
    ("亿元", "元", 100_000_000, "money"),
    ("万元", "元", 10_000, "money"),
    ("元", "元", 1, "money"),
    ("万元/人", "元/人", 10_000, "per_capita"),
    ("元/人", "元/人", 1, "per_capita"),
    ("元/人/年", "元/人", 1, "per_capita"),
    ("元/户", "元/户", 1, "per_capita"),
    ("万元/户", "元/户", 10_000, "per_capita"),
    ("元/件", "元/件", 1, "per_capita"),
    ("元/个", "元/个", 1, "per_capita"),
    ("万元/个", "元/个", 10_000, "per_capita"),
    ("元/处", "元/处", 1, "per_capita"),
    ("万元/处", "元/处", 10_000, "per_capita"),
    ("元/亩", "元/亩", 1, "per_capita"),
    ("元/场", "元/场", 1, "per_capita"),
    ("元/次", "元/次", 1, "per_capita"),
    ("元/人次", "元/人次", 1, "per_capita"),
    ("元/人/月", "元/人·月", 1, "per_capita"),
    ("元/人·月", "元/人·月", 1, "per_capita"),
    ("元/人·年", "元/人", 1, "per_capita"),
    ("元/月", "元/月", 1, "per_capita"),
    ("元/天", "元/天", 1, "per_capita"),
    ("元/期", "元/期", 1, "per_capita"),
    ("万人次", "人次", 10_000, "persons"),
    ("人次", "人次", 1, "persons"),
    ("万人", "人", 10_000, "persons"),
    ("人", "人", 1, "persons"),
    ("名", "人", 1, "persons"),
    ("位", "人", 1, "persons"),
    ("万户", "户", 10_000, "count"),
    ("户", "户", 1, "count"),
    ("家", "家", 1, "count"),
    ("个百分点", "个百分点", 1, "points"),
    ("个", "个", 1, "count"),
    ("处", "处", 1, "count"),
    ("件", "件", 1, "count"),
    ("起", "件", 1, "count"),
    ("例", "例", 1, "count"),
    ("次", "次", 1, "count"),
    ("项", "项", 1, "count"),
    ("场", "场", 1, "count"),
    ("期", "期", 1, "count"),
    ("%", "%", 1, "percent"),
):
    register_unit(_p, _u, _s, _k)

# A unit must not run on into a word it only starts (个人, 家庭, 项目, 名称, 次数 are words).
_UNIT_NOT_BEFORE = {"个": "人体案别", "处": "理置于长室", "家": "庭属长", "项": "目", "名": "称单义额",
                    "次": "数序",
                    "期": "间限末初", "人": "员口民均", "例": "如外", "起": "来步到", "位": "置于",
                    "场": "所地", "元": ""}

# Longer words first: "不超过" must not be read as "超过".
_APPROX_BEFORE = ("不超过", "不高于", "不多于", "不少于", "不低于", "达到约", "大约", "将近", "至少", "最高",
                  "最多", "超过", "约", "近", "逾")
# "3000-5000元/人", "3000元至5000元": a range; the first number is read with the second.
_RANGE_BEFORE = re.compile(r"(?<![\d.,])(?P<low>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<lfrac>\d+))?\s*"
                           r"(?P<lunit>[\u4e00-\u9fff/]{0,3}?)\s*(?:-|~|至|到)\s*$")
_LIST_JOINERS = ("、", "和", "及", "与", "或")
_RANGE_AFTER_TAIL = r"^\s*(?:-|~|至|到)\s*(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*(?P<unit>"
_APPROX_AFTER = ("余", "多", "来")

_units_alt = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
_RANGE_AFTER = re.compile(_RANGE_AFTER_TAIL + _units_alt + r")")
# A number glued to Latin letters (1e309万元, A12元, v2.0) is not a quantity: facts.py says so.
NUMBER_RE = re.compile(
    r"(?<![\d.A-Za-z])(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?"
    r"(?P<approx>余|多|来)?\s?(?P<unit>" + _units_alt + r")"
)
_PER_BEFORE = re.compile(
    r"(?P<per>每人次|每人|人均|每名|每户|户均|每个|每处|每件|每场|每亩|每次|每期|每天)"
    r"(?:(?P<subj>[\u4e00-\u9fff()]{1,10}?)(?=每年|每月|每天))?(?P<period>每年|每月|每天)?"
    r"(?P<gap>[\u4e00-\u9fff]{0,6}?)\s*$")
# Words that make the figure a total, not a per-unit standard ("每户脱贫户…保费共计35万元").
_NOT_PER = re.compile(r"共|合计|总计|累计|投入|支出|收入|增长|带动|总额")
_PER_UNIT = {"每期": "元/期", "每天": "元/天", "每人次": "元/人次", "每人": "元/人", "人均": "元/人",
             "每名": "元/人", "每户": "元/户",
             "户均": "元/户",
             "每个": "元/个", "每处": "元/处", "每件": "元/件", "每场": "元/场", "每亩": "元/亩",
             "每次": "元/次"}
# A printed number with more integer digits than this is no figure (a budget in 元 stays far below
# 10^16): it is left unread, with a notice, rather than carried into arithmetic.
MAX_DIGITS = 16
BARE_NUMBER_RE = re.compile(r"(?<![\d.,])\d+(?:,\d{3})*(?:\.\d+)?")


@dataclass(frozen=True)
class Quantity:
    """One number with its unit found in a text: where it is, as printed, and its exact normalised value."""

    start: int          # offset of the first digit (or of the approximation word before it)
    end: int            # offset after the unit
    raw: str            # as printed, from the printed text
    value: Decimal      # normalised
    unit: str
    raw_unit: str
    scale: int
    decimals: int
    kind: str
    approx: str | None
    upper: Decimal | None = None    # the upper end of a stated range (value is the lower end)


def _is_ordinal(folded: str, start: int) -> bool:
    return start > 0 and folded[start - 1] == "第"


def find_quantities(folded: str, printed: str | None = None) -> list[Quantity]:
    """Every number-with-unit in ``folded`` (see normalize.fold); ``printed`` is the same text as
    printed (same length) and supplies ``raw``."""
    printed = folded if printed is None else printed
    out: list[Quantity] = []
    for m in NUMBER_RE.finditer(folded):
        unit = m.group("unit")
        after = folded[m.end():m.end() + 1]
        if after and after in _UNIT_NOT_BEFORE.get(unit, ""):
            continue
        if _is_ordinal(folded, m.start()):
            continue
        upper_end = _RANGE_AFTER.match(folded[m.end():m.end() + 24])
        if upper_end and upper_end.group("unit") == unit:
            continue  # the lower end of a range: read together with its upper end
        # A unit "元" directly followed by "/人" etc. is matched by the longer unit first.
        spec = UNITS[unit]
        int_part = m.group("int").replace(",", "")
        if len(int_part.lstrip("0")) > MAX_DIGITS:
            continue      # no real figure has this many digits; facts.py says it was not read
        frac = m.group("frac") or ""
        number = Decimal(int_part + ("." + frac if frac else ""))
        start = m.start()
        approx = m.group("approx")
        if approx is None:
            for word in _APPROX_BEFORE:
                if folded[max(0, start - len(word)):start] == word:
                    approx = word
                    break
        elif approx == "来" and spec.kind == "money":
            approx = None  # "3来元" does not occur; keep the rule narrow
        if approx is None:
            tail = re.match(r"\s*(以上|以下|左右|上下)", folded[m.end():m.end() + 3])
            if tail:
                approx = tail.group(1)
        upper = None
        rng = _RANGE_BEFORE.search(folded[max(0, start - 24):start])
        if rng and (not rng.group("lunit") or unit.startswith(rng.group("lunit"))):
            low = rng.group("low").replace(",", "") + ("." + rng.group("lfrac") if rng.group("lfrac") else "")
            upper, number, approx = number, Decimal(low), "区间"
            start = start - (len(folded[max(0, start - 24):start]) - rng.start())
        # "每人40元", "每人每年救助标准为16,000元", "每场3000元": per-unit money written with the
        # 每… before the number.
        per = _PER_BEFORE.search(folded[max(0, start - 24):start])
        if spec.kind == "money" and not per and out and out[-1].kind == "per_capita" and \
                out[-1].raw_unit == unit and folded[out[-1].end:start].strip() in _LIST_JOINERS:
            # "分别按每户3000元、2000元的标准": the second standard of a list shares the first's 每户.
            spec = UnitSpec(unit, out[-1].unit, spec.scale, "per_capita")
        elif spec.kind == "money" and per and not _NOT_PER.search((per.group("subj") or "") + per["gap"]):
            per_unit = _PER_UNIT[per.group("per")]
            if per.group("period") == "每月" and per_unit == "元/人":
                per_unit = "元/人·月"
            spec = UnitSpec(unit, per_unit, spec.scale, "per_capita")
        if approx != "区间" and folded[start - 1:start] == "-" and \
                not (start >= 2 and (folded[start - 2].isdigit() or folded[start - 2] in "-~")):
            number, start = -number, start - 1      # "-12.80万元": a negative amount, as printed
        value = _normalised(number, spec)
        out.append(Quantity(
            start=start, end=m.end(), raw=printed[start:m.end()], value=value, unit=spec.unit,
            raw_unit=unit, scale=spec.scale, decimals=len(frac), kind=spec.kind, approx=approx,
            upper=_normalised(upper, spec) if upper is not None else None,
        ))
    return out


def _normalised(number: Decimal, spec: UnitSpec) -> Decimal:
    with localcontext() as ctx:          # exact: MAX_DIGITS + 亿 + decimals fit in 60 digits
        ctx.prec = 60
        value = number if spec.kind in ("percent", "points") else number * spec.scale
        if spec.kind not in ("percent", "points") and value == value.to_integral_value():
            value = value.quantize(Decimal(1))
    return value


def parse_quantity(text: str) -> Quantity:
    """Parse one printed quantity ("318.9万元") exactly; ValueError if it is not one."""
    from helpers.core.normalize import fold

    folded = fold(text.strip())
    found = find_quantities(folded, text.strip())
    if len(found) != 1 or found[0].end != len(folded) or folded[:found[0].start].strip(" 约近"):
        raise ValueError(f"not a single quantity with a unit: {text!r}")
    return found[0]
