"""Reading self-evaluation tables (helpers.selfeval) and the `score` command.

The hand-scored fixture (tests/fixtures/selfeval/hand_scored*.csv, and the same table written to
XLSX in the test) is worked by hand in tests/evaluation/test_scoring.py: 2020 → 92.72 优, 2021 → 85.83 良."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest

from helpers.cli import main
from helpers.core.errors import DecodeError, InputError, ScoringError
from helpers.evaluation.selfeval import (
    HEADERS,
    actuals_file,
    parse_direction,
    parse_number,
    read_sheet,
    score_file,
    score_project,
    write_score_xlsx,
    xlsx_number,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "selfeval"
HAND = FIXTURES / "hand_scored.csv"
HAND_2020 = ["9.65", "14.53", "10.00", "4.75", "3.50", "9.85", "4.00", "17.00", "10.00", "9.44"]  # 92.72
HAND_2021 = ["7.00", "13.83", "10.00", "4.38", "3.50", "9.62", "2.50", "17.00", "10.00", "8.00"]  # 85.83
SRC = Path(__file__).resolve().parents[2] / "src"


def hand_xlsx(path: Path, *, title_row: bool = False, percent_cell: bool = False) -> Path:
    """The hand-scored table as the first sheet of an XLSX (numbers as numbers, a 2nd sheet as noise)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    if title_row:
        ws.append(["项目支出绩效自评表（2024年度）"])
    lines = HAND.read_text(encoding="utf-8").splitlines()
    for line in lines:
        cells: list[object] = []
        for text in line.split(","):
            try:
                cells.append(D(text) if text and text[0].isdigit() and "年" not in text else text or None)
            except ArithmeticError:
                cells.append(text)
        ws.append(cells)
    if percent_cell:  # 95% typed into Excel: stored 0.95 with a percent format
        cell = ws.cell(5 + title_row, 7)
        cell.value = 0.95
        cell.number_format = "0.00%"
    wb.create_sheet("说明").append(["not read"])
    wb.save(path)
    return path


# ---------------------------------------------------------------- values

@pytest.mark.parametrize("text, unit, expected", [
    ("1,234", "", "1234"),
    ("1,234.5", "", "1234.5"),
    ("95%", "%", "95"),
    ("９５．５", "", "95.5"),        # full-width digits and point
    ("３,２００", "人", "3200"),
    ("3200人", "人", "3200"),        # the row's own unit after the number
    ("≥3200", "人", "3200"),         # a direction sign repeated in 指标值
    (" 12.80 ", "万元", "12.80"),
    ("0", "", "0"),
])
def test_parse_number(text, unit, expected):
    assert parse_number(text, unit) == D(expected)


@pytest.mark.parametrize("text", ["约九十", "abc", "12,34", "1.2.3", "", "%", "3200户"])
def test_parse_number_rejects(text):
    assert parse_number(text, "人") is None


@pytest.mark.parametrize("text, expected", [
    ("≥", "≥"), (">=", "≥"), ("≧", "≥"), ("＞＝", "≥"),
    ("≤", "≤"), ("<=", "≤"), ("≦", "≤"),
    ("=", "="), ("＝", "="), ("定性", "定性"), ("", ""),
    ("~", None), (">", None), ("约", None),
])
def test_parse_direction(text, expected):
    assert parse_direction(text) == expected


# ---------------------------------------------------------------- the four file forms

@pytest.fixture(params=["utf8", "bom", "gb18030", "xlsx", "xlsx_title_percent"])
def hand_file(request, tmp_path) -> Path:
    return {
        "utf8": lambda: HAND,
        "bom": lambda: FIXTURES / "hand_scored_bom.csv",
        "gb18030": lambda: FIXTURES / "hand_scored_gb18030.csv",
        "xlsx": lambda: hand_xlsx(tmp_path / "hand.xlsx"),
        "xlsx_title_percent": lambda: hand_xlsx(tmp_path / "hand2.xlsx", title_row=True, percent_cell=True),
    }[request.param]()


@pytest.mark.parametrize("method, scores, total, grade", [
    ("2020", HAND_2020, "92.72", "优"),
    ("2021", HAND_2021, "85.83", "良"),
])
def test_hand_scored_file_every_form(hand_file, method, scores, total, grade):
    result = score_file(hand_file, method)
    assert [str(rs.score) for rs in result.rows] == scores
    assert (result.total, result.grade) == (D(total), grade)
    assert result.execution_rate_pct == D("96.54")


