"""Reap every process a command starts, its grandchildren included.

Chromium's crash handler (chrome_crashpad_handler) double-forks: once the browser quits, its
processes are orphans, reparented to PID 1. In a container whose PID 1 does not reap, they stay
zombies, and their CPU time never reaches the command's own count (GNU time counts only the
children a process waits for). ``python -m helpers`` therefore makes itself a *child subreaper*
(Linux ``prctl(PR_SET_CHILD_SUBREAPER)``): orphans of its descendants become its children, and
:func:`reap_orphans` waits for them when the command is done, so every process a build starts is
reaped and counted. Only the top-level command does this; library calls (tests calling
``helpers.cli.main`` in-process) are left alone."""

from __future__ import annotations

import ctypes
import os
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Make this process the reaper of its descendants' orphans; False where not supported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def reap_orphans(timeout: float = 2.0) -> int:
    """Wait for every child that has ended or ends within ``timeout`` seconds (orphans handed
    over by :func:`become_subreaper`); return how many were reaped. A child still running after
    that is left alone (on exit it passes to PID 1)."""
    reaped = 0
    deadline = time.monotonic() + timeout
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return reaped                     # no child left at all
        if pid:
            reaped += 1
            continue
        if time.monotonic() >= deadline:
            return reaped
        time.sleep(0.05)
