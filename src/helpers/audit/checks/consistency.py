"""Restatement check: the same figure stated in two sections must agree.

Metrics in ``SCALAR`` are grouped by (metric, year, as-of date, plan flag), figures without a
metric by their exact label and unit, outside the funding and plan sections. Rules:
docs/audit.md, check ``restatement``."""

from __future__ import annotations

from collections.abc import Iterator

from helpers.audit.intervals import interval, is_total, meets, quotes, uncertainty
from helpers.ingest.models import Fact

SCALAR = ("insured_persons", "premium_income", "claims_count", "claims_paid", "loss_ratio",
          "subsidised_persons", "subsidy_amount", "organisations_total", "members",
          "coverage_rate", "coverage_target", "org_district", "org_township", "org_village")


# Labels too generic to say two figures are the same thing (the fallbacks of helpers.ingest.facts).
GENERIC_LABELS = {"金额", "标准", "人数", "数量", "比率", "百分点"}


def _same_figure_key(f: Fact) -> tuple | None:
    """What makes two statements the same figure: its metric, or — for a figure no metric rule
    knows — its exact label (at least 3 characters, not a generic fallback) and unit; with the
    year, as-of date and plan flag in both cases."""
    if f.metric in SCALAR:
        return (f.metric, f.year, f.as_of, f.planned)
    if f.metric is None and f.parent is None and len(f.label) >= 3 and f.label not in GENERIC_LABELS:
        return ("label", f.label, f.unit, f.year, f.as_of, f.planned)
    return None


def check_restatements(ctx) -> Iterator:
    """Compare every restatement of the same figure (metric or exact label, year, as-of date, plan flag).

    Figures in the funding and plan sections, approximate figures and totals are left out. Yields an
    error-level ``restatement`` finding for each later statement, in another section, whose
    interval does not meet the first statement's.
    """
    groups: dict[tuple, list[Fact]] = {}
    plans = {s.number for s in ctx.project.sections.values() if s.key in ("funding", "plan")}
    for f in ctx.project.facts:
        # Funding and plan sections hold plans and totals, checked by the product and sum checks.
        key = _same_figure_key(f)
        if key is not None and not f.approx and not is_total(f) and \
                f.section.split(".")[0] not in plans:
            groups.setdefault(key, []).append(f)
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
