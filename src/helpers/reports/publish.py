"""Index pages: ``reports/<year>/index.html`` (every report of a year, grouped by implementing
unit, with its key figures, consistency findings and files, and a filter box) and
``reports/index.html`` (every year with its counts, its index and its audit page — small at any
scale: no list of reports). Built from the build manifest alone (key figures, unit and findings as
recorded when each report was built); links are relative and point only at files that exist.
Written atomically.

The order of a year's reports here (:func:`sort_key`: the overview, then by unit and title) is
the order of the previous/next links inside the reports (``helpers.reports.batch``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from helpers.core import atomic, paths
from helpers.core.taxonomy import SEVERITY_ZH
from helpers.reports import render
from helpers.reports.render import Html, Link, esc

OVERVIEW = "overview"
NO_UNIT = "未注明实施单位"
ROOT_TITLE = "预算项目绩效报告"
HOME = "首页"


def _natural(text: str) -> tuple:
    """``text`` for sorting with its numbers as numbers (第9号 before 第10号)."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def sort_key(name: str, unit: str | None, title: str | None) -> tuple:
    """Where a report stands in its year: the overview first, then by implementing unit (reports
    without one last) and title, numbers in them compared as numbers. The year index and the
    reports' previous/next links use it."""
    return (name != OVERVIEW, unit is None, _natural(unit or ""), _natural(title or name), name)


def year_title(year: int) -> str:
    """The title of a year's index page."""
    return f"{year}年度预算项目绩效报告"


def year_crumb(year: int) -> str:
    """The breadcrumb label of a year ("2024年")."""
    return f"{year}年"


def _entries(manifest: dict[str, Any]) -> dict[int, list[tuple[str, dict[str, Any]]]]:
    years: dict[int, list[tuple[str, dict[str, Any]]]] = {}
    for key, entry in sorted(manifest.get("reports", {}).items()):
        year_s, _, name = key.partition("/")
        if year_s.isdigit():
            years.setdefault(int(year_s), []).append((name, entry))
    for y in years:
        years[y].sort(key=lambda ne: sort_key(ne[0], ne[1].get("unit"), ne[1].get("title")))
    return years


def _figures(name: str, entry: dict[str, Any]) -> str:
    """The key figures recorded in the manifest when the report (the one kept, for a failed
    build) was built — never recomputed from the current catalogue."""
    if name == OVERVIEW:
        return "全部项目并列：资金、主要数据、一致性问题数"
    figures = entry.get("key_figures") or []
    return "；".join(f"{k} {v}" for k, v in figures) or "—"


def findings_text(findings: dict[str, Any] | None) -> str:
    """The consistency findings recorded for a report, in words ("错误2项、警告1项：比率核对、
    文本完整性"); "未发现问题" when none; "" when none were recorded."""
    if not findings:
        return ""
    counts = findings.get("counts") or {}
    parts = [f"{SEVERITY_ZH.get(s, s)}{n}项" for s, n in counts.items() if n]
    if not parts:
        return "未发现问题"
    kinds = findings.get("kinds") or []
    return "、".join(parts) + ("：" + "、".join(kinds) if kinds else "")


def _exists(out: dict[str, Any] | None) -> bool:
    return bool(out) and (paths.project_root() / out["path"]).is_file()


def _href(out: dict[str, Any], base: Path) -> str:
    return Path(out["path"]).relative_to(paths.relative(base)).as_posix()


FILE_LINKS = (("pdf", "PDF"), ("indicators_xlsx", "指标表"), ("score_xlsx", "自评表"))


def _row(name: str, entry: dict[str, Any], base: Path, audit_page: bool) -> str:
    outputs = entry.get("outputs", {})
    title = esc(entry.get("title") or name)
    if _exists(outputs.get("html")):
        title = Html(f'<a href="{esc(_href(outputs["html"], base))}">{title}</a>')
    if entry.get("status") != "ok":
        keep = "（保留上次成功版本）" if outputs else ""
        title = Html(f'{title}<span class="status-failed">构建失败{keep}</span>')
    findings = entry.get("findings")
    said = esc(findings_text(findings))
    if audit_page and findings and any((findings.get("counts") or {}).values()):
        said = Html(f'<a href="audit.html#{esc(name)}">{said}</a>')
    files = " · ".join(f'<a href="{esc(_href(outputs[kind], base))}">{label}</a>'
                       for kind, label in FILE_LINKS if _exists(outputs.get(kind)))
    return (f'<tr><td class="report">{title}</td><td class="figures">{esc(_figures(name, entry))}</td>'
            f'<td class="findings{"" if said else " none"}">{said or "—"}</td>'
            f'<td class="files{"" if files else " none"}">{files or "—"}</td></tr>')


