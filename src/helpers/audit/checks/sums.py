"""Sum checks: 其中 parts against their total, and categories against an overall figure.

``check_parts`` (parts_sum) and ``check_categories`` (category_sum: by metric family, then totals
the funding section marks with 合计/共计/… without metric ids). Rules: docs/audit.md."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from helpers.audit.intervals import (
    PER_UNIT,
    ZERO,
    in_brackets,
    interval,
    is_total,
    locate,
    meets,
    per_unit,
    quotes,
    show,
    shown,
    signals_total,
    year_of,
)
from helpers.ingest.models import Fact
from helpers.ingest.stages import compatible


def check_parts(ctx) -> Iterator:
    """Compare each total with the sum of its 其中 parts (same unit, intervals from printed precision).

    Yields a ``parts_sum`` finding: error when the parts add up to more than the total, warning when
    two or more parts add up to less.
    """
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


def _one_kind(cats: list[Fact]) -> bool:
    """Whether the listed figures are of one kind of amount (helpers.ingest.stages): a planned
    amount and what was actually paid out are not two categories of one total."""
    return all(compatible(a.stage, b.stage) for a in cats for b in cats)


def check_categories(ctx) -> Iterator:
    """Categories listed in one section (≥ 2 figures of one metric, of one kind and one year)
    against an overall figure of the same metric and year elsewhere (or marked 合计/共计, or
    approximate). Ingestion marks every figure of the funding and plan sections planned."""
    compared: set[str] = set()

    for family in SUMMABLE:
        facts = [f for f in ctx.project.facts if f.metric in family and f.parent is None]
        for planned in (True, False):
            group = [f for f in facts if f.planned == planned]
            by_section: dict[str, list[Fact]] = {}
            for f in group:
                if not is_total(f) and per_unit(f) is None:
                    by_section.setdefault(f.section, []).append(f)
            for section, cats in by_section.items():
                if len(cats) < 2 or len({year_of(c, ctx.project) for c in cats} - {None}) > 1 \
                        or not _one_kind(cats):
                    continue
                totals = [f for f in group if all(f is not c for c in cats) and per_unit(f) is None
                          and (is_total(f) or len(by_section.get(f.section, [])) == 1)]
                for total in totals:
                    years = {year_of(c, ctx.project) for c in cats} | {year_of(total, ctx.project)}
                    if len(years - {None}) > 1 or not all(compatible(total.stage, c.stage) for c in cats):
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
    in any section but the name, basis and unit, of one kind of amount with its categories,
    against the other figures of the same unit listed there: not parts of
    another figure (其中), not totals themselves, not per-capita standards, not explanations in
    brackets (86个×2000元). The categories are those between the previous marked total of that unit
    and this one (or, if fewer than two, those after it up to the next). No metric ids are used.
    When the whole list does not add up but a run of it ending next to the total does, the list
    is taken to hold something else as well (sources and uses): no finding."""
    project = ctx.project
    funding = {s.number for s in project.sections.values() if s.key not in ("name", "basis", "unit")}
    money = {s.number for s in project.sections.values() if s.key == "funding"}
    pos = locate(project.facts)
    by_section: dict[str, list[Fact]] = {}
    for f in project.facts:
        if f.section.split(".")[0] in funding and f.id in pos and f.parent is None and \
                f.unit != "%" and f.unit not in PER_UNIT and per_unit(f) is None and \
                not in_brackets(f, pos[f.id][0]):
            top = f.section.split(".")[0]
            # in the funding section a 合计 line sums its items (1)…(3); elsewhere 四.1, 四.2 differ
            by_section.setdefault(top if top in money else f.section, []).append(f)
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
                own = [c for c in before if c.quote == total.quote and c.line == total.line]
                if len(own) >= 2:
                    before = own        # a list in the total's own sentence is its list
                cats = before if len(before) >= 2 else after
                if len(cats) < 2 or len(({c.year for c in cats} | {total.year}) - {None}) > 1 \
                        or not _one_kind([*cats, total]):
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
