"""The batch build: every selected report is one papermill run with its own kernel, run in
parallel worker processes (``--jobs``); each worker also exports the HTML. The parent prints
PDFs with one shared chromium while the workers go on, then publishes each report's files
atomically into reports/<year>/.

Nothing is lost: a report that fails leaves its previous good files in place, its executed
notebook (with the error cell) is kept as reports/<year>/<name>.failed.ipynb, the batch goes on,
and ``BuildError`` (exit 1) names every failure at the end.

The jobs run in helpers.reports.worker; helpers.reports.manifest records them and decides what is
up to date."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import datetime as _dt
import functools
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from helpers.core import atomic, paths, provenance
from helpers.core.errors import BuildError
from helpers.reports import manifest, params, worker
from helpers.reports import publish as publish_pages
from helpers.reports.params import ParamSet
from helpers.reports.worker import TABLE_KINDS, Job, Result

if TYPE_CHECKING:
    from helpers.ingest.loader import Catalogue
    from helpers.ingest.models import Project

FORMATS = ("html", "pdf")


def refuse_synthetic(year: int | None = None, project_id: str | None = None,
                     catalogue: Catalogue | None = None) -> None:
    """SyntheticDataError naming the selected projects that are synthetic test data (texts made
    by helpers.ingest.synthetic): they are never published unless the build allows it."""
    from helpers import ingest
    from helpers.core.errors import SyntheticDataError

    projects = catalogue.for_year(year) if catalogue is not None else ingest.load_projects(year)
    found = [p for p in projects if p.synthetic and (project_id is None or p.id == project_id)]
    if found:
        names = ", ".join(f"{p.budget_year}/{p.id}" for p in found)
        raise SyntheticDataError(
            f"refusing to build synthetic test data ({names}); pass --allow-synthetic to build it "
            "anyway", path=sorted({p.path for p in found})[0])


def check_selection(year: int | None = None, project_id: str | None = None,
                    catalogue: Catalogue | None = None) -> None:
    """UnknownProjectError (exit 2) naming what is known when the selected year or project has
    nothing to build: neither in the catalogue nor in params/. Reads only; writes nothing."""
    from helpers.core.errors import UnknownProjectError

    files = [*params.expected_specs(None, catalogue), *params.param_files(None)]
    by_year: dict[str, set[str]] = {}
    for f in files:
        by_year.setdefault(f.parent.name, set()).add(f.stem)
    if year is not None and str(year) not in by_year:
        known = ", ".join(sorted(by_year)) or "none"
        raise UnknownProjectError(f"nothing to build for year {year} (known years: {known})",
                                  path=f"data/raw/{year}/")
    if project_id is not None:
        years = [str(year)] if year is not None else sorted(by_year)
        if not any(project_id in by_year[y] for y in years):
            known = sorted({n for y in years for n in by_year[y] if n != params.OVERVIEW_STEM})
            raise UnknownProjectError(
                f"unknown project {project_id!r}" + (f" in {year}" if year is not None else "")
                + f" (known projects: {', '.join(known) or 'none'})",
                path=paths.relative(paths.params_dir()))


def plan(year: int | None = None, project_id: str | None = None,
         allow_synthetic: bool = False, *, catalogue: Catalogue | None = None,
         details: bool = True) -> list[Job]:
    """Validate every selected params file (before any kernel starts) and make the jobs.

    Synthetic projects are refused first (nothing written) unless ``allow_synthetic``. Params
    files missing for a catalogue year (a new year dropped into data/raw/) are then generated,
    so a new year needs no code change. The texts are read once (``catalogue``, loaded here when
    not given). With ``details=False`` the jobs lack what only the index shows (key figures and
    audit findings, an audit of each text): :func:`describe` adds it to the jobs that are built,
    so a build that reuses its reports does not recompute it."""
    catalogue = catalogue if catalogue is not None else _catalogue()
    check_selection(year, project_id, catalogue)
    if not allow_synthetic:
        refuse_synthetic(year, project_id, catalogue)
    params.generate(year, missing_only=True, catalogue=catalogue)
    files = params.param_files(year, None)
    sets = [params.load_param_file(f, catalogue) for f in files]
    orders = year_orders(sets, catalogue)
    if project_id is not None:
        sets = [s for s in sets if s.project_id == project_id]
        if not sets:
            from helpers.core.errors import UnknownProjectError

            raise UnknownProjectError(
                f"no params file for project {project_id!r}" + (f" in {year}" if year else ""),
                path=paths.relative(paths.params_dir()))
    jobs = []
    # previous/next link only to reports built now or already published
    present = {y: {s.name for s in sets if s.year == y}
               | {f.name.removesuffix(".html") for f in (paths.reports_dir() / str(y)).glob("*.html")}
               for y in orders}
    overview_inputs: dict[int, list[dict[str, str]]] = {}
    for s in sets:
        title, unit = _label(s, catalogue)
        if s.project_id is None:
            if s.year not in overview_inputs:
                overview_inputs[s.year] = _overview_inputs(s.year, catalogue)
            inputs = overview_inputs[s.year]
        else:
            inputs = _report_inputs(_project(s, catalogue), s.year)
        order = [(name, t) for name, t in orders[s.year] if name in present[s.year]]
        nav = publish_pages.report_nav(s.year, title, order, s.name)
        jobs.append(Job(params=s, title=title, inputs=inputs, key=f"{s.year}/{s.name}", staging="",
                        unit=unit, nav=nav))
    if details:
        describe(jobs, catalogue)
    return jobs


def describe(jobs: list[Job], catalogue: Catalogue) -> None:
    """Add to each job what the index shows of its report and the plan leaves out with
    ``details=False``: the key figures and the consistency findings of a project's text."""
    for job in jobs:
        if job.params.project_id is not None:
            job.key_figures = _key_figures(job.params, catalogue)
            job.findings = _findings(job.params, catalogue)


