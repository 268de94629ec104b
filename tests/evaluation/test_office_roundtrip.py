"""The blank workbook filled in and saved by a real office suite (LibreOffice Calc, headless), then
scored: `make test-office` installs LibreOffice and runs these (they are not part of `make test`).

The fill is the one of test_workbook.test_filled_workbook_scores, whose total was worked by hand:
9.65 + 4.84 + 5 + 5 + 5 + 4.50 + 3.00 + 5 × 4 + 27 + 10 = 93.99 (优)."""

import shutil
import subprocess

import pytest

from helpers.evaluation.selfeval import score_file

from .filled import TOTAL, filled_workbook

pytestmark = pytest.mark.office


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.fail("LibreOffice is not installed: run `make test-office`, which installs it")
    return exe


def filled(tmp_path):
    return filled_workbook(tmp_path / "filled.xlsx")


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
    assert result.total == TOTAL and result.grade == "优"


def test_exported_by_libreoffice_as_csv_scores_the_same(tmp_path):
    src = filled(tmp_path)
    csv = convert(src, 'csv:Text - txt - csv (StarCalc):44,34,76', tmp_path / "lo")   # UTF-8 CSV
    result = score_file(csv)
    assert result.total == TOTAL


def test_round_trip_through_ods(tmp_path):
    src = filled(tmp_path)
    ods = convert(src, "ods", tmp_path / "ods")
    back = convert(ods, "xlsx", tmp_path / "back")
    assert score_file(back).total == TOTAL
