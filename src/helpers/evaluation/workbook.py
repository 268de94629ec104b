"""A blank self-evaluation workbook (绩效自评表, XLSX) built from a target table, for analysts to fill.

Layout: row 1 title, row 2 project/year/source note, row 3 the official headers
(selfeval.HEADERS), row 4 the 预算执行率 row (指标值 = 全年预算数, 实际完成值 = 全年执行数), then one
row per target. 分值 are pre-filled from the configured first-level weights, split evenly within a
level (remainder cents on the first row); a level with no rows passes its weight on (满意度 → 效益,
101号). 实际完成值, 得分 and 偏差原因 are blank. The quoted source sentence is a cell comment.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from helpers.core import paths
from helpers.core.cells import append_row, put, save_workbook
from helpers.core.errors import InputError
from helpers.core.taxonomy import DIRECTIONS
from helpers.evaluation.scoring import EXECUTION, SATISFACTION, ScoringConfig
from helpers.evaluation.selfeval import HEADERS
from helpers.evaluation.targets import TargetTable
from helpers.ingest.ids import check_project_id, check_year

TIER_CHOICES = ("达成", "部分达成", "未达成")
FALLBACK = {SATISFACTION: "效益指标", "效益指标": "产出指标", "产出指标": "效益指标"}
# The 10号 annex layout: title rows, the money block (its header on row MONEY_ROW - 1, 年度资金总额
# on MONEY_ROW, then the 其中 rows), 年度总体目标, and the indicator grid from HEADER_ROW.
MONEY_ROW = 5
HEADER_ROW = 11
MONEY_HEADERS = ("年初预算数", "全年预算数（A）", "全年执行数（B）", "分值", "执行率（B/A）", "得分")
GRID_HEADERS = {"指标值": "年度指标值"}
_EXTRA_ROWS = 30  # validation reaches below the last row so added rows are checked too


def allocate_points(table: TargetTable, config: ScoringConfig | None = None) -> list[Decimal]:
    """分值 for each target row (same order), so that they plus the execution weight add to 100."""
    cfg = config or ScoringConfig()
    levels = [t.level1 for t in table.rows]
    weight = {k: v for k, v in cfg.weights.items() if k != EXECUTION}
    for level in list(weight):
        if level not in levels and weight[level]:
            heir = FALLBACK.get(level)
            if heir in levels:
                weight[heir] += weight[level]
                weight[level] = Decimal(0)
    points: list[Decimal] = []
    first_seen: dict[str, int] = {}
    for i, level in enumerate(levels):
        share = weight.get(level, Decimal(0)) / levels.count(level)
        points.append(share.quantize(Decimal("0.01"), rounding=ROUND_DOWN))
        first_seen.setdefault(level, i)
    for level, i in first_seen.items():
        given = sum(p for p, lv in zip(points, levels, strict=True) if lv == level)
        points[i] += weight.get(level, Decimal(0)) - given
    return points


def _comment(text: str):
    from openpyxl.comments import Comment

    return Comment(text, "helpers.workbook", width=320, height=120)


def build_workbook(table: TargetTable, project_name: str | None = None, config: ScoringConfig | None = None):
    """The openpyxl Workbook of a blank self-evaluation for ``table``, in the layout of 财预〔2020〕10号
    annex 1 as government systems export it: title rows, the money block (全年预算数 (A), 全年执行数
    (B), 分值, 执行率, 得分) and the indicator grid (with 指标性质 and 度量单位, as Yunnan tables have)
    ending in a 总分 row. Every text is a text cell (helpers.core.cells)."""
    import openpyxl
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    cfg = config or ScoringConfig()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "绩效自评表"
    bold = Font(bold=True)
    put(ws, 1, 1, f"项目支出绩效自评表（{table.year}年度）").font = Font(bold=True, size=14)
    ws.merge_cells("A1:J1")
    ws["A1"].alignment = Alignment(horizontal="center")
    name = f"{project_name}（{table.project_id}）" if project_name else table.project_id
    source = paths.relative(table.path) if table.path else "—"
    put(ws, 2, 1, "项目名称")
    put(ws, 2, 2, name)
    ws.merge_cells("B2:J2")
    put(ws, 3, 1, "主管部门")
    put(ws, 3, 6, "实施单位")
    put(ws, MONEY_ROW - 1, 1, "项目资金（万元）")
    ws.merge_cells(start_row=MONEY_ROW - 1, start_column=1, end_row=MONEY_ROW - 1, end_column=2)
    for col, header in zip(range(3, 9), MONEY_HEADERS, strict=True):
        put(ws, MONEY_ROW - 1, col, header).font = bold
    put(ws, MONEY_ROW, 2, "年度资金总额")
    ws.cell(MONEY_ROW, 6).value = cfg.weights[EXECUTION]
    ws.cell(MONEY_ROW, 4).comment = _comment("全年预算数 (A)，万元")
    ws.cell(MONEY_ROW, 5).comment = _comment("全年执行数 (B)，万元")
    for offset, label in enumerate(("其中：本年财政拨款", "上年结转资金", "其他资金"), start=1):
        put(ws, MONEY_ROW + offset, 2, label)
    put(ws, HEADER_ROW - 2, 1, "年度总体目标")
    put(ws, HEADER_ROW - 2, 2, "预期目标")
    put(ws, HEADER_ROW - 2, 6, "实际完成情况")
    put(ws, HEADER_ROW - 1, 1, f"绩效目标来源：{source}")
    for col, header in enumerate(HEADERS, start=1):
        cell = put(ws, HEADER_ROW, col, GRID_HEADERS.get(header, header))
        cell.font = bold
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    r = HEADER_ROW
    qualitative_cells = []
    previous1 = None
    for t, pts in zip(table.rows, allocate_points(table, cfg), strict=True):
        r += 1
        value = t.number if t.number is not None else (t.value or None)
        append_row(ws, [t.level1 if t.level1 != previous1 else None, t.level2, t.level3, t.direction or None,
                        value, t.unit or None, None, pts, None, None])
        previous1 = t.level1
        if t.unit in ("万元", "%"):
            ws.cell(r, 5).number_format = "0.00"
        note = t.quote and f"来源引文：{t.quote}"
        if t.note:
            note = f"{note}\n备注：{t.note}" if note else f"备注：{t.note}"
        if note:
            ws.cell(r, 5).comment = _comment(note)
        if t.direction == "定性":
            qualitative_cells.append(f"G{r}")
    total_row = r + 1
    put(ws, total_row, 1, "总分")
    ws.cell(total_row, 8).value = exact_points(table, cfg)
    dv = DataValidation(type="list", formula1='"' + ",".join(DIRECTIONS) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle="指标性质", error="请选择 ≥ ≤ = 定性")
    dv.add(f"D{HEADER_ROW + 1}:D{r}")
    ws.add_data_validation(dv)
    if qualitative_cells:
        tiers = DataValidation(type="list", formula1='"' + ",".join(TIER_CHOICES) + '"', allow_blank=True,
                               showErrorMessage=True, errorStyle="warning")
        for ref in qualitative_cells:
            tiers.add(ref)
        ws.add_data_validation(tiers)
    for col, width in zip("ABCDEFGHIJ", (12, 16, 30, 8, 14, 10, 14, 8, 8, 36), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    _fixed_dates(wb)
    return wb


def exact_points(table: TargetTable, config: ScoringConfig | None = None) -> Decimal:
    """The 分值 of the execution block and every row together (100 when the weights add up)."""
    cfg = config or ScoringConfig()
    return cfg.weights[EXECUTION] + sum(allocate_points(table, cfg), Decimal(0))


def _fixed_dates(wb) -> None:
    """openpyxl stamps the time into docProps/core.xml: a fixed date keeps the file reproducible."""
    import datetime as _dt

    fixed = _dt.datetime(2000, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed


def default_output(year: int | str, project_id: str) -> Path:
    """data/actuals/<year>/<project_id>.xlsx: where score_project looks once it is filled in."""
    return paths.actuals_dir() / check_year(year) / f"{check_project_id(project_id)}.xlsx"


def write_workbook(table: TargetTable, out: Path | str | None = None, *, force: bool = False,
                   project_name: str | None = None, config: ScoringConfig | None = None) -> Path:
    """Write the blank workbook; InputError when ``out`` exists and ``force`` is not set."""
    out = Path(out) if out is not None else default_output(table.year, table.project_id)
    if out.exists() and not force:
        raise InputError("already exists; not overwritten (use --force to replace it)", path=out)
    wb = build_workbook(table, project_name, config)
    save_workbook(wb, out)                 # atomic (a temporary removed on any failure), reproducible
    return out
