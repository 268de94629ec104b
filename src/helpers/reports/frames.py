"""Tidy pandas DataFrames for analysts: the catalogue, facts, indicators, audit findings and
self-evaluation scores of any years, computed live from the texts under data/ (no stale copy).

Every frame has ``year``, ``project_id`` and ``project`` columns; every number is a float column
(for plotting and arithmetic in pandas) next to its exact text (``…_text``, the Decimal as written,
for anything that must add up to the cent) and its ``unit``. Money is in 元 (``value_wan`` adds
万元). Example (notebooks/explore.ipynb)::

    from helpers.reports import frames
    facts = frames.facts(2024)
    facts.query("unit == '元'").groupby("project")["value_wan"].sum().plot.barh()
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from helpers import audit, ingest
from helpers import indicators as _indicators
from helpers.evaluation import selfeval


def _years(years: int | Iterable[int] | None) -> list[int] | None:
    if years is None:
        return None
    return [years] if isinstance(years, int) else list(years)


def _projects(years: int | Iterable[int] | None):
    wanted = _years(years)
    return [p for p in ingest.load_projects() if wanted is None or p.budget_year in wanted]


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def _frame(rows: list[dict], columns: list[str]):
    import pandas as pd

    return pd.DataFrame(rows, columns=columns)


CATALOGUE = ["year", "project_id", "project", "unit", "type", "facts", "path", "line"]


def catalogue(years: int | Iterable[int] | None = None):
    """One row per project: year, id, name, implementing unit, type, number of facts, source."""
    return _frame([{"year": p.budget_year, "project_id": p.id, "project": p.name, "unit": p.unit,
                    "type": p.type, "facts": len(p.facts), "path": p.path, "line": p.line}
                   for p in _projects(years)], CATALOGUE)


FACTS = ["year", "project_id", "project", "fact_id", "label", "metric", "value", "value_text", "unit",
         "value_wan", "raw", "approx", "planned", "stage", "as_of", "fact_year", "section", "line", "quote",
         "flag"]


def facts(years: int | Iterable[int] | None = None):
    """Every quantitative fact: value as float and exact text in its normalised unit, 万元 for money,
    as printed (``raw``), with its kind of amount (``stage``), its sentence and line, and ``flag``:
    why the audit puts it in doubt (helpers.audit.flags), else None."""
    from helpers.reports.context import figure_flags

    rows = []
    for p in _projects(years):
        flagged = figure_flags(p)
        for f in p.facts:
            rows.append({"year": p.budget_year, "project_id": p.id, "project": p.name, "fact_id": f.id,
                         "label": f.label, "metric": f.metric, "value": _float(f.value),
                         "value_text": _text(f.value), "unit": f.unit,
                         "value_wan": float(f.value / 10000) if f.unit == "元" else None, "raw": f.raw,
                         "approx": f.approx, "planned": f.planned, "stage": f.stage, "as_of": f.as_of,
                         "fact_year": f.year, "section": f.section, "line": f.line, "quote": f.quote,
                         "flag": flagged[f.id].text if f.id in flagged else None})
    return _frame(rows, FACTS)


INDICATORS = ["year", "project_id", "project", "indicator_id", "name", "level1", "level2", "value",
              "value_text", "unit", "display", "formula", "missing", "note"]


def indicators(years: int | Iterable[int] | None = None):
    """Every derived indicator of every project (helpers.indicators), value as float and exact text."""
    rows = []
    for p in _projects(years):
        for r in _indicators.compute_indicators(p):
            rows.append({"year": p.budget_year, "project_id": p.id, "project": p.name, "indicator_id": r.id,
                         "name": r.name, "level1": r.level1, "level2": r.level2, "value": _float(r.value),
                         "value_text": _text(r.value), "unit": r.unit, "display": r.display,
                         "formula": r.formula, "missing": "、".join(r.missing), "note": r.note})
    return _frame(rows, INDICATORS)


FINDINGS = ["year", "project_id", "project", "check", "kind", "severity", "section", "stated",
            "stated_text", "computed", "computed_text", "unit", "message", "quote", "path", "line", "places"]


def findings(years: int | Iterable[int] | None = None):
    """Every audit finding of the texts of these years: stated and computed as floats and exact text."""
    wanted = _years(years)
    docs = [d for d in ingest.ingest_paths().documents
            if wanted is None or any(p.budget_year in wanted for p in d.projects)]
    rows = []
    for f in audit.audit_documents(docs):
        if wanted is not None and f.year not in wanted:
            continue
        rows.append({"year": f.year, "project_id": f.project, "project": f.project_name, "check": f.check,
                     "kind": f.kind, "severity": f.severity, "section": f.section,
                     "stated": _float(f.stated), "stated_text": _text(f.stated),
                     "computed": _float(f.computed), "computed_text": _text(f.computed), "unit": f.unit,
                     "message": f.message, "quote": f.quote, "path": f.path, "line": f.line,
                     "places": f.places_text()})
    return _frame(rows, FINDINGS)


SCORES = ["year", "project_id", "project", "line", "indicator", "level1", "level2", "kind", "points",
          "stated_score", "score", "score_text", "basis", "method", "source"]


def scores(years: int | Iterable[int] | None = None, method: str = "2020"):
    """The self-evaluation rows of every project that has filed one (data/actuals/): points, the
    stated 得分 and the score the rules give (as floats; ``score_text`` exact)."""
    rows = []
    for p in _projects(years):
        checked = selfeval.check_project(p.budget_year, p.id, method)
        if checked is None:
            continue
        for rs in checked.result.rows:
            stated = checked.stated.get(rs.row.line or 0)
            rows.append({"year": p.budget_year, "project_id": p.id, "project": p.name, "line": rs.row.line,
                         "indicator": rs.row.indicator, "level1": rs.row.level1, "level2": rs.row.level2,
                         "kind": rs.kind, "points": _float(rs.row.points), "stated_score": _float(stated),
                         "score": _float(rs.score), "score_text": _text(rs.score), "basis": rs.basis,
                         "method": method, "source": checked.result.source})
    return _frame(rows, SCORES)
