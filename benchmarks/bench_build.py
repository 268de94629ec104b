"""Build benchmarks, side by side in one run (issue 12, item 4): seconds, CPU-seconds and peak
memory of

* the naive chain: per report, the papermill CLI, then ``jupyter nbconvert --to html``, then a PDF
  printed by a fresh browser, one report after the other;
* the local batch: ``python -m helpers build --jobs N``;
* the batch on a Dask cluster of N local workers: ``python -m helpers build --scheduler local
  --jobs N`` (skipped, with the reason in the table, where the flag or ``distributed`` is missing);

at several catalogue sizes (the seed plus synthetic years), for three scenarios: a cold build, a
rebuild with nothing changed, and a rebuild after one text changed. Writes
benchmarks/results/build.md (the table), build.json (every number) and build.png (seconds against
reports, log-log).

    .venv/bin/python benchmarks/bench_build.py [--sizes 10,100] [--naive-sizes 10] [--jobs 2]
        [--chains naive,local,dask] [--keep DIR]

``make bench`` runs the 10- and 100-report sizes; 1,000 is opt-in (``--sizes 10,100,1000``; about
an hour on 2 cores) and never runs in CI. The naive chain runs only at ``--naive-sizes`` (default
10: at 100 reports it alone takes a quarter of an hour); compare it per report.

How it counts:

* The code built is the committed HEAD, cloned into the scratch folder (``PYTHONPATH``): reuse
  needs a clean checkout (a build never reuses reports made by uncommitted code), and others'
  work in progress stays out of the numbers.
* Wall seconds of each command. CPU-seconds are user + sys of the command and of every process
  it waited for (``os.wait4``), as GNU ``time`` counts them; a process nobody reaps is not counted.
* Peak memory is the high-water mark of resident memory (``VmHWM``), sampled every 0.1 s over the
  command's process tree with psutil: the command itself ("parent"), the Python processes it
  starts (pool or Dask workers: "worker"), the notebook kernels ("kernel").
* Each size is a fresh copy of the project with its own parse cache (a cold build starts with
  none).

The naive chain does less than the batch (no XLSX tables, no indexes, no audit pages, no
manifest) and has no incremental mode: rerunning it costs a cold build again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = REPO / "benchmarks" / "results"
PDF_STEP = ("import sys; from helpers.reports.pdf import PdfPrinter\n"
            "with PdfPrinter() as p: p.print(sys.argv[1], sys.argv[2])")
SCENARIOS = ("cold", "no-change", "one text changed")
CHAINS = ("naive", "local", "dask")
SAMPLE_SECONDS = 0.1


# ---------------------------------------------------------------- the scratch project and code

def make_tree(dest: Path, reports: int) -> tuple[int, list[Path]]:
    """A copy of data/, notebooks/ and params/ with synthetic years added until about ``reports``
    reports (2 projects and an overview a year; more projects a year beyond 60 years, so years
    stay below 2100). Returns the number of reports and the synthetic texts."""
    from helpers.ingest.synthetic import make_document

    for name in ("data", "notebooks", "params"):
        shutil.copytree(REPO / name, dest / name,
                        ignore=shutil.ignore_patterns("derived", ".ipynb_checkpoints"))
    (dest / "reports").mkdir()
    extra = max(0, reports - 3)
    per_year = max(2, math.ceil(extra / 60) - 1)
    years = math.ceil(extra / (per_year + 1))
    texts = []
    for k in range(years):
        year = 2031 + k
        text = dest / f"data/raw/{year}/synthetic-{year}.txt"
        text.parent.mkdir(parents=True)
        text.write_text(make_document(year, seed=k, n_projects=per_year), encoding="utf-8")
        texts.append(text)
    return 3 + years * (per_year + 1), texts


def clone_head(dest: Path) -> tuple[Path, str]:
    """A clean clone of the repository's HEAD; returns its src/ folder and the commit."""
    subprocess.run(["git", "clone", "--quiet", "--shared", str(REPO), str(dest)], check=True)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=dest, capture_output=True,
                            text=True, check=True).stdout.strip()
    return dest / "src", commit