def _report_inputs(project: Project, year: int) -> list[dict[str, str]]:
    """A project report's inputs with sha256 (``context.report_inputs``)."""
    from helpers.reports import context

    return context.report_inputs(project, year)


def _overview_inputs(year: int, catalogue: Catalogue) -> list[dict[str, str]]:
    """A year overview's inputs as ``context.year_overview`` records them, from the catalogue:
    none parsed again."""
    from helpers.reports import context

    return context.overview_inputs(catalogue.for_year(year))


def _catalogue() -> Catalogue:
    """Every project of the catalogue indexed by (year, id), read once for the whole plan."""
    from helpers import ingest

    return ingest.catalogue()


def _project(s: ParamSet, catalogue: Catalogue) -> Project:
    return catalogue.get(s.project_id or "", s.year)      # UnknownProjectError names the known ones


def _label(s: ParamSet, catalogue: Catalogue) -> tuple[str, str | None]:
    """A report's title and implementing unit (None for a year overview)."""
    if s.project_id is None:
        return f"{s.year}年度预算项目绩效概览", None
    p = _project(s, catalogue)
    return f"{p.name}绩效报告（{s.year}年）", p.unit


def year_orders(sets: list[ParamSet], catalogue: Catalogue
                ) -> dict[int, list[tuple[str, str]]]:
    """Every report of each year of ``sets`` as (name, title), in the year index's order
    (``publish.sort_key``): the order of the previous/next links inside the reports."""
    by_year: dict[int, list[tuple[tuple, str, str]]] = {}
    for s in sets:
        title, unit = _label(s, catalogue)
        by_year.setdefault(s.year, []).append((publish_pages.sort_key(s.name, unit, title), s.name, title))
    return {y: [(name, title) for _, name, title in sorted(items)] for y, items in by_year.items()}


def _key_figures(s: ParamSet, catalogue: Catalogue) -> list[list[str]] | None:
    """The key figures the index shows for a project's report (None for a year overview)."""
    from helpers.reports import context

    if s.project_id is None:
        return None
    return [[k, v] for k, v in context.key_figures(_project(s, catalogue))]


