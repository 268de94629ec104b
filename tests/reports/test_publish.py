import re
import time

import pytest

from helpers.reports import publish, render


def test_indexes_link_existing_reports_with_key_figures(project_copy):
    out = project_copy / "reports" / "2024"
    out.mkdir(parents=True)
    (out / "family-accident-insurance.html").write_text("<html></html>")
    manifest = {"reports": {
        "2024/family-accident-insurance": {
            "status": "ok", "title": "计划生育家庭意外伤害保险专项资金项目绩效报告（2024年）",
            "unit": "玉溪市红塔区计划生育协会",
            "key_figures": [["参保人数", "59,039人"], ["计划补助金额合计", "15.02万元"]],
            "outputs": {"html": {"path": "reports/2024/family-accident-insurance.html"},
                        "pdf": {"path": "reports/2024/family-accident-insurance.pdf"}}},
        "2024/association-operations": {"status": "failed", "title": "协会", "outputs": {},
                                        "key_figures": None},
    }}
    written = publish.write_indexes(manifest)
    assert [p.relative_to(project_copy).as_posix() for p in written] == [
        "reports/2024/index.html", "reports/index.html"]
    year = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="family-accident-insurance.html"' in year
    assert "family-accident-insurance.pdf" not in year          # no link to a missing file
    # key figures as recorded in the manifest at build time
    assert "参保人数 59,039人" in year and "15.02万元" in year
    assert "构建失败" in year
    assert '<nav class="breadcrumbs" aria-label="导航"><ol><li><a href="../index.html">首页</a></li>' \
           '<li aria-current="page">2024年</li></ol></nav>' in year
    root = (project_copy / "reports" / "index.html").read_text(encoding="utf-8")
    # the root lists years (with counts), not reports
    assert 'href="2024/index.html"' in root and "family-accident-insurance" not in root
    assert "2份报告" in root and "其中1份构建失败" in root
    assert '<li aria-current="page">首页</li>' in root
    for page in (year, root):
        assert '<html lang="zh-CN">' in page and not re.search(r"https?://", page)
        assert page.count("<h1>") == 1
        assert not re.search(r'href="/', page)                  # relative links only


def test_root_index_without_reports(project_copy):
    publish.write_indexes({})
    assert "尚无报告" in (project_copy / "reports" / "index.html").read_text(encoding="utf-8")


def test_failed_row_shows_the_figures_of_the_kept_report_not_the_catalogue(project_copy):
    out = project_copy / "reports" / "2024"
    out.mkdir(parents=True)
    (out / "association-operations.html").write_text("<html></html>")
    manifest = {"reports": {"2024/association-operations": {
        "status": "failed", "title": "协会",
        "key_figures": [["会员人数", "1,234人（上次成功构建）"]],
        "outputs": {"html": {"path": "reports/2024/association-operations.html"}}}}}
    publish.write_indexes(manifest)
    year = (out / "index.html").read_text(encoding="utf-8")
    assert "会员人数 1,234人（上次成功构建）" in year and "保留上次成功版本" in year


def test_year_index_links_every_page_and_file_of_the_year(project_copy):
    out = project_copy / "reports" / "2024"
    out.mkdir(parents=True)
    names = ("p.html", "p.pdf", "p.indicators.xlsx", "p.score.xlsx", "overview.html", "overview.pdf",
             "audit.html", "audit.csv")
    for name in names:
        (out / name).write_text("x")
    rec = {kind: {"path": f"reports/2024/p.{suffix}"} for kind, suffix in
           (("html", "html"), ("pdf", "pdf"), ("indicators_xlsx", "indicators.xlsx"),
            ("score_xlsx", "score.xlsx"))}
    manifest = {"reports": {
        "2024/p": {"status": "ok", "title": "某项目绩效报告（2024年）", "unit": "某局", "outputs": rec,
                   "key_figures": [], "findings": {"counts": {"error": 1, "warning": 0, "note": 2},
                                                   "kinds": ["比率核对", "文本完整性"]}},
        "2024/overview": {"status": "ok", "title": "2024年度预算项目绩效概览", "key_figures": None,
                          "outputs": {"html": {"path": "reports/2024/overview.html"},
                                      "pdf": {"path": "reports/2024/overview.pdf"}}}}}
    publish.write_indexes(manifest)
    year = (out / "index.html").read_text(encoding="utf-8")
    hrefs = set(re.findall(r'href="([^"#]+)', year))
    assert set(names) <= hrefs
    # the findings, in words, link to the project's part of the audit page
    assert '<a href="audit.html#p">错误1项、提示2项：比率核对、文本完整性</a>' in year
    assert year.index("2024年度预算项目绩效概览") < year.index("某项目绩效报告")     # overview first
    root = (project_copy / "reports" / "index.html").read_text(encoding="utf-8")
    assert {"2024/index.html", "2024/audit.html", "2024/audit.csv"} <= set(re.findall(r'href="([^"]+)', root))


