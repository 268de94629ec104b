"""Shared tools of the reliability suite (issue 13): running the CLI, the one-error-line rule,
file digests, the manifest check and the processes of a build."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SEED_TEXT = REPO / "data" / "raw" / "2024" / "hongta-jishengxie-2024.txt"
SELFEVAL = REPO / "tests" / "fixtures" / "selfeval" / "hand_scored.csv"
SEED_KEYS = ("2024/overview", "2024/family-accident-insurance", "2024/association-operations")
HEADERS = ("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "实际完成值", "分值", "得分",
           "偏差原因分析及改进措施")
TMP_PREFIX = "budget-reports-"


# ---------------------------------------------------------------------------- running the CLI

def cli_env(root: Path, **extra: str) -> dict[str, str]:
    """The environment of a CLI subprocess pointed at ``root`` (never a fault unless asked)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUDGET_REPORTS_")}
    env["BUDGET_REPORTS_ROOT"] = str(root)
    env.update(extra)
    return env


def run_cli(root: Path, *args: str, timeout: float = 180, **extra: str) -> subprocess.CompletedProcess:
    """``python -m helpers ARGS`` in a subprocess on the project tree ``root``."""
    return subprocess.run([sys.executable, "-m", "helpers", *args], env=cli_env(root, **extra),
                          capture_output=True, text=True, timeout=timeout, cwd=root)


def run_main(argv: list[str], capsys) -> tuple[int, str, str]:
    """``helpers.cli.main(argv)`` in this process; returns (status, stdout, stderr)."""
    from helpers import cli

    capsys.readouterr()
    status = cli.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


# ---------------------------------------------------------------------------- the error rule

def error_lines(stderr: str) -> list[str]:
    """The lines of ``stderr`` that start with ``error: ``."""
    return [ln for ln in stderr.splitlines() if ln.startswith("error: ")]


def assert_one_error(stderr: str, *names: str, only: bool = True) -> str:
    """Exactly one ``error:`` line naming each of ``names``; no traceback. With ``only`` it is
    the only line on stderr. Returns the line."""
    assert "Traceback" not in stderr, stderr
    lines = error_lines(stderr)
    assert len(lines) == 1, f"expected one error line, got {len(lines)}:\n{stderr}"
    if only:
        assert stderr.strip() == lines[0], f"more than the error line on stderr:\n{stderr}"
    for name in names:
        assert name in lines[0], f"{name!r} not named in {lines[0]!r}"
    return lines[0]


# ---------------------------------------------------------------------------- files

def sha256(path: Path) -> str:
    """The sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def digests(folder: Path) -> dict[str, str]:
    """{relative path: sha256} of every file under ``folder`` (empty when it is missing)."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_unchanged(before: dict[str, str], after: dict[str, str], allowed=()) -> None:
    """Every file of ``before`` still has its bytes (except the ``allowed`` names, which the
    command is supposed to write); no file vanished."""
    allowed = set(allowed)
    lost = sorted(set(before) - set(after) - allowed)
    changed = sorted(k for k in before if k in after and k not in allowed and before[k] != after[k])
    assert not lost and not changed, f"lost {lost}, changed {changed}"


def copy_tree(src: Path, dest: Path) -> Path:
    """A copy of a whole project tree (inputs and reports) to start a test from."""
    shutil.copytree(src, dest, symlinks=True)
    return dest


def template_text() -> str:
    """The seed disclosure text (two projects)."""
    return SEED_TEXT.read_text(encoding="utf-8")


def first_project_text() -> str:
    """The seed text cut after its first project (计划生育家庭意外伤害保险专项资金项目)."""
    text = template_text()
    second = text.index("玉溪市红塔区计划生育协会2024年预算重点领域财政项目文本公开", 10)
    return text[:second]


def write_raw(root: Path, name: str, data: bytes | str) -> Path:
    """Put a text into data/raw/2024/ of ``root``."""
    target = root / "data" / "raw" / "2024" / name
    if isinstance(data, str):
        data = data.encode("utf-8")
    target.write_bytes(data)
    return target


def replace_seed_text(root: Path, text: str) -> None:
    """Replace the seed text of ``root`` (committed read-only) by ``text``."""
    path = root / "data" / "raw" / "2024" / SEED_TEXT.name
    path.chmod(0o644)
    path.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------- the manifest

