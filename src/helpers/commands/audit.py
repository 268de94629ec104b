"""`audit [PATH ...] [--json] [--strict] [--csv FILE]`: consistency findings for the texts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

NAME = "audit"
HELP = "consistency audit of disclosure texts (products, sums, ratios, copied text, targets)"


def add_arguments(parser) -> None:
    """Declare ``PATH ...``, ``--json``, ``--strict`` and ``--csv FILE``."""
    parser.add_argument("paths", nargs="*", metavar="PATH", help="text files or folders (default: data/raw/)")
    parser.add_argument("--json", action="store_true", help="print the findings as JSON on stdout")
    parser.add_argument("--strict", action="store_true", help="exit 1 when there is an error-level finding")
    parser.add_argument("--csv", metavar="FILE", help="also write the findings as CSV to FILE")


def run(args) -> int:
    """Ingest the texts, run every audit check and print the findings (text or JSON, optionally CSV).

    Each file that cannot be read is one ``error:`` line on stderr. Returns 1 under ``--strict``
    when an error-level finding exists, 2 when no file could be read, else 0.
    """
    from helpers.audit import audit_documents, has_errors
    from helpers.audit.export import write_findings_csv
    from helpers.core.errors import InputError
    from helpers.ingest.loader import ingest_paths

    if args.csv:
        folder = Path(args.csv).parent
        if not folder.is_dir():
            raise InputError("no such folder for the CSV", path=str(folder))
    result = ingest_paths(args.paths or None)
    for failure in result.failures:
        print(f"error: {failure}", file=sys.stderr)
    if not result.documents:
        return 2                                     # every bad file has had its line
    findings = audit_documents(result.documents)
    if args.csv:
        write_findings_csv(findings, args.csv)
    if args.json:
        json.dump({"findings": [f.to_json() for f in findings],
                   "errors": [str(f) for f in result.failures]},
                  sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for f in findings:
            print(f"{f.path}:{f.line or ''}  {f.year}/{f.project}  {f.places_text()}  {f.severity}  "
                  f"[{f.check}] {f.message}")
        print(f"{len(findings)} finding(s)", file=sys.stderr)
    if args.strict and has_errors(findings):
        return 1
    return 0
