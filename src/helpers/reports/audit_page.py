"""Audit findings for readers: an HTML table for the project reports and a self-contained zh-CN
audit page per year (the CSV and DataFrame exports live in ``helpers.audit.export``)."""

from __future__ import annotations

from collections.abc import Iterable

from helpers.audit import KIND_ZH, Finding, registry, summary
from helpers.audit.export import TABLE_COLUMNS, findings_csv, findings_frame, show_value, write_findings_csv
from helpers.core.taxonomy import SEVERITY_ZH
from helpers.reports import render
from helpers.reports.render import Html, esc

__all__ = ["findings_csv", "findings_frame", "findings_html", "render_year_audit_page", "show_value",
           "write_findings_csv"]


def _severity(f: Finding) -> Html:
    """The severity label: errors marked as the index marks a failed build, warnings in bold."""
    label = esc(SEVERITY_ZH[f.severity])
    if f.severity == "error":
        return Html(f'<span class="status-failed">{label}</span>')
    if f.severity == "warning":
        return Html(f"<strong>{label}</strong>")
    return label


def findings_html(findings: Iterable[Finding], *, empty: str = "未发现不一致之处。") -> Html:
    """The findings as a report table (a fragment; every text escaped), or a notice when none."""
    findings = list(findings)
    if not findings:
        return render.notice(empty)
    columns = [render.Column(h) for h in TABLE_COLUMNS.values()]
    rows = [(_severity(f), f.places_text(), KIND_ZH[f.kind], show_value(f.stated, f.unit),
             show_value(f.computed, f.unit), f.message, Html(f'<span class="quote">{esc(f.quote)}</span>'))
            for f in findings]
    return render.table(columns, rows)


def render_year_audit_page(year: int, findings: Iterable[Finding]) -> str:
    """The year's audit page (zh-CN, self-contained): counts, the findings per project and the list
    of checks that were run, on the same page template and stylesheet as every report, with
    breadcrumbs (首页 › <year>年 › title) and a link to the year's findings CSV (``audit.csv``, written
    beside it by the batch)."""
    findings = [f for f in findings if f.year == year]
    counts = summary(findings)
    title = f"{year}年预算项目文本一致性核查"
    parts: list[Html | str] = [
        Html(f"<h1>{esc(title)}</h1>"),
        render.paragraph("，".join(f"{SEVERITY_ZH[s]}：{counts[s]}项" for s in counts), "subtitle"),
    ]
    projects: dict[str, list[Finding]] = {}
    names: dict[str, str] = {}
    for f in findings:
        projects.setdefault(f.project, []).append(f)
        names[f.project] = f.project_name
    if not projects:
        parts.append(render.notice("本年度各项目文本未发现不一致之处。"))
    for pid, items in projects.items():
        parts.append(Html(f'<h2 id="{esc(pid)}">{esc(names[pid])}<small>（{esc(pid)}）</small></h2>'))
        parts.append(findings_html(items))
    parts.append(Html("<h2>核查规则</h2>"))
    parts.append(Html("<ul>" + "".join(
        f"<li><b>{esc(check.title)}</b>（{esc(KIND_ZH[check.kind])}，通常为{esc(SEVERITY_ZH[check.severity])}）："
        f"{esc(check.explanation)}</li>" for check in registry.all()) + "</ul>"))
    parts.append(render.paragraph("容差按文本打印精度确定：如12.80万元表示±50元，52.00%表示±0.005个百分点；"
                                  "“余”“约”“近”等约数按其字面范围核对。"))
    nav = render.Nav(crumbs=(render.Link("../index.html", "首页"), render.Link("index.html", f"{year}年"),
                             title),
                     files=(render.Link("audit.csv", "核查结果（CSV）"),))
    return render.page(title, render.join(*parts), kind="audit", nav=nav)
