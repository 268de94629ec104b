"""`python -m helpers build`: run the report batch (thin wrapper over helpers.reports.batch.build)."""

from __future__ import annotations

import argparse
import os

NAME = "build"
HELP = "execute the report notebooks and publish HTML, PDF and the indexes under reports/"


def _formats(value: str) -> tuple[str, ...]:
    from helpers.reports.batch import FORMATS

    items = tuple(v.strip() for v in value.split(",") if v.strip())
    bad = [v for v in items if v not in FORMATS]
    if bad or not items:
        raise argparse.ArgumentTypeError(f"unknown format {','.join(bad) or value!r} (choose from html,pdf)")
    return items


def _jobs(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"--jobs must be a positive integer, got {value!r}")
    return n


def _seconds(value: str) -> int | None:
    try:
        n = int(value)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"--cell-timeout must be seconds (0: no limit), got {value!r}")
    return n or None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``--year``, ``--project``, ``--formats``, ``--jobs``, ``--force``, ``--cell-timeout``,
    ``--allow-synthetic`` and ``--scheduler``."""
    parser.add_argument("--year", type=int, help="only this budget year")
    parser.add_argument("--project", metavar="ID", help="only this project id")
    parser.add_argument("--formats", type=_formats, default=("html", "pdf"),
                        help="comma-separated: html,pdf (default both; a PDF is printed from the HTML)")
    parser.add_argument("--jobs", type=_jobs, default=os.cpu_count() or 1,
                        help="reports run in parallel (default: the number of cores)")
    parser.add_argument("--force", action="store_true", help="rebuild reports that are up to date")
    parser.add_argument("--cell-timeout", type=_seconds, default=300, metavar="SECONDS",
                        help="fail a report whose notebook cell runs longer than this "
                             "(default 300; 0: no limit)")
    parser.add_argument("--allow-synthetic", action="store_true",
                        help="also build synthetic test data (texts made by helpers.ingest.synthetic)")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                        help="run the reports on a Dask cluster (workers started with "
                             "`dask worker tcp://HOST:PORT --nthreads 1`), or `local` for a cluster "
                             "of --jobs processes started here; PDFs and publishing stay here")


def run(args: argparse.Namespace) -> int:
    """Build the selected reports with :func:`helpers.reports.batch.build`; return 0.

    Failed reports raise BuildError (exit status 1) after the rest of the batch is built.
    """
    from helpers.reports import batch

    extra = {"scheduler": args.scheduler} if getattr(args, "scheduler", None) else {}
    batch.build(year=args.year, project_id=args.project, formats=args.formats, jobs=args.jobs,
                force=args.force, allow_synthetic=args.allow_synthetic,
                cell_timeout=args.cell_timeout, **extra)
    return 0
