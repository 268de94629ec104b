"""The worker side of the batch build: one report, one process. ``run`` executes the report's
notebook with papermill (its own kernel), makes the executed notebook deterministic, stages the
report's XLSX tables and exports its HTML, all into the job's private staging dir. Workers never
touch reports/: the parent (helpers.reports.batch) prints the PDF and publishes.

``Job`` (what to build) and ``Result`` (what came of it) cross the process boundary, pickled."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from helpers.core import atomic, paths
from helpers.reports import kernels
from helpers.reports.params import ParamSet
from helpers.reports.render import Link, Nav

KERNEL = "python3"
# nbclient's default "graceful" shutdown waited ~3 s in one run of six; the benchmark compares
# both through this variable.
SHUTDOWN = os.environ.get("BUDGET_REPORTS_KERNEL_SHUTDOWN", "immediate")
# Longest time one notebook cell may run before the report fails (``build --cell-timeout``).
CELL_TIMEOUT = 300
# Kernel IPC sockets live in a short private folder: a Unix socket path is limited to 107 bytes,
# so it must not depend on the length of a project id or of $TMPDIR.
SOCKET_PARENTS = ("/tmp", "/dev/shm")


def _orphan_watch(parent: int) -> None:
    """Kill this worker's process group (the worker and its kernels) once the parent is gone."""
    while True:
        if os.getppid() != parent:
            with contextlib.suppress(OSError):
                os.killpg(os.getpgrp(), signal.SIGKILL)
            os._exit(1)     # pragma: no cover - killpg has already ended this process
        time.sleep(0.5)


def init_worker() -> None:
    """Set up a pool worker process: its own process group (so the parent can end it at once;
    its kernels watch it and exit when it is gone), Ctrl-C left to the parent (no
    traceback from idle workers), no log lines of its own, and a watch that ends the group within
    a second if the parent is killed."""
    import logging

    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.disable(logging.CRITICAL)     # a worker reports through its Result, never on stderr
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)                   # nor do its kernels ("Parent appears to have exited")
    os.dup2(devnull, 2)
    os.close(devnull)
    threading.Thread(target=_orphan_watch, args=(os.getppid(),), daemon=True,
                     name="orphan-watch").start()


SOCKET_PREFIX = "brk-"


def _socket_parent() -> str:
    for parent in SOCKET_PARENTS:
        if os.path.isdir(parent) and os.access(parent, os.W_OK):
            return parent
    return tempfile.gettempdir()                     # pragma: no cover - no /tmp at all


def socket_dir() -> str:
    """A new short private folder for a kernel's IPC sockets and connection file, named after the
    build that owns it (``brk-<build pid>-…``), so a build killed before it could remove it has it
    removed by the next one (:func:`clean_sockets`)."""
    return tempfile.mkdtemp(prefix=f"{SOCKET_PREFIX}{os.getppid()}-", dir=_socket_parent())


def clean_sockets(build_pid: int | None) -> list[Path]:
    """Remove the kernel socket folders of build ``build_pid``, or (None) of every build whose
    process is gone; returns what was removed."""
    return atomic.clean_owned_folders(_socket_parent(), SOCKET_PREFIX, build_pid)


@dataclass
class Job:
    """One report to build: its parameters, title, inputs and private staging folder, what the
    index shows of it (unit, key figures, findings) and its navigation (breadcrumbs, previous and
    next report of the year; the batch plans every job of a year, so it knows the order)."""

    params: ParamSet
    title: str
    inputs: list[dict[str, str]]
    key: str                       # "2024/family-accident-insurance"
    staging: str                   # private temp dir of this report
    key_figures: list[list[str]] | None = None   # [[label, display], …] at plan time; None: overview
    cell_timeout: int | None = CELL_TIMEOUT       # seconds a cell may run; None: no limit
    unit: str | None = None                      # implementing unit; None: a year overview
    findings: dict | None = None                 # {"counts": {severity: n}, "kinds": [...]}; None: overview
    nav: Nav | None = None                       # breadcrumbs, previous/next report (files added here)
    formats: tuple[str, ...] = ("html", "pdf")    # the formats of this build

    @property
    def out_dir(self) -> Path:
        """reports/<year>/."""
        return paths.reports_dir() / str(self.params.year)


@dataclass
class Result:
    """The outcome of one report: status, where it failed, stage timings and outputs."""

    key: str
    status: str                    # "ok" | "failed" | "skipped"
    error: str | None = None
    stage: str | None = None       # where it failed: execute | xlsx | html | pdf | publish
    timings: dict[str, float] = field(default_factory=dict)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    staged: dict[str, str] = field(default_factory=dict)


