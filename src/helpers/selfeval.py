"""Read a self-evaluation table (绩效自评表) from CSV or XLSX into typed rows, then score it.

CSV: UTF-8 with or without BOM, or GB18030/GBK. XLSX: the first sheet (cached values). The header
row is found among the first rows (a title row above it is fine); rows are numbered as the
spreadsheet shows them. Merged 一级/二级 cells are filled down. A 合计/总分 row is not scored;
its 得分 is compared with the computed total.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from helpers import paths
from helpers.decoding import decode_bytes, read_bytes
from helpers.errors import HelpersError, InputError, ScoringError
from helpers.scoring import (
    DIRECTIONS,
    EQ,
    GE,
    LE,
    QUAL,
    Row,
    ScoreResult,
    ScoreWarning,
    ScoringConfig,
    round_cents,
    score_rows,
)

HEADERS = ("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "实际完成值", "分值", "得分",
           "偏差原因分析及改进措施")
ALIASES = {"年度指标值": "指标值", "计量单位": "度量单位", "单位": "度量单位",
           "偏差原因": "偏差原因分析及改进措施"}
TOTAL_LABELS = frozenset({"合计", "总分", "总计", "总得分"})
_HEADER_SCAN = 20
_DIRECTION_WORDS = {"≥": GE, ">=": GE, "≧": GE, "⩾": GE, "≤": LE, "<=": LE, "≦": LE, "⩽": LE,
                    "=": EQ, "==": EQ, "定性": QUAL}
MAX_INTEGER_DIGITS = 15     # |x| < 10¹⁵: beyond any budget in 元, and exact as a spreadsheet number
MAX_DECIMALS = 30           # enough for a float cell's repr (0.30000000000000004)
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?$")


@dataclass
class Sheet:
    """Cells of one table as text, keyed by header; ``line`` is the spreadsheet row number."""

    path: str
    encoding: str                       # "utf-8", "utf-8-sig", "gb18030" or "xlsx"
    header_line: int
    records: list[tuple[int, dict[str, str]]]


# ---------------------------------------------------------------------------- reading

def _clean(value: object) -> str:
    """A cell as text, stripped; kept as written (quotes must match their source exactly)."""
    return "" if value is None else str(value).strip()


def _header_key(value: object) -> str:
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", _clean(value)))
    return ALIASES.get(key, key)


def _read_bytes(path: Path) -> bytes:
    """The file's bytes; a one-line InputError for a directory, a missing or an unreadable file."""
    return read_bytes(path, str(path), kind="table")


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    """Text and encoding via helpers.decoding (UTF-8, UTF-8 with BOM, GB18030); a DecodeError
    names the line of the first bad byte."""
    if b"\x00" in data:
        raise InputError("not a CSV text file (NUL bytes: an old .xls, UTF-16 or binary?); "
                         "save it as CSV or .xlsx", path=path)
    decoded = decode_bytes(data, str(path))
    return decoded.text, decoded.encoding


def _xlsx_cell(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        d = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
        if "%" in (cell.number_format or ""):
            return f"{(d * 100).normalize():f}%"
        return f"{d.normalize():f}" if d == d.to_integral_value() else f"{d:f}"
    return str(value)


def _raw_rows(path: Path) -> tuple[list[list[str]], str]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        data = _read_bytes(path)
        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        except Exception as exc:  # zip or XML damage: the file is not a workbook we can read
            raise InputError(f"cannot read the workbook: {exc}", path=path) from None
        ws = wb.worksheets[0]
        rows = [[_xlsx_cell(c) for c in r] for r in ws.iter_rows()]
        return rows, "xlsx"
    text, enc = _decode(path, _read_bytes(path))
    first = next((ln for ln in text.splitlines() if "一级指标" in ln), "")
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)), enc


