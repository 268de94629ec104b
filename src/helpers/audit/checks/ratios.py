"""Ratio check: a stated percentage against the numerator and denominator the text gives.

(a) Ratios with named parts, one ``RatioRule`` each in ``RATIO_RULES`` (data, not code);
(b) shares whose sentence states both terms (``share_pair``). Rules: docs/audit.md, check ``ratio``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from helpers.audit.intervals import clause_before, interval, locate, meets, quotes
from helpers.audit.labels import head_noun, label_stem
from helpers.core.formatting import fmt_decimal, round_half_up
from helpers.core.normalize import fold
from helpers.ingest.models import Fact


@dataclass(frozen=True)
class RatioRule:
    """One ratio with named terms: the stated percentage's metric, its numerator and denominator metrics."""

    ratio: str          # metric of the stated percentage
    numerator: str
    denominator: str
    basis: str          # how the recomputed ratio is formed, in words


RATIO_RULES = (
    RatioRule("loss_ratio", "claims_paid", "premium_income", "赔付金额 ÷ 保费收入（简单赔付率）"),
)


def _partner(ratio: Fact, facts: list[Fact], metric: str) -> Fact | None:
    same = [f for f in facts if f.metric == metric and f.section == ratio.section and not f.planned]
    before = [f for f in same if f.line <= ratio.line]
    if before:
        return before[-1]
    if same:
        return same[0]
    everywhere = [f for f in facts if f.metric == metric and not f.planned]
    return everywhere[0] if everywhere and len({f.value for f in everywhere}) == 1 else None


def _basis_note(num: Fact, den: Fact) -> str:
    def when(f: Fact) -> str:
        if f.as_of:
            y, m, d = f.as_of.split("-")
            return f"截至{int(y)}年{int(m)}月{int(d)}日"
        return f"{f.year}年全年" if f.year else "未注明期间"

    a, b = when(num), when(den)
    if a != b:
        return (f"注意：{num.label}为{a}的数，{den.label}为{b}的数，口径不同；按同期保费、已赚保费"
                "或计入未决赔款等其他口径计算可能得出文本的数字，但文本未说明所用口径。")
    return "文本未说明其他计算口径。"


def _ratio_mismatch(r: Fact, num: Fact, den: Fact) -> tuple[Decimal, str] | None:
    """(computed percentage, arithmetic text) when ``num ÷ den`` cannot give the stated
    percentage ``r`` within the printed precision of all three; None when they agree."""
    n_lo, n_hi = interval(num)
    d_lo, d_hi = interval(den)
    if d_lo <= 0:
        return None
    comp = (n_lo / d_hi * 100, n_hi / d_lo * 100)
    if meets(comp, interval(r)):
        return None
    places = max(r.decimals, 2)
    computed = round_half_up(num.value / den.value * 100, places)
    text = (f"{fmt_decimal(computed, places)}%（考虑打印精度在{fmt_decimal(comp[0], places + 1)}%～"
            f"{fmt_decimal(comp[1], places + 1)}%之间），")
    return computed, text


def check_ratios(ctx) -> Iterator:
    """Compare each stated percentage with numerator ÷ denominator × 100 from the text's own figures.

    Covers the ``RATIO_RULES`` (赔付率 = 赔付金额 ÷ 保费收入) and shares or rates whose sentence
    states both terms. Yields an error-level ``ratio`` finding when no values within the printed
    precision of the three figures give the stated percentage.
    """
    facts = ctx.project.facts
    for rule in RATIO_RULES:
        for r in facts:
            if r.metric != rule.ratio or r.unit != "%" or r.planned:
                continue
            num, den = _partner(r, facts, rule.numerator), _partner(r, facts, rule.denominator)
            if num is None or den is None or den.value == 0:
                continue
            found = _ratio_mismatch(r, num, den)
            if found is None:
                continue
            computed, text = found
            yield ctx.finding(
                "ratio", section=r.section, facts=(r, num, den), unit="%", stated=r.value,
                computed=computed, tolerance=r.tolerance, quote=quotes(den, num, r),
                message=(f"文本写{r.label}{r.raw}，但按{rule.basis}：{num.raw} ÷ {den.raw} = {text}"
                         f"与所写数字不符。{_basis_note(num, den)}"))

    yield from _share_ratios(ctx)


SHARE_WORDS = re.compile(r"占比|占|比例|比重|率")
_SHARE_PROPER = re.compile(r"占比|占|比例|比重")