# ---------------------------------------------------------------- measuring one command

def _hwm_kb(pid: int) -> int:
    """VmHWM (peak resident set) of a live process in kB; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _role(cmdline: list[str]) -> str:
    text = " ".join(cmdline)
    if "ipykernel" in text or "kernel_launcher" in text or "helpers.reports.kernels" in text:
        return "kernel"       # a fresh kernel, or the warm zygote and the kernels it forks
    if "chrom" in text or "headless_shell" in text:
        return "browser"
    return "worker"


class Sampler(threading.Thread):
    """Samples the peak resident memory of a process tree by role until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peaks_kb = pid, {"parent": 0, "worker": 0, "kernel": 0, "browser": 0}
        self._stop_event = threading.Event()
        self._roles: dict[int, str] = {}

    def run(self) -> None:
        """Sample every SAMPLE_SECONDS."""
        import psutil

        while not self._stop_event.is_set():
            try:
                tree = [psutil.Process(self.pid), *psutil.Process(self.pid).children(recursive=True)]
            except psutil.Error:
                tree = []
            for proc in tree:
                if proc.pid not in self._roles:
                    try:
                        self._roles[proc.pid] = "parent" if proc.pid == self.pid else _role(proc.cmdline())
                    except psutil.Error:
                        continue
                role = self._roles[proc.pid]
                self.peaks_kb[role] = max(self.peaks_kb[role], _hwm_kb(proc.pid))
            self._stop_event.wait(SAMPLE_SECONDS)

    def stop(self) -> None:
        """Stop sampling."""
        self._stop_event.set()
        self.join()


def measure(cmd: list[str], env: dict[str, str], cwd: Path, log: Path) -> dict:
    """Run ``cmd``: wall seconds, CPU-seconds of it and every process it reaped, peak memory by
    role (MB), exit status."""
    with open(log, "ab") as out:
        out.write(f"\n$ {' '.join(cmd)}\n".encode())
        out.flush()
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        sampler = Sampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.stop()
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "returncode": proc.returncode,
            **{f"{role}_peak_mb": kb / 1024 for role, kb in sampler.peaks_kb.items()}}


def _combine(runs: list[dict]) -> dict:
    """Several commands run one after the other, as one run: times added, peaks the largest."""
    out = {"wall": sum(r["wall"] for r in runs), "cpu": sum(r["cpu"] for r in runs),
           "returncode": max((r["returncode"] for r in runs), default=0, key=abs)}
    for key in ("parent_peak_mb", "worker_peak_mb", "kernel_peak_mb", "browser_peak_mb"):
        out[key] = max((r[key] for r in runs), default=0)
    return out


# ---------------------------------------------------------------- the chains