def manifest(root: Path) -> dict:
    """reports/manifest.json, parsed (fails the test when it is not JSON)."""
    return json.loads((root / "reports" / "manifest.json").read_text(encoding="utf-8"))


def assert_manifest_matches_disk(root: Path, keys=()) -> dict:
    """The manifest is valid JSON, lists every report of ``keys`` as good (status ok, or failed
    with kept outputs), and every output it lists exists with the recorded sha256."""
    data = manifest(root)
    for key in keys:
        entry = data["reports"][key]
        assert entry["outputs"], f"{key} lists no outputs"
        assert "html" in entry["outputs"] or "pdf" in entry["outputs"], key
    for section in ("reports", "years"):
        for key, entry in data.get(section, {}).items():
            for kind, rec in entry.get("outputs", {}).items():
                path = root / rec["path"]
                assert path.is_file(), (key, kind, rec["path"])
                assert sha256(path) == rec["sha256"], (key, kind, rec["path"])
    return data


# ---------------------------------------------------------------------------- processes

def _environ_has(pid: str, marker: bytes) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return marker in f.read().split(b"\0")
    except OSError:
        return False


def build_processes(sid: int, root: Path | None = None) -> list[str]:
    """Live processes of a build: those of session ``sid`` (``ps -eo pid,sid,stat,cmd``) and,
    with ``root``, any process whose environment points BUDGET_REPORTS_ROOT at ``root`` (the
    kernels start sessions of their own). Zombies (already dead) are not counted."""
    out = subprocess.run(["ps", "-eo", "pid=,sid=,stat=,cmd="], capture_output=True, text=True,
                         check=True).stdout
    marker = f"BUDGET_REPORTS_ROOT={root}".encode() if root is not None else None
    found = []
    for line in out.splitlines():
        parts = line.split(None, 3)
        if len(parts) < 3:
            continue
        pid, psid, stat = parts[0], parts[1], parts[2]
        if int(pid) == os.getpid() or stat.startswith("Z"):
            continue
        if int(psid) == sid or (marker is not None and _environ_has(pid, marker)):
            found.append(line.strip())
    return found


def wait_no_processes(sid: int, root: Path | None, within: float) -> list[str]:
    """Poll until no process of the build is left or ``within`` seconds passed; the survivors."""
    import time

    deadline = time.monotonic() + within
    while True:
        left = build_processes(sid, root)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def children(pid: int) -> list[int]:
    """The direct child processes of ``pid`` (not zombies)."""
    out = subprocess.run(["ps", "-eo", "pid=,ppid=,stat="], capture_output=True, text=True,
                         check=True).stdout
    return [int(p) for p, pp, st in (ln.split() for ln in out.splitlines() if ln.strip())
            if int(pp) == pid and not st.startswith("Z")]


def staging_folders(pid: int) -> list[Path]:
    """The build's temporary folders ``budget-reports-<pid>-*`` in the temp dir."""
    return sorted(Path(tempfile.gettempdir()).glob(f"{TMP_PREFIX}{pid}-*"))


# ---------------------------------------------------------------------------- spreadsheets

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$")


def unguarded_csv_cells(path: Path) -> list[tuple[int, str, str]]:
    """(row, column, text) of every CSV text cell that a spreadsheet would run as a formula:
    it begins with = + - @ tab or CR and is not a plain number."""
    import csv
    import io

    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[0] if rows else []
    bad = []
    for i, row in enumerate(rows[1:], start=2):
        for j, cell in enumerate(row):
            if cell[:1] in TRIGGERS and not _NUMBER.match(cell):
                bad.append((i, header[j] if j < len(header) else str(j), cell[:60]))
    return bad


def csv_cells(path: Path) -> list[str]:
    """Every cell of a CSV file as written."""
    import csv
    import io

    return [c for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""))
            for c in row]


def xlsx_cells(path: Path) -> list:
    """Every cell of every sheet of a workbook, read back with openpyxl (formulas as written)."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def non_text_cells(path: Path) -> list[tuple[str, str, str]]:
    """(cell, data_type, value) of every cell that holds a formula, or text not stored as text."""
    bad = []
    for c in xlsx_cells(path):
        if c.data_type == "f" or (isinstance(c.value, str) and c.data_type != "s"):
            bad.append((c.coordinate, c.data_type, str(c.value)[:60]))
    return bad
