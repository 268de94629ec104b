"""`workbook --year Y --project ID [-o OUT.xlsx] [--force]`: a blank self-evaluation workbook."""

from __future__ import annotations

from helpers.core import paths
from helpers.core.errors import InputError
from helpers.evaluation.targets import load_targets, targets_path
from helpers.evaluation.workbook import write_workbook

NAME = "workbook"
HELP = "write a blank self-evaluation workbook (XLSX) for a project-year from its target table"


def add_arguments(parser) -> None:
    """Declare ``--year``, ``--project``, ``-o/--output``, ``--name`` and ``--force``."""
    parser.add_argument("--year", type=int, required=True, help="budget year, e.g. 2024")
    parser.add_argument("--project", required=True, metavar="ID",
                        help="project id, e.g. family-accident-insurance")
    parser.add_argument("-o", "--output", metavar="OUT.xlsx",
                        help="where to write (default data/actuals/<year>/<id>.xlsx)")
    parser.add_argument("--name", help="project name shown in the header note")
    parser.add_argument("--force", action="store_true", help="replace an existing file")


def run(args) -> int:
    """Write the blank workbook from the project-year's target table and print its path; return 0.

    Raises InputError when the project-year has no target table.
    """
    table = load_targets(args.year, args.project)
    if table is None:
        raise InputError("no target table for this project-year", path=paths.relative(
            targets_path(args.year, args.project)))
    out = write_workbook(table, args.output, force=args.force, project_name=args.name)
    print(paths.relative(out))
    return 0
