"""Warm kernels: a report's kernel forked from a process that has already paid for the imports.

Starting an ipykernel and importing helpers, pandas and matplotlib in it costs about 1.7 CPU-s,
most of a report. A *zygote* (``python -m helpers.reports.kernels SOCKET PARENT_PID``, one per
build worker) imports ipykernel, IPython, pandas, matplotlib (with ``MPLBACKEND`` set to the
inline backend, as ipykernel would set it) and ``helpers.reports.report_data``, then waits on a
Unix socket, single-threaded, with no zmq context. For each report it forks a fresh kernel: the
child takes the launcher's working directory, environment, argv and standard streams and runs
``IPKernelApp`` exactly as ``python -m ipykernel_launcher -f CONNECTION_FILE`` would. Every
kernel is a fresh fork of the same pristine zygote, so no report sees another's state.

jupyter_client starts ``resources/kernel_launcher.py`` (stdlib only, ``python -I -S``) as the
kernel's process (:class:`WarmKernelManager`); it hands its request to the zygote, forwards
signals and exits with the kernel's status. Reaping: the zygote waits for every kernel it forks
and sends the status back; a launcher that is SIGKILLed (nbclient's immediate shutdown) closes its
connection and the zygote SIGKILLs and reaps that kernel; a kernel dies with its zygote
(``PR_SET_PDEATHSIG``); the zygote ends its kernels and exits on SIGTERM or when the worker that
started it is gone; the worker stops it (SIGTERM, then waits) when it exits.

``BUDGET_REPORTS_KERNELS=fresh`` switches back to one ``ipykernel_launcher`` process per report.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
from pathlib import Path

MODE_VARIABLE = "BUDGET_REPORTS_KERNELS"
MODES = ("warm", "fresh")
DEFAULT_MODE = "warm"
LAUNCHER = Path(__file__).resolve().parent / "resources" / "kernel_launcher.py"
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
# What every report kernel imports (see notebooks/*.ipynb), imported once in the zygote.
# What a fresh kernel imports before the first cell (ipykernel, its debugger, IPython's history
# and completer) and what every report imports (notebooks/*.ipynb), imported once in the zygote.
PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger",
           "IPython", "IPython.core.completerlib", "IPython.core.debugger",
           "IPython.extensions.storemagic", "sqlite3", "psutil", "pandas", "matplotlib",
           "matplotlib.figure", "matplotlib.font_manager", "matplotlib.backends.backend_agg",
           "PIL.PngImagePlugin", "helpers.reports.report_data")
PARENT_POLL = 0.5            # seconds between the zygote's checks that its worker is alive
START_TIMEOUT = 60           # seconds the worker waits for a zygote to be ready
_PR_SET_PDEATHSIG = 1


def mode() -> str:
    """``warm`` (kernels forked from a zygote, the default) or ``fresh`` (one ipykernel process
    per report), from ``BUDGET_REPORTS_KERNELS``; ValueError for anything else."""
    value = os.environ.get(MODE_VARIABLE, "").strip() or DEFAULT_MODE
    if value not in MODES:
        raise ValueError(f"{MODE_VARIABLE}={value!r}: expected one of {', '.join(MODES)}")
    return value


# ============================================================================ worker side

class Zygote:
    """A running zygote of this worker: its process and the socket it listens on."""

    def __init__(self, folder: str) -> None:
        """Start ``python -m helpers.reports.kernels`` listening in ``folder`` (a private, short
        folder: a Unix socket path is limited to 107 bytes) and wait until it is ready."""
        self.folder = folder
        self.socket = os.path.join(folder, "zygote")
        self.root = os.environ.get("BUDGET_REPORTS_ROOT", "")
        env = dict(os.environ)
        env.setdefault("MPLBACKEND", INLINE_BACKEND)   # as ipykernel sets it before any import
        self.process = subprocess.Popen(
            [sys.executable, "-m", "helpers.reports.kernels", self.socket, str(os.getpid()), self.root],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, env=env, cwd=folder, close_fds=True)
        ready, _, _ = select.select([self.process.stdout], [], [], START_TIMEOUT)
        line = self.process.stdout.readline() if ready else b""
        self.process.stdout.close()
        if line.strip() != b"ready":
            self.stop()
            raise RuntimeError("the warm kernel process (zygote) did not start")

    def alive(self) -> bool:
        """Whether the zygote still runs."""
        return self.process.poll() is None

    def stop(self) -> None:
        """End the zygote (it ends its kernels first) and reap it."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)


