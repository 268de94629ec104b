"""CPU-seconds per report of a cold build (issue 12 item 2).

Builds the seed's reports plus ``--synthetic-years`` synthetic years (3 reports each) in a scratch
copy of the project (BUDGET_REPORTS_ROOT), ``python -m helpers build --force --allow-synthetic``
under GNU ``/usr/bin/time -v``: user + sys of the build and of every process it waited for,
wall time, peak RSS, and the mean of each stage (execute, html, pdf) from the build's table.

    .venv/bin/python benchmarks/profile_report.py [--synthetic-years 3] [--jobs 2]
        [--kernels warm|fresh] [--repeat 1] [--keep DIR]

``--kernels`` sets BUDGET_REPORTS_KERNELS for the build (warm: kernels forked from a warm zygote;
fresh: one ipykernel process started per report).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def make_tree(dest: Path, synthetic_years: int) -> Path:
    """A copy of data/, notebooks/ and params/ with ``synthetic_years`` synthetic years added."""
    for name in ("data", "notebooks", "params"):
        shutil.copytree(REPO / name, dest / name, ignore=shutil.ignore_patterns("derived"))
    (dest / "reports").mkdir()
    from helpers.ingest.synthetic import make_document

    for k in range(synthetic_years):
        year = 2031 + k
        (dest / f"data/raw/{year}").mkdir(parents=True)
        (dest / f"data/raw/{year}/synthetic-{year}.txt").write_text(make_document(year, seed=k),
                                                                   encoding="utf-8")
    return dest


_TIME = {"user": r"User time \(seconds\): ([\d.]+)", "sys": r"System time \(seconds\): ([\d.]+)",
         "wall": r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)",
         "rss_kb": r"Maximum resident set size \(kbytes\): (\d+)"}


def _seconds(clock: str) -> float:
    total = 0.0
    for part in clock.split(":"):
        total = total * 60 + float(part)
    return total


def build_once(root: Path, jobs: int, kernels: str | None) -> dict:
    """One cold build of ``root`` under GNU time; its numbers."""
    shutil.rmtree(root / "reports")
    (root / "reports").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUDGET_REPORTS_")}
    env["BUDGET_REPORTS_ROOT"] = str(root)
    if kernels:
        env["BUDGET_REPORTS_KERNELS"] = kernels
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "helpers", "build", "--force",
           "--allow-synthetic", "--jobs", str(jobs)]
    proc = subprocess.run(cmd, env=env, cwd=root, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"build failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    got = {k: re.search(p, proc.stderr).group(1) for k, p in _TIME.items()}
    stages: dict[str, list[float]] = {"execute": [], "html": [], "pdf": []}
    n = 0
    for line in proc.stderr.splitlines():
        parts = line.split()
        if len(parts) >= 5 and parts[1] == "ok":
            n += 1
            for k, v in zip(("execute", "html", "pdf"), parts[2:5], strict=True):
                if v.endswith("s"):
                    stages[k].append(float(v[:-1]))
    cpu = float(got["user"]) + float(got["sys"])
    return {"reports": n, "cpu": cpu, "user": float(got["user"]), "sys": float(got["sys"]),
            "wall": _seconds(got["wall"]), "rss_mb": int(got["rss_kb"]) / 1024,
            "stages": {k: (sum(v) / len(v) if v else 0.0) for k, v in stages.items()}}


def main() -> int:
    """Build, measure, print one line per build."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synthetic-years", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--kernels", choices=("warm", "fresh"), default=None)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--keep", type=Path, default=None, help="build here and keep the tree")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="profile-report-"))
    try:
        root = args.keep or tmp / "project"
        if not (root / "data").exists():
            make_tree(root, args.synthetic_years)
        for _ in range(args.repeat):
            r = build_once(root, args.jobs, args.kernels)
            s = r["stages"]
            print(f"{r['reports']} reports, --jobs {args.jobs}, kernels {args.kernels or 'default'}: "
                  f"{r['cpu']:.1f} CPU-s (user {r['user']:.1f} + sys {r['sys']:.1f}) = "
                  f"{r['cpu'] / r['reports']:.2f} CPU-s/report; wall {r['wall']:.1f} s "
                  f"({r['wall'] / r['reports']:.2f} s/report); peak RSS {r['rss_mb']:.0f} MB; "
                  f"mean stage wall: execute {s['execute']:.2f} s, html {s['html']:.2f} s, "
                  f"pdf {s['pdf']:.2f} s", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
