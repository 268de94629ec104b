"""Indicator results as a pandas DataFrame and as an XLSX sheet (Chinese column headers)."""

from __future__ import annotations

from pathlib import Path

from helpers.core import formatting as fm
from helpers.core.cells import append_row, save_workbook
from helpers.indicators.base import IndicatorResult

COLUMNS = {
    "id": "指标编号", "level1": "一级指标", "level2": "二级指标", "name": "指标名称",
    "value": "计算值", "display": "显示值", "unit": "单位", "formula": "计算公式",
    "inputs": "所用数据", "missing": "缺少输入", "note": "说明", "quotes": "原文引用",
}


def _row(r: IndicatorResult) -> dict[str, object]:
    return {
        "指标编号": r.id, "一级指标": r.level1 or "", "二级指标": r.level2 or "", "指标名称": r.name,
        "计算值": r.value, "显示值": r.display, "单位": r.unit, "计算公式": r.formula,
        "所用数据": "、".join(r.inputs), "缺少输入": "、".join(r.missing), "说明": r.note,
        "原文引用": "\n".join(r.quotes),
    }


def indicators_frame(results: list[IndicatorResult]):
    """The results as a pandas DataFrame with Chinese column headers (values stay Decimal)."""
    import pandas as pd

    return pd.DataFrame([_row(r) for r in results], columns=list(COLUMNS.values()))


def write_indicators_xlsx(results: list[IndicatorResult], path: Path | str) -> Path:
    """Write the results to an .xlsx sheet atomically (temp file, then os.replace). The 计算值
    column holds the value rounded half-up to the places its display shows."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "指标"
    headers = list(COLUMNS.values())
    append_row(ws, headers)
    for r in results:
        row = _row(r)
        row["计算值"] = None if r.value is None else fm.round_half_up(r.value, r.places)
        append_row(ws, [row[h] for h in headers])
    for col, width in zip("ABCDEFGHIJKL", (28, 10, 10, 36, 12, 16, 10, 36, 16, 16, 60, 80), strict=True):
        ws.column_dimensions[col].width = width
    target = Path(path)
    save_workbook(wb, target)              # atomic, and the same results give the same bytes
    return target