def _findings(s: ParamSet, catalogue: Catalogue) -> dict[str, object] | None:
    """The consistency findings of a project's text for the index: counts per severity and the
    kinds found ({"counts": {"error": 1, …}, "kinds": ["比率核对"]}); None for an overview or when
    the audit cannot run (the report itself then fails and says why)."""
    if s.project_id is None:
        return None
    try:
        from helpers import audit
        from helpers.reports import context

        found = context.audit_findings([_project(s, catalogue)])
    except Exception:
        return None
    kinds = list(dict.fromkeys(audit.KIND_ZH.get(f.kind, f.kind) for f in found))
    return {"counts": audit.summary(found), "kinds": kinds}


def _with_nav(fp: str | None, job: Job) -> str | None:
    """The report's fingerprint with its navigation (breadcrumbs, previous and next report) folded
    in: a report whose neighbours in the year changed is rebuilt, so its links stay right."""
    if fp is None or job.nav is None:
        return fp
    blob = json.dumps([fp, dataclasses.asdict(job.nav)], sort_keys=True, ensure_ascii=False)
    return provenance.sha256_bytes(blob.encode())


def publish(job: Job, res: Result) -> None:
    """Move a report's staged files into reports/<year>/ (each atomically). A failed report only
    gets its executed notebook kept as <name>.failed.ipynb; its good files stay.

    A good report whose format was not built this time (``--formats html`` leaves no PDF) has the
    older file of that format removed: everything beside a good report is from the same build."""
    out = job.out_dir
    name = job.params.name
    failed_nb = out / f"{name}.failed.ipynb"
    if res.status != "ok":
        if "ipynb" in res.staged:
            atomic.copy_file(res.staged["ipynb"], failed_nb)
            res.outputs["failed_ipynb"] = manifest.out_record(failed_nb)
        return
    for kind in ("ipynb", "html", "pdf", *TABLE_KINDS):
        target = out / f"{name}.{TABLE_KINDS.get(kind, kind)}"
        if kind in res.staged:
            atomic.copy_file(res.staged[kind], target)
            res.outputs[kind] = manifest.out_record(target)
        else:       # a format not built this time, a score table whose actuals were withdrawn
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
    with contextlib.suppress(FileNotFoundError):
        failed_nb.unlink()


class Progress:
    """One progress line per finished report ("[2/3] 2024/<id> ok 3.3s (elapsed 5.4s)")."""

    def __init__(self, total: int, stream: TextIO | None = None):
        self.total, self.done, self.t0 = total, 0, time.perf_counter()
        self.stream = stream or sys.stderr

    def line(self, res: Result) -> None:
        """Print the line for a finished report."""
        self.done += 1
        took = sum(res.timings.values())
        status = res.status if res.status != "failed" else f"FAILED ({res.stage}): {res.error}"
        print(f"[{self.done}/{self.total}] {res.key:<40} {status}  {took:5.1f}s  "
              f"(elapsed {time.perf_counter() - self.t0:.1f}s)", file=self.stream, flush=True)


def summary_table(results: list[Result]) -> str:
    """The end-of-batch table: one line per report with status, stage timings and outputs
    (column widths by display width, so CJK names line up: tabulate with wcwidth)."""
    from tabulate import tabulate

    rows = []
    for r in results:
        t = r.timings
        times = (f"{t[k]:.1f}s" if k in t else "-" for k in ("execute", "html", "pdf"))
        rows.append((r.key, r.status, *times, ", ".join(v["path"] for v in r.outputs.values()) or "-"))
    return tabulate(rows, headers=("report", "status", "execute", "html", "pdf", "outputs"),
                    tablefmt="simple", disable_numparse=True)


