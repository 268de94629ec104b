"""Per-report build time: the batch (`python -m helpers build`, parallel kernels, one shared
chromium) against the same notebooks put through the plain command chain one report at a time
(papermill CLI → jupyter nbconvert CLI → PDF with a fresh browser).

Runs in a temporary copy of the project (BUDGET_REPORTS_ROOT), with the seed plus
``--synthetic-years`` synthetic years (default 1: six reports in all). Prints a table and writes
benchmarks/results/bench_build.json.

    .venv/bin/python benchmarks/bench_build.py [--jobs N] [--synthetic-years K]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PDF_STEP = ("import sys; from helpers.reports.pdf import PdfPrinter\n"
            "with PdfPrinter() as p: p.print(sys.argv[1], sys.argv[2])")


def make_tree(dest: Path, synthetic_years: int) -> Path:
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


def run(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"benchmark step failed: {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    return time.perf_counter() - t


def bench_batch(root: Path, env: dict[str, str], jobs: int, shutdown: str) -> float:
    shutil.rmtree(root / "reports")
    (root / "reports").mkdir()
    env = {**env, "BUDGET_REPORTS_KERNEL_SHUTDOWN": shutdown}
    cmd = [sys.executable, "-m", "helpers", "build", "--force", "--allow-synthetic", "--jobs", str(jobs)]
    return run(cmd, env, root)


def bench_chain(root: Path, env: dict[str, str], sets) -> float:
    out = Path(tempfile.mkdtemp(prefix="chain-"))
    total = 0.0
    for ps in sets:
        executed = out / f"{ps.year}-{ps.name}.ipynb"
        cmd = [str(BIN / "papermill"), str(ps.notebook_path), str(executed), "--no-progress-bar"]
        for k, v in ps.parameters.items():
            cmd += ["-p", k, str(v)]
        total += run(cmd, env, root)
        total += run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
                     env, root)
        html = executed.with_suffix(".html")
        total += run([sys.executable, "-c", PDF_STEP, str(html), str(html.with_suffix(".pdf"))], env, root)
    shutil.rmtree(out, ignore_errors=True)
    return total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--synthetic-years", type=int, default=1)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-build-"))
    try:
        root = make_tree(tmp / "project", args.synthetic_years)
        env = {**os.environ, "BUDGET_REPORTS_ROOT": str(root)}
        os.environ["BUDGET_REPORTS_ROOT"] = str(root)
        from helpers.reports import params

        params.generate(missing_only=True)
        sets = [params.load_param_file(p) for p in params.param_files()]
        n = len(sets)
        batch_immediate = bench_batch(root, env, args.jobs, "immediate")
        batch_graceful = bench_batch(root, env, args.jobs, "graceful")
        chain = bench_chain(root, env, sets)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result = {
        "reports": n, "jobs": args.jobs, "cores": os.cpu_count(), "python": platform.python_version(),
        "per_report_seconds": {
            "batch (kernel shutdown immediate)": round(batch_immediate / n, 2),
            "batch (kernel shutdown graceful)": round(batch_graceful / n, 2),
            "command chain (papermill → nbconvert → pdf)": round(chain / n, 2),
        },
        "total_seconds": {"batch_immediate": round(batch_immediate, 2),
                          "batch_graceful": round(batch_graceful, 2), "chain": round(chain, 2)},
        "speedup_per_report": round(chain / batch_immediate, 2),
    }
    print(f"{n} reports, --jobs {args.jobs}, {os.cpu_count()} cores")
    for k, v in result["per_report_seconds"].items():
        print(f"  {k:<45} {v:6.2f} s/report")
    print(f"  speed-up of the batch over the chain: {result['speedup_per_report']:.2f}×")
    out = REPO / "benchmarks" / "results" / "bench_build.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
