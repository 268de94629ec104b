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

from helpers.audit_intervals import (
    DENOMINATOR_UNITS,
    PER_UNIT,
    ZERO,
    interval,
    is_total,
    meets,
    per_unit,
    quotes,
    show,
    shown,
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


def product_triples(facts: list[Fact]) -> Iterator[tuple[Fact, Fact, Fact]]:
    """(count, standard, amount) on one paragraph: the count just before the standard (after any
    earlier standard) and the first amount after it, before the next count or standard."""
    for line_facts in _by_line(facts).values():
        pers = [per_unit(f) for f in line_facts]
        for i, std in enumerate(line_facts):
            per = pers[i]
            if per is None:
                continue
            count = None
            for j in range(i - 1, -1, -1):
                f = line_facts[j]
                if pers[j]:
                    break
                if f.unit == per and f.parent is None:
                    count = f
                    break
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


def check_ratios(ctx) -> Iterator:
    facts = ctx.project.facts
    for rule in RATIO_RULES:
        for r in facts:
            if r.metric != rule.ratio or r.unit != "%" or r.planned:
                continue
            num, den = _partner(r, facts, rule.numerator), _partner(r, facts, rule.denominator)
            if num is None or den is None or den.value == 0:
                continue
            n_lo, n_hi = interval(num)
            d_lo, d_hi = interval(den)
            if d_lo <= 0:
                continue
            comp = (n_lo / d_hi * 100, n_hi / d_lo * 100)
            if meets(comp, interval(r)):
                continue
            places = max(r.decimals, 2)
            computed = round_half_up(num.value / den.value * 100, places)
            yield ctx.finding(
                "ratio", section=r.section, facts=(r, num, den), unit="%", stated=r.value,
                computed=computed, tolerance=r.tolerance, quote=quotes(den, num, r),
                message=(f"文本写{r.label}{r.raw}，但按{rule.basis}：{num.raw} ÷ {den.raw} = "
                         f"{fmt_decimal(computed, places)}%（考虑打印精度在"
                         f"{fmt_decimal(comp[0], places + 1)}%～{fmt_decimal(comp[1], places + 1)}%之间），"
                         f"与所写数字不符。{_basis_note(num, den)}"))


# ---------------------------------------------------------------------------- integrality

SHARE = re.compile(r"覆盖|占|比例|比重|建成|达标|完成率|普及")
_STEM_TAIL = re.compile(r"(计生协会|计划生育协会|协会|组织|家庭|人员|单位)$")


def _stem(label: str) -> str:
    return _STEM_TAIL.sub("", label).strip()


def denominators(p: Fact, facts: list[Fact]) -> list[tuple[str, int, list[Fact]]]:
    """Counts a stated percentage could be taken over: counts of things on its paragraph (persons
    only from its own sentence), and the sum of the parts of a total that its sentence names."""
    out: list[tuple[str, int, list[Fact]]] = []
    same_line = [f for f in facts if f.line == p.line and f is not p and not f.planned and
                 not f.approx and f.decimals == 0]
    sentence = fold(p.quote)
    for f in same_line:
        if f.parent is None and (f.unit in DENOMINATOR_UNITS or
                                 (f.unit in ("人", "人次") and f.quote == p.quote)):
            out.append((f.raw, int(f.value), [f]))
    parents: dict[str, list[Fact]] = {}
    for f in same_line:
        if f.parent and f.unit in DENOMINATOR_UNITS:
            parents.setdefault(f.parent, []).append(f)
    for parts in parents.values():
        named = [f for f in parts if _stem(f.label) and fold(_stem(f.label)) in sentence]
        if len(named) == 1:
            out.insert(0, (named[0].label + named[0].raw, int(named[0].value), named))
        elif 2 <= len(named) < len(parts):
            total = sum(int(f.value) for f in named)
            out.insert(0, ("+".join(f"{_stem(f.label)}{f.raw}" for f in named), total, named))
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
                     f"两者不符（{table.path or '目标表'}）。"))
