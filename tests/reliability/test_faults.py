"""Faults against real builds (issue 13), all slow: each starts from a copy of a good build and
injects one fault through BUDGET_REPORTS_TESTING / BUDGET_REPORTS_FAULT, a signal, a pipe or a
broken environment, then checks the promises: failures named, exit status, nothing good lost,
manifest valid with matching sha256, no process of the build left, no temp folder left.

Faults (19 tests): a raising cell; a hanging cell under --cell-timeout 5; a dying kernel; two
faults at once; SIGINT at 2 s, 4.5 s and 8 s, SIGINT just after a report was published, and
SIGINT while kernels run (their socket folders);
SIGKILL of one worker; SIGKILL of the parent (and the next build cleaning up);
``build 2>&1 | head -1``; ``ingest --json | head -c 10``; a 63-character project id; a read-only
notebook; a missing notebook; a chromium that cannot start (a good tree, and a fresh tree where
the brief expects the HTML published); and no process left after a normal build.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from .support import (
    SEED_KEYS,
    assert_manifest_matches_disk,
    assert_one_error,
    assert_unchanged,
    children,
    cli_env,
    digests,
    error_lines,
    manifest,
    run_cli,
    run_main,
    staging_folders,
    template_text,
    wait_no_processes,
)

pytestmark = pytest.mark.slow

HTML = ("--formats", "html")


def start_build(root: Path, *args: str, fault: str | None = None) -> subprocess.Popen:
    """``python -m helpers build ARGS`` in a new session (its pid is the session id)."""
    extra = {"BUDGET_REPORTS_TESTING": "1", "BUDGET_REPORTS_FAULT": fault} if fault else {}
    return subprocess.Popen([sys.executable, "-m", "helpers", "build", *args], env=cli_env(root, **extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=root,
                            start_new_session=True)


def finish(proc: subprocess.Popen, timeout: float = 150) -> tuple[int, str, str]:
    """Wait for a started build; (status, stdout, stderr). Kills its session on a timeout."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"the build did not end within {timeout} s:\n{err}")
    return proc.returncode, out, err


def assert_nothing_left(proc: subprocess.Popen, root: Path, within: float = 5) -> None:
    left = wait_no_processes(proc.pid, root, within)
    assert not left, "processes of the build are left:\n" + "\n".join(left)
    assert not staging_folders(proc.pid), staging_folders(proc.pid)


def report_files(root: Path, name: str) -> dict[str, str]:
    return {k: v for k, v in digests(root / "reports" / "2024").items()
            if k.startswith(f"{name}.") and ".failed." not in k}


def status_of(root: Path) -> dict[str, str]:
    return {k: v["status"] for k, v in manifest(root)["reports"].items()}


# ============================================================================ kernel faults

def test_raising_cell_fails_that_report_only(good_copy):
    kept = report_files(good_copy, "family-accident-insurance")
    proc = start_build(good_copy, *HTML, "--force", "--jobs", "2",
                       fault="raise:2024/family-accident-insurance")
    status, _, err = finish(proc)
    assert status == 1, err
    line = assert_one_error(err, "2024/family-accident-insurance", "injected fault", only=False)
    assert "2024/overview" not in line and "2024/association-operations" not in line
    failed = good_copy / "reports/2024/family-accident-insurance.failed.ipynb"
    assert "injected fault in 2024/family-accident-insurance" in failed.read_text(encoding="utf-8")
    assert report_files(good_copy, "family-accident-insurance") == kept
    assert status_of(good_copy) == {"2024/association-operations": "ok",
                                    "2024/family-accident-insurance": "failed", "2024/overview": "ok"}
    assert_manifest_matches_disk(good_copy, SEED_KEYS)
    assert_nothing_left(proc, good_copy)


def test_hanging_cell_fails_by_name_within_the_cell_timeout(good_copy):
    kept = report_files(good_copy, "association-operations")
    t0 = time.monotonic()
    proc = start_build(good_copy, *HTML, "--force", "--jobs", "2", "--cell-timeout", "5",
                       fault="hang:2024/association-operations")
    status, _, err = finish(proc, timeout=90)
    took = time.monotonic() - t0
    assert status == 1, err
    line = assert_one_error(err, "2024/association-operations", only=False)
    assert "CellTimeoutError" in line and "2024/family-accident-insurance" not in line
    assert took < 45, f"a 5 s cell timeout took {took:.0f} s to fail the batch"
    assert (good_copy / "reports/2024/association-operations.failed.ipynb").is_file()
    assert report_files(good_copy, "association-operations") == kept
    assert_manifest_matches_disk(good_copy, SEED_KEYS)
    assert_nothing_left(proc, good_copy)


