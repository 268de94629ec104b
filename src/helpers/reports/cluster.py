"""The batch on a Dask distributed cluster (``build --scheduler tcp://HOST:PORT`` or ``local``).

The parent plans, fingerprints, prints the PDFs and publishes exactly as in a local build
(helpers.reports.batch); only the reports run elsewhere. Each report is one Dask task that
carries its inputs as bytes (:class:`Task`: the notebook template, the parameters, the texts,
targets and actuals the report reads, data/raw/README.md and data/project_ids.yaml) and returns
its outputs as bytes (executed notebook, HTML, XLSX tables), so a worker needs only the installed
package: :func:`run_task` lays the inputs out as a private temporary project root, points
``BUDGET_REPORTS_ROOT`` at it while it runs the same :func:`helpers.reports.worker.run`, reads the
staged outputs and removes the root. The executed notebook's paths are scrubbed as in a local
build, so the outputs are byte-identical to a local build of the same inputs.

The root is set in the worker's environment (the report's kernel inherits it), so every worker
must run one task at a time: ``dask worker tcp://HOST:8786 --nthreads 1``. The parent refuses a
cluster with a worker of more threads, and a task refuses to run on one.

A report whose worker is lost (killed, out of memory) is run again once, then reported as failed:
the scheduler reschedules a lost worker's task (up to its ``allowed-failures``), the task itself
asks the scheduler how many of its workers were lost and refuses a third run, and the parent
resubmits once when the scheduler allows no lost worker at all. A report that fails on its own
(a cell error) is a failed Result, never an exception, so it is not run again.

``distributed`` is imported only here, on the ``--scheduler`` path."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers.core import atomic, paths, provenance
from helpers.core.errors import InputError
from helpers.reports import worker
from helpers.reports.worker import Job, Result

LOCAL = "local"
# A report whose worker is lost runs once more; lost this many times, it is reported as failed.
LOST_LIMIT = 2
# Seconds to reach the scheduler, and to wait for a first worker, before giving up.
CONNECT_TIMEOUT = 10
WORKER_WAIT = 60
# Worker-side temporary roots: named like the local build's staging folders
# (batch.TMP_PREFIX + pid), so a killed worker's leftovers are removed by the next task or build.
TMP_PREFIX = "budget-reports-"


class SchedulerError(InputError):
    """Raised when the Dask scheduler of ``build --scheduler`` cannot be reached or used (no
    worker, a worker with more than one thread); nothing has been built or written then."""


@dataclasses.dataclass
class Task:
    """One report as sent to a worker: the job, whether to export HTML, the code version the
    parent builds with, and every input file as bytes by its path from the project root."""

    job: Job
    want_html: bool
    code: dict[str, Any]
    files: dict[str, bytes]


# ---------------------------------------------------------------------------- parent side

def task_files(job: Job) -> dict[str, bytes]:
    """The files the report of ``job`` reads, as {path from the project root: bytes}: its inputs
    (the texts, data/project_ids.yaml, its target and self-evaluation tables), the notebook
    template, data/raw/README.md (which text supersedes which) and, for a year overview, every
    target and self-evaluation table of the year (the overview audits each project against its
    targets)."""
    root = paths.project_root()
    names = {paths.relative(job.params.notebook_path), *(r["path"] for r in job.inputs)}
    for optional in (paths.raw_dir() / "README.md", paths.project_ids_file()):
        names.add(paths.relative(optional))
    if job.params.project_id is None:
        for folder in (paths.targets_dir(), paths.actuals_dir()):
            year_dir = folder / str(job.params.year)
            if year_dir.is_dir():
                names.update(paths.relative(f) for f in year_dir.rglob("*") if f.is_file())
    files = {}
    for name in sorted(names):
        f = root / name
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise InputError("a report input lies outside the project tree; it cannot be sent to a "
                             "Dask worker", path=name)
        if f.is_file():
            files[name] = f.read_bytes()
    return files


def runner(scheduler: str, finish: Callable[..., Result]) -> Callable[..., list[Result]]:
    """A function that plays the role of ``batch._run`` on the Dask cluster ``scheduler``
    ("tcp://HOST:PORT", or "local" for a LocalCluster started in this process) and hands each
    finished report to ``finish`` (``batch._finish``: PDF, publish, progress line).

    A remote scheduler is reached now, before anything is built or written: SchedulerError
    (exit 2, one line) when it cannot be reached, has no worker, or has a worker of more than
    one thread."""
    client = None if scheduler == LOCAL else connect(scheduler)

    def run(todo: list[Job], formats, workers: int, progress, results: list[Result]) -> list[Result]:
        return run_on_cluster(scheduler, client, finish, todo, formats, workers, progress, results)

    return run


def _reason(exc: BaseException) -> str:
    return (f"{type(exc).__name__}: {exc}".splitlines() or [type(exc).__name__])[0]


def connect(scheduler: str):
    """A ``distributed.Client`` of the scheduler at ``scheduler`` whose workers each run one
    thread; SchedulerError when it cannot be reached or used."""
    if "://" not in scheduler and ":" not in scheduler:
        raise SchedulerError(f"--scheduler must be tcp://HOST:PORT or {LOCAL}, got {scheduler!r}")
    _probe(scheduler)
    _quiet_logs()
    import distributed

    try:
        client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except Exception as exc:
        raise SchedulerError(f"cannot reach Dask scheduler {scheduler}: {_reason(exc)}") from None
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT)
    except Exception:
        client.close()
        raise SchedulerError(f"Dask scheduler {scheduler} has no worker after {WORKER_WAIT} s "
                             f"(start one: dask worker {scheduler} --nthreads 1)") from None
    try:
        check_threads(client.scheduler_info().get("workers", {}))
    except SchedulerError:
        client.close()
        raise
    return client


def _probe(scheduler: str) -> None:
    """A refused or unresolvable tcp:// address fails at once, not after distributed's retries."""
    import socket
    from urllib.parse import urlsplit

    if not scheduler.startswith("tcp://"):
        return
    try:
        where = urlsplit(scheduler)
        host, port = where.hostname, where.port
    except ValueError as exc:
        raise SchedulerError(f"cannot reach Dask scheduler {scheduler}: {exc}") from None
    if not host or not port:
        raise SchedulerError(f"cannot reach Dask scheduler {scheduler}: no host:port (tcp://HOST:8786)")
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise SchedulerError(f"cannot reach Dask scheduler {scheduler}: "
                             f"{exc.strerror or _reason(exc)}") from None


