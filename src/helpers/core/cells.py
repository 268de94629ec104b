"""Every text cell this package writes to a spreadsheet is data, never a formula.

A text that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken by Excel,
LibreOffice and WPS as a formula when a CSV is opened (CSV injection, OWASP): ``=HYPERLINK(…)``
or ``=cmd|' /C calc'!A0`` in a sentence of a text or a cell of a table must not come back as a
live formula in a file we publish.

- XLSX: :func:`append_row` and :func:`put` store every ``str`` as a text cell (openpyxl would
  otherwise store ``=…`` as a formula). The text is kept exactly.
- CSV: :func:`neutralise` prefixes such a text with an apostrophe, the guard spreadsheet
  programs understand; a text that already begins with an apostrophe before one of those
  characters gets one more, so :func:`restore` gives back exactly what was written.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def _needs_guard(text: str) -> bool:
    return text[:1] in TRIGGERS or (text[:1] == GUARD and text[1:2] in (*TRIGGERS, GUARD))


def neutralise(value: Any) -> Any:
    """A CSV cell value safe to open in a spreadsheet: a ``str`` that would be read as a formula
    gets a leading apostrophe; anything else (numbers, None) is returned as is."""
    if isinstance(value, str) and _needs_guard(value):
        return GUARD + value
    return value


def restore(text: str) -> str:
    """The text :func:`neutralise` was given (one guard apostrophe removed where it added one)."""
    if text[:1] == GUARD and text[1:2] in (*TRIGGERS, GUARD):
        return text[1:]
    return text


def neutralise_row(values: Iterable[Any]) -> list[Any]:
    """:func:`neutralise` over a row."""
    return [neutralise(v) for v in values]


def _as_text(cell) -> None:
    if isinstance(cell.value, str):
        cell.data_type = "s"


def append_row(ws, values: Iterable[Any]) -> int:
    """Append ``values`` to an openpyxl worksheet, every ``str`` as a text cell; returns the row."""
    ws.append(list(values))
    row = ws.max_row
    for cell in ws[row]:
        _as_text(cell)
    return row


def put(ws, row: int, column: int, value: Any):
    """Set one cell (a ``str`` as a text cell) and return it."""
    cell = ws.cell(row, column)
    cell.value = value
    _as_text(cell)
    return cell


REPRODUCIBLE_DATE = (2000, 1, 1, 0, 0, 0)


def save_workbook(wb, path) -> None:
    """Save an openpyxl workbook to ``path`` (atomically) so that the same content gives the same
    bytes: openpyxl stamps the save time into docProps/core.xml and the zip stamps every member,
    so both are set to a fixed date (2000-01-01)."""
    import io
    import re
    from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

    from helpers.core.atomic import atomic_path

    buf = io.BytesIO()
    wb.save(buf)
    fixed = b"2000-01-01T00:00:00Z"
    with ZipFile(io.BytesIO(buf.getvalue())) as zin, atomic_path(path) as tmp, \
            ZipFile(tmp, "w", ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + fixed
                              + rb"\g<2>", data)
            member = ZipInfo(info.filename, date_time=REPRODUCIBLE_DATE)
            member.compress_type = ZIP_DEFLATED
            member.external_attr = info.external_attr
            zout.writestr(member, data)
