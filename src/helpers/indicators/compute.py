"""Computing the registered indicators for a project, and its headline figures."""

from __future__ import annotations

from helpers.indicators.base import (
    FORMATS,
    FactIndex,
    Indicator,
    IndicatorRegistry,
    IndicatorResult,
    Trace,
    display_value,
    metric_name,
    registry,
)
from helpers.ingest.models import Project


def _result(ind: Indicator, ix: FactIndex, rid: str, name: str, run: bool = True) -> IndicatorResult:
    value = None
    try:
        if run:
            value = ind.compute(ix)
    except ZeroDivisionError:  # a formula that divides without ix.divide
        ix.note("分母为零，无法计算")
        value = None
    tr = ix.trace
    if tr.missing:
        value = None
    facts = sorted(tr.facts, key=lambda f: (f.line, f.id))
    quotes: list[str] = []
    for f in facts:
        if f.quote not in quotes:
            quotes.append(f.quote)
    notes = ([ind.basis] if ind.basis else []) + tr.notes
    if tr.missing:
        notes.append("缺少输入：" + "、".join(tr.missing) + "，未计算")
    notes += tr.repeats
    return IndicatorResult(
        id=rid, name=name, value=value, unit=ind.unit,
        display=display_value(value, ind.display, ind.unit, tr.approx),
        formula=tr.basis or ind.formula_text, inputs=[f.id for f in facts], quotes=quotes,
        missing=list(tr.missing),
        note="；".join(notes), level1=ind.level1, level2=ind.level2, format=ind.display,
        places=FORMATS[ind.display][1])


def compute_indicators(project: Project, reg: IndicatorRegistry | None = None) -> list[IndicatorResult]:
    """Every indicator registered for ``project.type``, in registration order."""
    reg = reg if reg is not None else registry
    base = FactIndex(project)
    out: list[IndicatorResult] = []
    for ind in reg.for_type(project.type):
        if not ind.per_category:
            out.append(_result(ind, base.fresh(), ind.id, ind.name))
            continue
        cats = base.categories()
        if not cats:
            ix = base.fresh()
            ix.lack(f"{metric_name('planned_subsidy_persons')}（资金安排情况）")
            out.append(_result(ind, ix, ind.id, ind.name, run=False))
        for n, cat in enumerate(cats, 1):
            cat.trace = Trace()
            out.append(_result(ind, cat, f"{ind.id}.{n}", f"{ind.name}·{cat.label}"))
    return out


def headline_results(project: Project, limit: int = 4,
                     reg: IndicatorRegistry | None = None) -> list[IndicatorResult]:
    """The project type's headline indicators that could be computed, in the declared order, at
    most ``limit``; empty when the type declares none (the caller then falls back to stated facts)."""
    reg = reg if reg is not None else registry
    wanted = reg.headlines(project.type)
    if not wanted:
        return []
    by_id = {r.id: r for r in compute_indicators(project, reg)}
    return [by_id[i] for i in wanted if i in by_id and by_id[i].value is not None][:limit]


def headline_figures(project: Project, limit: int = 4,
                     reg: IndicatorRegistry | None = None) -> list[tuple[str, str]]:
    """(name, display) of :func:`headline_results`."""
    return [(r.name, r.display) for r in headline_results(project, limit, reg)]
