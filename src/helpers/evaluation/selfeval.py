"""Read a self-evaluation table (绩效自评表) from CSV or XLSX into typed rows, then score it.

CSV: UTF-8 with or without BOM, or GB18030/GBK. XLSX: the first sheet (cached values). The header
row is found among the first rows (a title row above it is fine); rows are numbered as the
spreadsheet shows them. Merged 一级/二级 cells are filled down. A 合计/总分 row is not scored;
its 得分 is compared with the computed total.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from helpers.core import paths
from helpers.core.errors import HelpersError, InputError, ScoringError
from helpers.core.taxonomy import DIRECTIONS
from helpers.evaluation.check import Checked, check_published
from helpers.evaluation.published import Published, read_published
from helpers.evaluation.scoring import (
    EXECUTION,
    Row,
    ScoreResult,
    ScoreWarning,
    ScoringConfig,
    round_cents,
    score_rows,
)
from helpers.evaluation.sheet import HEADERS, Sheet, parse_direction, parse_number, read_sheet
from helpers.ingest.ids import check_project_id, check_year

__all__ = ["HEADERS", "TOTAL_LABELS", "actuals_file", "check_file", "check_project", "read_any",
           "rows_from_sheet", "score_file", "score_project", "write_score_xlsx", "xlsx_number"]

TOTAL_LABELS = frozenset({"合计", "总分", "总计", "总得分"})


def _locate(exc: HelpersError, sheet: Sheet, line: int, column: str | None) -> HelpersError:
    """Fill in the file, row and column of an error raised without them."""
    if exc.path is None:
        exc.path = sheet.path
        exc.line = line
        exc.where = exc.where or (f"列 {column}" if column else None)
    return exc


def _number_or_error(sheet: Sheet, line: int, column: str, text: str, unit: str = "") -> Decimal | None:
    try:
        return parse_number(text, unit)
    except HelpersError as exc:
        raise _locate(exc, sheet, line, column) from None


def _value(sheet: Sheet, line: int, rec: dict[str, str], column: str, unit: str) -> Decimal | str | None:
    text = rec[column]
    if not text:
        return None
    n = _number_or_error(sheet, line, column, text, unit)
    return n if n is not None else text


def _required_number(sheet: Sheet, line: int, rec: dict[str, str], column: str,
                     optional: bool = False) -> Decimal | None:
    text = rec[column]
    if not text and optional:
        return None
    n = _number_or_error(sheet, line, column, text)
    if n is None:
        what = "empty" if not text else f"{text!r} is not a number"
        raise InputError(f"{column} {what}", path=sheet.path, line=line, where=f"列 {column}")
    return n


def rows_from_sheet(sheet: Sheet) -> tuple[list[Row], Decimal | None]:
    """Typed rows and the 得分 of a 合计 row, if the table has one."""
    rows: list[Row] = []
    given_total = None
    last1 = last2 = ""
    for line, rec in sheet.records:
        label = re.sub(r"\s+", "", rec["一级指标"])
        if label in TOTAL_LABELS:
            given_total = _required_number(sheet, line, rec, "得分", optional=True)
            continue
        level1 = rec["一级指标"] or last1
        level2 = rec["二级指标"] or (last2 if not rec["一级指标"] else "")
        last1, last2 = level1, level2
        direction = parse_direction(rec["指标性质"])
        if direction is None:
            expected = " ".join(DIRECTIONS)
            raise ScoringError(f"unknown 指标性质 {rec['指标性质']!r} (expected one of {expected})",
                               path=sheet.path, line=line, where="列 指标性质")
        unit = rec["度量单位"]
        rows.append(Row(
            level1=level1, level2=level2, level3=rec["三级指标"], direction=direction,
            target=_value(sheet, line, rec, "指标值", unit), unit=unit,
            actual=_value(sheet, line, rec, "实际完成值", unit),
            points=_required_number(sheet, line, rec, "分值"),
            given_score=_required_number(sheet, line, rec, "得分", optional=True),
            reason=rec["偏差原因分析及改进措施"], line=line,
        ))
    if not rows:
        raise InputError("the table has no indicator rows", path=sheet.path, line=sheet.header_line)
    if all(r.actual is None for r in rows):
        raise InputError("no 实际完成值 is filled in: the self-evaluation is still blank",
                         path=sheet.path, line=sheet.header_line, where="列 实际完成值")
    return rows, given_total


# ---------------------------------------------------------------------------- scoring

def _own_layout_missing(exc: InputError) -> bool:
    """Whether reading in our own column layout failed only because the layout is another one."""
    return exc.message.startswith(("missing column", "no header row"))


def read_any(path: Path | str) -> tuple[Published, bool]:
    """The table as rows, and whether it is in our own layout (strict: every column of HEADERS in
    one row, the execution as a 预算执行率 row); any other layout, the 10号 annex layout of our own
    blank workbook included, is read as published (``helpers.evaluation.published``)."""
    try:
        sheet = read_sheet(path)
    except InputError as exc:
        if not _own_layout_missing(exc):
            raise
        pub = read_published(path)
        if exc.message.startswith("missing column") and \
                any(r.level1 == EXECUTION and (r.line or 0) > pub.header_line for r in pub.rows):
            raise      # our own layout (预算执行率 as a row) with a column missing: say which
        return pub, False
    rows, given_total = rows_from_sheet(sheet)
    if not any(r.kind == "execution" for r in rows):     # the execution is in a money block above
        return read_published(path), False
    return Published(path=sheet.path, encoding=sheet.encoding, rows=rows, header_line=sheet.header_line,
                     stated_total=given_total), True


def check_file(path: Path | str, method: str = "2020", config: ScoringConfig | None = None) -> Checked:
    """Check a filled table (`score --check`): every row scored by the rules where it can be, the
    stated scores of the others kept, and every stated figure the rules do not give a finding."""
    pub, _own = read_any(path)
    try:
        return check_published(pub, method, config)
    except ArithmeticError as exc:
        raise ScoringError(f"cannot compute the scores: {type(exc).__name__}", path=pub.path) from None


def score_file(path: Path | str, method: str = "2020", config: ScoringConfig | None = None) -> ScoreResult:
    """Read, validate and score one self-evaluation table. Errors name the file, row and column.

    A table in our own layout is scored strictly (a row that breaks a rule is an error). A table
    as public bodies publish it is read as published and scored row by row: rows that cannot be
    checked keep their stated score (a warning says which), and 分值 that do not add up to 100
    are an error naming the sum (``score --check`` reports it as a finding instead)."""
    pub, own = read_any(path)
    if not own:
        cfg = config or ScoringConfig()
        checked = check_file(path, method, cfg)
        points = next((f for f in checked.findings if f.kind == "points_sum"), None)
        if points is not None:
            raise ScoringError(points.message, path=pub.path, line=points.row, where="列 分值")
        result = checked.result     # its warnings already say which placeholder rows were dropped
        for f in checked.findings:
            if f.severity != "note" or f.kind == "not_checkable":
                result.warnings.append(ScoreWarning(f.kind, f.message, f.row, f.indicator))
        return result
    rows, given_total = pub.rows, pub.stated_total
    try:
        result = score_rows(rows, method, config)
    except ScoringError as exc:
        if exc.path is None:
            exc.path = pub.path
        raise
    except ArithmeticError as exc:  # decimal.InvalidOperation and kin: a located error, not a crash
        raise ScoringError(f"cannot compute the scores: {type(exc).__name__}", path=pub.path) from None
    result.source = pub.path
    result.encoding = pub.encoding
    if given_total is not None and round_cents(given_total) != result.total:
        result.warnings.append(ScoreWarning(
            "total_differs", f"合计 得分 given {given_total} but the rows add up to {result.total}"))
    return result


def actuals_file(year: int | str, project_id: str) -> Path | None:
    """data/actuals/<year>/<project_id>.csv or .xlsx (CSV first), None when neither exists;
    InputError for an invalid project id or year (they become paths under data/)."""

    base = paths.actuals_dir() / check_year(year)
    check_project_id(project_id)
    for suffix in (".csv", ".xlsx"):
        candidate = base / f"{project_id}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def score_project(year: int | str, project_id: str, method: str = "2020",
                  config: ScoringConfig | None = None) -> ScoreResult | None:
    """The scored self-evaluation of a project-year, None when no table has been filed."""
    path = actuals_file(year, project_id)
    return None if path is None else score_file(path, method, config)


def check_project(year: int | str, project_id: str, method: str = "2020",
                  config: ScoringConfig | None = None) -> Checked | None:
    """The checked self-evaluation of a project-year (stated against recomputed), None when no
    table has been filed."""
    path = actuals_file(year, project_id)
    return None if path is None else check_file(path, method, config)


SCORE_XLSX_HEADERS = ("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "实际完成值",
                      "分值", "得分", "计分依据", "偏差原因分析及改进措施")


XLSX_DIGITS = 15   # a spreadsheet number is a double: 15 significant digits are exact and shown


def xlsx_number(value: Decimal) -> Decimal | str:
    """A Decimal as a workbook cell value: the number itself when it has at most 15 significant
    digits (so the stored double shows and reads back as exactly this value), else its exact text
    (a 17-digit 实际完成值 is not silently rounded)."""
    digits = value.as_tuple().digits
    significant = len(digits) - next((i for i, d in enumerate(digits) if d), len(digits))
    return value if significant <= XLSX_DIGITS else f"{value:f}"


def write_score_xlsx(result: ScoreResult, path: Path | str) -> Path:
    """The scored table as an .xlsx sheet (rows, then 合计 with total and grade), written
    atomically. 分值 and 得分 are numbers with the format 0.00, so each cell shows exactly the
    2-decimal value (they are at most 100, far inside a double's 15 exact digits)."""
    from openpyxl import Workbook

    from helpers.core.cells import append_row, save_workbook
    from helpers.evaluation.scoring import exact_sum

    def cell(value):
        return xlsx_number(value) if isinstance(value, Decimal) else value

    wb = Workbook()
    ws = wb.active
    ws.title = "自评得分"
    append_row(ws, SCORE_XLSX_HEADERS)
    for rs in result.rows:
        r = rs.row
        append_row(ws, [r.level1, r.level2, r.level3, r.direction, cell(r.target), r.unit, cell(r.actual),
                        cell(r.points), cell(rs.score), rs.basis, r.reason])
    append_row(ws, ["合计", "", "", "", "", "", "", cell(exact_sum(rs.row.points for rs in result.rows)),
                    cell(result.total), f"等级：{result.grade}（{result.method}年办法）", ""])
    for row in ws.iter_rows(min_row=2, min_col=8, max_col=9):
        for c in row:
            c.number_format = "0.00"
    save_workbook(wb, path)                # atomic, and the same scores give the same bytes
    return Path(path)