_ZYGOTE: Zygote | None = None
_LOCK = threading.Lock()


def zygote(folder_factory) -> Zygote:
    """This worker's zygote, started on first use (``folder_factory()`` makes its socket
    folder) or again if it died; stopped when the worker exits. A zygote serves one project
    root (``BUDGET_REPORTS_ROOT``, which its environment names): another root gets a new one,
    and a zygote whose root folder is removed (a Dask task's temporary root) ends itself.
    Thread-safe (one zygote serves every thread of the process: each connection forks its own
    kernel)."""
    global _ZYGOTE
    with _LOCK:
        root = os.environ.get("BUDGET_REPORTS_ROOT", "")
        if _ZYGOTE is not None and _ZYGOTE.alive() and _ZYGOTE.root == root:
            return _ZYGOTE
        if _ZYGOTE is not None:
            _ZYGOTE.stop()
        _ZYGOTE = Zygote(folder_factory())
        from multiprocessing import util

        util.Finalize(None, stop_zygote, exitpriority=10)    # a pool worker's clean exit
        return _ZYGOTE


def stop_zygote() -> None:
    """Stop this process's zygote, if any."""
    global _ZYGOTE
    if _ZYGOTE is not None:
        _ZYGOTE.stop()
        _ZYGOTE = None


def manager_config(socket_path: str) -> dict:
    """The traitlets config section naming the zygote for :func:`manager_class`."""
    return {"WarmKernelManager": {"zygote": socket_path}}


def manager_class():
    """The jupyter_client ``AsyncKernelManager`` whose kernel command is the launcher: the
    kernel spec's command (``python -m ipykernel_launcher -f {connection_file}``) is handed to
    the zygote named by its ``zygote`` setting."""
    global _MANAGER
    if _MANAGER is None:
        from jupyter_client.manager import AsyncKernelManager
        from traitlets import Unicode

        class WarmKernelManager(AsyncKernelManager):
            """A kernel manager that forks its kernel from a warm zygote."""

            zygote = Unicode("", help="Unix socket of the zygote that forks the kernel").tag(config=True)

            def format_kernel_cmd(self, extra_arguments=None):
                """The launcher, then the kernel spec's command; the command alone (a fresh
                kernel) when it is not ``ipykernel_launcher`` on this interpreter."""
                cmd = super().format_kernel_cmd(extra_arguments)
                if not forkable(cmd):
                    return cmd
                return [sys.executable, "-I", "-S", str(LAUNCHER), self.zygote, "--", *cmd]

        _MANAGER = WarmKernelManager
    return _MANAGER


_MANAGER = None


def forkable(cmd: list[str]) -> bool:
    """Whether a kernel command is ``python -m ipykernel_launcher …`` on the interpreter the
    zygote runs (any other kernel spec is started as it is)."""
    return (len(cmd) >= 3 and cmd[1:3] == ["-m", "ipykernel_launcher"]
            and os.path.abspath(cmd[0]) == os.path.abspath(sys.executable))


# ============================================================================ the zygote

def _recv_request(conn: socket.socket) -> tuple[dict, list[int]]:
    """The launcher's request (argv, cwd, env) and its standard streams."""
    conn.settimeout(10)
    data, fds, _, _ = socket.recv_fds(conn, 1 << 16, 3)
    if len(data) < 4:
        raise OSError("short request")
    size = struct.unpack("!I", data[:4])[0]
    data = data[4:]
    while len(data) < size:
        more = conn.recv(size - len(data))
        if not more:
            raise OSError("request cut short")
        data += more
    conn.settimeout(None)
    return json.loads(data), fds


