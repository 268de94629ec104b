"""Restatement check: the same figure stated in two sections must agree.

Metrics in ``SCALAR`` are grouped by (metric, year, as-of date), figures without a metric by
their subject (the label without manner words such as 计划) and unit, in every section; a
figure without a year in a section about the budget year is the budget year's. Rules:
docs/audit.md, check ``restatement``."""

from __future__ import annotations

import re
from collections.abc import Iterator

from helpers.audit.intervals import (
    interval,
    is_total,
    meets,
    per_unit,
    quotes,
    uncertainty,
    year_of,
)
from helpers.audit.labels import without_money_words
from helpers.ingest.models import Fact
from helpers.ingest.stages import compatible

SCALAR = ("insured_persons", "premium_income", "claims_count", "claims_paid", "loss_ratio",
          "subsidised_persons", "subsidy_amount", "organisations_total", "members",
          "coverage_rate", "coverage_target", "org_district", "org_township", "org_village")


# Labels too generic to say two figures are the same thing (the fallbacks of helpers.ingest.facts).
GENERIC_LABELS = {"金额", "标准", "人数", "数量", "比率", "百分点"}


# Words before the subject that say how a figure is meant, not what it counts: "计划开发公益性岗位"
# and "开发公益性岗位" (or "计划完成孕前优生健康检查" and "计划开展孕前优生健康检查") are one figure.
_MANNER = re.compile(r"^(?:计划|预计|拟|力争|确保|保障|全年|当年|共|完成|开展|实施|实现)+")
# Units of things that stay (facilities, buildings, vehicles): a stock stated without a year is
# the one the budget year starts from.
STOCK_UNITS = {"个", "处", "座", "所", "台", "辆", "套", "间", "艘", "栋", "家"}
# Sections whose figures are the budget year's when they name no year.
_BUDGET_YEAR_SECTIONS = ("funding", "plan", "outcome", "content")


# What a figure printed before its noun goes on to say ("26处烈士纪念设施全部得到有效保护管理"):
# not part of the subject.
_PREDICATE = re.compile(r"(?:全部|均已|均|得到|明显|居住环境|按时|顺利|全面)")


def subject(label: str) -> str:
    """The label without the manner words in front ("计划资助特困人员" → "资助特困人员") and
    without what it goes on to say ("烈士纪念设施全部得到有效保护管理" → "烈士纪念设施")."""
    name = _MANNER.sub("", label)
    m = _PREDICATE.search(name)
    return name[:m.start()] if m and m.start() >= 3 else name


def _year(f: Fact, project) -> int | None:
    """The figure's year: its own, or the budget year in a section about the budget year's plan
    and results (content, funding, plan, outcome), and for a stock of things (公租房1,680套,
    烈士纪念设施28处) anywhere; None for other figures of the current situation."""
    if f.year is None and f.unit in STOCK_UNITS:
        return project.budget_year
    return year_of(f, project, _BUDGET_YEAR_SECTIONS)


def _same_figure_key(f: Fact, year: int | None) -> tuple | None:
    """What makes two statements the same figure: its metric, or — for a figure no metric rule
    knows — its subject (the label without manner words; at least 3 characters, not a generic
    fallback) and unit; with the year and as-of date in both cases."""
    if f.metric in SCALAR:
        return (f.metric, year, f.as_of)
    name = subject(f.label)
    if f.parent is None and len(name) >= 3 and name not in GENERIC_LABELS and without_money_words(name):
        return ("label", name, f.unit, year, f.as_of)
    return None


def check_restatements(ctx) -> Iterator:
    """Compare every restatement of the same figure (metric or subject, year, as-of date) made in
    another section (六.1 and 六.2 are items of one section, not restatements), of a compatible
    kind of amount (a plan and what was spent are not one figure).

    Approximate figures, totals, per-unit standards and 其中 parts are left out. Yields an
    error-level ``restatement`` finding for each later statement whose interval does not meet the
    first statement's.
    """
    groups: dict[tuple, list[Fact]] = {}
    for f in ctx.project.facts:
        key = _same_figure_key(f, _year(f, ctx.project))
        if key is not None and not f.approx and f.upper is None and not is_total(f) and per_unit(f) is None:
            groups.setdefault(key, []).append(f)
    for group in groups.values():
        first = group[0]
        for other in group[1:]:
            if other.section.split(".")[0] == first.section.split(".")[0] \
                    or not compatible(first.stage, other.stage) \
                    or meets(interval(first), interval(other)):
                continue
            yield ctx.finding(
                "restatement", section=other.section, facts=(first, other), unit=other.unit,
                stated=other.value, computed=first.value,
                tolerance=uncertainty(first) + uncertainty(other), quote=quotes(first, other),
                message=(f"同一项目中{subject(other.label)}前后不一：第{first.section}部分写{first.raw}，"
                         f"第{other.section}部分写{other.raw}。"))