def read_sheet(path: Path | str, headers: tuple[str, ...] = HEADERS) -> Sheet:
    """Rows of a CSV/XLSX table as {header: text}; InputError naming the first missing column."""
    path = Path(path)
    raw, enc = _raw_rows(path)
    best: tuple[int, list[str]] | None = None
    for i, cells in enumerate(raw[:_HEADER_SCAN]):
        keys = [_header_key(c) for c in cells]
        hits = sum(1 for h in headers if h in keys)
        if hits and (best is None or hits > sum(1 for h in headers if h in best[1])):
            best = (i, keys)
        if hits == len(headers):
            break
    if best is None:
        raise InputError(f"no header row: expected the columns {','.join(headers)}", path=path, line=1)
    idx, keys = best
    for h in headers:
        if h not in keys:
            raise InputError(f"missing column {h}", path=path, line=idx + 1, where=f"列 {h}")
    col = {h: keys.index(h) for h in headers}
    records = []
    for i, cells in enumerate(raw[idx + 1:], start=idx + 2):
        rec = {h: (_clean(cells[j]) if j < len(cells) else "") for h, j in col.items()}
        if any(rec.values()):
            records.append((i, rec))
    return Sheet(str(path), enc, idx + 1, records)


# ---------------------------------------------------------------------------- values

def parse_number(text: str, unit: str = "") -> Decimal | None:
    """A number as written in a table ("1,234", "95%", "９５", "≥3200", "3200人" with unit 人);
    None when it is not one. ScoringError (no location: the caller adds it) when it is a number
    too large (15 digits or more before the point) or with more than 30 decimals."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    s = s.lstrip("≥≤≧≦⩾⩽<>=")
    if unit and s.endswith(unit) and unit not in ("%",):
        s = s[: -len(unit)]
    s = s.removesuffix("%")
    if not s or not _NUMBER.match(s) or not any(ch.isdigit() for ch in s):
        return None
    try:
        n = Decimal(s.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern already excludes these
        return None
    shown = text.strip() if len(text.strip()) <= 24 else text.strip()[:20] + "…"
    if n.adjusted() >= MAX_INTEGER_DIGITS:
        raise ScoringError(f"{shown!r} is too large: at most {MAX_INTEGER_DIGITS} digits before the "
                           "decimal point")
    if n.as_tuple().exponent < -MAX_DECIMALS:
        raise ScoringError(f"{shown!r} has more than {MAX_DECIMALS} decimals")
    return n


def parse_direction(text: str) -> str | None:
    """≥ ≤ = 定性 (also >= <= ＝ ≧ ≦); "" when blank; None when unknown."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    if not s:
        return ""
    return _DIRECTION_WORDS.get(s)


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

def score_file(path: Path | str, method: str = "2020", config: ScoringConfig | None = None) -> ScoreResult:
    """Read, validate and score one self-evaluation table. Errors name the file, row and column."""
    sheet = read_sheet(path)
    rows, given_total = rows_from_sheet(sheet)
    try:
        result = score_rows(rows, method, config)
    except ScoringError as exc:
        if exc.path is None:
            exc.path = sheet.path
        raise
    except ArithmeticError as exc:  # decimal.InvalidOperation and kin: a located error, not a crash
        raise ScoringError(f"cannot compute the scores: {type(exc).__name__}", path=sheet.path) from None
    result.source = sheet.path
    result.encoding = sheet.encoding
    if given_total is not None and round_cents(given_total) != result.total:
        result.warnings.append(ScoreWarning(
            "total_differs", f"合计 得分 given {given_total} but the rows add up to {result.total}"))
    return result


def actuals_file(year: int | str, project_id: str) -> Path | None:
    """data/actuals/<year>/<project_id>.csv or .xlsx (CSV first), None when neither exists;
    InputError for an invalid project id or year (they become paths under data/)."""
    from helpers.targets import check_project_id, check_year  # targets imports this module

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

    from helpers import atomic
    from helpers.scoring import exact_sum

    def cell(value):
        return xlsx_number(value) if isinstance(value, Decimal) else value

    wb = Workbook()
    ws = wb.active
    ws.title = "自评得分"
    ws.append(list(SCORE_XLSX_HEADERS))
    for rs in result.rows:
        r = rs.row
        ws.append([r.level1, r.level2, r.level3, r.direction, cell(r.target), r.unit, cell(r.actual),
                   cell(r.points), cell(rs.score), rs.basis, r.reason])
    ws.append(["合计", "", "", "", "", "", "", cell(exact_sum(rs.row.points for rs in result.rows)),
               cell(result.total), f"等级：{result.grade}（{result.method}年办法）", ""])
    for row in ws.iter_rows(min_row=2, min_col=8, max_col=9):
        for c in row:
            c.number_format = "0.00"
    with atomic.atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)