def share_pair(p: Fact, facts: list[Fact],
               pos: dict[str, tuple[int, int]] | None = None) -> tuple[Fact, Fact] | None:
    """(numerator, denominator) of a stated share when its sentence gives both: the figure just
    before the percentage is a part (其中) of a total in the same sentence, with the same unit
    ("全县在校学生共有99,840人，其中受资助学生12,480人，占比12.5%"). When the total has several
    parts in the sentence, the percentage's clause must name the part. Else None."""
    if p.unit != "%" or "满意" in p.label:
        return None
    pos = pos if pos is not None else locate(facts)
    if p.id not in pos:
        return None
    clause = clause_before(p, pos[p.id][0])
    if not (SHARE_WORDS.search(p.label) or SHARE_WORDS.search(clause)):
        return None
    same = sorted((f for f in facts if f.line == p.line and f.quote == p.quote and f.id in pos),
                  key=lambda f: pos[f.id][0])
    i = next(k for k, f in enumerate(same) if f is p)
    if i == 0:
        return None
    num = same[i - 1]
    den = next((f for f in same[:i - 1] if f.id == num.parent), None)
    if den is None or den.unit != num.unit or num.unit == "%" or den.value <= 0:
        return None
    if not _SHARE_PROPER.search(p.label + clause) and not (
            p.label.endswith("率") and _rate_names_its_terms(p.label, num.label, den.label)):
        return None     # a bare "…率" must name its part (达标率 is not 执业医师 ÷ 乡村医生)
    siblings = [f for f in same if f.parent == den.id]
    if len(siblings) > 1 and not (label_stem(num.label) and fold(label_stem(num.label)) in fold(clause)):
        return None
    return num, den


RATE_LABEL = re.compile(r"率$")
NOT_A_PLAIN_RATE = re.compile(r"增长|下降|提高|降低|同比|环比|满意|赔付|利率|税率|汇率|费率|出生率|死亡率")


_SPENDING = re.compile(r"支出|执行|使用|拨付|发放")
_BUDGET = re.compile(r"预算|安排|下达|资金")


def stem_in(stem: str, words: str) -> bool:
    """Whether a rate's stem stands in ``words``: whole (就业 in 培训后实现就业), or as its two
    characters in order, for a stem that abbreviates (取证 in 取得职业资格证书)."""
    if not stem or re.search(f"[不未非]{re.escape(stem)}", words):
        return False        # 不合格37批次 is the complement of 合格率, not its numerator
    if stem in words:
        return True
    i = words.find(stem[0])
    return len(stem) == 2 and i >= 0 and words.find(stem[1], i + 1) > i


def _rate_names_its_terms(rate: str, num: str, den: str) -> bool:
    """The rate says what it divides: its stem (就业 of 就业率) stands in the numerator's label, or
    it is an execution rate over spending and budget (执行率 = 实际支出 ÷ 预算资金)."""
    stem = rate[:-1][-2:]
    if stem == "执行":
        return bool(_SPENDING.search(num) and _BUDGET.search(den))
    # 申请康复救助的残疾儿童186人，…接受康复服务172人，救助率…: the base names what is rated
    return stem_in(stem, num) or stem_in(stem, den)


def rate_pair(p: Fact, facts: list[Fact],
              pos: dict[str, tuple[int, int]] | None = None) -> tuple[Fact, Fact] | None:
    """(numerator, denominator) of a stated rate whose sentence gives both just before it, base
    first: "预算资金180.00万元，实际支出162.00万元，执行率90.00%", "培训96人，就业84人，就业率87.50%".
    The rate's label ends in 率 and is not a change, satisfaction or price rate; the two figures
    are the only ones before it in the sentence, share a unit, the second is not larger, and the
    rate names its terms (``_rate_names_its_terms``)."""
    if p.unit != "%" or p.approx or not RATE_LABEL.search(p.label) or NOT_A_PLAIN_RATE.search(p.label):
        return None         # a rate in a plan's sentence is still its two figures' quotient
    pos = pos if pos is not None else locate(facts)
    if p.id not in pos:
        return None
    same = sorted((f for f in facts if f.line == p.line and f.quote == p.quote and f.id in pos),
                  key=lambda f: pos[f.id][0])
    i = next(k for k, f in enumerate(same) if f is p)
    if i != 2:
        return None
    den, num = same[0], same[1]
    if den.unit != num.unit or den.unit == "%" or den.value <= 0 or num.value > den.value:
        return None
    same_thing = bool(head_noun(num.label)) and head_noun(num.label) == head_noun(den.label)
    num_words = num.label + "|" + clause_before(num, pos[num.id][0])
    if not same_thing and not _rate_names_its_terms(p.label, num_words, den.label):
        return None         # "全县行政村210个，已建…站点的村186个，覆盖率…": the same thing counted
    if den.approx or num.approx or den.planned != num.planned:
        return None
    return num, den


_SHARE_TAIL = re.compile(r"(?:所占)?(?:占比|比例|比重)$")