class SafeStream:
    """A text stream for progress lines that a closed pipe cannot stop (``build | head -1``):
    the build goes on and writes its manifest; what cannot be shown is dropped."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        """Write ``text`` unless the stream is gone; return its length."""
        if not self.broken:
            try:
                self._stream.write(text)
            except (BrokenPipeError, ValueError, OSError):
                self.broken = True
        return len(text)

    def flush(self) -> None:
        """Flush unless the stream is gone."""
        if not self.broken:
            try:
                self._stream.flush()
            except (BrokenPipeError, ValueError, OSError):
                self.broken = True


TMP_PREFIX = "budget-reports-"


def clean_stale_staging() -> list[Path]:
    """Remove the temporary build folders and kernel socket folders of builds whose process is
    gone (a killed build)."""
    return [*atomic.clean_owned_folders(tempfile.gettempdir(), TMP_PREFIX), *worker.clean_sockets(None)]


def _with_parse_cache(func):
    """Run a build with the on-disk parse cache (``ingest.loader``) on, for the build and every
    process it starts (workers, kernels), unless ``BUDGET_REPORTS_PARSE_CACHE`` already says
    where it is or that it is off; the variable is restored afterwards."""
    from helpers.ingest import loader

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if os.environ.get(loader.PARSE_CACHE_VARIABLE) is not None:
            return func(*args, **kwargs)
        os.environ[loader.PARSE_CACHE_VARIABLE] = str(loader.default_cache_dir())
        try:
            return func(*args, **kwargs)
        finally:
            os.environ.pop(loader.PARSE_CACHE_VARIABLE, None)
    return wrapper


@_with_parse_cache
def build(year: int | None = None, project_id: str | None = None, formats=FORMATS,
          jobs: int | None = None, force: bool = False, stream: TextIO | None = None,
          allow_synthetic: bool = False, cell_timeout: int | None = worker.CELL_TIMEOUT,
          scheduler: str | None = None) -> list[Result]:
    """Build the selected reports, each year's audit page and CSV, the indexes and the manifest;
    raises BuildError naming each failed report (after everything else was built). Synthetic
    test data is refused (SyntheticDataError, nothing written) unless ``allow_synthetic``. A cell
    running longer than ``cell_timeout`` seconds fails its report (None: no limit). With
    ``scheduler`` ("tcp://HOST:PORT" or "local") the reports run on a Dask cluster
    (helpers.reports.cluster); everything else is as in a local build."""
    formats = tuple(f for f in FORMATS if f in formats)
    stream = SafeStream(stream or sys.stderr)
    atomic.clean_temporaries(paths.reports_dir())
    clean_stale_staging()
    catalogue = _catalogue()                 # the texts are read once for the whole build
    planned = plan(year, project_id, allow_synthetic, catalogue=catalogue, details=False)
    code = provenance.code_version()
    previous, problem = manifest.read_manifest()
    if problem is not None:
        describe(planned, catalogue)
        previous = manifest.recover(planned)
        print(f"warning: {paths.relative(manifest.manifest_path())}: {problem}; rebuilt from the "
              f"{len(previous['reports'])} report(s) on disk", file=stream, flush=True)
    started = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
    todo, results = [], []
    fps = {}
    for job in planned:
        job.formats = formats
        fps[job.key] = _with_nav(manifest.fingerprint(job, code, formats), job)
        if not force and manifest.up_to_date(job, fps[job.key], previous, formats):
            results.append(Result(key=job.key, status="skipped",
                                  outputs=previous["reports"][job.key]["outputs"]))
        else:
            todo.append(job)
    if problem is None:
        describe(todo, catalogue)            # what the index shows, for the reports built now only
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    run = _run
    if scheduler is not None:      # reached now (SchedulerError, exit 2), before anything is written
        from helpers.reports import cluster

        run = cluster.runner(scheduler, _finish)
    print(f"building {len(todo)} report(s) with {workers} job(s)"
          + (f", {len(results)} up to date (use --force to rebuild)" if results else ""),
          file=stream, flush=True)
    progress = Progress(len(todo), stream)
    tmp_root = tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-")
    by_key = {j.key: j for j in planned}
    done: list[Result] = []
    try:
        for i, job in enumerate(todo):
            job.staging = tempfile.mkdtemp(dir=tmp_root, prefix=f"r{i}-")
            job.cell_timeout = cell_timeout
        run(todo, formats, workers, progress, done)
    except BaseException:
        # Ctrl-C or a crash: what was published so far is recorded, so the manifest matches the files
        with contextlib.suppress(Exception):
            manifest.write_manifest(previous, [*results, *done], by_key, fps, code, started)
            publish_pages.write_indexes(manifest.load_manifest())
        raise
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)
        atomic.clean_temporaries(paths.reports_dir())
        worker.clean_sockets(os.getpid())
    results.extend(done)
    audits, audit_errors = {}, []
    for y in sorted({j.params.year for j in planned}):
        try:
            fp = year_audit_fingerprint(y, catalogue, code)
            if force or not manifest.audit_up_to_date(str(y), fp, previous):
                audits[str(y)] = {"outputs": write_year_audit(y, catalogue), "fingerprint": fp}
        except Exception as exc:   # the reports are built: record it, fail the batch at the end
            audit_errors.append(f"{y}/audit ({type(exc).__name__}: {exc})".splitlines()[0])

    try:
        manifest.write_manifest(previous, results, by_key, fps, code, started, audits)
        publish_pages.write_indexes(manifest.load_manifest())
    except OSError as exc:     # a read-only or full reports/: the summary still shows what was built
        where = paths.relative(exc.filename) if exc.filename else "reports/"
        audit_errors.append(f"manifest and indexes not written ({where}: {exc.strerror or exc})")
    order = {j.key: i for i, j in enumerate(planned)}
    results.sort(key=lambda r: order.get(r.key, 0))
    print(summary_table(results), file=stream, flush=True)
    failed = [r for r in results if r.status == "failed"]
    if failed or audit_errors:
        names = "; ".join([*(f"{r.key} ({r.stage}: {r.error})" for r in failed), *audit_errors])
        raise BuildError(f"{len(failed)} of {len(results)} report(s) failed"
                         + (f", {len(audit_errors)} page(s) not written" if audit_errors else "")
                         + f": {names}", path=paths.relative(paths.reports_dir()))
    return results


def _year_texts(year: int, catalogue: Catalogue) -> list[Path]:
    """The texts that give a project of ``year`` (absolute paths, sorted)."""
    texts = {p.path for p in catalogue.for_year(year)}
    return sorted(Path(t) if Path(t).is_absolute() else paths.project_root() / t for t in texts)


def year_audit_fingerprint(year: int, catalogue: Catalogue, code: dict) -> str | None:
    """What the year's audit page and CSV are made of: the texts giving a project of the year,
    the target tables of those projects, the id registry, data/raw/README.md (which text
    supersedes which), each with its sha256, and the code version. None when the code has
    uncommitted changes (the audit is then always redone)."""
    from helpers.evaluation import targets

    if not code.get("git_commit") or code.get("git_dirty") is not False:
        return None
    files = [*_year_texts(year, catalogue), paths.project_ids_file(), paths.raw_dir() / "README.md"]
    files += [targets.targets_file(year, p.id) for p in catalogue.for_year(year)]
    records = sorted({(r["path"], r["sha256"]) for r in
                      (provenance.input_record(f) for f in files if f is not None and Path(f).is_file())})
    blob = json.dumps({"year": year, "inputs": records, "code": code}, sort_keys=True, ensure_ascii=False)
    return provenance.sha256_bytes(blob.encode())


def write_year_audit(year: int, catalogue: Catalogue | None = None) -> dict[str, dict[str, str]]:
    """reports/<year>/audit.html and audit.csv: the consistency findings of every text of the
    year (helpers.audit), written atomically and only when their bytes change (a file that
    stays the same keeps its mtime); returns their manifest records. Only the year's texts
    are read (``catalogue`` says which; loaded when not given)."""
    from helpers import audit, ingest
    from helpers.reports import audit_page as audit_report

    catalogue = catalogue if catalogue is not None else _catalogue()
    texts = _year_texts(year, catalogue)
    docs = [d for d in (ingest.ingest_paths(texts).documents if texts else [])
            if any(p.budget_year == year for p in d.projects)]
    findings = [f for f in audit.audit_documents(docs) if f.year == year]
    out = paths.reports_dir() / str(year)
    page, table = out / "audit.html", out / "audit.csv"
    atomic.write_text_if_changed(page, audit_report.render_year_audit_page(year, findings))
    try:
        same = table.read_bytes() == audit_report.findings_csv(findings).encode("utf-8-sig")
    except OSError:
        same = False
    if not same:
        audit_report.write_findings_csv(findings, table)
    return {"audit_html": manifest.out_record(page), "audit_csv": manifest.out_record(table)}


def _run(todo: list[Job], formats, workers: int, progress: Progress, results: list[Result]) -> list[Result]:
    """Run the jobs in a pool of worker processes, print PDFs and publish each report as it
    finishes. A worker that dies (killed, out of memory) breaks the pool: its reports are run
    once more in a fresh pool, then reported as failed; the rest of the batch goes on. On Ctrl-C
    every worker's process group (the worker and its kernels) is killed before re-raising."""
    if not todo:
        return results
    tries = dict.fromkeys((j.key for j in todo), 0)
    pending = list(todo)
    worker.preload()                 # imported once here, shared by the forked workers
    with contextlib.ExitStack() as stack:
        printer: list = []                           # opened on the first PDF, shared
        while pending:
            pool = cf.ProcessPoolExecutor(max_workers=min(workers, len(pending)),
                                          initializer=worker.init_worker)
            futures = {pool.submit(worker.run, job, bool(formats)): job for job in pending}
            pending = []
            try:
                for fut in cf.as_completed(futures):
                    job = futures[fut]
                    try:
                        res = fut.result()
                    except cf.process.BrokenProcessPool:
                        tries[job.key] += 1
                        if tries[job.key] < 2:
                            pending.append(job)      # run once more in a fresh pool
                            continue
                        res = Result(key=job.key, status="failed", stage="execute",
                                     error="the worker process died (killed or out of memory), twice")
                    results.append(_finish(job, res, formats, printer, stack, progress))
            except BaseException:
                _kill_pool(pool)
                raise
            pool.shutdown(wait=True, cancel_futures=True)
            for job in pending:
                job.staging = tempfile.mkdtemp(dir=str(Path(job.staging).parent), prefix="retry-")
    return results