def preload() -> None:
    """Import what every report needs in the worker (papermill, nbformat, nbconvert): called by
    the build before it forks its pool, so the workers share one import instead of paying it each.

    jsonschema (under nbformat) imports ``rfc3987_syntax`` only for its "iri" format checks, and
    that import compiles about 35 Lark grammars (~0.9 CPU-s; python-jsonschema/jsonschema#1428).
    nbformat never checks formats (it uses no FormatChecker), so the import is skipped here."""
    import sys

    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)     # None: ``import`` raises ImportError
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401


def execute_and_render(job: Job, want_html: bool) -> Result:
    """Run one notebook with papermill and export its HTML into the job's staging dir.
    Runs in a worker process; never touches reports/ (the parent publishes)."""
    preload()
    import papermill
    from papermill.exceptions import PapermillExecutionError
    from traitlets.config import Config

    res = Result(key=job.key, status="ok")
    staging = Path(job.staging)
    executed = staging / f"{job.params.name}.ipynb"
    # Kernel sockets over IPC in a short private folder: no open TCP ports (and no plain-text
    # warning from every kernel), a socket path far below the 107-byte limit.
    sockets = socket_dir()
    config = Config({"KernelManager": {"transport": "ipc", "ip": os.path.join(sockets, "k"),
                                       "connection_file": os.path.join(sockets, "kernel.json")}})
    t0 = time.perf_counter()
    try:
        warm = {}
        if kernels.mode() == "warm":   # the kernel is forked from this worker's warm zygote
            config.merge(Config(kernels.manager_config(kernels.zygote(socket_dir).socket)))
            warm["kernel_manager_class"] = kernels.manager_class()
        papermill.execute_notebook(
            str(clean_template(job.params.notebook_path, staging)), str(executed),
            parameters=job.params.parameters,
            kernel_name=KERNEL, progress_bar=False, log_output=False,
            request_save_on_cell_execute=False, cwd=str(paths.notebooks_dir()),
            shutdown_kernel=SHUTDOWN, config=config, execution_timeout=job.cell_timeout, **warm)
    except PapermillExecutionError as exc:
        res.status, res.stage = "failed", "execute"
        res.error = f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}".strip()
    except Exception as exc:  # kernel died, a cell timed out, could not start…: a named failure
        res.status, res.stage = "failed", "execute"
        res.error = _one_line(exc, job)
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    res.timings["execute"] = time.perf_counter() - t0
    if res.status != "ok" and not _has_outputs(executed):
        # the kernel died or never started: keep a notebook that says what happened
        with contextlib.suppress(Exception):
            write_failure_notebook(job, executed, res.error or "")
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
        from helpers.reports import render

        html_path = staging / f"{job.params.name}.html"
        nav = job.nav.with_files(report_files(job, res)) if job.nav is not None else None
        html_path.write_text(render.notebook_to_html(executed, job.title, nav=nav), encoding="utf-8")
        res.staged["html"] = str(html_path)
    except Exception as exc:
        res.status, res.stage = "failed", "html"
        res.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
    res.timings["html"] = time.perf_counter() - t1
    return res


def clean_template_text(path: Path) -> str:
    """The report notebook as it would be committed (the nbstripout git filter): outputs,
    execution counts and per-cell run metadata removed. A template run and saved in JupyterLab
    therefore builds the same report, and counts as the same input.

    Read and written with json alone, byte for byte what ``nbformat.read(…, as_version=4)`` and
    ``nbformat.writes`` give (tested on every notebook in notebooks/), so fingerprinting a template
    imports neither nbformat nor jsonschema. A notebook older than format 4.5 (no cell ids) goes
    through nbformat, which upgrades it."""
    import json

    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if (not isinstance(cells, list) or nb.get("nbformat") != 4 or nb.get("nbformat_minor", 0) < 5
            or not all(isinstance(c, dict) and "id" in c for c in cells)):
        return _clean_template_text_nbformat(path)
    _strip_transient(nb)                        # nbformat's reader: rejoin_lines, strip_transient
    for cell in cells:
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
        for bundle in (cell.get("attachments") or {}).values():
            _rejoin_bundle(bundle)
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell["metadata"] = {k: v for k, v in (cell.get("metadata") or {}).items()
                            if k in ("tags", "papermill")}
    for cell in cells:                          # nbformat's writer: split_lines, strip_transient
        if isinstance(cell.get("source"), str):
            cell["source"] = cell["source"].splitlines(True)
        for bundle in (cell.get("attachments") or {}).values():
            _split_bundle(bundle)
    _strip_transient(nb)
    return json.dumps(nb, sort_keys=True, indent=1, separators=(",", ": "), ensure_ascii=False) + "\n"