def synthetic_manifest(n: int, year: int = 2024, units: int = 40) -> dict:
    """A manifest of ``n`` project reports from ``units`` units, as the batch records them."""
    reports = {f"{year}/overview": {"status": "ok", "title": f"{year}年度预算项目绩效概览", "unit": None,
                                    "key_figures": None, "findings": None,
                                    "outputs": {"html": {"path": f"reports/{year}/overview.html"}}}}
    for i in range(n):
        pid = f"p-{i:04d}"
        reports[f"{year}/{pid}"] = {
            "status": "ok" if i % 97 else "failed",
            "title": f"第{i}号重点项目专项资金项目绩效报告（{year}年）",
            "unit": f"某市第{i % units}局",
            "key_figures": [["资金", f"{i + 1}.00万元"], ["受益人数", f"{i * 13:,}人"]],
            "findings": {"counts": {"error": i % 3, "warning": i % 2, "note": 0}, "kinds": ["比率核对"]},
            "outputs": {kind: {"path": f"reports/{year}/{pid}.{suffix}"} for kind, suffix in
                        (("html", "html"), ("pdf", "pdf"), ("indicators_xlsx", "indicators.xlsx"))}}
    return {"reports": reports}


def test_a_thousand_reports_grouped_filterable_and_a_small_root(project_copy):
    out = project_copy / "reports" / "2024"
    out.mkdir(parents=True)
    manifest = synthetic_manifest(1000)
    for entry in manifest["reports"].values():
        for rec in entry["outputs"].values():
            (project_copy / rec["path"]).write_text("x")
    (out / "audit.html").write_text("x")
    t = time.perf_counter()
    publish.write_indexes(manifest)
    assert time.perf_counter() - t < 10
    year = (out / "index.html").read_text(encoding="utf-8")
    root = (project_copy / "reports" / "index.html").read_bytes()
    # grouped by implementing unit, every report listed once, units in a contents list
    assert year.count('<section class="unit"') == 41           # the overview and 40 units
    assert year.count("<h2") == 41 and year.count("<h1>") == 1
    assert year.count('<td class="report">') == 1001
    assert "按实施单位浏览（40个）" in year and 'href="#unit-2"' in year and 'id="unit-2"' in year
    assert year.index("某市第0局") < year.index("某市第1局")
    # the filter: an inline script (no src), the box hidden until the script shows it
    assert '<div class="filter" id="filter" hidden>' in year
    assert year.count("<script>") == 1 and "<script src" not in year
    assert 'getElementById("filter-text")' in year and "box.hidden = false" in year
    assert not re.search(r"https?://", year)
    # the root: years with counts, never the reports
    assert len(root) < 50_000, len(root)
    text = root.decode()
    assert "1001份报告" in text and "40个实施单位" in text and "p-0001" not in text