@pytest.mark.parametrize("path, encoding", [
    (HAND, "utf-8"), (FIXTURES / "hand_scored_bom.csv", "utf-8-sig"),
    (FIXTURES / "hand_scored_gb18030.csv", "gb18030"),
])
def test_encoding_is_recorded(path, encoding):
    assert read_sheet(path).encoding == encoding


def test_rows_are_numbered_as_the_spreadsheet_shows(tmp_path):
    # header on row 1 → data rows 2..11; with a title row above → 3..12
    assert [line for line, _ in read_sheet(HAND).records] == list(range(2, 12))
    titled = read_sheet(hand_xlsx(tmp_path / "t.xlsx", title_row=True))
    assert titled.header_line == 2 and titled.records[0][0] == 3


def test_merged_level_cells_are_filled_down():
    result = score_file(HAND)
    levels = [(rs.row.level1, rs.row.level2) for rs in result.rows]
    assert levels[2] == ("产出指标", "数量指标")      # written blank, under 产出指标/数量指标
    assert levels[6] == ("产出指标", "成本指标")
    assert levels[8] == ("效益指标", "可持续影响指标")


def test_merged_cells_in_xlsx(tmp_path):
    path = hand_xlsx(tmp_path / "m.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    ws.merge_cells("A3:A8")     # 产出指标 over rows 3-8
    ws.merge_cells("B3:B4")     # 数量指标 over rows 3-4
    wb.save(path)
    result = score_file(path)
    assert result.total == D("92.72")    # same as the CSV, worked by hand in test_scoring.py
    assert result.rows[5].row.level1 == "产出指标"


def test_fixture_warnings():
    # row 4: 600/444 = 1.35 > 1.2 → far above; every row below full marks has a 偏差原因
    result = score_file(HAND)
    assert [(w.code, w.line) for w in result.warnings] == [("far_above_target", 4)]


# ---------------------------------------------------------------- errors naming file, row, column

def variant(tmp_path: Path, old: str, new: str, name: str = "bad.csv") -> Path:
    text = HAND.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("old, new, error, line, where, message", [
    # points 15 → 10: 100 − 5 = 95
    ("3100,15,", "3100,10,", ScoringError, 11, "列 分值", "add up to 95"),
    (",≥,3200,", ",约,3200,", ScoringError, 3, "列 指标性质", "unknown 指标性质"),
    (",3100,15,", ",三千一百,15,", ScoringError, 3, "列 实际完成值", "not a number"),
    ("3100,15,", "3100,十五,", InputError, 3, "列 分值", "not a number"),
    ("部分达成,5,3.5", "部分达成,5,4.5", ScoringError, 6, "列 得分", "outside the 部分达成 tier"),
    (",≥,3200,人", ",≥,0,人", ScoringError, 3, "列 指标值", "指标值 is 0"),
    ("17,宣传", "17x,宣传", InputError, 9, "列 得分", "not a number"),
])
def test_bad_tables(tmp_path, old, new, error, line, where, message):
    path = variant(tmp_path, old, new)
    with pytest.raises(error, match=message) as exc:
        score_file(path)
    assert (exc.value.path, exc.value.line, exc.value.where) == (str(path), line, where)
    assert str(exc.value).startswith(f"{path}:{line} ({where}): ")


def test_missing_column_is_named(tmp_path):
    path = variant(tmp_path, "分值,得分", "分数,得分")
    with pytest.raises(InputError, match="missing column 分值") as exc:
        read_sheet(path)
    assert exc.value.path == str(path) and exc.value.line == 1


def test_no_header_row(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="no header row"):
        read_sheet(path)


def test_undecodable_bytes_name_the_file_and_line(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(",".join(HEADERS).encode() + b"\n\xe4\xb8\x80,2\n\xff\xfe\x81\x20\xff\n")
    with pytest.raises(DecodeError, match="neither UTF-8 nor GB18030") as exc:
        read_sheet(path)
    assert (exc.value.path, exc.value.line) == (str(path), 3)
    assert str(exc.value).startswith(f"{path}:3: ")


def test_bom_then_bad_bytes_is_not_read_as_gb18030(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xef\xbb\xbf" + ",".join(HEADERS).encode("gb18030") + b"\n")
    with pytest.raises(DecodeError, match="UTF-8 BOM") as exc:
        read_sheet(path)
    assert exc.value.path == str(path) and exc.value.line == 1


@pytest.mark.parametrize("kind, message", [
    ("dir", "is a directory"), ("missing", "no such file"), ("empty", "empty file"),
])
def test_unreadable_paths(tmp_path, capsys, kind, message):
    path = tmp_path / "t.csv"
    if kind == "dir":
        path.mkdir()
    elif kind == "empty":
        path.write_bytes(b"")
    assert main(["score", str(path)]) == 2
    _, err = capsys.readouterr()
    assert err.startswith(f"error: {path}: ") and message in err and len(err.strip().splitlines()) == 1


def test_score_a_directory_from_the_cli(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.run([sys.executable, "-m", "helpers", "score", str(tmp_path)], capture_output=True,
                          text=True, env=env, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: {tmp_path}: is a directory, not a table file"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_permission_denied_is_one_line(tmp_path, capsys, suffix):
    path = tmp_path / f"t{suffix}"
    if suffix == ".csv":
        path.write_bytes(HAND.read_bytes())
    else:
        hand_xlsx(path)
    path.chmod(0)
    try:
        assert main(["score", str(path)]) == 2
    finally:
        path.chmod(0o644)
    _, err = capsys.readouterr()
    assert err.strip() == f"error: {path}: permission denied"


def test_binary_file_is_not_read_as_csv(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00")
    with pytest.raises(InputError, match="NUL bytes"):
        read_sheet(path)


def test_blank_table_is_reported(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text(",".join(HEADERS) + "\n预算执行率,,预算执行率,,10,万元,,10,,\n", encoding="utf-8")
    with pytest.raises(InputError, match="still blank"):
        score_file(path)


def test_total_row_is_checked_not_scored(tmp_path):
    text = HAND.read_text(encoding="utf-8") + "合计,,,,,,,100,90,\n"
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    result = score_file(path)
    assert result.total == D("92.72") and len(result.rows) == 10   # the 合计 row is not a row
    assert "total_differs" in [w.code for w in result.warnings]    # 90 given ≠ 92.72


# ---------------------------------------------------------------- actuals for a project-year

def test_score_project_reads_data_actuals(tmp_path, monkeypatch):
    monkeypatch.setenv("BUDGET_REPORTS_ROOT", str(tmp_path))
    assert actuals_file(2024, "p1") is None and score_project(2024, "p1") is None
    (tmp_path / "data" / "actuals" / "2024").mkdir(parents=True)
    hand_xlsx(tmp_path / "data" / "actuals" / "2024" / "p1.xlsx")
    assert actuals_file(2024, "p1") == tmp_path / "data" / "actuals" / "2024" / "p1.xlsx"
    result = score_project(2024, "p1", method="2021")
    assert result.total == D("85.83")


# ---------------------------------------------------------------- CLI

def test_cli_json(capsys):
    assert main(["score", str(HAND), "--json"]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    summary = (data["method"], data["total"], data["grade"], data["execution_rate"])
    assert summary == ("2020", 92.72, "优", 96.54)
    assert [D(str(r["score"])) for r in data["rows"]] == [D(s) for s in HAND_2020]
    assert data["rows"][1]["indicator"] == "补助计生家庭人数" and data["rows"][1]["points"] == 15
    assert data["warnings"][0]["code"] == "far_above_target"
    assert "warning:" in err and ":4:" in err


def test_cli_table_method_2021(capsys):
    assert main(["score", str(FIXTURES / "hand_scored_gb18030.csv"), "--method", "2021"]) == 0
    out, _ = capsys.readouterr()
    assert "总分 85.83" in out and "等级 良" in out and "预算执行率 96.54%" in out


def test_cli_error_is_one_line(tmp_path, capsys):
    path = variant(tmp_path, ",≥,3200,", ",约,3200,")
    assert main(["score", str(path)]) == 2
    _, err = capsys.readouterr()
    assert err.strip() == f"error: {path}:3 (列 指标性质): unknown 指标性质 '约' (expected one of ≥ ≤ = 定性)"


def test_cli_unknown_method_is_one_line_exit_2(capsys):
    assert main(["score", str(HAND), "--method", "2019"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid choice: '2019'" in err


def test_python_m_helpers_score_bad_file(tmp_path):
    path = variant(tmp_path, "3100,15,", "3100,10,")   # points add up to 95
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.run([sys.executable, "-m", "helpers", "score", str(path)], capture_output=True,
                          text=True, env=env, check=False)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}:11 (列 分值): ")
    assert "Traceback" not in proc.stderr


# ---------------------------------------------------------------- numbers out of range

@pytest.mark.parametrize("text", ["1" * 16, "1000000000000000", "-1" + "0" * 15, "1" * 70 + ".5",
                                  "0." + "0" * 30 + "1"])
def test_parse_number_out_of_range_is_an_error(text):
    with pytest.raises(ScoringError, match=r"too large|more than 30 decimals"):
        parse_number(text)


@pytest.mark.parametrize("text, expected", [
    ("999999999999999", D("999999999999999")),        # 15 digits: the largest accepted
    ("0.30000000000000004", D("0.30000000000000004")),  # a float cell's repr
])
def test_parse_number_in_range(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("old, new, line, column", [
    (",3100,15,", ",1" + "2" * 69 + ",15,", 3, "实际完成值"),    # a 70-digit 实际完成值
    (",≥,3200,", ",≥,9" + "9" * 20 + ",", 3, "指标值"),
    ("3100,15,", "3100,1" + "0" * 20 + ",", 3, "分值"),
    ("17,宣传", "1" + "7" * 40 + ",宣传", 9, "得分"),
])
def test_huge_number_is_a_located_error_from_the_cli(tmp_path, old, new, line, column):
    path = variant(tmp_path, old, new)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.run([sys.executable, "-m", "helpers", "score", str(path)], capture_output=True,
                          text=True, env=env, check=False)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert lines[0].startswith(f"error: {path}:{line} (列 {column}): ") and "too large" in lines[0]


def test_arithmetic_failure_in_a_row_is_located(monkeypatch):
    import decimal

    from helpers.evaluation import scoring

    def boom(*_args):
        raise decimal.InvalidOperation([decimal.InvalidOperation])

    monkeypatch.setattr(scoring, "_completion_ratio", boom)
    with pytest.raises(ScoringError, match="cannot compute the score") as exc:
        score_file(HAND)
    assert (exc.value.path, exc.value.line) == (str(HAND), 3)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_permission_error_is_one_line_even_as_root(tmp_path, capsys, monkeypatch, suffix):
    path = tmp_path / f"t{suffix}"
    path.write_bytes(b"x")

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    assert main(["score", str(path)]) == 2
    _, err = capsys.readouterr()
    assert err.strip() == f"error: {path}: permission denied"


# ---------------------------------------------------------------- the scored sheet

def _cents(value) -> D:
    return D(repr(value)).quantize(D("0.01"))


@pytest.mark.parametrize("method", ["2020", "2021"])
def test_score_xlsx_cells_read_back_as_the_same_cents(tmp_path, method):
    result = score_file(HAND, method=method)
    out = write_score_xlsx(result, tmp_path / "s.xlsx")
    ws = openpyxl.load_workbook(out).active
    body = list(ws.iter_rows(min_row=2))
    for rs, cells in zip(result.rows, body, strict=False):
        points, score = cells[7], cells[8]
        assert isinstance(score.value, int | float) and score.number_format == "0.00"
        assert (_cents(points.value), _cents(score.value)) == (rs.row.points, rs.score)
    total = body[len(result.rows)]
    assert total[0].value == "合计" and _cents(total[8].value) == result.total
    assert _cents(total[7].value) == D(100)
    assert [p.name for p in tmp_path.iterdir()] == ["s.xlsx"]   # atomic: no temporary left


@pytest.mark.parametrize("score", ["19.38", "2.13", "1.01", "4.92", "0.01", "99.99", "6.67", "9.65"])
def test_two_decimal_scores_round_trip_through_xlsx(tmp_path, score):
    # cents that a binary float cannot hold exactly (1.01, 2.13…) still read back as the same cents
    ws_cell = xlsx_number(D(score))
    assert ws_cell == D(score)
    wb = openpyxl.Workbook()
    wb.active.append([ws_cell])
    wb.save(tmp_path / "c.xlsx")
    back = openpyxl.load_workbook(tmp_path / "c.xlsx").active["A1"].value
    assert _cents(back) == D(score) and D(repr(back)) == D(score)


@pytest.mark.parametrize("value, expected", [
    (D("123456789012345"), D("123456789012345")),            # 15 digits: a number
    (D("0.30000000000000004"), "0.30000000000000004"),       # 17 digits: kept exactly, as text
    (D("1234567890123.456"), "1234567890123.456"),           # 16 digits
    (D("0.000001"), D("0.000001")),                          # leading zeros are not significant
])
def test_xlsx_number_keeps_long_values_exact(value, expected):
    assert xlsx_number(value) == expected