def test_dying_kernel_leaves_a_failure_notebook(good_copy):
    kept = report_files(good_copy, "overview")
    proc = start_build(good_copy, *HTML, "--force", "--jobs", "2", fault="die:2024/overview")
    status, _, err = finish(proc)
    assert status == 1, err
    assert_one_error(err, "2024/overview", "DeadKernelError", only=False)
    nb = json.loads((good_copy / "reports/2024/overview.failed.ipynb").read_text(encoding="utf-8"))
    assert "构建失败" in json.dumps(nb, ensure_ascii=False) or nb["metadata"]["papermill"]["exception"]
    assert report_files(good_copy, "overview") == kept
    assert status_of(good_copy)["2024/family-accident-insurance"] == "ok"
    assert_manifest_matches_disk(good_copy, SEED_KEYS)
    assert_nothing_left(proc, good_copy)


def test_two_faults_at_once_are_both_named(good_copy):
    kept = {n: report_files(good_copy, n) for n in ("family-accident-insurance", "association-operations")}
    proc = start_build(good_copy, *HTML, "--force", "--jobs", "2",
                       fault="raise:2024/family-accident-insurance,die:2024/association-operations")
    status, _, err = finish(proc)
    assert status == 1, err
    line = assert_one_error(err, "2024/family-accident-insurance", "2024/association-operations",
                            only=False)
    assert "2 of 3" in line and "2024/overview (" not in line
    for name, files in kept.items():
        assert report_files(good_copy, name) == files
        assert (good_copy / f"reports/2024/{name}.failed.ipynb").is_file()
    assert status_of(good_copy)["2024/overview"] == "ok"
    assert_manifest_matches_disk(good_copy, SEED_KEYS)
    assert_nothing_left(proc, good_copy)


# ============================================================================ signals

@pytest.mark.parametrize("after", [2.0, 4.5, 8.0])
def test_ctrl_c_exits_130_and_leaves_nothing(good_copy, after):
    before = digests(good_copy / "reports")
    proc = start_build(good_copy, "--force", "--jobs", "2", fault="hang:2024/overview")   # html + pdf
    time.sleep(after)
    assert proc.poll() is None, "the build ended before the interrupt"
    os.killpg(proc.pid, signal.SIGINT)
    status, _, err = finish(proc, timeout=60)
    assert status == 130, err
    assert err.rstrip("\n").splitlines()[-1] == "interrupted", err
    assert "Traceback" not in err and "Future exception" not in err, err
    assert not error_lines(err), err
    assert_nothing_left(proc, good_copy)
    assert not list((good_copy / "reports").rglob("*.tmp"))
    after_files = digests(good_copy / "reports")
    assert set(before) <= set(after_files), "a file was lost"
    json.loads((good_copy / "reports/manifest.json").read_text(encoding="utf-8"))


def test_ctrl_c_after_a_report_was_published_keeps_the_manifest_true(good_copy):
    target = good_copy / "data/targets/2024/association-operations.csv"
    target.write_bytes(target.read_bytes().replace("文本称截至目前".encode(), "文本说截至目前".encode()))
    before = report_files(good_copy, "association-operations")
    proc = start_build(good_copy, *HTML, "--force", "--jobs", "2", fault="hang:2024/overview")
    for line in proc.stderr:                      # wait until the changed report is published
        if "2024/association-operations" in line and line.startswith("["):
            break
    os.killpg(proc.pid, signal.SIGINT)
    status, _, err = finish(proc, timeout=60)
    assert status == 130, err
    assert report_files(good_copy, "association-operations") != before      # it was published
    assert_manifest_matches_disk(good_copy, SEED_KEYS)