def _become_kernel(request: dict, fds: list[int], close: list, set_at_import: dict) -> None:
    """In the forked child: take the launcher's session, streams, directory, environment (with
    the variables the preloaded modules set at import, where unset) and argv, and run the kernel
    as ``python -m ipykernel_launcher`` would. Never returns."""
    code = 1
    try:
        parent = os.getppid()
        os.setsid()                               # as jupyter_client's start_new_session
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(1)
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for thing in close:
            with contextlib.suppress(OSError):
                if isinstance(thing, int):
                    os.close(thing)
                else:
                    thing.close()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        for key, value in set_at_import.items():
            os.environ.setdefault(key, value)
        argv = request["argv"]
        if argv[1:3] != ["-m", "ipykernel_launcher"]:
            raise ValueError(f"the zygote runs only ipykernel_launcher, not {argv!r}")
        import ipykernel_launcher

        sys.argv = [ipykernel_launcher.__file__, *argv[3:]]
        import numpy

        numpy.random.seed()                       # a fresh kernel's numpy state (random is reseeded at fork)
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        app.parent_handle = parent                # its default was read from the zygote's env at import
        app.initialize(sys.argv[1:])
        app.start()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            import atexit

            atexit._run_exitfuncs()
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def serve(path: str, parent: int, root: str = "") -> int:
    """The zygote: preload, listen on ``path``, fork a kernel per connection, forward signals,
    report exit statuses; end every kernel and exit on SIGTERM, when ``parent`` is gone or when
    the folder ``root`` (when given) is."""
    import importlib

    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    before = dict(os.environ)
    for name in PRELOAD:
        importlib.import_module(name)
    # Variables the imports set (debugpy: PYDEVD_USE_FRAME_EVAL=NO, if unset): a fresh kernel
    # imports them after it has its environment, so each forked kernel gets them the same way.
    set_at_import = {k: v for k, v in os.environ.items() if k not in before}
    if threading.active_count() != 1:              # a fork must copy one thread, no more
        raise RuntimeError(f"zygote has {threading.active_count()} threads after its imports")
    import gc

    gc.collect()
    gc.freeze()          # the preloaded objects are never scanned again: their pages stay shared

    stopping = []
    wake_r, wake_w = os.pipe()
    for fd in (wake_r, wake_w):
        os.set_blocking(fd, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, signal.SIG_IGN)      # Ctrl-C is the build's to handle
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    conns: dict[socket.socket, int] = {}              # launcher connection → its kernel's pid
    kernels: dict[int, socket.socket] = {}
    print("ready", flush=True)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)                                  # the worker reads one line only
    os.close(null)

    def reap(block_pid: int | None = None) -> None:
        while kernels:
            try:
                pid, status = os.waitpid(block_pid or -1, 0 if block_pid else os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = kernels.pop(pid, None)
            if conn is not None:
                conns.pop(conn, None)
                with contextlib.suppress(OSError):
                    conn.sendall(b"X %d\n" % status)
                conn.close()
            if block_pid:
                return

    try:
        while not stopping and os.getppid() == parent and (not root or os.path.isdir(root)):
            try:
                ready, _, _ = select.select([listener, wake_r, *conns], [], [], PARENT_POLL)
            except InterruptedError:
                continue
            if wake_r in ready:
                with contextlib.suppress(OSError):
                    while os.read(wake_r, 512):
                        pass
            reap()
            for conn in [c for c in ready if c in conns]:
                try:
                    data = conn.recv(4096)
                except OSError:
                    data = b""
                pid = conns[conn]
                if not data:                              # the launcher is gone: so is its kernel
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
                    reap(pid)
                    conns.pop(conn, None)
                    kernels.pop(pid, None)
                    conn.close()
                    continue
                for line in data.split(b"\n"):
                    if line.startswith(b"S "):
                        with contextlib.suppress(OSError, ValueError):
                            os.kill(pid, int(line[2:]))
            if listener in ready:
                conn, _ = listener.accept()
                try:
                    request, fds = _recv_request(conn)
                except (OSError, ValueError):
                    conn.close()
                    continue
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    _become_kernel(request, fds, [listener, wake_r, wake_w, *conns, conn],
                                   set_at_import)
                for fd in fds:
                    os.close(fd)
                conns[conn] = pid
                kernels[pid] = conn
    finally:
        for pid in list(kernels):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        for pid in list(kernels):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        listener.close()
        with contextlib.suppress(OSError):
            os.unlink(path)
    return 0


def main(argv: list[str]) -> int:
    """``python -m helpers.reports.kernels SOCKET PARENT_PID [ROOT]``: run a zygote."""
    return serve(argv[1], int(argv[2]), argv[3] if len(argv) > 3 else "")


if __name__ == "__main__":
    # As ipykernel_launcher does: the working directory is not on sys.path (IPython adds "" back
    # in each kernel), so a forked kernel's sys.path is that of a fresh one.
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]
    sys.exit(main(sys.argv))
