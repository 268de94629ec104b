"""`python -m helpers params`: (re)generate params/<year>/*.yaml from the ingested catalogue."""

from __future__ import annotations

import argparse

from helpers.core import paths

NAME = "params"
HELP = "generate params/<year>/<project>.yaml (one per report) from the ingested catalogue"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``--year`` and ``--check``."""
    parser.add_argument("--year", type=int, help="only this budget year")
    parser.add_argument("--check", action="store_true",
                        help="validate every params file against its notebook and catalogue; write nothing")


def run(args: argparse.Namespace) -> int:
    """Write params/<year>/*.yaml from the catalogue, then validate every params file; return 0.

    With ``--check`` nothing is written, only validated; an invalid file raises ParameterError.
    """
    from helpers.reports import params
    from helpers.reports.batch import check_selection

    if args.year is not None:
        check_selection(args.year)      # an unknown year is an error (exit 2), as for build

    if args.check:
        files = params.param_files(args.year)
        for f in files:
            params.load_param_file(f)
        print(f"{len(files)} params file(s) ok")
        return 0
    written = params.generate(args.year)
    for f in written:
        print(f"wrote {paths.relative(f)}")
    files = params.param_files(args.year)
    for f in files:
        params.load_param_file(f)
    print(f"{len(files)} params file(s), {len(written)} changed")
    return 0