def _finish(job: Job, res: Result, formats, printer: list, stack: contextlib.ExitStack,
            progress: Progress) -> Result:
    """Print the PDF of a finished report (the shared browser), publish it and show its line."""
    if res.status == "ok" and "pdf" in formats:
        if not printer:
            printer.append(_open_printer(stack))
        if isinstance(printer[0], str):               # the browser could not start
            res.status, res.stage, res.error = "failed", "pdf", printer[0]
        else:
            _print_pdf(printer[0], job, res)
    if "html" not in formats:
        res.staged.pop("html", None)
    try:
        publish(job, res)
    except OSError as exc:
        res.status, res.stage, res.error = "failed", "publish", f"{type(exc).__name__}: {exc}"
    progress.line(res)
    return res


def _kill_pool(pool: cf.ProcessPoolExecutor) -> None:
    """End every worker of ``pool`` with its kernels (their process groups), now."""
    import signal

    procs = list((getattr(pool, "_processes", None) or {}).values())
    for proc in procs:
        with contextlib.suppress(OSError, ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.join(timeout=5)


def _open_printer(stack: contextlib.ExitStack):
    """The shared PdfPrinter, or the one-line reason it could not start (each report that needs
    it then fails with that reason; the HTML reports still get built)."""
    from helpers.reports.pdf import PdfPrinter

    try:
        return stack.enter_context(PdfPrinter())
    except Exception as exc:
        return f"cannot start chromium: {type(exc).__name__}: {exc}".splitlines()[0]


def _print_pdf(printer, job: Job, res: Result) -> None:
    t = time.perf_counter()
    pdf_path = Path(job.staging) / f"{job.params.name}.pdf"
    try:
        from helpers.reports.pdf import normalise

        pdf_path.write_bytes(normalise(printer.render(res.staged["html"])))
        res.staged["pdf"] = str(pdf_path)
    except Exception as exc:
        res.status, res.stage = "failed", "pdf"
        res.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
    res.timings["pdf"] = time.perf_counter() - t
