"""Warm kernels (helpers.reports.kernels): each report's kernel is forked from a warm zygote.

The outputs are byte for byte those of one fresh ipykernel process per report; a kernel sees the
environment, directory, argv and sys.path a fresh kernel sees and nothing of an earlier kernel;
every process is reaped; two builds of the same inputs give the same bytes (the overview PDF too).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from tests.reliability.support import cli_env, manifest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
KINDS = ("ipynb", "html", "pdf", "indicators_xlsx", "score_xlsx")


def _tree(dest: Path) -> Path:
    for name in ("data", "notebooks", "params"):
        shutil.copytree(REPO / name, dest / name, ignore=shutil.ignore_patterns("derived"))
    (dest / "reports").mkdir()
    return dest


def _build(root: Path, kernels: str, code: Path) -> dict[str, str]:
    """``build --force`` of ``root`` with BUDGET_REPORTS_KERNELS=kernels and the package copied
    to ``code``; {output path: sha256} from the manifest."""
    env = cli_env(root, BUDGET_REPORTS_KERNELS=kernels, PYTHONPATH=str(code))
    proc = subprocess.run([sys.executable, "-m", "helpers", "build", "--force", "--jobs", "2"],
                          env=env, cwd=root, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    data = manifest(root)
    out = {}
    for key, entry in data["reports"].items():
        assert entry["status"] == "ok", (key, entry)
        for rec in entry["outputs"].values():
            out[rec["path"]] = rec["sha256"]
    assert {k.rsplit(".", 1)[-1] for k in out} >= {"ipynb", "html", "pdf", "xlsx"}
    return out


def test_warm_kernels_give_the_bytes_of_fresh_kernels(tmp_path):
    """Seed reports with fresh kernels, with warm kernels, and with warm kernels again: every
    output (ipynb, html, pdf, xlsx) has the same sha256. The builds run a copy of the package
    (PYTHONPATH) outside any checkout, so code edited or committed meanwhile changes nothing."""
    code = tmp_path / "code"
    shutil.copytree(REPO / "src" / "helpers", code / "helpers",
                    ignore=shutil.ignore_patterns("__pycache__"))
    fresh = _build(_tree(tmp_path / "fresh"), "fresh", code)
    warm = _build(_tree(tmp_path / "warm"), "warm", code)
    again = _build(tmp_path / "warm", "warm", code)
    assert warm == fresh
    assert again == warm          # two builds of the same inputs: the overview PDF included


def _probe_cell() -> str:
    return (
        "import os, sys, json, matplotlib, threading\n"
        "from helpers.core import paths\n"
        "from ipykernel.kernelapp import IPKernelApp\n"
        "probe_state = globals().get('probe_state', 'pristine')\n"
        "print(json.dumps({'cwd': os.getcwd(), 'path': sys.path, 'argv0': os.path.basename(sys.argv[0]),\n"
        "    'argv_n': len(sys.argv), 'env': {k: v for k, v in os.environ.items()\n"
        "    if k not in ('JPY_PARENT_PID', 'JPY_SESSION_NAME')}, 'backend': matplotlib.get_backend(),\n"
        "    'root': str(paths.project_root()), 'fault': os.environ.get('BUDGET_REPORTS_FAULT'),\n"
        "    'leak': getattr(paths, 'LEAK', None), 'state': probe_state,\n"
        "    'poller': type(IPKernelApp.instance().poller).__name__,\n"
        "    'sid': os.getsid(0) == os.getpid(), 'pid': os.getpid()}))\n"
        "paths.LEAK = 'from an earlier kernel'\n"
        "probe_state = 'used'\n")


def _run_probe(kernels_mode: str, cwd: Path, env: dict[str, str]) -> dict:
    import json

    import nbformat
    from nbclient import NotebookClient
    from traitlets.config import Config

    from helpers.reports import kernels

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(_probe_cell()))
    sockets = tempfile.mkdtemp(prefix="brk-test-", dir="/tmp")
    config = Config({"KernelManager": {"transport": "ipc", "ip": os.path.join(sockets, "k"),
                                       "connection_file": os.path.join(sockets, "kernel.json")}})
    extra = {}
    if kernels_mode == "warm":
        zyg = kernels.zygote(lambda: tempfile.mkdtemp(prefix="brk-test-", dir="/tmp"))
        config.merge(Config(kernels.manager_config(zyg.socket)))
        extra["kernel_manager_class"] = kernels.manager_class()
    old = dict(os.environ)
    os.environ.update(env)
    try:
        NotebookClient(nb, kernel_name="python3", config=config, resources={"metadata": {"path": str(cwd)}},
                       shutdown_kernel="immediate", **extra).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
        shutil.rmtree(sockets, ignore_errors=True)
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    assert text, nb.cells[0].outputs
    return json.loads(text)


def _alive(pid: int, within: float = 0) -> bool:
    """Whether process ``pid`` still exists (a zombie too) after up to ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        if time.monotonic() >= deadline:
            return True
        time.sleep(0.05)


