"""The blank self-evaluation workbook (helpers.workbook) and the `workbook` command."""

from __future__ import annotations

from decimal import Decimal as D

import openpyxl
import pytest

from helpers.cli import main
from helpers.core.errors import InputError
from helpers.evaluation.selfeval import HEADERS, score_file
from helpers.evaluation.targets import Target, TargetTable, load_targets
from helpers.evaluation.workbook import HEADER_ROW, MONEY_ROW, allocate_points, write_workbook

from .filled import TOTAL as FILLED_TOTAL
from .filled import filled_workbook


@pytest.fixture
def table() -> TargetTable:
    t = load_targets(2024, "family-accident-insurance")
    assert t is not None
    return t


def test_points_add_up_to_100(table):
    # 10 execution + 产出 50 over 10 rows (5 each) + 效益 30 + 满意度 10
    points = allocate_points(table)
    assert sum(points) + 10 == 100
    assert points[:10] == [D("5.00")] * 10 and points[10:] == [D("30.00"), D("10.00")]


def test_points_remainder_and_missing_satisfaction():
    # 产出 50 over 3 rows: 16.66 + 16.66 + 16.66 = 49.98, 0.02 to the first → 16.68;
    # no 满意度 row: its 10 go to 效益 → 40
    rows = [Target("产出指标", "数量指标", f"n{i}", "≥", "1", "人", "q") for i in range(3)]
    rows.append(Target("效益指标", "社会效益指标", "b", "定性", "提高", "", "q"))
    points = allocate_points(TargetTable(2024, "x", rows))
    assert points == [D("16.68"), D("16.66"), D("16.66"), D("40")]
    assert sum(points) == 90


def test_blank_workbook_layout(table, tmp_path):
    """The 10号 annex layout: title, money block, grid with the targets, 总分."""
    out = write_workbook(table, tmp_path / "w.xlsx", project_name="计划生育家庭意外伤害保险专项资金项目")
    ws = openpyxl.load_workbook(out).worksheets[0]
    assert "2024" in ws.cell(1, 1).value and "family-accident-insurance" in ws.cell(2, 2).value
    assert "A1:J1" in {str(m) for m in ws.merged_cells.ranges}
    money_head = [c.value for c in ws[MONEY_ROW - 1]][2:8]
    assert money_head == ["年初预算数", "全年预算数（A）", "全年执行数（B）", "分值", "执行率（B/A）", "得分"]
    assert ws.cell(MONEY_ROW, 2).value == "年度资金总额" and ws.cell(MONEY_ROW, 6).value == 10
    grid = tuple(c.value for c in ws[HEADER_ROW])
    assert grid == tuple("年度指标值" if h == "指标值" else h for h in HEADERS)
    body = list(ws.iter_rows(min_row=HEADER_ROW + 1, max_row=HEADER_ROW + len(table.rows), values_only=True))
    assert all(r[6] is None and r[8] is None and r[9] is None for r in body)   # to fill in
    assert body[0][:6] == ("产出指标", "数量指标", "补助计生家庭人数（40元/人标准）", "≥", 3200, "人")
    assert body[1][0] is None                                   # 一级 merged down, as published
    assert ws.cell(HEADER_ROW + len(table.rows) + 1, 1).value == "总分"
    assert ws.cell(HEADER_ROW + len(table.rows) + 1, 8).value == 100
    assert "3200" in ws.cell(HEADER_ROW + 1, 5).comment.text                  # the quote
    lists = {dv.formula1: str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert lists['"≥,≤,=,定性"'].startswith(f"D{HEADER_ROW + 1}:D")


def test_blank_workbook_is_reproducible(table, tmp_path):
    a = write_workbook(table, tmp_path / "a.xlsx").read_bytes()
    b = write_workbook(table, tmp_path / "b.xlsx").read_bytes()
    assert a == b


def test_never_overwrites_without_force(table, tmp_path):
    out = write_workbook(table, tmp_path / "w.xlsx")
    with pytest.raises(InputError, match="--force"):
        write_workbook(table, out)
    assert write_workbook(table, out, force=True) == out


def test_filled_workbook_scores(tmp_path):
    """Fill the blank workbook as an analyst would (tests/evaluation/filled.py), then score it."""
    result = score_file(filled_workbook(tmp_path / "w.xlsx"))
    assert result.total == FILLED_TOTAL and result.grade == "优"


def test_cli_workbook(tmp_path, capsys):
    out = tmp_path / "w.xlsx"
    assert main(["workbook", "--year", "2024", "--project", "association-operations", "-o", str(out)]) == 0
    assert out.is_file()
    assert main(["workbook", "--year", "2024", "--project", "association-operations", "-o", str(out)]) == 2
    assert "--force" in capsys.readouterr().err


def test_cli_workbook_unknown_project(tmp_path, capsys):
    assert main(["workbook", "--year", "2024", "--project", "nope", "-o", str(tmp_path / "w.xlsx")]) == 2
    assert "no target table" in capsys.readouterr().err


@pytest.mark.parametrize("project", ["../../etc", "../x", "a/b", "-x", "X-Upper", "a", "a b", "p.csv"])
def test_cli_workbook_rejects_bad_project_ids(tmp_path, capsys, monkeypatch, project):
    monkeypatch.setenv("BUDGET_REPORTS_ROOT", str(tmp_path))
    assert main(["workbook", "--year", "2024", f"--project={project}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: invalid project id {project!r}: expected lower-case ASCII letters, digits and " \
                  "'-' (2 to 63 characters, not starting with '-')"
    assert not any(tmp_path.rglob("*.xlsx"))


@pytest.mark.parametrize("func", ["targets_path", "actuals_file", "default_output"])
def test_paths_under_data_check_the_id(func):
    import helpers.evaluation.selfeval
    import helpers.evaluation.targets
    import helpers.evaluation.workbook

    fn = next(getattr(m, func) for m in (helpers.evaluation.targets, helpers.evaluation.selfeval,
                                              helpers.evaluation.workbook)
              if hasattr(m, func))
    with pytest.raises(InputError, match=r"invalid project id '\.\./\.\./etc'"):
        fn(2024, "../../etc")
    with pytest.raises(InputError, match="invalid year"):
        fn("../2024", "ok-id")


def test_failed_save_leaves_no_temporary(table, tmp_path, monkeypatch):
    """A disk that fills while the file is being written (after half of it) leaves nothing behind."""
    import zipfile

    real = zipfile.ZipFile.writestr
    calls = []

    def broken(self, info, data, *args, **kwargs):
        calls.append(info)
        if len(calls) > 3:
            raise OSError("disk full")
        return real(self, info, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", broken)
    with pytest.raises(OSError, match="disk full"):
        write_workbook(table, tmp_path / "w.xlsx")
    assert list(tmp_path.iterdir()) == []
