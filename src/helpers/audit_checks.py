"""Arithmetic audit checks: products, sums, ratios, integrality, restatements, target tables.

Every comparison works on intervals: a printed figure stands for every value that prints the
same (12.80万元 → 127,950 … 128,050 元), an approximate one (3600余人, 约…) for the range its word
allows (see ``interval``). Two figures disagree only when their intervals do not meet, so a
consistent text never raises an alarm however it rounds. Rules and assumptions: docs/audit.md."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from helpers import paths
from helpers.audit_intervals import (
    DENOMINATOR_UNITS,
    PER_UNIT,
    ZERO,
    clause_before,
    in_brackets,
    interval,
    is_total,
    locate,
    meets,
    per_unit,
    quotes,
    segment_of,
    show,
    shown,
    signals_total,
    uncertainty,
)
from helpers.formatting import fmt_decimal, round_half_up
from helpers.models import Fact
from helpers.normalize import fold

# ---------------------------------------------------------------------------- products

def _by_line(facts: list[Fact]) -> dict[int, list[Fact]]:
    out: dict[int, list[Fact]] = {}
    for f in facts:
        out.setdefault(f.line, []).append(f)
    return out


_CATEGORY_NOISE = re.compile(
    r"补助标准|救助标准|资助标准|补贴标准|发放标准|保费标准|标准|每人|每户|每件|每年|每月|每季度|"
    r"按照|按|为|的|其中|计划|预计|拟|补助|资助|救助|发放|[\\s,，、:：;；。()（）]")


def category_key(label: str) -> str:
    """The category words of a label: "80至89周岁补助标准" → "80至89周岁"; "补助标准" → ""."""
    key = _CATEGORY_NOISE.sub("", fold(label or ""))
    return key if len(key) >= 2 else ""


def _pair_count(std: Fact, per: str, before: list[Fact], pers: list[str | None],
                pos: dict[str, tuple[int, int]], line_facts: list[Fact]) -> Fact | None:
    """The head count a standard applies to, or None when no pairing is unambiguous.

    1. The standard names a category (80至89周岁补助标准600元/人): the one count before it on the
       paragraph whose label shares those words (80至89周岁8000人), whether or not it is a part
       of a larger total; two such counts → no pairing.
    2. Otherwise the nearest count before it (after any earlier standard), not a part, when it
       stands in the standard's own sentence segment, or when it is the only such count since
       the previous standard and is not split into categories itself."""
    counts = [f for f in before if f.unit == per and not per_unit(f)]
    key = category_key(std.label)
    if key:
        matches = [f for f in counts if (k := category_key(f.label)) and (key in k or k in key)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            return None
    since: list[Fact] = []
    for j in range(len(before) - 1, -1, -1):
        if pers[j]:
            break
        f = before[j]
        if f.unit == per and f.parent is None:
            since.append(f)
    if not since:
        return None
    near = since[0]
    if near.id in pos and std.id in pos and near.quote == std.quote and \
            segment_of(near, pos[near.id][0]) == segment_of(std, pos[std.id][0]):
        return near
    has_parts = any(f.parent == near.id for f in line_facts)
    return near if len(since) == 1 and not has_parts else None


def product_triples(facts: list[Fact]) -> Iterator[tuple[Fact, Fact, Fact]]:
    """(count, standard, amount) on one paragraph: the count the standard applies to (see
    ``_pair_count``) and the first amount after the standard, before the next count or standard."""
    pos = locate(facts)
    for line_facts in _by_line(facts).values():
        pers = [per_unit(f) for f in line_facts]
        for i, std in enumerate(line_facts):
            per = pers[i]
            if per is None:
                continue
            count = _pair_count(std, per, line_facts[:i], pers[:i], pos, line_facts)
            amount = None
            for j in range(i + 1, len(line_facts)):
                f = line_facts[j]
                if pers[j] or (f.unit == per and f.parent is None):
                    break
                if f.unit == "元":
                    amount = f
                    break
            earlier = any(pers[:i])
            if amount is not None and earlier and is_total(amount):
                continue        # a total over several categories: the category-sum check's job
            if count is not None and amount is not None:
                yield count, std, amount


def check_products(ctx) -> Iterator:
    for count, std, amount in product_triples(ctx.project.facts):
        lo_c, hi_c = interval(count)
        comp = (lo_c * std.value, hi_c * std.value)
        if meets(comp, interval(amount)):
            continue
        computed = count.value * std.value
        diff = amount.value - computed
        tol = uncertainty(amount) + (hi_c - lo_c) / 2 * std.value
        yield ctx.finding(
            "product", section=amount.section, facts=(count, std, amount), unit="元",
            stated=amount.value, computed=computed, tolerance=tol, quote=quotes(count, std, amount),
            message=(f"{shown(count)} × {std.raw}{'' if std.unit in PER_UNIT else '/' + count.unit} = "
                     f"{show(computed, '元')}，文本写{amount.label}"
                     f"{amount.raw}，相差{show(abs(diff), '元')}，超出打印精度允许的±{show(tol, '元')}。"))


# ---------------------------------------------------------------------------- sums

def check_parts(ctx) -> Iterator:
    facts = ctx.project.facts
    for total in facts:
        parts = [f for f in facts if f.parent == total.id]
        if not parts:
            continue
        lo = sum((interval(p)[0] for p in parts), ZERO)
        hi = sum((interval(p)[1] for p in parts), ZERO)
        t_lo, t_hi = interval(total)
        computed = sum((p.value for p in parts), ZERO)
        terms = " + ".join(p.raw for p in parts)
        if lo > t_hi:
            severity, why = "error", "分项之和大于总数"
        elif hi < t_lo and len(parts) >= 2:
            severity, why = "warning", "分项之和小于总数；若所列并非全部组成部分，应在文本中说明"
        else:
            continue
        yield ctx.finding(
            "parts_sum", section=total.section, severity=severity, facts=[total, *parts],
            unit=total.unit, stated=total.value, computed=computed,
            tolerance=(t_hi - t_lo) / 2 + (hi - lo) / 2, quote=total.quote,
            message=(f"{total.label}{shown(total)}，其中各项 {terms} = {show(computed, total.unit)}，"
                     f"{why}。"))


# Metric families that add up across categories (a plan and a report of the same quantity).
SUMMABLE = (("planned_subsidy_persons", "subsidised_persons"),
            ("planned_subsidy_amount", "subsidy_amount"))


def check_categories(ctx) -> Iterator:
    """Categories listed in one section (≥ 2 figures of one metric) against an overall figure of
    the same metric elsewhere (or marked 合计/共计, or approximate). Figures in the funding and
    plan sections count as planned whatever their own sentence says."""
    plans = {s.number for s in ctx.project.sections.values() if s.key in ("funding", "plan")}
    compared: set[str] = set()

    def planned_(f: Fact) -> bool:
        return f.planned or f.section.split(".")[0] in plans

    for family in SUMMABLE:
        facts = [f for f in ctx.project.facts if f.metric in family and f.parent is None]
        for planned in (True, False):
            group = [f for f in facts if planned_(f) == planned]
            by_section: dict[str, list[Fact]] = {}
            for f in group:
                if not is_total(f) and per_unit(f) is None:
                    by_section.setdefault(f.section, []).append(f)
            for section, cats in by_section.items():
                if len(cats) < 2 or len({c.year for c in cats} - {None}) > 1:
                    continue
                totals = [f for f in group if all(f is not c for c in cats) and per_unit(f) is None
                          and (is_total(f) or len(by_section.get(f.section, [])) == 1)]
                for total in totals:
                    years = {c.year for c in cats} | {total.year}
                    if len(years - {None}) > 1:
                        continue
                    compared.add(total.id)
                    lo = sum((interval(c)[0] for c in cats), ZERO)
                    hi = sum((interval(c)[1] for c in cats), ZERO)
                    t_lo, t_hi = interval(total)
                    if meets((lo, hi), (t_lo, t_hi)):
                        continue
                    computed = sum((c.value for c in cats), ZERO)
                    rng = f"{show(t_lo, total.unit)}～{show(t_hi, total.unit)}"
                    yield ctx.finding(
                        "category_sum", section=total.section, facts=[total, *cats],
                        unit=total.unit, stated=total.value, computed=computed,
                        tolerance=(t_hi - t_lo) / 2, quote=quotes(total, *cats),
                        message=(f"第{section}部分分类列出的{total.label}"
                                 f"{' + '.join(c.raw for c in cats)} = {show(computed, total.unit)}，"
                                 f"而第{total.section}部分写{shown(total)}（按文字应在{rng}之间），"
                                 "两者不符。"))


    yield from _marked_totals(ctx, compared)


def _sum_interval(facts: list[Fact]) -> tuple[Decimal, Decimal]:
    return (sum((interval(f)[0] for f in facts), ZERO), sum((interval(f)[1] for f in facts), ZERO))


def _marked_totals(ctx, compared: set[str]) -> Iterator:
    """A total the text marks (合计/共计/总计/总额/累计 in its sentence segment, 共 in its clause)
    in the funding section against the other figures of the same unit listed there: not parts of
    another figure (其中), not totals themselves, not per-capita standards, not explanations in
    brackets (86个×2000元). The categories are those between the previous marked total of that unit
    and this one (or, if fewer than two, those after it up to the next). No metric ids are used.
    When the whole list does not add up but a run of it ending next to the total does, the list
    is taken to hold something else as well (sources and uses): no finding."""
    project = ctx.project
    funding = {s.number for s in project.sections.values() if s.key == "funding"}
    pos = locate(project.facts)
    by_section: dict[str, list[Fact]] = {}
    for f in project.facts:
        if f.section.split(".")[0] in funding and f.id in pos and f.parent is None and \
                f.unit != "%" and f.unit not in PER_UNIT and per_unit(f) is None and \
                not in_brackets(f, pos[f.id][0]):
            by_section.setdefault(f.section, []).append(f)
    for section, figs in by_section.items():
        for unit in dict.fromkeys(f.unit for f in figs):
            same = [f for f in figs if f.unit == unit]
            marks = [signals_total(f, pos[f.id][0]) for f in same]
            for i, total in enumerate(same):
                if not marks[i] or total.id in compared:
                    continue
                before: list[Fact] = []
                for j in range(i - 1, -1, -1):
                    if marks[j]:
                        break
                    before.insert(0, same[j])
                after: list[Fact] = []
                for j in range(i + 1, len(same)):
                    if marks[j]:
                        break
                    after.append(same[j])
                cats = before if len(before) >= 2 else after
                if len(cats) < 2 or len(({c.year for c in cats} | {total.year}) - {None}) > 1:
                    continue
                t_iv = interval(total)
                if meets(_sum_interval(cats), t_iv):
                    continue
                runs = [cats[k:] for k in range(1, len(cats) - 1)] if cats is before else \
                       [cats[:k] for k in range(2, len(cats))]
                if any(meets(_sum_interval(r), t_iv) for r in runs):
                    continue
                computed = sum((c.value for c in cats), ZERO)
                rng = f"{show(t_iv[0], unit)}～{show(t_iv[1], unit)}"
                yield ctx.finding(
                    "category_sum", section=total.section, facts=[total, *cats], unit=unit,
                    stated=total.value, computed=computed, tolerance=(t_iv[1] - t_iv[0]) / 2,
                    quote=quotes(total, *cats),
                    message=(f"第{section}部分分项列出的{' + '.join(c.raw for c in cats)} = "
                             f"{show(computed, unit)}，而文本写合计{total.label}{shown(total)}"
                             f"（按文字应在{rng}之间），两者不符。"))


# ---------------------------------------------------------------------------- ratios

@dataclass(frozen=True)
class RatioRule:
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
    siblings = [f for f in same if f.parent == den.id]
    if len(siblings) > 1 and not (_stem(num.label) and fold(_stem(num.label)) in fold(clause)):
        return None
    return num, den


def _share_ratios(ctx) -> Iterator:
    facts = ctx.project.facts
    pos = locate(facts)
    rule_metrics = {r.ratio for r in RATIO_RULES}
    for r in facts:
        if r.metric in rule_metrics:
            continue
        pair = share_pair(r, facts, pos)
        if pair is None:
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


# ---------------------------------------------------------------------------- integrality

SHARE = re.compile(r"覆盖|占|比例|比重|建成|达标|完成率|普及")
_STEM_TAIL = re.compile(r"(计生协会|计划生育协会|协会|组织|家庭|人员|单位)$")


def _stem(label: str) -> str:
    return _STEM_TAIL.sub("", label).strip()


_COUNTS = DENOMINATOR_UNITS | {"人", "人次"}


def denominators(p: Fact, facts: list[Fact]) -> list[tuple[str, int, list[Fact]]]:
    """Counts a stated percentage can be taken over: only a base of the percentage's own subject.

    1. The sum of the parts of a total on its paragraph that its sentence names (各乡（街道）、
       村（社区） → 乡11 + 村105 = 116), then that total (117).
    2. A total whose part (其中) stands in the percentage's own sentence.
    3. A count on its paragraph, not a part, whose subject the percentage's label names
       (村卫生室142个 for 村卫生室标准化建设达标率).
    Any other count on the paragraph (救助残疾儿童186人 next to 康复服务覆盖率) is not taken: the
    text does not say it is the base."""
    out: list[tuple[str, int, list[Fact]]] = []
    seen: set[str] = set()

    def add(name: str, n: int, used: list[Fact], first: bool = False) -> None:
        key = "+".join(f.id for f in used)
        if key in seen:
            return
        seen.add(key)
        out.insert(0, (name, n, used)) if first else out.append((name, n, used))

    same_line = [f for f in facts if f.line == p.line and f is not p and not f.planned and
                 not f.approx and f.decimals == 0 and f.unit in _COUNTS]
    by_id = {f.id: f for f in same_line}
    sentence = fold(p.quote)
    parents: dict[str, list[Fact]] = {}
    for f in same_line:
        if f.parent and f.unit in DENOMINATOR_UNITS:
            parents.setdefault(f.parent, []).append(f)
    for parent_id, parts in parents.items():
        named = [f for f in parts if _stem(f.label) and fold(_stem(f.label)) in sentence]
        if len(named) == 1:
            add(named[0].label + named[0].raw, int(named[0].value), named)
        elif 2 <= len(named) < len(parts):
            total = sum(int(f.value) for f in named)
            add("+".join(f"{_stem(f.label)}{f.raw}" for f in named), total, named)
        total_f = by_id.get(parent_id)
        if named and total_f is not None and total_f.parent is None:
            add(total_f.raw, int(total_f.value), [total_f])
    for f in same_line:
        if f.parent is None and f.quote == p.quote and \
                any(g.parent == f.id and g.quote == p.quote for g in same_line):
            add(f.raw, int(f.value), [f])
    label = fold(p.label)
    for f in same_line:
        stem = fold(_stem(category_key(f.label)))
        if f.parent is None and len(stem) >= 2 and stem in label:
            add(f.raw, int(f.value), [f])
    return out


def achievable(p: Decimal, tol: Decimal, n: int) -> tuple[bool, int]:
    """(whether some whole k in 0…n gives k/n·100 within p ± tol, the nearest such k)."""
    k0 = int(round_half_up(p * n / 100, 0))
    best = None
    for k in (k0 - 1, k0, k0 + 1):
        if 0 <= k <= n:
            d = abs(Decimal(k) * 100 / n - p)
            if best is None or d < best[0]:
                best = (d, k)
    assert best is not None
    return best[0] <= tol, best[1]


def check_integrality(ctx) -> Iterator:
    ratio_metrics = {r.ratio for r in RATIO_RULES}
    facts = ctx.project.facts
    for p in facts:
        if p.unit != "%" or p.planned or p.approx or p.metric in ratio_metrics:
            continue
        if not 0 < p.value < 100 or not SHARE.search(p.label) or "满意" in p.label:
            continue
        if share_pair(p, facts) is not None:
            continue                # numerator and denominator stated: the ratio check's job
        cands = denominators(p, facts)
        if not cands:
            continue
        tol = p.tolerance
        results = [(name, n, used, *achievable(p.value, tol, n)) for name, n, used in cands if n > 0]
        if not results or any(ok for _, _, _, ok, _ in results):
            continue
        _, n, _, _, k = results[0]
        places = max(p.decimals, 2)
        computed = round_half_up(Decimal(k) * 100 / n, places)
        tried = []
        for name_i, n_i, _, _, k_i in results:
            lo = max(k_i - 1, 0) if Decimal(k_i) * 100 / n_i > p.value else k_i
            ks = [lo, lo + 1] if lo + 1 <= n_i else [lo]
            tried.append(f"以{name_i}（{n_i}）为分母：" + "、".join(
                f"{k_j}/{n_i}={fmt_decimal(Decimal(k_j) * 100 / n_i, places)}%" for k_j in ks))
        used_all = list({f.id: f for *_, u, _, _ in results for f in u}.values())
        yield ctx.finding(
            "integrality", section=p.section, facts=[p, *used_all], unit="%",
            stated=p.value, computed=computed, tolerance=tol, quote=p.quote,
            message=(f"{p.label}{p.raw}：{'；'.join(tried)}，没有整数能得到{p.raw}"
                     f"（±{fmt_decimal(tol, 3)}个百分点）。文本未写明分母，请核实覆盖率的计算基数。"))


# ---------------------------------------------------------------------------- restatements

SCALAR = ("insured_persons", "premium_income", "claims_count", "claims_paid", "loss_ratio",
          "subsidised_persons", "subsidy_amount", "organisations_total", "members",
          "coverage_rate", "coverage_target", "org_district", "org_township", "org_village")


def check_restatements(ctx) -> Iterator:
    groups: dict[tuple, list[Fact]] = {}
    plans = {s.number for s in ctx.project.sections.values() if s.key in ("funding", "plan")}
    for f in ctx.project.facts:
        # Funding and plan sections hold plans and totals, checked by the product and sum checks.
        if f.metric in SCALAR and not f.approx and not is_total(f) and \
                f.section.split(".")[0] not in plans:
            groups.setdefault((f.metric, f.year, f.as_of, f.planned), []).append(f)
    for group in groups.values():
        first = group[0]
        for other in group[1:]:
            if other.section == first.section or meets(interval(first), interval(other)):
                continue
            yield ctx.finding(
                "restatement", section=other.section, facts=(first, other), unit=other.unit,
                stated=other.value, computed=first.value,
                tolerance=uncertainty(first) + uncertainty(other), quote=quotes(first, other),
                message=(f"同一项目中{other.label}前后不一：第{first.section}部分写{first.raw}，"
                         f"第{other.section}部分写{other.raw}。"))


# ---------------------------------------------------------------------------- targets

def _flat(text: str) -> str:
    return re.sub(r"\s+", "", fold(text or "")).rstrip("。")


def target_value(value: str, unit: str):
    """A target row's value as a Quantity in the normalised unit, or None (定性, no unit)."""
    from helpers.numbers import parse_quantity

    if not unit:
        return None
    try:
        return parse_quantity(f"{value.strip()}{unit.strip()}")
    except ValueError:
        return None