def test_a_warm_kernel_sees_what_a_fresh_one_sees_and_nothing_of_the_last(tmp_path):
    from helpers.reports import kernels

    env = {"BUDGET_REPORTS_ROOT": str(tmp_path), "BUDGET_REPORTS_FAULT": "raise:2099/nothing"}
    try:
        fresh = _run_probe("fresh", tmp_path, env)
        first = _run_probe("warm", tmp_path, env)
        second = _run_probe("warm", tmp_path, env)
    finally:
        kernels.stop_zygote()
    for probe in (fresh, first, second):
        assert probe["root"] == str(tmp_path) and probe["fault"] == "raise:2099/nothing"
        assert probe["state"] == "pristine" and probe["leak"] is None     # nothing of an earlier kernel
    for key in ("cwd", "path", "argv0", "argv_n", "env", "backend", "root", "poller", "sid"):
        assert first[key] == fresh[key], key
    assert first["pid"] != second["pid"]
    assert not _alive(first["pid"], 5) and not _alive(second["pid"], 5)  # killed and reaped


def test_killing_the_launcher_kills_and_reaps_the_kernel_and_stop_ends_the_zygote():
    import json

    from jupyter_client.blocking import BlockingKernelClient

    from helpers.reports import kernels

    zyg = kernels.zygote(lambda: tempfile.mkdtemp(prefix="brk-test-", dir="/tmp"))
    sockets = tempfile.mkdtemp(prefix="brk-test-", dir="/tmp")
    km = kernels.manager_class()(kernel_name="python3", zygote=zyg.socket, transport="ipc",
                                 ip=os.path.join(sockets, "k"),
                                 connection_file=os.path.join(sockets, "kernel.json"))
    try:
        import asyncio

        asyncio.run(km.start_kernel())
        kc = BlockingKernelClient(connection_file=km.connection_file)
        kc.load_connection_file()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        out: list = []
        reply = kc.execute_interactive("import os, json; print(json.dumps(os.getpid()))", timeout=60,
                                       output_hook=out.append)
        assert reply["content"]["status"] == "ok"
        kernel_pid = next(json.loads(m["content"]["text"]) for m in out if m["msg_type"] == "stream")
        launcher = km.provisioner.process.pid
        assert kernel_pid != launcher and _alive(kernel_pid)
        os.kill(launcher, signal.SIGKILL)                  # nbclient's immediate shutdown
        km.provisioner.process.wait()
        assert not _alive(kernel_pid, 5), "the kernel outlived its launcher"   # nor left a zombie
        kc.stop_channels()
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
        zygote_pid = zyg.process.pid
        kernels.stop_zygote()
    assert zyg.process.returncode == 0 and not _alive(zygote_pid, 5)
    assert not Path(zyg.folder).exists()


def test_an_unknown_kernel_mode_is_refused(monkeypatch):
    from helpers.reports import kernels

    monkeypatch.setenv(kernels.MODE_VARIABLE, "tepid")
    with pytest.raises(ValueError, match="tepid"):
        kernels.mode()
    monkeypatch.setenv(kernels.MODE_VARIABLE, "fresh")
    assert kernels.mode() == "fresh"


def test_only_ipykernel_launcher_on_this_interpreter_is_forked():
    from helpers.reports import kernels

    assert kernels.forkable([sys.executable, "-m", "ipykernel_launcher", "-f", "k.json"])
    assert not kernels.forkable([sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher"])
    assert not kernels.forkable(["/opt/other/python", "-m", "ipykernel_launcher", "-f", "k.json"])


def test_a_zygote_serves_one_project_root_and_ends_when_it_is_removed(tmp_path, monkeypatch):
    """A Dask task runs in a temporary root: its zygote must not outlive it (nor serve the next
    task's root)."""
    from helpers.reports import kernels

    roots = [tmp_path / "a", tmp_path / "b"]
    for r in roots:
        r.mkdir()
    try:
        monkeypatch.setenv("BUDGET_REPORTS_ROOT", str(roots[0]))
        first = kernels.zygote(lambda: tempfile.mkdtemp(prefix="brk-test-", dir="/tmp"))
        assert kernels.zygote(lambda: pytest.fail("a second zygote for the same root")) is first
        monkeypatch.setenv("BUDGET_REPORTS_ROOT", str(roots[1]))
        second = kernels.zygote(lambda: tempfile.mkdtemp(prefix="brk-test-", dir="/tmp"))
        assert second is not first and first.process.returncode is not None   # stopped and reaped
        shutil.rmtree(roots[1])
        assert second.process.wait(timeout=5) == 0
    finally:
        kernels.stop_zygote()
