"""Target tables (helpers.targets) and the 2024 seed targets drawn from the raw text."""

from __future__ import annotations

import re
from decimal import Decimal as D
from pathlib import Path

import pytest

from helpers.core import paths
from helpers.core.errors import InputError, SchemaError
from helpers.evaluation.targets import (
    COLUMNS,
    NOT_SET,
    Target,
    TargetTable,
    load_targets,
    read_targets,
    targets_path,
    write_targets,
)

RAW = paths.raw_dir() / "2024" / "hongta-jishengxie-2024.txt"
SEED = ("family-accident-insurance", "association-operations")


def seed(project_id: str) -> TargetTable:
    table = load_targets(2024, project_id)
    assert table is not None
    return table


def test_targets_path():
    assert targets_path(2024, "xy") == paths.targets_dir() / "2024" / "xy.csv"


def test_missing_table_is_none(tmp_path, monkeypatch):
    monkeypatch.setenv("BUDGET_REPORTS_ROOT", str(tmp_path))
    assert load_targets(2024, "family-accident-insurance") is None


@pytest.mark.parametrize("project_id", SEED)
def test_every_quote_is_in_the_source_text(project_id):
    raw = RAW.read_text(encoding="utf-8")
    table = seed(project_id)
    assert table.year == 2024 and table.project_id == project_id
    for t in table.rows:
        if t.is_set:
            assert t.quote and t.quote in raw, t.level3


@pytest.mark.parametrize("project_id", SEED)
def test_every_number_is_printed_in_its_quote(project_id):
    for t in seed(project_id).rows:
        if t.number is not None:
            assert t.value in t.quote, (t.level3, t.value)


@pytest.mark.parametrize("project_id", SEED)
def test_unset_targets_say_so_and_invent_nothing(project_id):
    table = seed(project_id)
    unset = [t for t in table.rows if not t.is_set]
    assert unset, "satisfaction at least is not set by the text"
    for t in unset:
        assert t.note.startswith(NOT_SET) and t.direction == "" and t.number is None
    satisfaction = [t for t in table.rows if t.level1 == "满意度指标"]
    assert satisfaction and not any(t.is_set for t in satisfaction)


def test_family_accident_insurance_targets():
    got = {t.level3: (t.direction, t.number, t.unit) for t in seed("family-accident-insurance").rows
           if t.number is not None}
    assert got == {
        "补助计生家庭人数（40元/人标准）": ("≥", D("3200"), "人"),
        "补助计生特殊家庭人数（50元/人标准）": ("≥", D("444"), "人"),      # 282 失独 + 162 伤残
        "补助总人数": ("≥", D("3600"), "人"),                           # "3600余人"
        "补助标准（计生家庭）": ("=", D("40"), "元/人"),
        "补助标准（失独及伤残家庭）": ("=", D("50"), "元/人"),
        "补助资金（40元/人标准）": ("≤", D("12.80"), "万元"),             # 3200 × 40 = 128000 元
        "补助资金（50元/人标准）": ("≤", D("2.22"), "万元"),              # 444 × 50 = 22200 元
    }
    schedule = [t.value for t in seed("family-accident-insurance").rows if t.level2 == "时效指标"]
    assert "2024年1-4月" in schedule


def test_planned_funds_agree_with_persons_and_standards():
    rows = {t.level3: t.number for t in seed("family-accident-insurance").rows}
    # 3200 人 × 40 元/人 = 128000 元 = 12.80 万元 ; 444 × 50 = 22200 元 = 2.22 万元
    for persons, standard, funds in (
        ("补助计生家庭人数（40元/人标准）", "补助标准（计生家庭）", "补助资金（40元/人标准）"),
        ("补助计生特殊家庭人数（50元/人标准）", "补助标准（失独及伤残家庭）", "补助资金（50元/人标准）"),
    ):
        assert rows[persons] * rows[standard] == rows[funds] * 10000
    breakdown = [int(n) for n in re.findall(r"\d+", next(
        t.note for t in seed("family-accident-insurance").rows if t.level3.startswith("补助计生特殊")))]
    assert sum(breakdown) == 444     # 282 + 162


def test_association_coverage_target():
    (coverage,) = [t for t in seed("association-operations").rows if t.is_set]
    assert (coverage.direction, coverage.number, coverage.unit) == ("≥", D("100.00"), "%")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_round_trip(tmp_path, suffix):
    table = seed("family-accident-insurance")
    path = write_targets(table, tmp_path / "2024" / f"p{suffix}")
    back = read_targets(path)
    assert (back.year, back.project_id) == (2024, "p")
    assert [t.cells() for t in back.rows] == [t.cells() for t in table.rows]


def write_rows(tmp_path: Path, *rows: Target) -> Path:
    return write_targets(TargetTable(2024, "x", list(rows)), tmp_path / "x.csv")


GOOD = Target("产出指标", "数量指标", "人数", "≥", "10", "人", "计划补助10人。", "")


@pytest.mark.parametrize("bad, message, column", [
    (Target("产出", "数量指标", "人数", "≥", "10", "人", "q"), "一级指标", "列 一级指标"),
    (Target("产出指标", "经济效益", "人数", "≥", "10", "人", "q"), "is not under", "列 二级指标"),
    (Target("产出指标", "数量指标", "人数", "≥", "十", "人", "q"), "not a number", "列 指标值"),
    (Target("产出指标", "数量指标", "人数", "≥", "1" * 70, "人", "q"), "too large", "列 指标值"),
    (Target("产出指标", "数量指标", "人数", "约", "10", "人", "q"), "指标性质", "列 指标性质"),
    (Target("产出指标", "数量指标", "人数", "≥", "10", "人", ""), "来源引文", "列 来源引文"),
    (Target("满意度指标", "服务对象满意度", "满意度", "", "", "%", "", ""), "备注", "列 备注"),
])
def test_validation_names_row_and_column(tmp_path, bad, message, column):
    path = write_rows(tmp_path, GOOD, bad)
    with pytest.raises(SchemaError, match=message) as exc:
        read_targets(path)
    assert (exc.value.line, exc.value.where) == (3, column)


def test_second_level_without_suffix_is_accepted(tmp_path):
    path = write_rows(tmp_path, GOOD, Target("效益指标", "社会效益", "x", "定性", "提高", "", "q"))
    assert len(read_targets(path).rows) == 2


def test_header_is_the_documented_one():
    first = targets_path(2024, SEED[0]).read_text(encoding="utf-8-sig").splitlines()[0]
    assert tuple(first.split(",")) == COLUMNS


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_write_is_atomic(tmp_path, monkeypatch, suffix):
    from helpers.core import atomic

    path = tmp_path / f"x{suffix}"
    path.write_text("old", encoding="utf-8")
    write_targets(TargetTable(2024, "x", [GOOD]), path)
    assert read_targets(path).rows[0].cells() == GOOD.cells()
    real = atomic.os.replace

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", interrupted)
    before = path.read_bytes()
    with pytest.raises(KeyboardInterrupt):
        write_targets(TargetTable(2024, "x", [GOOD, GOOD]), path)
    monkeypatch.setattr(atomic.os, "replace", real)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == [path.name]


def test_targets_path_rejects_bad_ids():
    with pytest.raises(InputError, match="invalid project id"):
        targets_path(2024, "../../etc")
    assert load_targets(2024, "no-such-project") is None