def check_targets(ctx) -> Iterator:
    if ctx.targets_loader is None:
        return
    project = ctx.project
    table = ctx.targets_loader(project.budget_year, project.id)
    if table is None:
        return
    body = _flat("\n".join(s.text for s in project.sections.values()))
    for t in table.set_rows():
        q = target_value(t.value, t.unit)
        if q is None or not t.quote:
            continue
        quote = _flat(t.quote)
        cands = [f for f in project.facts if f.unit == q.unit and
                 (quote in _flat(f.quote) or _flat(f.quote) in quote)]
        where = f"目标表第{t.line}行「{t.level3}」" if t.line else f"目标表「{t.level3}」"
        if not cands:
            if quote not in body:
                yield ctx.finding(
                    "target", section="目标表", severity="warning", unit=q.unit, stated=q.value,
                    quote=t.quote, line=None,
                    message=f"{where}的来源引文在文本中找不到，无法核对指标值{t.value}{t.unit}。")
            continue
        half = Decimal(q.scale) * Decimal(1).scaleb(-q.decimals) / 2
        if any(meets((q.value - half, q.value + half), interval(f)) for f in cands):
            continue
        best = min(cands, key=lambda f: abs(f.value - q.value))
        yield ctx.finding(
            "target", section=best.section, facts=[best], unit=q.unit, stated=q.value,
            computed=best.value, tolerance=half + uncertainty(best), quote=best.quote,
            message=(f"{where}的指标值为{t.value}{t.unit}，而所引文本句中为{shown(best)}，"
                     f"两者不符（{_table_name(table.path)}）。"))


def _table_name(path) -> str:
    """The target table as shown in findings: relative to the project, else its file name (no
    absolute paths in published pages)."""
    if not path:
        return "目标表"
    shown_path = paths.relative(path)
    return shown_path if not shown_path.startswith("/") else str(path).rsplit("/", 1)[-1]
