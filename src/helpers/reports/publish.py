"""Index pages: ``reports/<year>/index.html`` (every report of a year with its key figures) and
``reports/index.html`` (every year, every report). Built from the build manifest alone (key
figures as recorded when each report was built); links point only at files that exist. Written atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers.core import atomic, paths
from helpers.reports import render
from helpers.reports.render import Column, Html, esc


def _entries(manifest: dict[str, Any]) -> dict[int, list[tuple[str, dict[str, Any]]]]:
    years: dict[int, list[tuple[str, dict[str, Any]]]] = {}
    for key, entry in sorted(manifest.get("reports", {}).items()):
        year_s, _, name = key.partition("/")
        if year_s.isdigit():
            years.setdefault(int(year_s), []).append((name, entry))
    for y in years:   # the overview first, then projects in name order
        years[y].sort(key=lambda ne: (ne[0] != "overview", ne[0]))
    return years


def _figures(name: str, entry: dict[str, Any]) -> str:
    """The key figures recorded in the manifest when the report (the one kept, for a failed
    build) was built — never recomputed from the current catalogue."""
    if name == "overview":
        return "全部项目并列：资金、主要数据、一致性问题数"
    figures = entry.get("key_figures") or []
    return "；".join(f"{k} {v}" for k, v in figures) or "—"


def _links(entry: dict[str, Any], base: Path) -> Html:
    parts = []
    for kind, label in (("html", "网页"), ("pdf", "PDF")):
        out = entry.get("outputs", {}).get(kind)
        if out and (paths.project_root() / out["path"]).is_file():
            rel = Path(out["path"]).relative_to(paths.relative(base))
            parts.append(f'<a href="{esc(rel.as_posix())}">{label}</a>')
    return Html(" · ".join(parts) or "—")


def _status(entry: dict[str, Any]) -> Html:
    if entry.get("status") == "ok":
        return Html("已生成")
    keep = "（保留上次成功版本）" if entry.get("outputs") else ""
    return Html(f'<span class="status-failed">构建失败{keep}</span>')


def _rows(year: int, items, base: Path):
    for name, entry in items:
        title = esc(entry.get("title") or name)
        html = entry.get("outputs", {}).get("html")
        if html and (paths.project_root() / html["path"]).is_file():
            rel = Path(html["path"]).relative_to(paths.relative(base))
            title = f'<a href="{esc(rel.as_posix())}">{title}</a>'
        yield (Html(f"<strong>{title}</strong>"), _figures(name, entry), _links(entry, base),
               _status(entry))


COLUMNS = (Column("报告"), Column("主要数据"), Column("文件", "center"), Column("状态", "center"))


def _audit_links(base: Path) -> Html:
    """Links to the year's audit page and findings CSV, where they exist."""
    links = [f'<a href="{name}">{label}</a>' for name, label in
             (("audit.html", "文本一致性核查"), ("audit.csv", "核查结果（CSV）")) if (base / name).is_file()]
    return Html(f'<p class="audit">{" · ".join(links)}</p>') if links else Html("")


def year_index_html(year: int, items) -> str:
    """reports/<year>/index.html: one row per report of the year (status, links, key figures)."""
    base = paths.reports_dir() / str(year)
    body = render.join(Html(f"<h1>{year}年度预算项目绩效报告</h1>"),
                       Html(f'<p class="subtitle">共{len(items)}份报告</p>'),
                       render.table(COLUMNS, list(_rows(year, items, base))),
                       _audit_links(base),
                       Html('<p class="provenance">生成记录见 <a href="../manifest.json">manifest.json</a>'
                            '（输入文件 sha256、参数、代码版本）。</p>'))
    return render.page(f"{year}年度预算项目绩效报告", body.html, kind="index")


def root_index_html(years) -> str:
    """reports/index.html: every year, newest first, with its reports."""
    base = paths.reports_dir()
    parts = [Html("<h1>预算项目绩效报告</h1>")]
    if not years:
        parts.append(render.notice("尚无报告。运行 make reports 生成。"))
    for year in sorted(years, reverse=True):
        parts.append(Html(f'<h2><a href="{year}/index.html">{year}年度</a></h2>'))
        parts.append(render.table(COLUMNS, list(_rows(year, years[year], base))))
    parts.append(Html('<p class="provenance">生成记录见 <a href="manifest.json">manifest.json</a>。</p>'))
    return render.page("预算项目绩效报告", render.join(*parts).html, kind="index")


def write_indexes(manifest: dict[str, Any]) -> list[Path]:
    """Write every year index and the root index; returns the paths written."""
    years = _entries(manifest)
    written = []
    for year, items in years.items():
        target = paths.reports_dir() / str(year) / "index.html"
        atomic.write_text(target, year_index_html(year, items))
        written.append(target)
    target = paths.reports_dir() / "index.html"
    atomic.write_text(target, root_index_html(years))
    written.append(target)
    return written
