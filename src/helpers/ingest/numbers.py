"""Numbers with units as printed in disclosure texts (59039人, 318.9万元, 40元/人, 52.00%,
3600余人, 约1.2万元/人) → exact Decimal values in the normalised units of docs/domain.md §1.

Works on folded text (helpers.core.normalize.fold): ASCII digits, "%", "/", "-". Numbers written
in Chinese numerals (伍拾万元, 三千余人, 百分之九十五) are read too, conservatively: only a numeral
directly followed by a registered unit, or after 百分之 (see ``_chinese_hits``; the conversion is
``helpers.ingest.cnnum``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal, localcontext

from helpers.ingest import cnnum


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
    # things counted in projects of other kinds (schools, reservoirs, machines, roads, land)
    ("座", "座", 1, "count"),
    ("所", "所", 1, "count"),
    ("台", "台", 1, "count"),
    ("辆", "辆", 1, "count"),
    ("套", "套", 1, "count"),
    ("间", "间", 1, "count"),
    ("艘", "艘", 1, "count"),
    ("栋", "栋", 1, "count"),
    ("对", "对", 1, "count"),
    ("批次", "批次", 1, "count"),
    ("盏", "盏", 1, "count"),
    ("卷", "卷", 1, "count"),
    ("宗", "宗", 1, "count"),
    ("册", "册", 1, "count"),
    ("株", "株", 1, "count"),
    ("棵", "棵", 1, "count"),
    ("份", "份", 1, "count"),
    ("万吨", "吨", 10_000, "count"),
    ("吨", "吨", 1, "count"),
    ("公里", "公里", 1, "count"),
    ("万亩", "亩", 10_000, "count"),
    ("亩", "亩", 1, "count"),
    ("元/座", "元/座", 1, "per_capita"),
    ("万元/座", "元/座", 10_000, "per_capita"),
    ("元/所", "元/所", 1, "per_capita"),
    ("万元/所", "元/所", 10_000, "per_capita"),
    ("元/台", "元/台", 1, "per_capita"),
    ("万元/台", "元/台", 10_000, "per_capita"),
    ("元/辆", "元/辆", 1, "per_capita"),
    ("万元/辆", "元/辆", 10_000, "per_capita"),
    ("元/套", "元/套", 1, "per_capita"),
    ("万元/套", "元/套", 10_000, "per_capita"),
    ("元/公里", "元/公里", 1, "per_capita"),
    ("万元/公里", "元/公里", 10_000, "per_capita"),
    ("万元/亩", "元/亩", 10_000, "per_capita"),
    ("%", "%", 1, "percent"),
):
    register_unit(_p, _u, _s, _k)

# A unit must not run on into a word it only starts (个人, 家庭, 项目, 名称, 次数 are words).
_UNIT_NOT_BEFORE = {"个": "人体案别", "处": "理置于长室", "家": "庭属长", "项": "目", "名": "称单义额",
                    "次": "数序",
                    "期": "间限末初", "人": "员口民均", "例": "如外", "起": "来步到", "位": "置于",
                    "场": "所地", "元": "", "座": "谈位次", "所": "以在属有需得占谓说述", "台": "账风阶湾上",
                    "套": "餐路", "间": "隔断接歇距内", "对": "象于接口比照应待标", "亩": "产均",
                    "份": "额子", "卷": "烟", "宗": "旨教族"}

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

    start: int          # offset of the first digit (of 百分之 for 百分之九十五)
    end: int            # offset after the unit
    raw: str            # as printed, from the printed text (伍拾万元 stays 伍拾万元)
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
    """Every number-with-unit in ``folded`` (see normalize.fold), in text order, digits and Chinese
    numerals alike; ``printed`` is the same text as printed (same length) and supplies ``raw``."""
    printed = folded if printed is None else printed
    out: list[Quantity] = []
    chinese = _chinese_hits(folded)
    k = 0
    for m in NUMBER_RE.finditer(folded):
        while k < len(chinese) and chinese[k].start < m.start():
            out.append(_chinese_quantity(folded, printed, chinese[k], out))
            k += 1
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
        approx = _approx(folded, start, m.end(), m.group("approx"), spec)
        upper = None
        rng = _RANGE_BEFORE.search(folded[max(0, start - 24):start])
        if rng and (not rng.group("lunit") or unit.startswith(rng.group("lunit"))):
            low = rng.group("low").replace(",", "") + ("." + rng.group("lfrac") if rng.group("lfrac") else "")
            upper, number, approx = number, Decimal(low), "区间"
            start = start - (len(folded[max(0, start - 24):start]) - rng.start())
        spec = _per_unit(folded, start, unit, spec, out)
        if approx != "区间" and folded[start - 1:start] == "-" and \
                not (start >= 2 and (folded[start - 2].isdigit() or folded[start - 2] in "-~")):
            number, start = -number, start - 1      # "-12.80万元": a negative amount, as printed
        value = _normalised(number, spec)
        out.append(Quantity(
            start=start, end=m.end(), raw=printed[start:m.end()], value=value, unit=spec.unit,
            raw_unit=unit, scale=spec.scale, decimals=len(frac), kind=spec.kind, approx=approx,
            upper=_normalised(upper, spec) if upper is not None else None,
        ))
    out.extend(_chinese_quantity(folded, printed, hit, out) for hit in chinese[k:])
    return out


def _approx(folded: str, start: int, end: int, approx: str | None, spec: UnitSpec) -> str | None:
    """The approximation word of the number at ``start`` (its unit ends at ``end``): ``approx``
    (余/多/来 between number and unit), else a word before it (约, 不超过 …) or after its unit
    (以上, 左右 …)."""
    if approx is None:
        for word in _APPROX_BEFORE:
            if folded[max(0, start - len(word)):start] == word:
                approx = word
                break
    elif approx == "来" and spec.kind == "money":
        approx = None  # "3来元" does not occur; keep the rule narrow
    if approx is None:
        tail = re.match(r"\s*(以上|以下|左右|上下)", folded[end:end + 3])
        if tail:
            approx = tail.group(1)
    return approx


def _per_unit(folded: str, start: int, unit: str, spec: UnitSpec, out: list[Quantity]) -> UnitSpec:
    """``spec``, or a per-unit money spec when the money starting at ``start`` is a standard
    (每人40元, 每场3000元; or the second of a list, 每户3000元、2000元)."""
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
    return spec


# ---------------------------------------------------------------------------- Chinese numerals
# A Chinese numeral is a figure only when a registered unit follows it directly (三千人, 伍拾万元,
# 十余个) or 百分之 precedes it (百分之九十五): headings (三、（二）), ordinals (第三届), enumerations
# (一是), set phrases (一次性, 一对一, 两不愁三保障, 十四五, 四个一) and years (二〇二四年) are not.

# Money written 圆 in financial capitals (伍拾万圆) reads as 元; only for Chinese numerals, so
# digit figures keep their behaviour.
_CN_UNIT_ALIASES = {"圆": "元", "万圆": "万元", "亿圆": "亿元"}
_cn_units_alt = "|".join(re.escape(u) for u in sorted([*UNITS, *_CN_UNIT_ALIASES], key=len, reverse=True))
_CN_UNIT_RE = re.compile(r"(?P<approx>余|多|来)?(?P<unit>" + _cn_units_alt + r")")
# Words a Chinese count runs on into, beyond _UNIT_NOT_BEFORE: 两个月, 一次性, 二期工程, 两位数,
# 二元结构, 一元化.
_CN_UNIT_NOT_BEFORE = {"个": "月", "次": "性", "期": "工", "位": "数", "元": "化素结"}
# Units a one-character numeral is not read before: 两项制度, 三项措施, 以上两项合计 name or refer
# back to the items of a list (a number of 项 stays read when written 十二项, 二十余项 or 12项).
_CN_NOT_AFTER_ONE_CHAR = {"项"}
# A numeral right after these is an ordinal, an indefinite amount or a division into parts (how,
# not how much): 第三, 数十人, 几十个, 分两次发放.
_CN_NOT_AFTER = "第数几分"
_CN_RANGE_LOW = re.compile("(?P<low>[" + cnnum.NUMERAL_CHARS + "]+(?:点[" + "".join(cnnum.DIGITS) +
                           r"]+)?)\s*(?:-|~|至|到)\s*$")
_CN_JOINER = re.compile(r"\s*(?:-|~|至|到)\s*")


@dataclass(frozen=True)
class _Hit:
    """A Chinese-numeral figure before the rules shared with digits (approximation, per unit)."""

    start: int
    end: int
    number: Decimal             # in the printed unit
    decimals: int
    unit: str                   # a key of UNITS
    approx: str | None = None   # 余/多/来 between the numeral and its unit
    upper: Decimal | None = None


def _in_unit(numeral: cnnum.Numeral, big: str | None) -> Decimal | None:
    """The numeral's value counted in 万 or 亿 (一亿二千万 in 万元 → 12000), exact, or None."""
    if big is None:
        return numeral.value
    number = numeral.value / cnnum.BIG[big]
    exact = number.quantize(Decimal(1).scaleb(-numeral.decimals))
    return exact if exact == number else None


