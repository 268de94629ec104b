"""`score FILE [--method 2020|2021] [--json] [--check] [--strict]`: score one self-evaluation table
(绩效自评表), in our layout or as published; ``--check`` also names every stated figure the rules do
not give."""

from __future__ import annotations

import json
import sys

from helpers.evaluation.scoring import METHODS, ScoreResult
from helpers.evaluation.selfeval import score_file

NAME = "score"
HELP = "score a self-evaluation table (CSV or XLSX with the official headers)"


def add_arguments(parser) -> None:
    """Declare ``FILE``, ``--method`` (a registered scoring method, default 2020) and ``--json``."""
    parser.add_argument("file", metavar="FILE", help="self-evaluation table, .csv or .xlsx")
    parser.add_argument("--method", choices=METHODS.names(), default="2020",
                        help="scoring rules: 2020 (财预〔2020〕10号, default) or 2021 (财预〔2021〕101号)")
    parser.add_argument("--json", action="store_true", help="print the machine-readable result")
    parser.add_argument("--check", action="store_true",
                        help="check the table's own 得分, 分值 and 总分 against the rules (findings)")
    parser.add_argument("--strict", action="store_true",
                        help="with --check: exit 1 when there is an error-level finding")


def _cell(text: str, width: int) -> str:
    """Pad to a terminal display width (wcwidth: CJK and full-width characters take two columns)."""
    from wcwidth import wcswidth

    shown = wcswidth(text)
    return text + " " * max(width - (shown if shown >= 0 else len(text)), 0)


def render_table(result: ScoreResult) -> str:
    """The readable form: one line per row, then total, grade and execution rate."""
    lines = [f"绩效自评 — method {result.method} — {result.source or ''}",
             _cell("行", 5) + _cell("指标", 34) + _cell("分值", 8) + _cell("得分", 8) + "依据"]
    for rs in result.rows:
        name = rs.row.indicator if len(rs.row.indicator) <= 16 else rs.row.indicator[:15] + "…"
        lines.append(_cell(str(rs.row.line or ""), 5) + _cell(name, 34) + _cell(f"{rs.row.points}", 8)
                     + _cell(f"{rs.score}", 8) + rs.basis)
    rate = result.execution_rate_pct
    shown = "—" if rate is None else f"{rate}%"
    lines.append(f"总分 {result.total}  等级 {result.grade}  预算执行率 {shown}")
    return "\n".join(lines)


def render_findings(findings) -> str:
    """The findings of ``--check``, one line each: row, severity, kind, message."""
    lines = [f"{len(findings)} finding(s)"]
    for f in findings:
        where = f"row {f.row}" if f.row else "table"
        lines.append(f"{where}: {f.severity} [{f.kind}] {f.message}")
    return "\n".join(lines)


def run(args) -> int:
    """Score the table, print its warnings on stderr and the result as a table or JSON; with
    ``--check`` add the findings (``--strict``: return 1 on an error-level one); else return 0."""
    if args.check:
        from helpers.evaluation.selfeval import check_file

        checked = check_file(args.file, method=args.method)
        result = checked.result
        if args.json:
            doc = result.to_json()
            doc["findings"] = [f.to_json() for f in checked.findings]
            print(json.dumps(doc, ensure_ascii=False, indent=2))
        else:
            print(render_table(result))
            print(render_findings(checked.findings))
        return 1 if args.strict and checked.errors else 0
    result = score_file(args.file, method=args.method)
    for w in result.warnings:
        print(f"warning: {result.source}:{w.line or ''}: {w.message}" if w.line else
              f"warning: {result.source}: {w.message}", file=sys.stderr)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        print(render_table(result))
    return 0
