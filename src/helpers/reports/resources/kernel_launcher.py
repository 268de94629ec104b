"""A kernel's process as jupyter_client sees it, for a kernel forked by a warm zygote.

    python -I -S kernel_launcher.py ZYGOTE_SOCKET -- python -m ipykernel_launcher -f CONNECTION_FILE

Standard library only, so it starts in a few milliseconds. It asks the zygote
(helpers.reports.kernels) listening on ZYGOTE_SOCKET to fork a kernel for the command after
``--``, with this process's working directory, environment and standard streams (passed as file
descriptors), forwards the signals it is sent (interrupt, terminate…) to that kernel, and exits as
the kernel did. When this process is SIGKILLed (an immediate shutdown), the zygote sees the
connection close and SIGKILLs and reaps the kernel. When its own parent (the build's worker) is
gone it exits, with the same effect."""

import json
import os
import select
import signal
import socket
import struct
import sys

FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
             signal.SIGUSR2)
PARENT_POLL = 0.5          # seconds between checks that the worker that started us is alive


def _std_fds():
    """0, 1 and 2, each opened on /dev/null first if it is closed."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    return [0, 1, 2]


def main(argv):
    """Run one kernel through the zygote; return the exit status to leave with."""
    if len(argv) < 4 or argv[2] != "--":
        print("usage: kernel_launcher.py ZYGOTE_SOCKET -- KERNEL ARGV...", file=sys.stderr)
        return 2
    parent = os.getppid()
    request = json.dumps({"argv": argv[3:], "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(argv[1])
        socket.send_fds(sock, [struct.pack("!I", len(request)) + request], _std_fds())
    except OSError as exc:
        print(f"kernel launcher: cannot reach the zygote at {argv[1]}: {exc}", file=sys.stderr)
        return 1

    def forward(signum, _frame):
        try:
            sock.sendall(b"S %d\n" % signum)
        except OSError:
            pass
    for signum in FORWARDED:
        signal.signal(signum, forward)

    buf = b""
    while True:
        ready, _, _ = select.select([sock], [], [], PARENT_POLL)
        if not ready:
            if os.getppid() != parent:        # the worker is gone: closing the socket ends the kernel
                return 1
            continue
        data = sock.recv(4096)
        if not data:                          # the zygote is gone (and with it the kernel)
            return 1
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if line.startswith(b"X "):        # the kernel's wait status
                code = os.waitstatus_to_exitcode(int(line[2:]))
                if code < 0:                  # killed by a signal: end the same way
                    signal.signal(-code, signal.SIG_DFL)
                    os.kill(os.getpid(), -code)
                    return 128 - code
                return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