def _chinese_hits(folded: str) -> list[_Hit]:
    """The Chinese-numeral figures of ``folded``, in text order, ranges (三千至五千元) joined."""
    hits: list[_Hit] = []
    scanned, last_open, last_close = 0, -1, -1      # the last 《 and 》 before the run
    for m in cnnum.RUN_RE.finditer(folded):
        s, e, run = m.start(), m.end(), m.group()
        gap = folded[scanned:s]
        last_open = scanned + gap.rfind("《") if "《" in gap else last_open
        last_close = scanned + gap.rfind("》") if "》" in gap else last_close
        scanned = s
        if last_open > last_close:
            continue                    # inside a document title: 《…等五个配套文件的通知》
        hit: _Hit | None
        if folded[max(0, s - 3):s] == "百分之":
            pct = cnnum.percent_numeral(run) if folded[e:e + 2] != "分之" else None
            hit = _Hit(s - 3, e, pct.value, pct.decimals, "%") if pct is not None else None
        else:
            before = folded[s - 1:s]
            glued = before.isascii() and (before.isalnum() or before == ".")
            if before and (before in _CN_NOT_AFTER or glued):
                continue                # 第三届, 数十人, 分两次, 3千, A一
            if run in ("一", "壹"):
                continue                # the article: 一个平台, 一次性, 一名, 一件棉衣
            hit = _chinese_hit(folded, s, e, run)
        if hit is None:
            continue
        prev = hits[-1] if hits else None
        if prev is not None and prev.upper is None and prev.unit == hit.unit and prev.approx is None \
                and hit.approx is None and _CN_JOINER.fullmatch(folded[prev.end:hit.start]):
            # 三千元至五千元: one range, as 3000元至5000元
            hits[-1] = replace(prev, end=hit.end, upper=hit.number, decimals=hit.decimals, approx="区间")
            continue
        low = _CN_RANGE_LOW.search(folded[max(0, hit.start - 24):hit.start])
        low_start = hit.start - (min(24, hit.start) - low.start()) if low else -1
        if low and not (hits and low_start < hits[-1].end):
            # 三千至五千元, 三百万至五百万元: the lower end is read in the upper end's unit
            text = low.group("low")
            big = text[-1] if text[-1] in cnnum.BIG and hit.unit.startswith(text[-1]) else None
            numeral = cnnum.parse_numeral(text)
            number = _in_unit(numeral, big) if numeral is not None else None
            if number is None:
                continue                # no figure we can read: leave the whole range unread
            hit = replace(hit, start=low_start, upper=hit.number, number=number, approx="区间")
        hits.append(hit)
    return hits


