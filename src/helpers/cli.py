"""`python -m helpers <command>`: a thin layer mapping flags onto library functions.

Each command lives in ``helpers.commands.<name>`` and exposes ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``. Errors raised on purpose (``HelpersError``)
become one line on stderr naming the file and place, exit status 2 (1 for a batch with failed
reports); anything else is an internal error. ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback

from helpers import __version__
from helpers.errors import HelpersError

# Registration block: the commands, in the order `--help` lists them.
COMMAND_MODULES = (
    "helpers.commands.ingest",
    "helpers.commands.audit",
    "helpers.commands.score",
    "helpers.commands.workbook",
    "helpers.commands.params",
    "helpers.commands.build",
)


def _load_commands():
    mods = []
    for name in COMMAND_MODULES:
        try:
            mods.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:  # a command not written yet is simply absent
            if exc.name != name:
                raise
    return mods


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpers",
        description="Budget-performance report suite (预算重点领域财政项目文本 → 绩效报告).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for mod in _load_commands():
        p = sub.add_parser(mod.NAME, help=mod.HELP, description=mod.HELP)
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="show Python tracebacks on errors")
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        debug = bool(getattr(args, "debug", False))
        return int(args._run(args) or 0)
    except HelpersError as exc:
        if debug:
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # pragma: no cover - the safety net itself
        if debug:
            traceback.print_exc()
        print(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