# Mime types nbformat keeps as one string (nbformat.v4.rwbase, BSD-3-Clause): JSON values are
# never joined or split; other text-like values are stored as lists of lines.
_NON_TEXT_SPLIT_MIMES = {"application/javascript", "image/svg+xml"}


def _is_json_mime(mime: str) -> bool:
    return mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))


def _rejoin_bundle(bundle: dict) -> None:
    """nbformat.v4.rwbase._rejoin_mimebundle: a value stored as lines becomes one string."""
    for key, value in list(bundle.items()):
        if not _is_json_mime(key) and isinstance(value, list) and all(isinstance(x, str) for x in value):
            bundle[key] = "".join(value)


def _split_bundle(bundle: dict) -> None:
    """nbformat.v4.rwbase._split_mimebundle: text values are stored as lists of lines."""
    for key, value in list(bundle.items()):
        if isinstance(value, str) and (key.startswith("text/") or key in _NON_TEXT_SPLIT_MIMES):
            bundle[key] = value.splitlines(True)


def _strip_transient(nb: dict) -> None:
    """nbformat.v4.rwbase.strip_transient: values never stored in a file."""
    meta = nb.get("metadata")
    if isinstance(meta, dict):
        for key in ("orig_nbformat", "orig_nbformat_minor", "signature"):
            meta.pop(key, None)
    for cell in nb.get("cells", []):
        if isinstance(cell.get("metadata"), dict):
            cell["metadata"].pop("trusted", None)


def _clean_template_text_nbformat(path: Path) -> str:
    """:func:`clean_template_text` through nbformat, for a notebook it must upgrade first."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in ("tags", "papermill")}
    return nbformat.writes(nb) + "\n"


def clean_template(path: Path, staging: Path) -> Path:
    """Write :func:`clean_template_text` of ``path`` into ``staging`` and return it."""
    out = Path(staging) / f"template-{Path(path).name}"
    out.write_text(clean_template_text(path), encoding="utf-8")
    return out


def _one_line(exc: BaseException, job: Job) -> str:
    name = type(exc).__name__
    if name == "CellTimeoutError" or "timed out" in str(exc).lower():
        return f"CellTimeoutError: a cell ran longer than {job.cell_timeout} s (build --cell-timeout)"
    if name == "DeadKernelError":
        return "DeadKernelError: the kernel died while running the report"
    return f"{name}: {exc}".splitlines()[0]


def _has_outputs(path: Path) -> bool:
    """Whether papermill left an executed notebook with at least one cell output."""
    if not path.exists():
        return False
    try:
        import nbformat

        nb = nbformat.read(path, as_version=4)
    except Exception:
        return False
    return any(c.get("outputs") for c in nb.cells if c.cell_type == "code")


def write_failure_notebook(job: Job, path: Path, error: str) -> None:
    """The report's notebook with its parameters and a first cell saying why it failed, for a
    failure that left no executed notebook (a dead kernel, a kernel that never started)."""
    import nbformat
    from nbformat.v4 import new_markdown_cell

    nb = nbformat.read(job.params.notebook_path, as_version=4)
    params = "，".join(f"{k} = {v!r}" for k, v in sorted(job.params.parameters.items()))
    cell = new_markdown_cell(f"**构建失败**（{job.key}）：{error}\n\n参数：{params}")
    cell["id"] = "build-failure"
    nb.cells.insert(0, cell)
    nb.metadata["papermill"] = {"exception": True, "parameters": job.params.parameters}
    atomic.write_text(path, nbformat.writes(nb) + "\n")


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
        from helpers import indicators, ingest
        from helpers.evaluation import selfeval

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


# The files published beside a report, in the order its page lists them: kind → link text.
FILE_LABELS = {"pdf": "PDF版", "indicators_xlsx": "绩效指标表（XLSX）", "score_xlsx": "自评得分表（XLSX）"}


def report_files(job: Job, res: Result) -> list[Link]:
    """Links (relative, beside the report) to the files this build publishes with the report:
    its PDF when PDF is a format of the build, and the XLSX tables staged for it."""
    name = job.params.name
    out = []
    for kind, label in FILE_LABELS.items():
        if (kind == "pdf" and "pdf" in job.formats) or (kind in res.staged and kind in TABLE_KINDS):
            suffix = TABLE_KINDS.get(kind, kind)
            out.append(Link(f"{name}.{suffix}", label))
    return out


def run(job: Job, want_html: bool) -> Result:
    """The process pool's entry point: ``execute_and_render``, and any escaping error as a failed
    result."""
    try:
        return execute_and_render(job, want_html)
    except BaseException as exc:  # never lose a result to an unpicklable error
        return Result(key=job.key, status="failed", stage="execute",
                      error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}".strip())

