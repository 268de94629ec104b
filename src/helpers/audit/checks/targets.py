"""Target check: each numeric row of a project's target table against the sentence it quotes.

Rules: docs/audit.md, check ``target``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from helpers.audit.intervals import interval, meets, shown, uncertainty
from helpers.core import paths
from helpers.core.normalize import fold


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", fold(text or "")).rstrip("。")


def target_value(value: str, unit: str):
    """A target row's value as a Quantity in the normalised unit, or None (定性, no unit)."""
    from helpers.ingest.numbers import parse_quantity

    if not unit:
        return None
    try:
        return parse_quantity(f"{value.strip()}{unit.strip()}")
    except ValueError:
        return None


def check_targets(ctx) -> Iterator:
    """Compare each set numeric row of the project's target table (绩效目标表) with the sentence it quotes.

    Yields an error-level ``target`` finding when no figure of the quoted sentence with the row's unit
    agrees with 指标值 within printed precision, and a warning when the quote is not in the text.
    Nothing when there is no loader or no target table.
    """
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
