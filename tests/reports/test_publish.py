import re

from helpers.reports import publish


def test_indexes_link_existing_reports_with_key_figures(project_copy):
    out = project_copy / "reports" / "2024"
    out.mkdir(parents=True)
    (out / "family-accident-insurance.html").write_text("<html></html>")
    manifest = {"reports": {
        "2024/family-accident-insurance": {
            "status": "ok", "title": "计划生育家庭意外伤害保险专项资金项目绩效报告（2024年）",
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
    root = (project_copy / "reports" / "index.html").read_text(encoding="utf-8")
    assert 'href="2024/family-accident-insurance.html"' in root and 'href="2024/index.html"' in root
    assert '<html lang="zh-CN">' in root and not re.search(r"https?://", root)


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
