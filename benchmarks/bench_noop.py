"""The build's own overhead at scale, without kernels: a no-change rebuild and one text changed,
at about 1,000 reports (the issue-12 targets: ≤ 2 s each, parent peak < 300 MB).

A real cold build of 1,000 reports takes about an hour on 2 cores, so the previous build is made
through the real ``batch.build`` with only the kernel step replaced by stand-in files; the
measured runs are then the real command (``python -m helpers build``) under ``os.wait4``, which
fails if anything would be rebuilt that should not. "One text changed" edits one synthetic text
and runs the same stand-in build: everything but the kernels (plan, fingerprints, key figures and
findings of the rebuilt reports, the year's audit page, indexes, manifest).

    .venv/bin/python benchmarks/bench_noop.py [--reports 1006] [--runs 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

STAND_IN = r'''
import os, sys
from pathlib import Path
from helpers.reports import batch
from helpers.reports.worker import Result

def stand_in_run(todo, formats, workers, progress, results, *args, **kwargs):
    for job in todo:
        res = Result(key=job.key, status="ok")
        for ext in ("ipynb", "html"):
            f = Path(job.staging) / f"{job.params.name}.{ext}"
            f.write_text(f"stand-in {ext} {job.key}\n")
            res.staged[ext] = str(f)
        batch.publish(job, res)
        results.append(res)
    return results

batch._run = stand_in_run
res = batch.build(formats=("html",), allow_synthetic=True, stream=open(os.devnull, "w"))
print(sum(r.status == "ok" for r in res), "built,", len(res), "reports")
'''


def make_tree(dest: Path, reports: int) -> int:
    """The project's inputs plus synthetic years of many projects each; the number of reports."""
    for name in ("data", "notebooks", "params"):
        shutil.copytree(REPO / name, dest / name, ignore=shutil.ignore_patterns("derived"))
    (dest / "reports").mkdir()
    from helpers.ingest.synthetic import make_document

    extra = max(0, reports - 3)
    per_year = max(2, math.ceil(extra / 60) - 1)
    years = math.ceil(extra / (per_year + 1))
    for k in range(years):
        year = 2031 + k
        (dest / f"data/raw/{year}").mkdir(parents=True)
        (dest / f"data/raw/{year}/synthetic-{year}.txt").write_text(
            make_document(year, seed=k, n_projects=per_year), encoding="utf-8")
    return 3 + years * (per_year + 1)


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, float, str]:
    """(wall s, CPU-s of the command and every process it reaped, its peak RSS MB, output) of one
    run, from ``os.wait4`` on the command itself."""
    with tempfile.TemporaryFile("w+") as out:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, text=True)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{text[-2000:]}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, text


def main() -> int:
    """Build the tree, make the previous build, time the no-change and one-text-changed runs."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=1006)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="build the tree here and keep it")
    args = ap.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-noop-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        n = make_tree(root, args.reports)
        env = {**os.environ, "BUDGET_REPORTS_ROOT": str(root),
               "BUDGET_REPORTS_PARSE_CACHE": str(root / ".parse-cache")}
        script = root / "stand_in.py"
        script.write_text(STAND_IN, encoding="utf-8")
        print(f"{n} reports in {root}; previous build (stand-in kernels) …", flush=True)
        subprocess.run([sys.executable, str(script)], env=env, cwd=root, check=True)
        cmd = [sys.executable, "-m", "helpers", "build", "--allow-synthetic", "--formats", "html"]
        rows = []
        for _ in range(args.runs):
            wall, cpu, peak, out = timed(cmd, env, root)
            if not re.search(r"building 0 report", out):
                sys.exit(f"the no-change run rebuilt something:\n{out[:2000]}")
            rows.append(("no change", wall, cpu, peak))
        text = sorted((root / "data" / "raw").glob("20[3-9]*/*.txt"))[0]
        body = text.read_text(encoding="utf-8")
        m = re.search(r"(\d+)人", body)
        text.write_text(body[:m.start()] + str(int(m.group(1)) + 1) + body[m.end() - 1:], encoding="utf-8")
        wall, cpu, peak, out = timed([sys.executable, str(script)], env, root)
        rows.append((f"one text changed ({out.split(' built')[0].strip()} reports rebuilt, stand-in kernels)",
                     wall, cpu, peak))
        print(f"\n| {n} reports | wall s | CPU-s | peak RSS MB |\n|---|---|---|---|")
        for name, wall, cpu, peak in rows:
            print(f"| {name} | {wall:.2f} | {cpu:.2f} | {peak:.0f} |")
        print(f"\nload average now: {os.getloadavg()[0]:.1f}")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