def rate_stem(label: str) -> str:
    """The stem a rate shares with its numerator: the two characters before 率 (有效率 → 有效,
    救治有效率 → 有效, 合格率 → 合格), or the words before 占比/比例/比重 (资助比例 → 资助,
    脱贫劳动力占比 → 脱贫劳动力); "" for any other label."""
    if label.endswith("率") and len(label) >= 3:
        return label[:-1][-2:]
    m = _SHARE_TAIL.search(label)
    return label[:m.start()][-5:] if m and m.start() >= 2 else ""


def stem_pair(p: Fact, facts: list[Fact],
              pos: dict[str, tuple[int, int]] | None = None) -> tuple[Fact, list[Fact]] | None:
    """(numerator, candidate bases) of a rate that does not name its terms but follows its
    numerator: the figure just before the rate in its sentence is a count whose label carries
    the rate's stem ("其中有效救治1,100人，有效率90.00%"), and the base is the subject's total
    stated before it on the paragraph ("全年共救治患者1,250人。"): the numerator's own total
    (其中), else every earlier figure of the paragraph in the same unit that is not a part, not a
    figure of the same stem, not approximate, and not smaller than the numerator. None when the
    rate is not such a rate. One candidate: one reading; several: the caller says so at note
    level."""
    if p.unit != "%" or p.planned or NOT_A_PLAIN_RATE.search(p.label):
        return None
    stem = rate_stem(p.label)
    if not stem:
        return None
    pos = pos if pos is not None else locate(facts)
    if p.id not in pos:
        return None
    line = [f for f in facts if f.line == p.line]       # the paragraph, in text order
    i = next(k for k, f in enumerate(line) if f is p)
    if i == 0:
        return None
    num = line[i - 1]
    if num.quote != p.quote or num.unit in ("%", "元") or "/" in num.unit \
            or not (stem_in(stem, num.label) or stem_in(stem, clause_before(num, pos[num.id][0]))) \
            or num.approx or num.planned != p.planned:
        return None
    by_id = {f.id: f for f in line}
    if num.parent is not None and num.parent in by_id:
        return num, [by_id[num.parent]]
    bases = [f for f in line[:i - 1]
             if f.unit == num.unit and f.parent is None and not f.approx
             and not (f.label.startswith(stem) or f.label.endswith(stem) or f.label == num.label)
             and f.value >= num.value and f.value > 0 and f.planned == num.planned]
    return (num, bases) if bases else None


def _share_ratios(ctx) -> Iterator:
    facts = ctx.project.facts
    pos = locate(facts)
    rule_metrics = {r.ratio for r in RATIO_RULES}
    for r in facts:
        if r.metric in rule_metrics:
            continue
        pair = share_pair(r, facts, pos) or rate_pair(r, facts, pos)
        if pair is None:
            yield from _stem_ratio(ctx, r, facts, pos)
            continue
        num, den = pair
        found = _ratio_mismatch(r, num, den)
        if found is None:
            continue
        computed, text = found
        yield ctx.finding(
            "ratio", section=r.section, facts=(r, num, den), unit="%", stated=r.value,
            computed=computed, tolerance=r.tolerance, quote=r.quote,
            message=(f"文本写{r.label}{r.raw}，但同一句中{num.label}{num.raw} ÷ {den.label}{den.raw} = "
                     f"{text}与所写数字不符。"))


def _stem_ratio(ctx, r: Fact, facts: list[Fact], pos) -> Iterator:
    """The finding of a rate that follows its numerator (``stem_pair``): an error when its one
    base cannot give it; a note listing the readings when there are several bases and none
    gives it; nothing when one does."""
    found = stem_pair(r, facts, pos)
    if found is None:
        return
    num, bases = found
    bases = list({d.value: d for d in reversed(bases)}.values())[::-1]   # one reading per value
    misses = [(den, _ratio_mismatch(r, num, den)) for den in bases]
    if any(m is None for _, m in misses):
        return
    den, (computed, text) = misses[0]
    if len(bases) == 1:
        yield ctx.finding(
            "ratio", section=r.section, facts=(r, num, den), unit="%", stated=r.value,
            computed=computed, tolerance=r.tolerance, quote=quotes(den, num, r),
            message=(f"文本写{r.label}{r.raw}，其分子为紧接其前的{num.label}{num.raw}，分母为此前所写的"
                     f"{den.label}{den.raw}：{num.raw} ÷ {den.raw} = {text}与所写数字不符。"))
        return
    readings = "；".join(f"÷ {d.label}{d.raw} = {fmt_decimal(m[0], max(r.decimals, 2))}%" for d, m in misses)
    yield ctx.finding(
        "ratio", section=r.section, facts=(r, num, *bases), unit="%", stated=r.value,
        computed=computed, tolerance=r.tolerance, severity="note", quote=quotes(*bases, num, r),
        message=(f"文本写{r.label}{r.raw}，未写明分母。以{num.label}{num.raw}为分子，此前可作分母的数字有"
                 f"{len(bases)}个，按各种读法均得不出所写数字（{num.raw} {readings}），请核实所用口径。"))
