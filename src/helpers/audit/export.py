"""Audit findings as data: CSV text and file (written atomically), records and a pandas table with
Chinese headers; figures shown in the units of docs/domain.md."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from helpers.audit.base import KIND_ZH, Finding
from helpers.core.atomic import write_bytes
from helpers.core.cells import neutralise_row
from helpers.core.formatting import fmt_decimal
from helpers.core.taxonomy import SEVERITY_ZH

CSV_COLUMNS = ("year", "project", "project_name", "section", "kind", "check", "severity", "stated",
               "computed", "tolerance", "unit", "message", "quote", "line", "path", "fact_ids", "places")
TABLE_COLUMNS = {"severity": "级别", "section": "部分", "kind": "类别", "stated": "文本所写",
                 "computed": "核算结果", "message": "说明", "quote": "原文引用"}


def _plain(value: Decimal | None) -> str:
    if value is None:
        return ""
    v = value.normalize()
    return f"{v:f}"


def findings_csv(findings: Iterable[Finding]) -> str:
    """The findings as CSV text (one row each, numbers in normalised units)."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for f in findings:
        w.writerow(neutralise_row([
            f.year, f.project, f.project_name, f.section, f.kind, f.check, f.severity, _plain(f.stated),
            _plain(f.computed), _plain(f.tolerance), f.unit or "", f.message, f.quote, f.line or "", f.path,
            " ".join(f.fact_ids), f.places_text()]))
    return buf.getvalue()


def write_findings_csv(findings: Iterable[Finding], path: Path | str) -> Path:
    """Write the CSV atomically, UTF-8 with BOM so spreadsheet programs show the Chinese."""
    return write_bytes(path, findings_csv(findings).encode("utf-8-sig"))


def show_value(value: Decimal | None, unit: str | None) -> str:
    """A stated/computed figure for a table: 万元 for money, 2 decimals for %, plain counts."""
    if value is None:
        return "—"
    if unit == "元":
        return f"{fmt_decimal(value / 10000, 2)}万元"
    if unit == "%":
        return f"{fmt_decimal(value, 2)}%"
    if unit is None:
        return _plain(value)
    return f"{_plain(value)}{unit}"


def findings_frame(findings: Iterable[Finding], project_id: str | None = None):
    """A pandas DataFrame with Chinese column headers, for a project report's audit section; 部分
    lists every place of the finding (``project_id``'s sections first, unnamed)."""
    import pandas as pd

    rows = [{
        "级别": SEVERITY_ZH[f.severity], "部分": f.places_text(project_id), "类别": KIND_ZH[f.kind],
        "文本所写": show_value(f.stated, f.unit), "核算结果": show_value(f.computed, f.unit),
        "说明": f.message, "原文引用": f.quote,
    } for f in findings]
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS.values()))