@pytest.mark.slow
def test_filter_script_hides_rows_and_empty_groups(project_copy):
    """The filter in a real browser: typing hides the rows and units that do not match; nothing
    is hidden without a query."""
    from playwright.sync_api import sync_playwright

    from helpers.reports.pdf import CHROMIUM_ARGS, chromium_path

    out = project_copy / "reports" / "2024"
    out.mkdir(parents=True)
    manifest = synthetic_manifest(30, units=3)
    publish.write_indexes(manifest)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto((out / "index.html").as_uri())
        visible = "() => [...document.querySelectorAll('tbody tr')].filter(r => r.offsetParent).length"
        assert page.is_visible("#filter-text") and page.evaluate(visible) == 31
        page.fill("#filter-text", "某市第1局")
        assert page.evaluate(visible) == 10
        groups = "[...document.querySelectorAll('section.unit')].filter(s => !s.hidden).length"
        assert page.evaluate(groups) == 1
        assert "显示 10 份，共 31 份" in page.inner_text("#filter-count")
        page.fill("#filter-text", "第12号")
        assert page.evaluate(visible) == 1
        page.fill("#filter-text", "错误2项")                       # the findings are searched too
        assert page.evaluate(visible) == 10
        page.fill("#filter-text", "")
        assert page.evaluate(visible) == 31
        # without script every report is listed and the box stays out of the way
        context = browser.new_context(java_script_enabled=False)
        bare = context.new_page()
        bare.goto((out / "index.html").as_uri())
        assert not bare.is_visible("#filter-text") and bare.evaluate(visible) == 31
        browser.close()


def test_report_navigation_follows_the_year_index_order():
    order = sorted([("b", "项目A", "第2局"), ("overview", "概览", None), ("a", "项目B", "第2局"),
                    ("c", "项目C", "第1局"), ("d", "项目D", None)],
                   key=lambda x: publish.sort_key(x[0], x[2], x[1]))
    # the overview, then by unit (none last), then by title
    assert [n for n, _, _ in order] == ["overview", "c", "b", "a", "d"]
    pairs = [(n, t) for n, t, _ in order]
    nav = publish.report_nav(2024, "项目A", pairs, "b")
    assert nav.crumbs == (render.Link("../index.html", "首页"), render.Link("index.html", "2024年"), "项目A")
    assert nav.prev == render.Link("c.html", "项目C") and nav.next == render.Link("a.html", "项目B")
    first = publish.report_nav(2024, "概览", pairs, "overview")
    assert first.prev is None and first.next == render.Link("c.html", "项目C")
    assert publish.report_nav(2024, "项目D", pairs, "d").next is None


@pytest.mark.slow
def test_published_reports_link_their_files_and_neighbours(built_project):
    """Each report of the seed build: breadcrumbs, its own PDF and XLSX, the previous and next
    report in the year index's order; every link relative and to a file that exists."""
    import json

    out = built_project / "reports/2024"
    manifest = json.loads((built_project / "reports/manifest.json").read_text(encoding="utf-8"))
    entry = manifest["reports"]["2024/family-accident-insurance"]
    assert entry["unit"] == "玉溪市红塔区计划生育协会"
    assert entry["findings"]["counts"]["error"] >= 1 and "比率核对" in entry["findings"]["kinds"]
    year = (out / "index.html").read_text(encoding="utf-8")
    order = re.findall(r'<td class="report"><a href="([^"]+)\.html"', year)
    assert order[0] == "overview" and set(order) == {"overview", "association-operations",
                                                      "family-accident-insurance"}
    for i, name in enumerate(order):
        html = (out / f"{name}.html").read_text(encoding="utf-8")
        assert ('<nav class="breadcrumbs" aria-label="导航"><ol><li><a href="../index.html">首页</a></li>'
                '<li><a href="index.html">2024年</a></li><li aria-current="page">') in html
        assert f'<a href="{name}.pdf">PDF版</a>' in html
        if name != "overview":
            assert f'<a href="{name}.indicators.xlsx">绩效指标表（XLSX）</a>' in html
        prev = re.search(r'rel="prev" href="([^"]+)"', html)
        nxt = re.search(r'rel="next" href="([^"]+)"', html)
        assert (prev.group(1) if prev else None) == (f"{order[i - 1]}.html" if i else None)
        assert (nxt.group(1) if nxt else None) == (f"{order[i + 1]}.html" if i + 1 < len(order) else None)
        for href in re.findall(r'href="([^"#]+)', html):
            assert not href.startswith(("/", "http")) and (out / href).resolve().is_file(), (name, href)
        assert "<script" not in html
    audit = (out / "audit.html").read_text(encoding="utf-8")
    assert '<li aria-current="page">2024年预算项目文本一致性核查</li>' in audit
    assert 'href="audit.csv"' in audit
