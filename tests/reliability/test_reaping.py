"""Every process a build starts is reaped, chromium's crash handler included (it double-forks, so
its processes are orphans once the browser quits; helpers.core.reaping makes the command their
reaper). Without it, each build left two chrome_crashpad and two chromium zombies under PID 1,
and their CPU time was missing from the build's count."""

from __future__ import annotations

import os
import subprocess
import sys

import psutil
import pytest
from tests.conftest import copy_project

from helpers.core.reaping import become_subreaper, reap_orphans


def _zombies() -> set[int]:
    out = set()
    for p in psutil.process_iter(["status"]):
        if p.info["status"] == psutil.STATUS_ZOMBIE:
            out.add(p.pid)
    return out


@pytest.mark.slow
def test_a_build_leaves_no_zombie_behind(tmp_path):
    root = copy_project(tmp_path / "project")
    before = _zombies()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUDGET_REPORTS_")}
    env["BUDGET_REPORTS_ROOT"] = str(root)
    cmd = [sys.executable, "-m", "helpers", "build", "--project", "family-accident-insurance"]
    proc = subprocess.run(cmd, env=env, cwd=root, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert (root / "reports" / "2024" / "family-accident-insurance.pdf").is_file()   # chromium ran
    assert not (_zombies() - before)


def test_orphans_of_a_subreaper_are_its_to_reap():
    # a child that forks a grandchild and exits at once: the grandchild is an orphan, handed to
    # the subreaper, which must reap it (run in a fresh interpreter: the flag is process-wide)
    code = (
        "import os, time, sys\n"
        "from helpers.core.reaping import become_subreaper, reap_orphans\n"
        "assert become_subreaper()\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(0.3); os._exit(0)\n"
        "    os._exit(0)\n"
        "os.waitpid(pid, 0)\n"
        "print(reap_orphans(timeout=5))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1"
    assert callable(become_subreaper) and callable(reap_orphans)
