"""The blank workbook filled in and saved by a real office suite (LibreOffice Calc, headless), then
scored: `make test-office` installs LibreOffice and runs these (they are not part of `make test`).

The fill is the one of test_workbook.test_filled_workbook_scores, whose total was worked by hand:
9.65 + 4.84 + 5 + 5 + 5 + 4.50 + 3.00 + 5 × 4 + 27 + 10 = 93.99 (优)."""

import shutil
import subprocess
from decimal import Decimal as D

import openpyxl
import pytest

from helpers.evaluation.selfeval import score_file
from helpers.evaluation.targets import load_targets
from helpers.evaluation.workbook import HEADER_ROW, MONEY_ROW, write_workbook

pytestmark = pytest.mark.office


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.fail("LibreOffice is not installed: run `make test-office`, which installs it")
    return exe


def filled(tmp_path):
    table = load_targets(2024, "family-accident-insurance")
    out = write_workbook(table, tmp_path / "filled.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    ws.cell(MONEY_ROW, 4, 15.02)
    ws.cell(MONEY_ROW, 5, 14.50)
    r0 = HEADER_ROW
    fill = {r0 + 1: (None, 3100, None), r0 + 2: (None, 444, None), r0 + 3: (None, 3644, None),
            r0 + 4: (None, "达成", 5), r0 + 5: (None, "达成", 4.5), r0 + 6: (None, "部分达成", 3),
            r0 + 7: (None, 40, None), r0 + 8: (None, 50, None), r0 + 9: (None, 12.80, None),
            r0 + 10: (None, 2.22, None), r0 + 11: (None, "达成", 27), r0 + 12: (90, 92, None)}
    for r, (target, actual, score) in fill.items():
        if target is not None:
            ws.cell(r, 5, target)
        ws.cell(r, 7, actual)
        if score is not None:
            ws.cell(r, 9, score)
        ws.cell(r, 10, "说明")
    ws.cell(r0 + 4, 4, "定性")
    ws.cell(r0 + 4, 5, "合格")
    ws.cell(r0 + 12, 4, "≥")
    wb.save(out)
    return out


def convert(src, fmt: str, outdir):
    outdir.mkdir(exist_ok=True)
    profile = outdir / "profile"
    r = subprocess.run([soffice(), f"-env:UserInstallation=file://{profile}", "--headless",
                        "--convert-to", fmt, "--outdir", str(outdir), str(src)],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    out = outdir / (src.stem + "." + fmt.split(":")[0])
    assert out.is_file(), r.stdout + r.stderr
    return out


def test_saved_by_libreoffice_as_xlsx_scores_the_same(tmp_path):
    src = filled(tmp_path)
    saved = convert(src, "xlsx", tmp_path / "lo")
    assert saved.read_bytes() != src.read_bytes()          # really written by LibreOffice
    result = score_file(saved)
    assert result.total == D("93.99") and result.grade == "优"


def test_exported_by_libreoffice_as_csv_scores_the_same(tmp_path):
    src = filled(tmp_path)
    csv = convert(src, 'csv:Text - txt - csv (StarCalc):44,34,76', tmp_path / "lo")   # UTF-8 CSV
    result = score_file(csv)
    assert result.total == D("93.99")


def test_round_trip_through_ods(tmp_path):
    src = filled(tmp_path)
    ods = convert(src, "ods", tmp_path / "ods")
    back = convert(ods, "xlsx", tmp_path / "back")
    assert score_file(back).total == D("93.99")
