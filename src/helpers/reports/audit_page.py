"""Audit findings for readers: an HTML table for the project reports and a self-contained zh-CN
audit page per year (the CSV and DataFrame exports live in ``helpers.audit.export``)."""

from __future__ import annotations

import html
from collections.abc import Iterable

from helpers.audit import KIND_ZH, Finding, registry, summary
from helpers.audit.export import TABLE_COLUMNS, findings_csv, findings_frame, show_value, write_findings_csv
from helpers.core.taxonomy import SEVERITY_ZH

__all__ = ["findings_csv", "findings_frame", "findings_html", "render_year_audit_page", "show_value",
           "write_findings_csv"]


def findings_html(findings: Iterable[Finding], *, empty: str = "未发现不一致之处。") -> str:
    """An HTML table (a fragment) of findings; every text is escaped."""
    findings = list(findings)
    if not findings:
        return f'<p class="audit-empty">{html.escape(empty)}</p>'
    head = "".join(f"<th>{html.escape(h)}</th>" for h in TABLE_COLUMNS.values())
    body = []
    for f in findings:
        cells = [SEVERITY_ZH[f.severity], f.section, KIND_ZH[f.kind], show_value(f.stated, f.unit),
                 show_value(f.computed, f.unit), f.message, f.quote]
        tds = "".join(f"<td>{html.escape(c)}</td>" for c in cells)
        body.append(f'<tr class="audit-{f.severity}">{tds}</tr>')
    return (f'<table class="audit"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;margin:2em;
line-height:1.6;color:#222}
table{border-collapse:collapse;width:100%;margin:1em 0}
th,td{border:1px solid #ccc;padding:.35em .5em;vertical-align:top;text-align:left;font-size:.92em}
th{background:#f2f2f2}
tr.audit-error td:first-child{color:#b00020;font-weight:bold}
tr.audit-warning td:first-child{color:#a15c00;font-weight:bold}
tr.audit-note td:first-child{color:#555}
.counts span{margin-right:1.5em}
"""


def render_year_audit_page(year: int, findings: Iterable[Finding]) -> str:
    """A self-contained zh-CN HTML page: the year's findings per project, with counts and the
    list of checks that were run."""
    findings = [f for f in findings if f.year == year]
    counts = summary(findings)
    parts = [
        "<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{year}年预算项目文本一致性核查</title><style>{_CSS}</style></head><body>",
        f"<h1>{year}年预算项目文本一致性核查</h1>",
        '<p class="counts">' + "".join(
            f"<span>{SEVERITY_ZH[s]}：{counts[s]}项</span>" for s in counts) + "</p>",
    ]
    projects: dict[str, list[Finding]] = {}
    names: dict[str, str] = {}
    for f in findings:
        projects.setdefault(f.project, []).append(f)
        names[f.project] = f.project_name
    if not projects:
        parts.append("<p>本年度各项目文本未发现不一致之处。</p>")
    for pid, items in projects.items():
        parts.append(f'<h2 id="{html.escape(pid)}">{html.escape(names[pid])}'
                     f'<small>（{html.escape(pid)}）</small></h2>')
        parts.append(findings_html(items))
    parts.append("<h2>核查规则</h2><ul>")
    for check in registry.all():
        parts.append(f"<li><b>{html.escape(check.title)}</b>（{html.escape(KIND_ZH[check.kind])}，"
                     f"通常为{SEVERITY_ZH[check.severity]}）：{html.escape(check.explanation)}</li>")
    parts.append("</ul><p>容差按文本打印精度确定：如12.80万元表示±50元，52.00%表示±0.005个百分点；"
                 "“余”“约”“近”等约数按其字面范围核对。</p></body></html>")
    return "\n".join(parts)