HEAD = ('<thead><tr><th scope="col">报告</th><th scope="col">主要数据</th><th scope="col">一致性核查</th>'
        '<th scope="col">文件</th></tr></thead>')


def _groups(items) -> list[tuple[str, list[tuple[str, dict[str, Any]]]]]:
    """The year's reports in index order, grouped: the overview, then one group per unit."""
    groups: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for name, entry in items:
        label = "年度概览" if name == OVERVIEW else (entry.get("unit") or NO_UNIT)
        groups.setdefault(label, []).append((name, entry))
    return list(groups.items())


# The filter box: hides the rows (and the groups left empty) that do not contain every word typed,
# searching the unit, the title, the key figures and the findings. Without script the box stays
# hidden and every report is listed.
FILTER_SCRIPT = """(function () {
  var box = document.getElementById("filter");
  if (!box) return;
  var input = document.getElementById("filter-text"), shown = document.getElementById("filter-count");
  var groups = [].slice.call(document.querySelectorAll("section.unit")), rows = [];
  groups.forEach(function (g) {
    var unit = g.querySelector("h2").textContent;
    [].forEach.call(g.querySelectorAll("tbody tr"), function (tr) {
      rows.push([tr, g, (unit + " " + tr.textContent).toLowerCase()]);
    });
  });
  function run() {
    var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean), n = 0, hit = [];
    rows.forEach(function (r) {
      var ok = words.every(function (w) { return r[2].indexOf(w) >= 0; });
      r[0].hidden = !ok;
      if (ok) { n++; if (hit.indexOf(r[1]) < 0) hit.push(r[1]); }
    });
    groups.forEach(function (g) { g.hidden = hit.indexOf(g) < 0; });
    shown.textContent = words.length ? "显示 " + n + " 份，共 " + rows.length + " 份" : "";
  }
  input.addEventListener("input", run);
  box.hidden = false;
  run();
})();"""


def _year_links(base: Path) -> Html:
    """Links to the year's audit page and findings CSV, where they exist."""
    links = [f'<a href="{name}">{label}</a>' for name, label in
             (("audit.html", "文本一致性核查"), ("audit.csv", "核查结果（CSV）")) if (base / name).is_file()]
    return Html(f'<p class="year-links audit">{" · ".join(links)}</p>') if links else Html("")


def year_index_html(year: int, items) -> str:
    """reports/<year>/index.html: every report of the year grouped by implementing unit (status,
    links to the report and its files, key figures, consistency findings), the year's audit page
    and CSV, and a filter box that works offline (inline script; without it every row shows)."""
    base = paths.reports_dir() / str(year)
    items = sorted(items, key=lambda ne: sort_key(ne[0], ne[1].get("unit"), ne[1].get("title")))
    groups = _groups(items)
    units = [label for label, members in groups if members[0][0] != OVERVIEW]
    projects = sum(1 for name, _ in items if name != OVERVIEW)
    audit_page = (base / "audit.html").is_file()
    parts: list[Html | str] = [
        Html(f"<h1>{esc(year_title(year))}</h1>"),
        Html(f'<p class="subtitle">共{len(items)}份报告'
             + (f"：{projects}个项目，{len(units)}个实施单位" if projects else "") + "</p>"),
        _year_links(base),
        Html('<div class="filter" id="filter" hidden><label for="filter-text">筛选报告</label>'
             '<input id="filter-text" type="search" autocomplete="off" '
             'placeholder="实施单位、项目名称或核查问题，如“错误”">'
             '<output id="filter-count" for="filter-text"></output></div>'),
    ]
    if len(units) > 1:
        toc = "".join(f'<li><a href="#unit-{i}">{esc(label)}</a>（{len(members)}）</li>'
                      for i, (label, members) in enumerate(groups, 1) if members[0][0] != OVERVIEW)
        parts.append(Html(f'<details class="units"><summary>按实施单位浏览（{len(units)}个）</summary>'
                          f"<ul>{toc}</ul></details>"))
    for i, (label, members) in enumerate(groups, 1):
        rows = "".join(_row(name, entry, base, audit_page) for name, entry in members)
        count = "" if members[0][0] == OVERVIEW else f" <small>{len(members)}份</small>"
        parts.append(Html(f'<section class="unit" id="unit-{i}" aria-labelledby="unit-{i}-title">'
                          f'<h2 id="unit-{i}-title">{esc(label)}{count}</h2>'
                          f'<table class="data index">{HEAD}<tbody>{rows}</tbody></table></section>'))
    parts.append(Html('<p class="provenance">生成记录见 <a href="../manifest.json">manifest.json</a>'
                      '（输入文件 sha256、参数、代码版本）。</p>'))
    nav = render.breadcrumbs(Link("../index.html", HOME), year_crumb(year))
    return render.page(year_title(year), render.join(*parts).html, kind="index", nav=nav,
                       script=FILTER_SCRIPT if items else None)