def check_threads(workers: dict[str, dict[str, Any]]) -> None:
    """SchedulerError naming a worker that runs more than one thread: a task sets the project
    root in its worker's environment, so two tasks of one worker must never run at once."""
    for address, info in sorted(workers.items()):
        n = info.get("nthreads", 1)
        if n != 1:
            raise SchedulerError(f"Dask worker {address} runs {n} threads; start every worker with "
                                 "`dask worker … --nthreads 1` (a report sets its own project root)")


def _quiet_logs() -> None:
    """distributed's client and local cluster log to stderr; the build speaks in its own lines."""
    import logging

    for name in ("distributed", "tornado", "bokeh"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _local_cluster(workers: int):
    """A LocalCluster of ``workers`` processes of one thread each, no dashboard; a task whose
    worker is lost is run once more by the scheduler (``allowed-failures`` 1)."""
    import logging

    import dask
    import distributed

    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        return distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                        host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                        silence_logs=logging.CRITICAL)


def _silence_worker() -> None:
    """A local worker's output (and its kernels') goes nowhere, as a local pool worker's does:
    the build speaks in its own lines."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


def _allowed_failures(client) -> int:
    """How many lost workers the scheduler allows a task before it gives up (KilledWorker)."""
    try:
        return int(client.run_on_scheduler(_scheduler_allowed_failures))
    except Exception:
        return 3                        # distributed's default


def _scheduler_allowed_failures(dask_scheduler=None) -> int:
    return dask_scheduler.allowed_failures


def run_on_cluster(scheduler: str, client, finish: Callable[..., Result], todo: list[Job], formats,
                   workers: int, progress, results: list[Result]) -> list[Result]:
    """Run the jobs on the cluster (``client``, or a LocalCluster of ``workers`` processes when it
    is None), write each report's returned outputs into its local staging folder and hand it to
    ``finish`` as it completes; ``results`` gets every finished report. Same role and arguments
    as ``batch._run``."""
    if not todo:
        if client is not None:
            client.close()
        return results
    _quiet_logs()
    from distributed import as_completed

    code = provenance.code_version()
    with contextlib.ExitStack() as stack:
        if client is None:
            import distributed

            local = stack.enter_context(_local_cluster(workers))
            client = stack.enter_context(distributed.Client(local, set_as_default=False))
            client.run(_silence_worker)
        else:
            stack.callback(client.close)
        allowed = _allowed_failures(client)
        printer: list = []                           # the shared browser, opened on the first PDF
        futures: dict[Any, Job] = {}
        tries = dict.fromkeys((j.key for j in todo), 0)

        def submit(job: Job):
            task = Task(job=job, want_html=bool(formats), code=code, files=task_files(job))
            fut = client.submit(run_task, task, key=f"report-{job.key}-{uuid.uuid4().hex[:8]}",
                                pure=False, retries=0)
            futures[fut] = job
            return fut

        pending = as_completed([submit(job) for job in todo], loop=client.loop)
        try:
            for fut in pending:
                job = futures.pop(fut)
                try:
                    res, outputs = fut.result()
                except Exception as exc:
                    tries[job.key] += 1
                    lost = type(exc).__name__ == "KilledWorker"
                    if lost and allowed == 0 and tries[job.key] < 2:
                        pending.add(submit(job))     # the scheduler retries nothing: once more here
                        continue
                    res, outputs = _lost(job, exc, lost, allowed), {}
                finally:
                    fut.release()
                stage_outputs(job, res, outputs)
                results.append(finish(job, res, formats, printer, stack, progress))
        except BaseException:
            with contextlib.suppress(Exception):
                client.cancel(list(futures), force=True)
            raise
    return results


def _lost(job: Job, exc: BaseException, lost: bool, allowed: int) -> Result:
    if lost:
        runs = min(max(allowed, 1) + 1, LOST_LIMIT)
        error = (f"its Dask worker was lost (killed or out of memory) {runs} times: "
                 f"{_reason(exc)}")
    else:
        error = f"the Dask task failed: {_reason(exc)}"
    return Result(key=job.key, status="failed", stage="execute", error=error)


def stage_outputs(job: Job, res: Result, outputs: dict[str, tuple[str, bytes]]) -> None:
    """Write the outputs a worker returned ({kind: (file name, bytes)}) into the job's local
    staging folder and point ``res.staged`` at them, as a local worker leaves them."""
    res.staged = {}
    staging = Path(job.staging)
    for kind, (name, data) in outputs.items():
        target = staging / Path(name).name
        target.write_bytes(data)
        res.staged[kind] = str(target)


# ---------------------------------------------------------------------------- worker side

def _worker_threads() -> int | None:
    """The number of threads of the Dask worker running this task (None outside a worker)."""
    try:
        from distributed import get_worker

        w = get_worker()
    except Exception:
        return None
    state = getattr(w, "state", None)
    return getattr(state, "nthreads", None) or getattr(w, "nthreads", None)


def lost_workers() -> int:
    """How many workers running this task were lost before (the scheduler's count for the task
    under way): the scheduler may allow more than :data:`LOST_LIMIT` (``allowed-failures``, 3 by
    default), the build runs a report whose worker was lost once more, not more."""
    try:
        from distributed import get_client, get_worker

        key = get_worker().get_current_task()
        return int(get_client().run_on_scheduler(_scheduler_suspicious, key) or 0)
    except Exception:
        return 0


def _scheduler_suspicious(key, dask_scheduler=None) -> int:
    ts = dask_scheduler.tasks.get(key)
    return ts.suspicious if ts is not None else 0


def run_task(task: Task) -> tuple[Result, dict[str, tuple[str, bytes]]]:
    """Run one report on a Dask worker: lay its input files out as a private temporary project
    root, run :func:`helpers.reports.worker.run` there (``BUDGET_REPORTS_ROOT`` set for the
    task), and return the Result with the staged outputs as {kind: (file name, bytes)}. The
    temporary root is removed. Never raises for a report that fails: the Result says why."""
    job = task.job
    if lost_workers() >= LOST_LIMIT:
        return _failed(job, f"its Dask worker was lost (killed or out of memory) {LOST_LIMIT} times; "
                            "not run again"), {}
    threads = _worker_threads()
    if threads not in (None, 1):
        return _failed(job, f"this Dask worker runs {threads} threads; start it with --nthreads 1"), {}
    mine = provenance.code_version()
    if mine != task.code:     # the report's footer and the manifest would not tell the truth
        return _failed(job, f"this Dask worker runs {provenance.describe_code_version(mine)}, the build "
                            f"{provenance.describe_code_version(task.code)}: install the same code "
                            "on every worker"), {}
    tmp_parent = tempfile.gettempdir()
    atomic.clean_owned_folders(tmp_parent, TMP_PREFIX)          # left by a killed worker
    tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-task-", dir=tmp_parent))
    old = os.environ.get("BUDGET_REPORTS_ROOT")
    try:
        root = tmp / "project"
        for name, data in task.files.items():
            rel = Path(name)
            if rel.is_absolute() or ".." in rel.parts:
                return _failed(job, f"input {name!r} is outside the project tree"), {}
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (root / "reports").mkdir(exist_ok=True)
        staging = tmp / "staging"
        staging.mkdir()
        os.environ["BUDGET_REPORTS_ROOT"] = str(root)
        res = worker.run(dataclasses.replace(job, staging=str(staging)), task.want_html)
        outputs = {kind: (Path(p).name, Path(p).read_bytes()) for kind, p in res.staged.items()}
        res.staged = {}
        return res, outputs
    except Exception as exc:
        return _failed(job, f"on the Dask worker: {_reason(exc)}"), {}
    finally:
        if old is None:
            os.environ.pop("BUDGET_REPORTS_ROOT", None)
        else:
            os.environ["BUDGET_REPORTS_ROOT"] = old
        shutil.rmtree(tmp, ignore_errors=True)


def _failed(job: Job, error: str) -> Result:
    return Result(key=job.key, status="failed", stage="execute", error=error)
