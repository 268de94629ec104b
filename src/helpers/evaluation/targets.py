"""Performance target tables (绩效目标表): one per project-year, hand-kept under data/targets/.

Columns: 一级指标, 二级指标, 三级指标, 指标性质, 指标值, 度量单位, 来源引文 (the sentence the target was
drawn from, quoted exactly), 备注. A target the text does not set keeps 指标值 empty and says so in
备注 ("文本未设定"); nothing is invented. CSV (UTF-8/BOM/GB18030) or the first sheet of an XLSX.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from helpers.core import atomic, paths
from helpers.core.cells import append_row, neutralise_row, save_workbook
from helpers.core.errors import InputError, SchemaError
from helpers.core.taxonomy import DIRECTIONS, HIERARCHY, QUAL, level2_name
from helpers.evaluation.sheet import parse_direction, parse_number, read_sheet
from helpers.ingest.ids import check_project_id, check_year

COLUMNS = ("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "来源引文", "备注")
NOT_SET = "文本未设定"



@dataclass(frozen=True)
class Target:
    """One row of a target table (绩效目标表): levels, 指标性质, 指标值 as written, unit and quote."""

    level1: str
    level2: str
    level3: str
    direction: str          # ≥ ≤ = 定性, or "" when the text sets no target
    value: str              # as written ("3200", "100.00", "2024年1-4月"); "" when not set
    unit: str
    quote: str              # 来源引文
    note: str = ""          # 备注
    line: int | None = None

    @property
    def is_set(self) -> bool:
        """Whether the text sets this target (指标值 is not empty)."""
        return bool(self.value)

    @property
    def number(self) -> Decimal | None:
        """The target as a number on ≥ / ≤ / = rows, else None."""
        if not self.is_set or self.direction == QUAL:
            return None
        return parse_number(self.value, self.unit)

    def cells(self) -> list[str]:
        """The row's cells as text, in COLUMNS order (for writing CSV or XLSX)."""
        return [self.level1, self.level2, self.level3, self.direction, self.value, self.unit, self.quote,
                self.note]


@dataclass
class TargetTable:
    """The target table of one project-year: its rows in file order and the file it was read from."""

    year: int
    project_id: str
    rows: list[Target] = field(default_factory=list)
    path: str | None = None

    def set_rows(self) -> list[Target]:
        """The rows whose target is set (指标值 not empty), in order."""
        return [t for t in self.rows if t.is_set]


def _level2_ok(level1: str, level2: str) -> bool:
    return level2_name(level1, level2) is not None


def validate(table: TargetTable) -> None:
    """SchemaError naming the row and column of the first bad cell."""
    for t in table.rows:
        def bad(message: str, column: str, t: Target = t) -> SchemaError:
            return SchemaError(f"「{t.level3 or t.level2}」: {message}", path=table.path, line=t.line,
                               where=f"列 {column}")

        if t.level1 not in HIERARCHY:
            raise bad(f"一级指标 {t.level1!r} is not one of {'/'.join(HIERARCHY)}", "一级指标")
        if not _level2_ok(t.level1, t.level2):
            raise bad(f"二级指标 {t.level2!r} is not under {t.level1}", "二级指标")
        if not t.is_set:
            if not t.note:
                raise bad(f"指标值 is empty: say why in 备注 (e.g. {NOT_SET})", "备注")
            continue
        if t.direction not in DIRECTIONS:
            raise bad(f"指标性质 {t.direction!r} is not one of {' '.join(DIRECTIONS)}", "指标性质")
        try:
            number = t.number
        except InputError as exc:   # a number out of range: name the cell
            raise bad(exc.message, "指标值") from None
        if t.direction != QUAL and number is None:
            raise bad(f"指标值 {t.value!r} is not a number on a {t.direction} row", "指标值")
        if not t.quote:
            raise bad("来源引文 is empty: quote the sentence the target comes from", "来源引文")


def read_targets(path: Path | str, year: int | None = None, project_id: str | None = None) -> TargetTable:
    """Read and validate a target table; year and id default to data/targets/<year>/<id>.csv."""
    path = Path(path)
    sheet = read_sheet(path, COLUMNS)
    rows = []
    for line, rec in sheet.records:
        direction = parse_direction(rec["指标性质"])
        rows.append(Target(rec["一级指标"], rec["二级指标"], rec["三级指标"],
                           direction if direction is not None else rec["指标性质"], rec["指标值"],
                           rec["度量单位"], rec["来源引文"], rec["备注"], line))
    if year is None:
        year = int(path.parent.name) if re.fullmatch(r"\d{4}", path.parent.name) else 0
    table = TargetTable(year, project_id or path.stem, rows, sheet.path)
    validate(table)
    return table


def write_targets(table: TargetTable, path: Path | str) -> Path:
    """Write as CSV (UTF-8 with BOM, so spreadsheet programs show the Chinese) or XLSX by suffix."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "绩效目标表"
        append_row(ws, COLUMNS)
        for t in table.rows:
            append_row(ws, t.cells())
        save_workbook(wb, path)
        return path
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for t in table.rows:
        w.writerow(neutralise_row(t.cells()))
    return atomic.write_bytes(path, buf.getvalue().encode("utf-8-sig"))


def targets_path(year: int | str, project_id: str) -> Path:
    """Where the target table of a project-year lives: data/targets/<year>/<project_id>.csv."""
    return paths.targets_dir() / check_year(year) / f"{check_project_id(project_id)}.csv"


def targets_file(year: int | str, project_id: str) -> Path | None:
    """The existing target table, CSV first then XLSX; None when neither exists."""
    csv_path = targets_path(year, project_id)
    for candidate in (csv_path, csv_path.with_suffix(".xlsx")):
        if candidate.is_file():
            return candidate
    return None


def load_targets(year: int | str, project_id: str) -> TargetTable | None:
    """The validated target table of a project-year, None when none is kept."""
    path = targets_file(year, project_id)
    return None if path is None else read_targets(path, int(year), project_id)