def naive_chain(root: Path, env: dict[str, str], log: Path) -> dict:
    """Every report through papermill CLI → jupyter nbconvert CLI → a PDF with a fresh browser."""
    import yaml

    out = root / "naive"
    out.mkdir()
    runs = []
    for f in sorted((root / "params").glob("*/*.yaml")):
        spec = yaml.safe_load(f.read_text(encoding="utf-8"))
        executed = out / f"{f.parent.name}-{f.stem}.ipynb"
        cmd = [str(BIN / "papermill"), str(root / "notebooks" / f"{spec['notebook']}.ipynb"),
               str(executed), "--no-progress-bar", "-k", "python3"]
        for k, v in spec["parameters"].items():
            cmd += ["-p", k, str(v)]
        steps = [cmd, [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
                 [sys.executable, "-c", PDF_STEP, str(executed.with_suffix(".html")),
                  str(executed.with_suffix(".pdf"))]]
        for step in steps:
            runs.append(measure(step, env, root, log))
            if runs[-1]["returncode"] != 0:
                return {**_combine(runs), "error": f"{Path(step[0]).name} failed (see {log})"}
    return _combine(runs)


def batch_cmd(chain: str, jobs: int) -> list[str]:
    """The build command of a batch chain."""
    cmd = [sys.executable, "-m", "helpers", "build", "--allow-synthetic", "--jobs", str(jobs)]
    return [*cmd, "--scheduler", "local"] if chain == "dask" else cmd


def dask_missing(env: dict[str, str]) -> str | None:
    """Why the Dask chain cannot run here (None when it can)."""
    helptext = subprocess.run([sys.executable, "-m", "helpers", "build", "--help"], env=env,
                              capture_output=True, text=True).stdout
    if "--scheduler" not in helptext:
        return "`build --scheduler` is not there yet in the code benchmarked"
    probe = subprocess.run([sys.executable, "-c", "import distributed"], env=env, capture_output=True)
    return "the `distributed` package is not installed" if probe.returncode else None


def change_one_text(text: Path) -> None:
    """Rewrite one synthetic text with other figures (same year, same projects)."""
    from helpers.ingest.synthetic import make_document

    year = int(text.parent.name)
    n = text.read_text(encoding="utf-8").count("一、项目名称")
    text.write_text(make_document(year, seed=10_000 + year, n_projects=n), encoding="utf-8")


# ---------------------------------------------------------------- one size

def bench_size(size: int, chains: list[str], jobs: int, naive: bool, work: Path, src: Path) -> list[dict]:
    """Every chain and scenario at one catalogue size; a fresh project copy per chain."""
    rows = []
    for chain in chains:
        if chain == "naive" and not naive:
            continue
        root = work / f"{chain}-{size}"
        reports, texts = make_tree(root, size)
        env = {**os.environ, "BUDGET_REPORTS_ROOT": str(root), "PYTHONPATH": str(src),
               "BUDGET_REPORTS_PARSE_CACHE": str(root / "parse-cache")}
        log = work / f"{chain}-{size}.log"
        subprocess.run([sys.executable, "-m", "helpers", "params"], env=env, cwd=root,
                       capture_output=True, check=True)
        base = {"chain": chain, "size": size, "reports": reports, "jobs": jobs}
        if chain == "naive":
            print(f"[{size}] naive chain, {reports} reports …", flush=True)
            rows.append({**base, "scenario": "cold", **naive_chain(root, env, log)})
            continue
        why = dask_missing(env) if chain == "dask" else None
        if why:
            rows.extend({**base, "scenario": s, "skipped": why} for s in SCENARIOS)
            continue
        for scenario in SCENARIOS:
            if scenario == "one text changed":
                change_one_text(texts[-1] if texts else root / "data/raw/2024")
            print(f"[{size}] {chain}, {scenario}, {reports} reports …", flush=True)
            row = {**base, "scenario": scenario, **measure(batch_cmd(chain, jobs), env, root, log)}
            if row["returncode"] != 0:
                row["error"] = f"exit {row['returncode']} (see {log})"
            rows.append(row)
    return rows


# ---------------------------------------------------------------- output

def _f(value, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def table(rows: list[dict]) -> str:
    """The results as a markdown table."""
    head = ("| reports | chain | scenario | wall s | wall s/report | CPU-s | CPU-s/report | "
            "parent peak MB | worker peak MB | kernel peak MB | note |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        if r.get("skipped"):
            lines.append(f"| {r['reports']} | {r['chain']} | {r['scenario']} | — | — | — | — | — | — | — "
                         f"| skipped: {r['skipped']} |")
            continue
        n = r["reports"]
        per = r["scenario"] == "cold"
        lines.append(
            f"| {n} | {r['chain']} | {r['scenario']} | {_f(r['wall'], 1)} | "
            f"{_f(r['wall'] / n) if per else '—'} | {_f(r['cpu'], 1)} | {_f(r['cpu'] / n) if per else '—'} | "
            f"{_f(r['parent_peak_mb'], 0)} | {_f(r['worker_peak_mb'], 0) if r['worker_peak_mb'] else '—'} | "
            f"{_f(r['kernel_peak_mb'], 0) if r['kernel_peak_mb'] else '—'} | {r.get('error', '')} |")
    return "\n".join(lines)


def speedups(rows: list[dict]) -> list[str]:
    """Per-report speed-up of each batch chain over the naive chain, cold, where both ran."""
    out = []
    naive = {r["size"]: r for r in rows if r["chain"] == "naive" and "wall" in r and not r.get("error")}
    for r in rows:
        if r["chain"] != "naive" and r["scenario"] == "cold" and "wall" in r and r["size"] in naive:
            nv = naive[r["size"]]
            out.append(f"- {r['reports']} reports, {r['chain']} batch against the naive chain, per report: "
                       f"{nv['wall'] / nv['reports'] / (r['wall'] / r['reports']):.1f}× less wall time, "
                       f"{nv['cpu'] / nv['reports'] / (r['cpu'] / r['reports']):.1f}× fewer CPU-seconds")
    return out


def plot(rows: list[dict], path: Path) -> None:
    """Seconds against reports, log-log, one line per chain and scenario."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 5))
    styles = {"naive": "o:", "local": "s-", "dask": "^--"}
    for chain in CHAINS:
        for scenario in SCENARIOS:
            pts = sorted((r["reports"], r["wall"]) for r in rows if r["chain"] == chain
                         and r["scenario"] == scenario and "wall" in r and not r.get("error"))
            if pts:
                ax.plot(*zip(*pts, strict=True), styles[chain], label=f"{chain}: {scenario}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    sizes = sorted({r["reports"] for r in rows})
    ax.set_xticks(sizes, [str(n) for n in sizes])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("reports")
    ax.set_ylabel("wall seconds")
    ax.set_title("Building the reports: seconds against reports")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> int:
    """Run the benchmarks and write benchmarks/results/build.{md,json,png}."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10,100", help="approximate numbers of reports (default 10,100)")
    ap.add_argument("--naive-sizes", default="10", help="sizes at which the naive chain runs (default 10)")
    ap.add_argument("--chains", default=",".join(CHAINS), help="naive,local,dask (default all)")
    ap.add_argument("--jobs", type=int, default=2, help="parallel reports / Dask workers (default 2)")
    ap.add_argument("--keep", type=Path, help="keep the scratch folder here (default: removed)")
    ap.add_argument("--out", type=Path, default=RESULTS, help="where to write the results")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    naive_sizes = {int(s) for s in args.naive_sizes.split(",") if s}
    chains = [c for c in args.chains.split(",") if c]
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-build-"))
    work.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    load_before = os.getloadavg()
    try:
        src, commit = clone_head(work / "code")
        rows = []
        for size in sizes:
            rows += bench_size(size, chains, args.jobs, size in naive_sizes, work, src)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    load_after = os.getloadavg()
    meta = {"started": started, "commit": commit, "cores": os.cpu_count(), "jobs": args.jobs,
            "python": platform.python_version(), "platform": platform.platform(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
            "sizes": sizes, "naive_sizes": sorted(naive_sizes & set(sizes))}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "build.json").write_text(json.dumps({"meta": meta, "runs": rows}, indent=2) + "\n",
                                         encoding="utf-8")
    plot(rows, args.out / "build.png")
    notes = [
        f"Run {started} on commit {commit[:12]}: {os.cpu_count()} cores, --jobs {args.jobs}, Python "
        f"{platform.python_version()}; load average {load_before[0]:.1f} before, {load_after[0]:.1f} after "
        "(other work shares the machine: wall seconds are noisy, CPU-seconds less so).",
        f"The naive chain ran only at {', '.join(map(str, meta['naive_sizes'])) or 'no size'} "
        "(`--naive-sizes`); compare it per report. It makes no XLSX, index, audit page or manifest and "
        "has no incremental mode (a rerun costs a cold build).",
        "CPU-s: user + sys of the command and every process it reaped (os.wait4); peaks: VmHWM sampled "
        "every 0.1 s (parent: the command; worker: the Python processes it started; kernel: notebook "
        "kernels, with warm kernels the zygote and the kernels it forks, whose peak counts the pages they "
        "share with it).",
        "Per-report columns are given for cold builds only.",
    ]
    md = ["# Build benchmarks", "", *[f"- {n}" for n in notes], "", table(rows), "", *speedups(rows), "",
          "![seconds against reports](build.png)", ""]
    (args.out / "build.md").write_text("\n".join(md), encoding="utf-8")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
