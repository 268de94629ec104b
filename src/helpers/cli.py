"""`python -m helpers <command>`: a thin layer mapping flags onto library functions.

Each command lives in ``helpers.commands.<name>`` and is registered in
``helpers.commands.registry`` (see that package).

The one error boundary: every expected failure becomes ONE line on stderr naming the file and
place, with exit status 2 for bad input (``HelpersError``, a usage error, an OS error such as
permission denied or a symlink loop) and 1 for a batch with failed reports; Ctrl-C exits 130
with "interrupted"; a closed output pipe (``… | head``) exits 141 quietly, like a program ended by
SIGPIPE. Anything else is an internal error (exit 1). ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import sys
import traceback

from helpers import __version__
from helpers.commands import registry as commands
from helpers.core.errors import HelpersError, UsageError, from_os_error


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (a UsageError), not usage plus a message."""

    def error(self, message: str):
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def build_parser() -> argparse.ArgumentParser:
    """The parser: ``--version``, ``--debug`` and one required sub-command per registered command.

    Each sub-parser gets the command's own arguments and ``_run`` set to the command's ``run``.
    """
    parser = _Parser(
        prog="python -m helpers",
        description="Budget-performance report suite (预算重点领域财政项目文本 → 绩效报告).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for cmd in commands:
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="show Python tracebacks on errors")
        cmd.add_arguments(p)
        p.set_defaults(_run=cmd.run)
    return parser


def _say(line: str) -> None:
    """One line on stderr; a closed stderr is not an error of its own."""
    try:
        print(line, file=sys.stderr, flush=True)
    except (BrokenPipeError, OSError, ValueError):
        pass


def _quiet_stdout() -> None:
    """After a closed pipe: point stdout at /dev/null so the interpreter's final flush is silent."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit status (see the module docstring for the error rules)."""
    argv = sys.argv[1:] if argv is None else argv
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        debug = bool(getattr(args, "debug", False))
        return int(args._run(args) or 0)
    except HelpersError as exc:
        if debug:
            traceback.print_exc()
        _say(f"error: {exc}".replace("\n", " "))
        return exc.exit_code
    except KeyboardInterrupt:
        _quiet_asyncio()
        _say("interrupted")
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        return 141
    except (OSError, RuntimeError, RecursionError) as exc:
        error = from_os_error(exc) if isinstance(exc, OSError) else _runtime_error(exc)
        if error is None:
            return _internal(exc, debug)
        if debug:
            traceback.print_exc()
        _say(f"error: {error}")
        return error.exit_code
    except Exception as exc:  # pragma: no cover - the safety net itself
        return _internal(exc, debug)


def _runtime_error(exc: BaseException) -> HelpersError | None:
    """A symlink loop or runaway recursion from path handling as bad input; None otherwise."""
    text = str(exc)
    if isinstance(exc, RecursionError) or "Symlink loop" in text or "symlink" in text.lower():
        return HelpersError(f"cannot follow the path: {text.splitlines()[0] if text else type(exc).__name__}")
    return None


def _internal(exc: BaseException, debug: bool) -> int:
    if debug:
        traceback.print_exc()
    _say(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)".splitlines()[0])
    return 1


def _quiet_asyncio() -> None:
    """Ctrl-C also reaches the browser driver; its half-finished futures are not worth a report."""
    import logging

    logging.getLogger("asyncio").setLevel(logging.CRITICAL)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
