"""Derived tables: written and read back through the declared schema; bad cells name the place."""

from decimal import Decimal

import pytest

from helpers.core.errors import SchemaError
from helpers.core.paths import raw_dir
from helpers.ingest.loader import parse_file
from helpers.ingest.tables import read, read_frame, write_tables

SEED = raw_dir() / "2024" / "hongta-jishengxie-2024.txt"


@pytest.fixture
def folder(tmp_path):
    write_tables([parse_file(SEED)], tmp_path)
    return tmp_path


def test_round_trip(folder):
    facts = read("facts", folder)
    assert len(facts) == 46                     # 23 facts in each of the two projects
    first = facts[0]
    assert (first["project_id"], first["fact_id"], first["value"], first["unit"], first["year"]) == (
        "family-accident-insurance", "F01", Decimal(59039), "人", 2023)
    assert first["planned"] is False
    projects = read("projects", folder)
    assert [p["project_id"] for p in projects] == ["family-accident-insurance", "association-operations"]
    basis = read("basis_documents", folder)
    assert len(basis) == 10                      # five documents named in each 立项依据
    frame = read_frame("facts", folder)
    assert list(frame.columns)[:3] == ["budget_year", "project_id", "fact_id"]
    assert len(frame) == 46


def test_non_numeric_cell_names_file_line_and_column(folder):
    path = folder / "facts.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    assert ",3189000," in lines[2]                # line 3 of the file: F02, 318.9万元
    lines[2] = lines[2].replace(",3189000,", ",三百万,", 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(SchemaError) as exc:
        read("facts", folder)
    assert exc.value.line == 3
    assert exc.value.where == "column value"
    assert "facts.csv:3 (column value)" in str(exc.value)


def test_missing_column(folder):
    path = folder / "projects.csv"
    text = path.read_text(encoding="utf-8").replace("sha256,", "checksum,", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError, match="missing column"):
        read("projects", folder)


def test_missing_table(tmp_path):
    with pytest.raises(SchemaError, match="run `python -m helpers ingest` first"):
        read("facts", tmp_path)