def _wait_for_kernels(proc: subprocess.Popen, within: float = 30) -> list[int]:
    """The build's worker pids once at least one worker runs a kernel (a child of its own)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the build ended too early"
        workers = children(proc.pid)
        if any(children(w) for w in workers):
            return workers
        time.sleep(0.1)
    pytest.fail("no worker started a kernel")


def _socket_folders() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("brk-*")}


def test_ctrl_c_leaves_no_kernel_socket_folder(good_copy):
    before = _socket_folders()
    proc = start_build(good_copy, *HTML, "--force", "--jobs", "2", fault="hang:2024/overview")
    _wait_for_kernels(proc)
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGINT)
    status, _, err = finish(proc, timeout=60)
    assert status == 130, err
    assert_nothing_left(proc, good_copy)
    left = sorted(_socket_folders() - before)
    connection_files = [p.name for p in Path(tempfile.gettempdir()).glob("tmp*.json")
                        if any(name in p.read_text(errors="replace") for name in left)]
    assert not left and not connection_files, (left, connection_files)


def test_sigkill_of_one_worker_the_batch_still_publishes(good_copy):
    proc = start_build(good_copy, *HTML, "--force", "--jobs", "2")
    workers = _wait_for_kernels(proc)
    busy = next(w for w in workers if children(w))
    os.kill(busy, signal.SIGKILL)
    status, _, err = finish(proc)
    assert status == 0, err                          # the dead worker's report is run once more
    assert "Traceback" not in err and not error_lines(err), err
    assert set(status_of(good_copy).values()) == {"ok"}
    assert_manifest_matches_disk(good_copy, SEED_KEYS)
    assert_nothing_left(proc, good_copy)


def test_sigkill_of_the_parent_leaves_no_process_and_the_next_build_cleans_up(good_copy):
    proc = start_build(good_copy, *HTML, "--force", "--jobs", "2", fault="hang:2024/overview")
    _wait_for_kernels(proc)
    time.sleep(0.5)
    left_behind = staging_folders(proc.pid)
    assert left_behind, "the build has no temp folder to leave behind"
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    left = wait_no_processes(proc.pid, good_copy, 3.0)
    assert not left, "processes left 3 s after SIGKILL of the build:\n" + "\n".join(left)
    assert all(d.exists() for d in left_behind)
    again = run_cli(good_copy, "build", *HTML, "--project", "association-operations", "--jobs", "1")
    assert again.returncode == 0, again.stderr
    assert not [d for d in left_behind if d.exists()], "the next build left the killed build's temp folder"
    assert not list((good_copy / "reports").rglob("*.tmp"))
    json.loads((good_copy / "reports/manifest.json").read_text(encoding="utf-8"))


# ============================================================================ pipes

def test_build_into_a_closed_pipe_still_writes_the_manifest(good_copy):
    target = good_copy / "data/targets/2024/association-operations.csv"
    target.write_bytes(target.read_bytes().replace("文本称截至目前".encode(), "文本说截至目前".encode()))
    old = manifest(good_copy)
    cmd = f"set +o pipefail; {sys.executable} -m helpers build --formats html 2>&1 | head -1"
    proc = subprocess.run(["bash", "-c", cmd], env=cli_env(good_copy), capture_output=True, text=True,
                          timeout=150, cwd=good_copy)
    assert proc.returncode == 0 and proc.stdout.startswith("building "), (proc.stdout, proc.stderr)
    assert proc.stdout.count("\n") == 1
    data = assert_manifest_matches_disk(good_copy, SEED_KEYS)
    assert data["updated_at"] >= old["updated_at"] and data != old
    inputs = {i["path"]: i["sha256"] for i in data["reports"]["2024/association-operations"]["inputs"]}
    from .support import sha256

    assert inputs["data/targets/2024/association-operations.csv"] == sha256(target)


def test_ingest_json_into_a_closed_pipe_exits_141(project_copy, tmp_path):
    texts = []
    for i in range(12):               # far more JSON than a pipe buffer holds
        text = template_text().replace("专项资金项目。", f"专项资金项目{i}。", 1).replace(
            "综合工作经费项目。", f"综合工作经费项目{i}。", 1)
        p = tmp_path / f"t{i}.txt"
        p.write_text(text, encoding="utf-8")
        texts.append(str(p))
    cmd = (f"set +o pipefail; {sys.executable} -m helpers ingest --json --no-write {' '.join(texts)} "
           "2>err.txt | head -c 10 >/dev/null; echo ${PIPESTATUS[0]}")
    proc = subprocess.run(["bash", "-c", cmd], env=cli_env(project_copy), capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    err = (tmp_path / "err.txt").read_text(encoding="utf-8")
    assert proc.stdout.strip() == "141", (proc.stdout, err)
    assert "Traceback" not in err and not error_lines(err), err


# ============================================================================ environment

def test_project_id_of_63_characters_builds(good_copy):
    long_id = "association-operations-" + "x" * 40
    ids = good_copy / "data/project_ids.yaml"
    ids.write_text(ids.read_text(encoding="utf-8").replace(": association-operations", f": {long_id}"),
                   encoding="utf-8")
    regen = run_cli(good_copy, "params")
    assert regen.returncode == 0, regen.stderr
    assert (good_copy / f"params/2024/{long_id}.yaml").is_file()
    proc = start_build(good_copy, *HTML, "--project", long_id, "--jobs", "1")
    status, _, err = finish(proc)
    assert status == 0, err
    assert len(long_id) == 63
    assert (good_copy / f"reports/2024/{long_id}.html").stat().st_size > 10_000
    assert manifest(good_copy)["reports"][f"2024/{long_id}"]["status"] == "ok"
    assert_manifest_matches_disk(good_copy)
    assert_nothing_left(proc, good_copy)


def test_read_only_notebook_builds_and_is_not_written(good_copy):
    nb = good_copy / "notebooks/project_report.ipynb"
    data = nb.read_bytes()
    nb.chmod(0o444)
    (good_copy / "notebooks").chmod(0o555)
    try:
        proc = start_build(good_copy, *HTML, "--project", "family-accident-insurance", "--jobs", "1",
                           "--force")
        status, _, err = finish(proc)
    finally:
        (good_copy / "notebooks").chmod(0o755)
    assert status == 0, err
    assert nb.read_bytes() == data
    before_names = sorted(p.name for p in (good_copy / "notebooks").iterdir())
    assert "project_report.ipynb" in before_names and not any(n.endswith(".tmp") for n in before_names)
    assert_manifest_matches_disk(good_copy, SEED_KEYS)


def test_missing_notebook_stops_the_build_before_anything_changes(good_copy):
    (good_copy / "notebooks/project_report.ipynb").unlink()
    before = digests(good_copy / "reports")
    proc = run_cli(good_copy, "build", *HTML, "--force")
    assert proc.returncode == 2, proc.stderr
    assert_one_error(proc.stderr, "notebooks/project_report.ipynb")
    assert_unchanged(before, digests(good_copy / "reports"))


def _no_chromium(monkeypatch):
    from helpers.reports import pdf

    monkeypatch.setattr(pdf, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)


def test_chromium_that_cannot_start_fails_the_pdfs_by_name(good_env, monkeypatch, capsys):
    _no_chromium(monkeypatch)
    kept = report_files(good_env, "association-operations")
    status, _, err = run_main(["build", "--formats", "html,pdf", "--force", "--project",
                               "association-operations", "--jobs", "1"], capsys)
    assert status == 1, err
    assert_one_error(err, "2024/association-operations", "chromium", only=False)
    assert report_files(good_env, "association-operations") == kept        # the good HTML is kept
    index = (good_env / "reports/2024/index.html").read_text(encoding="utf-8")
    assert 'href="association-operations.html"' in index
    assert_manifest_matches_disk(good_env, SEED_KEYS)


def test_chromium_that_cannot_start_publishes_no_half_report(project_copy, monkeypatch, capsys):
    """A report is published whole or not at all (HTML, PDF and tables are one set): with no
    browser, a report never built before gets no HTML without its PDF; the failure is named and
    its executed notebook is kept as .failed.ipynb. (On a tree with a good report, the old set
    stays and stays linked: test_chromium_that_cannot_start_fails_the_pdfs_by_name.)"""
    _no_chromium(monkeypatch)
    status, _, err = run_main(["build", "--formats", "html,pdf", "--project", "association-operations",
                               "--jobs", "1"], capsys)
    assert status == 1, err
    assert_one_error(err, "2024/association-operations", "chromium", only=False)
    assert not (project_copy / "reports/2024/association-operations.html").exists()
    assert not (project_copy / "reports/2024/association-operations.pdf").exists()


def test_no_build_process_survives_a_normal_build(good_copy):
    proc = start_build(good_copy, *HTML, "--project", "association-operations", "--jobs", "1", "--force")
    status, _, err = finish(proc)
    assert status == 0, err
    assert_nothing_left(proc, good_copy, within=1)