def _year_row(year: int, items) -> str:
    base = paths.reports_dir() / str(year)
    projects = [e for n, e in items if n != OVERVIEW]
    units = {e.get("unit") or NO_UNIT for e in projects}
    failed = sum(1 for _, e in items if e.get("status") != "ok")
    index = (f'<a href="{year}/index.html">{year}年度报告</a>' if (base / "index.html").is_file()
             else f"{year}年度")
    count = f"{len(items)}份报告"
    if failed:
        count += f'<span class="status-failed">其中{failed}份构建失败</span>'
    audit = " · ".join(f'<a href="{year}/{name}">{label}</a>' for name, label in
                       (("audit.html", f"{year}年文本一致性核查"), ("audit.csv", "核查结果（CSV）"))
                       if (base / name).is_file()) or "—"
    return (f'<tr><td class="report">{index}</td><td>{count}</td><td>{len(units)}个实施单位</td>'
            f'<td class="files">{audit}</td></tr>')


def root_index_html(years) -> str:
    """reports/index.html: every year, newest first, with the number of its reports and units,
    a link to its index and to its audit page and CSV — no list of reports, so it stays small."""
    parts: list[Html | str] = [Html(f"<h1>{ROOT_TITLE}</h1>")]
    if not years:
        parts.append(render.notice("尚无报告。运行 make reports 生成。"))
    else:
        total = sum(len(items) for items in years.values())
        parts.append(Html(f'<p class="subtitle">共{len(years)}个年度、{total}份报告；'
                          "每个年度的目录按实施单位分组，可按单位、项目名称或核查问题筛选。</p>"))
        rows = "".join(_year_row(y, years[y]) for y in sorted(years, reverse=True))
        parts.append(Html('<table class="data index"><thead><tr><th scope="col">年度</th>'
                          '<th scope="col">报告</th><th scope="col">实施单位</th>'
                          f'<th scope="col">一致性核查</th></tr></thead><tbody>{rows}</tbody></table>'))
    parts.append(Html('<p class="provenance">生成记录见 <a href="manifest.json">manifest.json</a>。</p>'))
    return render.page(ROOT_TITLE, render.join(*parts).html, kind="index", nav=render.breadcrumbs(HOME))


def write_indexes(manifest: dict[str, Any]) -> list[Path]:
    """Write every year index and the root index, each only when its bytes change (an index
    that stays the same keeps its mtime); returns their paths."""
    years = _entries(manifest)
    written = []
    for year, items in years.items():
        target = paths.reports_dir() / str(year) / "index.html"
        atomic.write_text_if_changed(target, year_index_html(year, items))
        written.append(target)
    target = paths.reports_dir() / "index.html"
    atomic.write_text_if_changed(target, root_index_html(years))
    written.append(target)
    return written


def report_nav(year: int, title: str, order: Iterable[tuple[str, str]], name: str) -> render.Nav:
    """The navigation of report ``name``: breadcrumbs (首页 › <year>年 › title) and the previous
    and next report in ``order`` (the year's reports as (name, title) in index order)."""
    order = list(order)
    names = [n for n, _ in order]
    prev = nxt = None
    if name in names:
        i = names.index(name)
        if i > 0:
            prev = Link(f"{order[i - 1][0]}.html", order[i - 1][1])
        if i + 1 < len(order):
            nxt = Link(f"{order[i + 1][0]}.html", order[i + 1][1])
    return render.Nav(crumbs=(Link("../index.html", HOME), Link("index.html", year_crumb(year)), title),
                      prev=prev, next=nxt)
