"""`ingest [PATH ...] [--json]`: parse disclosure texts into the catalogue and derived tables."""

from __future__ import annotations

import json
import sys

from helpers.core import paths

NAME = "ingest"
HELP = "parse disclosure texts (default: everything under data/raw/) into facts and tables"


def add_arguments(parser) -> None:
    """Declare ``PATH ...``, ``--json`` and ``--no-write``."""
    parser.add_argument("paths", nargs="*", metavar="PATH", help="text files or folders (default: data/raw/)")
    parser.add_argument("--json", action="store_true", help="print the catalogue as JSON on stdout")
    parser.add_argument("--no-write", action="store_true",
                        help="do not write the tables under data/derived/")


def run(args) -> int:
    """Ingest the texts, write the derived tables and print one line per project (or the catalogue as JSON).

    Tables are written only for a full ingest (no PATH) without ``--no-write``. Each file that
    cannot be read is one ``error:`` line on stderr; returns 2 when any file failed, else 0.
    """
    from helpers.ingest.loader import ingest_paths
    from helpers.ingest.tables import write_tables

    result = ingest_paths(args.paths or None)
    for notice in result.notices:
        print(str(notice), file=sys.stderr)
    for failure in result.failures:
        print(f"error: {failure}", file=sys.stderr)
    if not args.no_write and not args.paths and result.documents:
        write_tables(result.documents)
    if args.json:
        doc = {"documents": [d.to_json() for d in result.documents],
               "errors": [str(f) for f in result.failures]}
        json.dump(doc, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for d in result.documents:
            for p in d.projects:
                print(f"{d.path}:{p.line}  {p.budget_year}/{p.id}  {p.name}  "
                      f"({len(p.facts)} facts, {len(p.basis)} basis documents)")
        if not args.no_write and not args.paths and result.documents:
            print(f"tables written to {paths.relative(paths.derived_dir())}/", file=sys.stderr)
    return 2 if result.failures else 0
