"""Reading tables (绩效目标表, 绩效自评表) from CSV or XLSX into text cells, and the cell parsers.

CSV: UTF-8 with or without BOM, or GB18030/GBK. XLSX: the first sheet (cached values). The header
row is found among the first rows by its words (a title row above it is fine); rows are numbered as
the spreadsheet shows them.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from helpers.core.cells import restore
from helpers.core.decoding import decode_bytes, read_bytes
from helpers.core.errors import InputError, ScoringError
from helpers.core.taxonomy import DIRECTION_WORDS

HEADERS = ("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "实际完成值", "分值", "得分",
           "偏差原因分析及改进措施")
ALIASES = {"年度指标值": "指标值", "计量单位": "度量单位", "单位": "度量单位",
           "偏差原因": "偏差原因分析及改进措施"}
_HEADER_SCAN = 20
_DIRECTION_WORDS = dict(DIRECTION_WORDS)
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
    """Text and encoding via helpers.core.decoding (UTF-8, UTF-8 with BOM, GB18030); a DecodeError
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
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError(f"cell {cell.coordinate} holds {value!r}, which is not a number (a formula "
                             "error?)", where=f"cell {cell.coordinate}")
        d = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
        if "%" in (cell.number_format or ""):
            return f"{(d * 100).normalize():f}%"
        return f"{d.normalize():f}" if d == d.to_integral_value() else f"{d:f}"
    return str(value)


def raw_rows(path: Path) -> tuple[list[list[str]], str]:
    """The cells of a CSV (UTF-8, BOM, GB18030; comma or tab) or XLSX (first sheet, cached values)
    table as text, row by row; merged cells arrive as blanks after their first cell."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        data = _read_bytes(path)
        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        except Exception as exc:  # zip or XML damage: the file is not a workbook we can read
            raise InputError(f"cannot read the workbook: {exc}", path=path) from None
        ws = wb.worksheets[0]
        try:
            rows = [[_xlsx_cell(c) for c in r] for r in ws.iter_rows()]
        except InputError as exc:
            raise InputError(exc.message, path=path, line=exc.line, where=exc.where) from None
        return rows, "xlsx"
    text, enc = _decode(path, _read_bytes(path))
    first = next((ln for ln in text.splitlines() if "一级指标" in ln), "")
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    rows = [[restore(c) for c in r] for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    return rows, enc


def read_sheet(path: Path | str, headers: tuple[str, ...] = HEADERS) -> Sheet:
    """Rows of a CSV/XLSX table as {header: text}; InputError naming the first missing column."""
    path = Path(path)
    raw, enc = raw_rows(path)
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
    """≥ ≤ = 定性, as any spelling of ``core.taxonomy.DIRECTION_WORDS`` (>=, ≧, ═, 不低于 …);
    "" when blank; None when unknown."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    if not s:
        return ""
    return _DIRECTION_WORDS.get(s)