def _chinese_hit(folded: str, s: int, e: int, run: str) -> _Hit | None:
    """The run ``folded[s:e]`` with the unit that follows it, or None when no unit follows, the
    unit runs on into a word (三个人员, 两个月, 四个一) or the run is no well-formed numeral.
    伍拾万元 is 伍拾 in 万元 (printed precision 1万, as 50万元)."""
    unit_m = None
    big = run[-1] if len(run) > 1 and run[-1] in cnnum.BIG else None
    if big is not None:
        unit_m = _CN_UNIT_RE.match(folded, e - 1)     # 万元, 万人, 亿元 …: the 万 is the unit's
        if unit_m is None:
            big = None
    if unit_m is None:
        unit_m = _CN_UNIT_RE.match(folded, e)
    if unit_m is None:
        return None
    numeral = cnnum.parse_numeral(run)
    if numeral is None:
        return None
    number = _in_unit(numeral, big)
    if number is None:
        return None
    unit = _CN_UNIT_ALIASES.get(unit_m.group("unit"), unit_m.group("unit"))
    if len(run) == 1 and unit in _CN_NOT_AFTER_ONE_CHAR:
        return None                     # 两项制度, 两项合计
    after = folded[unit_m.end():unit_m.end() + 1]
    if after and (after in _UNIT_NOT_BEFORE.get(unit, "") or after in _CN_UNIT_NOT_BEFORE.get(unit, "")
                  or after in cnnum.NUMERAL_CHARS):
        return None                     # 三个人员, 两个月, 四个一, 三位一体
    return _Hit(s, unit_m.end(), number, numeral.decimals, unit, unit_m.group("approx"))


def _chinese_quantity(folded: str, printed: str, hit: _Hit, out: list[Quantity]) -> Quantity:
    """The Quantity of a Chinese-numeral figure, with the approximation and per-unit rules of
    digit figures (约三千人 as 约3000人, 每人五百元 as 每人500元)."""
    spec = UNITS[hit.unit]
    approx = hit.approx if hit.upper is not None else _approx(folded, hit.start, hit.end, hit.approx, spec)
    spec = _per_unit(folded, hit.start, hit.unit, spec, out)
    return Quantity(
        start=hit.start, end=hit.end, raw=printed[hit.start:hit.end], value=_normalised(hit.number, spec),
        unit=spec.unit, raw_unit=hit.unit, scale=spec.scale, decimals=hit.decimals, kind=spec.kind,
        approx=approx, upper=_normalised(hit.upper, spec) if hit.upper is not None else None,
    )


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
