"""The batch build: every selected report is one papermill run with its own kernel, run in
parallel worker processes (``--jobs``); each worker also exports the HTML. The parent prints
PDFs with one shared chromium while the workers go on, then publishes each report's files
atomically into reports/<year>/.

Nothing is lost: a report that fails leaves its previous good files in place, its executed
notebook (with the error cell) is kept as reports/<year>/<name>.failed.ipynb, the batch goes on,
and ``BuildError`` (exit 1) names every failure at the end."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as _dt
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from helpers import atomic, params, paths, provenance
from helpers.errors import BuildError
from helpers.params import ParamSet

FORMATS = ("html", "pdf")
KERNEL = "python3"
# nbclient's default "graceful" shutdown waited ~3 s in one run of six; the benchmark compares
# both through this variable.
SHUTDOWN = os.environ.get("BUDGET_REPORTS_KERNEL_SHUTDOWN", "immediate")


@dataclass
class Job:
    params: ParamSet
    title: str
    inputs: list[dict[str, str]]
    key: str                       # "2024/family-accident-insurance"
    staging: str                   # private temp dir of this report
    key_figures: list[list[str]] | None = None   # [[label, display], …] at plan time; None: overview

    @property
    def out_dir(self) -> Path:
        return paths.reports_dir() / str(self.params.year)


@dataclass
class Result:
    key: str
    status: str                    # "ok" | "failed" | "skipped"
    error: str | None = None
    stage: str | None = None       # where it failed: execute | xlsx | html | pdf | publish
    timings: dict[str, float] = field(default_factory=dict)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    staged: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------- worker side


def execute_and_render(job: Job, want_html: bool) -> Result:
    """Run one notebook with papermill and export its HTML into the job's staging dir.
    Runs in a worker process; never touches reports/ (the parent publishes)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError
    from traitlets.config import Config

    res = Result(key=job.key, status="ok")
    staging = Path(job.staging)
    executed = staging / f"{job.params.name}.ipynb"
    # Kernel sockets over IPC in the private staging dir: no open TCP ports (and no plain-text
    # warning from every kernel), removed with the staging dir.
    config = Config({"KernelManager": {"transport": "ipc", "ip": str(staging / "kernel")}})
    t0 = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(job.params.notebook_path), str(executed), parameters=job.params.parameters,
            kernel_name=KERNEL, progress_bar=False, log_output=False,
            request_save_on_cell_execute=False, cwd=str(paths.notebooks_dir()),
            shutdown_kernel=SHUTDOWN, config=config)
    except PapermillExecutionError as exc:
        res.status, res.stage = "failed", "execute"
        res.error = f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}".strip()
    except Exception as exc:  # kernel died, could not start, …: still a named failure
        res.status, res.stage = "failed", "execute"
        res.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
    res.timings["execute"] = time.perf_counter() - t0
    if executed.exists():
        try:
            clean_executed(executed, job, failed=res.status != "ok")
        except Exception as exc:
            res.status, res.stage = "failed", res.stage or "execute"
            res.error = res.error or f"{type(exc).__name__}: {exc}".splitlines()[0]
        res.staged["ipynb"] = str(executed)
    if res.status == "ok":
        stage_tables(job, res)
    if res.status != "ok" or not want_html:
        return res
    t1 = time.perf_counter()
    try:
        from helpers import render

        html_path = staging / f"{job.params.name}.html"
        html_path.write_text(render.notebook_to_html(executed, job.title), encoding="utf-8")
        res.staged["html"] = str(html_path)
    except Exception as exc:
        res.status, res.stage = "failed", "html"
        res.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
    res.timings["html"] = time.perf_counter() - t1
    return res


# Run-dependent papermill metadata (notebook and cell level), dropped from the executed notebook.
PAPERMILL_TIMING = ("start_time", "end_time", "duration")


