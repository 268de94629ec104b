"""`python -m helpers <command>`: a thin layer mapping flags onto library functions.

Each command lives in ``helpers.commands.<name>`` and is registered in
``helpers.commands.registry`` (see that package). Errors raised on purpose (``HelpersError``)
become one line on stderr naming the file and place, exit status 2 (1 for a batch with failed
reports); anything else is an internal error. ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import sys
import traceback

from helpers import __version__
from helpers.commands import registry as commands
from helpers.core.errors import HelpersError


def build_parser() -> argparse.ArgumentParser:
    """The parser: ``--version``, ``--debug`` and one required sub-command per registered command.

    Each sub-parser gets the command's own arguments and ``_run`` set to the command's ``run``.
    """
    parser = argparse.ArgumentParser(
        prog="python -m helpers",
        description="Budget-performance report suite (预算重点领域财政项目文本 → 绩效报告).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for cmd in commands:
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="show Python tracebacks on errors")
        cmd.add_arguments(p)
        p.set_defaults(_run=cmd.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``), run the chosen command and return the exit status.

    A ``HelpersError`` is printed as one ``error:`` line and returns its ``exit_code`` (2, or 1 for
    a failed batch); Ctrl-C returns 130, a broken pipe 0, any other exception 1 ("internal error").
    ``--debug`` also prints the traceback.
    """
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
