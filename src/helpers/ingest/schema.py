"""Declared table schemas, checked when a table is written and when it is read back.

A small declarative checker instead of pandera: the derived tables are flat CSVs with a handful
of typed columns, and our error contract wants one line naming file, row and column; pandera
would add ~1.5 s of imports to every CLI call and its own error format (docs/assumptions.md)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from helpers.core.cells import neutralise, restore
from helpers.core.errors import SchemaError


@dataclass(frozen=True)
class Column:
    """One declared column of a table: its name, type (str, int, decimal, bool, date) and constraints."""

    name: str
    type: str                  # str, int, decimal, bool, date
    nullable: bool = False
    pattern: str | None = None  # regex a non-empty str value must match
    choices: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Schema:
    """One declared table: its name, its columns in order and the columns that must be unique together."""

    name: str
    columns: tuple[Column, ...]
    unique: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        """The column names, in declared order (the CSV header)."""
        return [c.name for c in self.columns]


def _convert(col: Column, raw: str) -> Any:
    if raw == "":
        if col.nullable:
            return None
        raise ValueError("empty, but the column requires a value")
    if col.type == "str":
        if col.pattern and not re.fullmatch(col.pattern, raw):
            raise ValueError(f"{raw!r} does not match {col.pattern}")
        if col.choices and raw not in col.choices:
            raise ValueError(f"{raw!r} is not one of {', '.join(col.choices)}")
        return raw
    if col.type == "int":
        if not re.fullmatch(r"-?\d+", raw):
            raise ValueError(f"{raw!r} is not a whole number")
        return int(raw)
    if col.type == "decimal":
        try:
            return Decimal(raw)
        except InvalidOperation:
            raise ValueError(f"{raw!r} is not a number") from None
    if col.type == "bool":
        if raw not in ("true", "false"):
            raise ValueError(f"{raw!r} is not true/false")
        return raw == "true"
    if col.type == "date":
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise ValueError(f"{raw!r} is not a date YYYY-MM-DD")
        return raw
    raise AssertionError(col.type)


def _render(col: Column, value: Any) -> str:
    if value is None:
        return ""
    if col.type == "bool":
        return "true" if value else "false"
    return str(value)


def validate_rows(schema: Schema, rows: list[dict[str, str]], path: str) -> list[dict[str, Any]]:
    """Typed rows; SchemaError naming path, row (header = line 1) and column on the first bad cell."""
    out = []
    keys: dict[tuple, int] = {}
    for i, row in enumerate(rows, start=2):
        typed = {}
        for col in schema.columns:
            try:
                typed[col.name] = _convert(col, row.get(col.name) or "")
            except ValueError as exc:
                raise SchemaError(str(exc), path=path, line=i, where=f"column {col.name}") from None
        if schema.unique:
            key = tuple(typed[c] for c in schema.unique)
            if key in keys:
                raise SchemaError(f"duplicate {'/'.join(schema.unique)} {key} (first on line "
                                  f"{keys[key]})", path=path, line=i)
            keys[key] = i
        out.append(typed)
    return out


def dumps(schema: Schema, records: list[dict[str, Any]], path: str = "<table>") -> str:
    """``records`` as CSV text (header first, LF line ends), validated against ``schema`` first.

    Raises SchemaError naming ``path``, row and column on the first cell that breaks the schema.
    """
    rendered = [{c.name: _render(c, r.get(c.name)) for c in schema.columns} for r in records]
    validate_rows(schema, rendered, path)
    text_columns = [c.name for c in schema.columns if c.type == "str"]
    for row in rendered:                 # a text that a spreadsheet would run as a formula
        for name in text_columns:
            row[name] = neutralise(row[name])
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=schema.names, lineterminator="\n")
    w.writeheader()
    w.writerows(rendered)
    return buf.getvalue()


def read_table(schema: Schema, path: Path | str) -> list[dict[str, Any]]:
    """The typed rows of the CSV table at ``path`` (UTF-8, BOM allowed), checked against ``schema``.

    Raises SchemaError when the file is missing, not UTF-8, lacks a column or holds a bad cell.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SchemaError("no such table (run `python -m helpers ingest` first)", path=str(path)) from None
    except UnicodeDecodeError as exc:
        raise SchemaError(f"not UTF-8 ({exc.reason})", path=str(path)) from None
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in schema.names if c not in header]
    if missing:
        raise SchemaError(f"missing column(s) {', '.join(missing)}", path=str(path), line=1)
    text_columns = [c.name for c in schema.columns if c.type == "str"]
    rows = list(reader)
    for row in rows:
        for name in text_columns:
            if row.get(name):
                row[name] = restore(row[name])
    return validate_rows(schema, rows, str(path))


_ID = r"[a-z0-9][a-z0-9-]*"
PROJECTS = Schema("projects", (
    Column("budget_year", "int"), Column("project_id", "str", pattern=_ID), Column("name", "str"),
    Column("unit", "str"), Column("type", "str"), Column("path", "str"), Column("line", "int"),
    Column("sha256", "str", pattern=r"[0-9a-f]{64}"), Column("encoding", "str"),
), unique=("budget_year", "project_id"))
SECTIONS = Schema("sections", (
    Column("budget_year", "int"), Column("project_id", "str", pattern=_ID), Column("key", "str"),
    Column("section", "str"), Column("title", "str", nullable=True), Column("line", "int"),
    Column("text", "str", nullable=True),
), unique=("budget_year", "project_id", "section"))
FACTS = Schema("facts", (
    Column("budget_year", "int"), Column("project_id", "str", pattern=_ID),
    Column("fact_id", "str", pattern=r"F\d{2,}"), Column("label", "str"),
    Column("metric", "str", nullable=True), Column("value", "decimal"), Column("unit", "str"),
    Column("year", "int", nullable=True), Column("section", "str"), Column("raw", "str"),
    Column("approx", "str", nullable=True), Column("as_of", "date", nullable=True),
    Column("planned", "bool"), Column("parent", "str", nullable=True), Column("tolerance", "decimal"),
    Column("line", "int"), Column("quote", "str"),
), unique=("budget_year", "project_id", "fact_id"))
BASIS = Schema("basis_documents", (
    Column("budget_year", "int"), Column("project_id", "str", pattern=_ID),
    Column("title", "str", nullable=True), Column("number", "str", nullable=True),
    Column("year", "int", nullable=True), Column("line", "int"), Column("quote", "str"),
))
SCHEDULE = Schema("schedule", (
    Column("budget_year", "int"), Column("project_id", "str", pattern=_ID), Column("text", "str"),
    Column("year", "int"), Column("start_month", "int", nullable=True),
    Column("end_month", "int", nullable=True), Column("section", "str"), Column("line", "int"),
))
TABLES = {s.name: s for s in (PROJECTS, SECTIONS, FACTS, BASIS, SCHEDULE)}