def clean_executed(path: Path, job: Job, failed: bool = False) -> None:
    """Make the executed notebook depend only on its inputs: drop papermill's start/end/duration
    (notebook and cells) and nbclient's per-cell execution timestamps, give papermill's injected
    parameters cell a fixed id, and replace absolute temp paths (the staging dir, the project
    tree) by project-relative ones. Error information (papermill ``exception``/``status`` and the
    error outputs) is kept."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    name = f"{job.params.name}.failed.ipynb" if failed else f"{job.params.name}.ipynb"
    pm = nb.metadata.get("papermill")
    if pm is not None:
        for k in PAPERMILL_TIMING:
            pm.pop(k, None)
        pm["input_path"] = paths.relative(job.params.notebook_path)
        pm["output_path"] = paths.relative(job.out_dir / name)
    for cell in nb.cells:
        cpm = cell.metadata.get("papermill")
        if cpm is not None:
            for k in PAPERMILL_TIMING:
                cpm.pop(k, None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
    roots = sorted({str(Path(job.staging)), str(Path(job.staging).resolve()),
                    str(paths.project_root())}, key=len, reverse=True)

    def scrub(value):
        if isinstance(value, str):
            for r in roots:
                value = value.replace(r + os.sep, "").replace(r, ".")
            return value
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, dict):
            return type(value)((k, scrub(v)) for k, v in value.items())
        return value
    nb = nbformat.from_dict(scrub(nb))
    atomic.write_text(path, nbformat.writes(nb) + "\n")


# Tables written next to a project's HTML: staged kind → file suffix after <name>.
TABLE_KINDS = {"indicators_xlsx": "indicators.xlsx", "score_xlsx": "score.xlsx"}


def stage_tables(job: Job, res: Result) -> None:
    """The indicator table and (where actuals exist) the scored self-evaluation as XLSX, staged
    beside the report; a failure here fails the report (stage "xlsx")."""
    if job.params.project_id is None:
        return
    t = time.perf_counter()
    try:
        from helpers import indicators, ingest, selfeval

        staging = Path(job.staging)
        project = ingest.get_project(job.params.project_id, job.params.year)
        target = staging / f"{job.params.name}.{TABLE_KINDS['indicators_xlsx']}"
        indicators.write_indicators_xlsx(indicators.compute_indicators(project), target)
        res.staged["indicators_xlsx"] = str(target)
        scored = selfeval.score_project(job.params.year, job.params.project_id)
        if scored is not None:
            target = staging / f"{job.params.name}.{TABLE_KINDS['score_xlsx']}"
            selfeval.write_score_xlsx(scored, target)
            res.staged["score_xlsx"] = str(target)
    except Exception as exc:
        res.status, res.stage = "failed", "xlsx"
        res.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
    res.timings["xlsx"] = time.perf_counter() - t


def _worker_entry(job: Job, want_html: bool) -> Result:
    try:
        return execute_and_render(job, want_html)
    except BaseException as exc:  # never lose a result to an unpicklable error
        return Result(key=job.key, status="failed", stage="execute",
                      error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}".strip())


# ---------------------------------------------------------------- parent side


def refuse_synthetic(year: int | None = None, project_id: str | None = None) -> None:
    """SyntheticDataError naming the selected projects that are synthetic test data (texts made
    by helpers.synthetic): they are never published unless the build allows it."""
    from helpers import ingest
    from helpers.errors import SyntheticDataError

    found = [p for p in ingest.load_projects(year)
             if p.synthetic and (project_id is None or p.id == project_id)]
    if found:
        names = ", ".join(f"{p.budget_year}/{p.id}" for p in found)
        raise SyntheticDataError(
            f"refusing to build synthetic test data ({names}); pass --allow-synthetic to build it "
            "anyway", path=sorted({p.path for p in found})[0])


def check_selection(year: int | None = None, project_id: str | None = None) -> None:
    """UnknownProjectError (exit 2) naming what is known when the selected year or project has
    nothing to build: neither in the catalogue nor in params/. Reads only; writes nothing."""
    from helpers.errors import UnknownProjectError

    files = [*params.expected_files(None), *params.param_files(None)]
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
         allow_synthetic: bool = False) -> list[Job]:
    """Validate every selected params file (before any kernel starts) and make the jobs.

    Synthetic projects are refused first (nothing written) unless ``allow_synthetic``. Params
    files missing for a catalogue year (a new year dropped into data/raw/) are then generated,
    so a new year needs no code change."""
    check_selection(year, project_id)
    if not allow_synthetic:
        refuse_synthetic(year, project_id)
    params.generate(year, missing_only=True)
    files = params.param_files(year, None)
    sets = [params.load_param_file(f) for f in files]
    if project_id is not None:
        sets = [s for s in sets if s.project_id == project_id]
        if not sets:
            from helpers.errors import UnknownProjectError

            raise UnknownProjectError(
                f"no params file for project {project_id!r}" + (f" in {year}" if year else ""),
                path=paths.relative(paths.params_dir()))
    jobs = []
    for s in sets:
        title, inputs, figures = _describe(s)
        jobs.append(Job(params=s, title=title, inputs=inputs, key=f"{s.year}/{s.name}", staging="",
                        key_figures=figures))
    return jobs


def _describe(s: ParamSet) -> tuple[str, list[dict[str, str]], list[list[str]] | None]:
    """Title, inputs and (for a project) the key figures the index shows for the report."""
    from helpers import ingest, report_data

    if s.project_id is None:
        ov = report_data.year_overview(s.year)
        return f"{s.year}年度预算项目绩效概览", ov.inputs, None
    p = ingest.get_project(s.project_id, s.year)
    return (f"{p.name}绩效报告（{s.year}年）", report_data.report_inputs(p, s.year),
            [[k, v] for k, v in report_data.key_figures(p)])


def fingerprint(job: Job, code: dict[str, Any], formats: tuple[str, ...]) -> str | None:
    """What makes a report what it is; None when the code has uncommitted changes (no reuse)."""
    if not code.get("git_commit") or code.get("git_dirty") is not False:
        return None
    blob = json.dumps({"params": job.params.parameters, "notebook": job.params.notebook,
                       "notebook_sha256": provenance.sha256_file(job.params.notebook_path),
                       "inputs": job.inputs, "code": code, "formats": sorted(formats)},
                      sort_keys=True, ensure_ascii=False)
    return provenance.sha256_bytes(blob.encode())


def manifest_path() -> Path:
    return paths.reports_dir() / "manifest.json"


def load_manifest() -> dict[str, Any]:
    try:
        data = json.loads(manifest_path().read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _up_to_date(job: Job, fp: str | None, manifest: dict[str, Any], formats) -> bool:
    entry = manifest.get("reports", {}).get(job.key)
    if fp is None or not entry or entry.get("status") != "ok" or entry.get("fingerprint") != fp:
        return False
    if "key_figures" not in entry:        # written before key figures were recorded
        return False
    return all((paths.project_root() / entry["outputs"][f]["path"]).is_file()
               for f in ("ipynb", *formats) if f in entry.get("outputs", {})) and \
        all(f in entry.get("outputs", {}) for f in formats)


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
            res.outputs["failed_ipynb"] = _out_record(failed_nb)
        return
    for kind in ("ipynb", "html", "pdf", *TABLE_KINDS):
        target = out / f"{name}.{TABLE_KINDS.get(kind, kind)}"
        if kind in res.staged:
            atomic.copy_file(res.staged[kind], target)
            res.outputs[kind] = _out_record(target)
        else:       # a format not built this time, a score table whose actuals were withdrawn
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
    with contextlib.suppress(FileNotFoundError):
        failed_nb.unlink()


def _out_record(path: Path) -> dict[str, str]:
    return {"path": paths.relative(path), "sha256": provenance.sha256_file(path)}


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None):
        self.total, self.done, self.t0 = total, 0, time.perf_counter()
        self.stream = stream or sys.stderr

    def line(self, res: Result) -> None:
        self.done += 1
        took = sum(res.timings.values())
        status = res.status if res.status != "failed" else f"FAILED ({res.stage}): {res.error}"
        print(f"[{self.done}/{self.total}] {res.key:<40} {status}  {took:5.1f}s  "
              f"(elapsed {time.perf_counter() - self.t0:.1f}s)", file=self.stream, flush=True)


def summary_table(results: list[Result]) -> str:
    rows = [("report", "status", "execute", "html", "pdf", "outputs")]
    for r in results:
        t = r.timings
        times = (f"{t[k]:.1f}s" if k in t else "-" for k in ("execute", "html", "pdf"))
        rows.append((r.key, r.status, *times,
                     ", ".join(v["path"] for v in r.outputs.values()) or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def build(year: int | None = None, project_id: str | None = None, formats=FORMATS,
          jobs: int | None = None, force: bool = False, stream: TextIO | None = None,
          allow_synthetic: bool = False) -> list[Result]:
    """Build the selected reports, each year's audit page and CSV, the indexes and the manifest;
    raises BuildError naming each failed report (after everything else was built). Synthetic
    test data is refused (SyntheticDataError, nothing written) unless ``allow_synthetic``."""
    formats = tuple(f for f in FORMATS if f in formats)
    stream = stream or sys.stderr
    atomic.clean_temporaries(paths.reports_dir())
    planned = plan(year, project_id, allow_synthetic)
    code = provenance.code_version()
    manifest = load_manifest()
    started = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
    todo, results = [], []
    fps = {}
    for job in planned:
        fps[job.key] = fingerprint(job, code, formats)
        if not force and _up_to_date(job, fps[job.key], manifest, formats):
            results.append(Result(key=job.key, status="skipped",
                                  outputs=manifest["reports"][job.key]["outputs"]))
        else:
            todo.append(job)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    print(f"building {len(todo)} report(s) with {workers} job(s)"
          + (f", {len(results)} up to date (use --force to rebuild)" if results else ""),
          file=stream, flush=True)
    progress = Progress(len(todo), stream)
    tmp_root = tempfile.mkdtemp(prefix="budget-reports-")
    try:
        for job in todo:
            job.staging = tempfile.mkdtemp(dir=tmp_root, prefix=job.params.name + "-")
        results.extend(_run(todo, formats, workers, progress))
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)
        atomic.clean_temporaries(paths.reports_dir())
    by_key = {j.key: j for j in planned}
    audits, audit_errors = {}, []
    for y in sorted({j.params.year for j in planned}):
        try:
            audits[str(y)] = write_year_audit(y)
        except Exception as exc:   # the reports are built: record it, fail the batch at the end
            audit_errors.append(f"{y}/audit ({type(exc).__name__}: {exc})".splitlines()[0])
    _write_manifest(manifest, results, by_key, fps, code, started, audits)
    from helpers import publish as publish_pages

    publish_pages.write_indexes(load_manifest())
    order = {j.key: i for i, j in enumerate(planned)}
    results.sort(key=lambda r: order.get(r.key, 0))
    print(summary_table(results), file=stream, flush=True)
    failed = [r for r in results if r.status == "failed"]
    if failed or audit_errors:
        names = "; ".join([*(f"{r.key} ({r.stage}: {r.error})" for r in failed), *audit_errors])
        raise BuildError(f"{len(failed)} of {len(results)} report(s) failed"
                         + (f", {len(audit_errors)} audit page(s) failed" if audit_errors else "")
                         + f": {names}", path=paths.relative(paths.reports_dir()))
    return results


def write_year_audit(year: int) -> dict[str, dict[str, str]]:
    """reports/<year>/audit.html and audit.csv: the consistency findings of every text of the
    year (helpers.audit), written atomically; returns their manifest records."""
    from helpers import audit, audit_report, ingest

    docs = [d for d in ingest.ingest_paths().documents if any(p.budget_year == year for p in d.projects)]
    findings = [f for f in audit.audit_documents(docs) if f.year == year]
    out = paths.reports_dir() / str(year)
    page = atomic.write_text(out / "audit.html", audit_report.render_year_audit_page(year, findings))
    table = audit_report.write_findings_csv(findings, out / "audit.csv")
    return {"audit_html": _out_record(Path(page)), "audit_csv": _out_record(Path(table))}


def _run(todo: list[Job], formats, workers: int, progress: Progress) -> list[Result]:
    if not todo:
        return []
    results = []
    printer = None
    stack = contextlib.ExitStack()
    with stack:
        pool = stack.enter_context(cf.ProcessPoolExecutor(max_workers=workers))
        futures = {pool.submit(_worker_entry, job, bool(formats)): job for job in todo}
        try:
            for fut in cf.as_completed(futures):
                job = futures[fut]
                res = fut.result()
                if res.status == "ok" and "pdf" in formats:
                    if printer is None:
                        printer = _open_printer(stack)
                    if isinstance(printer, str):      # the browser could not start
                        res.status, res.stage, res.error = "failed", "pdf", printer
                    else:
                        _print_pdf(printer, job, res)
                if "html" not in formats:
                    res.staged.pop("html", None)
                try:
                    publish(job, res)
                except OSError as exc:
                    res.status, res.stage, res.error = "failed", "publish", str(exc)
                progress.line(res)
                results.append(res)
        except BaseException:
            for f in futures:
                f.cancel()
            raise
    return results


def _open_printer(stack: contextlib.ExitStack):
    """The shared PdfPrinter, or the one-line reason it could not start (each report that needs
    it then fails with that reason; the HTML reports still get built)."""
    from helpers.pdf import PdfPrinter

    try:
        return stack.enter_context(PdfPrinter())
    except Exception as exc:
        return f"cannot start chromium: {type(exc).__name__}: {exc}".splitlines()[0]


def _print_pdf(printer, job: Job, res: Result) -> None:
    t = time.perf_counter()
    pdf_path = Path(job.staging) / f"{job.params.name}.pdf"
    try:
        pdf_path.write_bytes(printer.render(res.staged["html"]))
        from helpers.pdf import normalise

        pdf_path.write_bytes(normalise(pdf_path.read_bytes()))
        res.staged["pdf"] = str(pdf_path)
    except Exception as exc:
        res.status, res.stage = "failed", "pdf"
        res.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
    res.timings["pdf"] = time.perf_counter() - t


def _write_manifest(manifest, results, by_key, fps, code, started, audits=None) -> None:
    reports = dict(manifest.get("reports", {}))
    for r in results:
        if r.status == "skipped":
            continue
        job = by_key[r.key]
        prev = reports.get(r.key, {})
        entry = {
            "params_file": paths.relative(job.params.path),
            "notebook": paths.relative(job.params.notebook_path),
            "notebook_sha256": provenance.sha256_file(job.params.notebook_path),
            "parameters": job.params.parameters,
            "title": job.title,
            "key_figures": job.key_figures,
            "inputs": job.inputs,
            "code": code,
            "status": r.status,
            "error": r.error,
            "stage": r.stage,
            "timings": {k: round(v, 3) for k, v in r.timings.items()},
            "fingerprint": fps.get(r.key) if r.status == "ok" else None,
            "built_at": started,
        }
        if r.status == "ok":
            entry["outputs"] = r.outputs
        else:   # the previous good outputs are still there and still described
            entry["outputs"] = prev.get("outputs", {}) if prev.get("outputs") else {}
            entry["failed_outputs"] = r.outputs
            entry["key_figures"] = prev.get("key_figures") if entry["outputs"] else None  # the kept report's
            if prev.get("status") == "ok" or prev.get("last_good"):
                entry["last_good"] = prev.get("last_good") or {
                    k: prev.get(k) for k in ("built_at", "code", "inputs", "fingerprint")}
        reports[r.key] = entry
    years = dict(manifest.get("years", {}))
    for y, outputs in (audits or {}).items():
        years[y] = {"outputs": outputs, "built_at": started}
    data = {"generator": "budget-reports", "updated_at": started, "code": code,
            "reports": dict(sorted(reports.items())), "years": dict(sorted(years.items()))}
    atomic.write_text(manifest_path(), json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n")


def result_dict(r: Result) -> dict[str, Any]:
    d = asdict(r)
    d.pop("staged", None)
    return d
