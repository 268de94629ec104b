import re

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from helpers.reports import render
from helpers.reports.render import Column, Html


def test_table_aligns_and_escapes():
    t = render.table([Column("项目"), Column("金额", "right")], [("<b>补助</b>", "12.80万元")],
                     caption="表1")
    assert '<th class="right" scope="col">金额</th>' in t.html
    assert '<td class="right">12.80万元</td>' in t.html
    assert "&lt;b&gt;补助&lt;/b&gt;" in t.html
    assert "<caption>表1</caption>" in t.html


def test_table_keeps_html_cells():
    t = render.table([Column("a")], [(Html("<em>x</em>"),)])
    assert "<td class=\"left\"><em>x</em></td>" in t.html


def test_page_is_self_contained_chinese_document():
    html = render.page("标题", "<p>正文</p>")
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"zh-CN\">")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "<title>标题</title>" in html and "<p>正文</p>" in html
    assert not re.search(r"https?://", html)
    assert "<script" not in html and "<link" not in html
    assert "Noto Sans CJK SC" in html and "@page" in html and "size: A4" in html
    assert "<nav" not in html and "<header" not in html        # usable without navigation
    assert html.count("<h1") == 0 and html.count("<main") == 1


def test_every_table_scrolls_in_its_own_box():
    t1 = render.table([Column("a")], [("1",)])
    t2 = render.table([Column("b")], [("2",)])
    html = render.page("t", render.join(t1, Html("<p>间</p>"), t2).html)
    assert html.count('<div class="table-scroll" tabindex="0"><table class="data">') == 2
    assert html.count("</table></div>") == 2
    css = render.css()
    assert re.search(r"\.table-scroll \{[^}]*overflow-x: auto", css)


def test_long_text_columns_are_wide_and_wide_tables_get_labelled_cells():
    quote = "文本写赔付率52.00%，但按赔付金额除以保费收入复算为58.89%，与所写数字不符。"
    narrow = render.table([Column("项目"), Column("说明")], [("补助", quote)])
    assert '<td class="left wide">' in narrow.html and "data-label" not in narrow.html
    wide = render.table([Column("编号"), Column("项目"), Column("数值", "right"), Column("原文出处")],
                        [("F01", "参保人数", "59,039人", quote)])
    assert '<td class="right" data-label="数值">59,039人</td>' in wide.html
    assert '<td class="left wide" data-label="原文出处">' in wide.html
    assert wide.html.startswith('<table class="data">')
    assert wide.frame.values.tolist() == [["F01", "参保人数", "59,039人", quote]]


def test_page_with_navigation_and_script():
    nav = render.Nav(crumbs=(render.Link("../index.html", "首页"), render.Link("index.html", "2024年"),
                             "某项目绩效报告"),
                     files=(render.Link("p.pdf", "PDF版"),
                            render.Link("p.indicators.xlsx", "绩效指标表（XLSX）")),
                     prev=render.Link("a.html", "甲项目"), next=render.Link("c.html", "丙项目"))
    html = render.page("某项目绩效报告", "<h1>某项目</h1>", nav=nav)
    assert ('<nav class="breadcrumbs" aria-label="导航"><ol><li><a href="../index.html">首页</a></li>'
            '<li><a href="index.html">2024年</a></li>'
            '<li aria-current="page">某项目绩效报告</li></ol></nav>') in html
    assert '<a href="p.pdf">PDF版</a>' in html
    assert '<a href="p.indicators.xlsx">绩效指标表（XLSX）</a>' in html
    assert 'rel="prev" href="a.html"' in html and 'rel="next" href="c.html"' in html
    assert "甲项目" in html and "丙项目" in html
    assert html.index("breadcrumbs") < html.index("<main") < html.index('class="pager"')
    assert "<script" not in html
    only_crumbs = render.page("首页", "<h1>x</h1>", nav=render.breadcrumbs("首页"))
    assert '<li aria-current="page">首页</li>' in only_crumbs
    assert "pager" not in only_crumbs.split("</style>")[1]
    scripted = render.page("t", "<p>x</p>", script="document.title = 't';")
    assert "<script>\ndocument.title = 't';\n</script>\n</body>" in scripted
    # the nav is escaped like everything else
    evil = render.page("t", "", nav=render.breadcrumbs(render.Link("a.html?x=1&y=2", "<b>")))
    assert 'href="a.html?x=1&amp;y=2"' in evil and "&lt;b&gt;" in evil


def test_print_css_keeps_rows_whole_and_hides_navigation():
    css = render.css()
    print_css = css[css.index("@media print"):]
    assert re.search(r"(^|\n)\s*tr[ ,][^{]*\{[^}]*break-inside: avoid", print_css)
    assert "header.site" in print_css and "nav.pager" in print_css
    assert "WenQuanYi Micro Hei" in print_css


def _contrast(fg: str, bg: str = "#ffffff") -> float:
    def lum(h):
        c = [int(h[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        c = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    hi, lo = sorted((lum(fg), lum(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_text_colours_have_enough_contrast():
    css = render.css()
    colours = dict(re.findall(r"--(\w+): (#[0-9a-f]{6});", css))
    for name in ("ink", "muted", "accent", "bad"):
        for bg in ("#ffffff", colours["band"], "#fafbfd"):
            assert _contrast(colours[name], bg) >= 4.5, (name, bg)


def executed_notebook():
    code = new_code_cell("rd.x()", execution_count=1)
    code.outputs = [new_output("display_data", data={"text/html": "<p>数据</p>", "text/plain": "x"}),
                    new_output("stream", name="stderr", text="noise")]
    empty = new_code_cell("import x", execution_count=2)
    nb = new_notebook(cells=[new_markdown_cell("## 一、概况"), code, empty])
    nb.cells[1]["id"] = "random-id-1234"
    return nb


def test_notebook_html_has_no_code_no_prompts_no_stderr():
    body = render.notebook_body(executed_notebook())
    assert "<p>数据</p>" in body and "一、概况" in body
    assert "rd.x()" not in body and "import x" not in body
    assert "noise" not in body and "In&nbsp;[" not in body and "Out[" not in body
    assert "random-id-1234" not in body


def test_notebook_html_is_deterministic(tmp_path):
    nb = executed_notebook()
    p = tmp_path / "a.ipynb"
    nbformat.write(nb, p)
    nb2 = executed_notebook()
    nb2.cells[1]["id"] = "another-random-id"
    assert render.notebook_to_html(p, "t") == render.notebook_to_html(nb2, "t")


def test_html_is_markupsafe_markup_and_escapes_what_is_joined():
    import markupsafe

    frag = Html("<b>粗</b>")
    assert isinstance(frag, markupsafe.Markup) and frag.html == "<b>粗</b>"
    assert frag._repr_html_() == "<b>粗</b>"
    assert str(frag + "<i>") == "<b>粗</b>&lt;i&gt;"                # markupsafe escapes plain text
    assert render.esc('a"b\'<') == "a&#34;b&#39;&lt;"
    assert str(render.join(Html("<p>"), "<x>", Html("</p>"))) == "<p>&lt;x&gt;</p>"


def test_table_hands_over_its_cells_as_a_frame():
    t = render.table([Column("项目"), Column("金额", "right")],
                     [("补助", "12.80万元"), (Html('<span class="quote">原文</span>'), "—")])
    df = t.frame
    assert list(df.columns) == ["项目", "金额"]
    assert df.values.tolist() == [["补助", "12.80万元"], ["原文", "—"]]   # HTML cells as their text
    assert t._repr_html_().startswith('<table class="data">')


def test_section_frame_is_the_given_data_else_its_first_table():
    import pandas as pd

    t = render.table([Column("a")], [("1",), ("2",)])
    s = render.section(render.paragraph("说明"), t)
    assert s.frame.equals(t.frame) and "<p>说明</p>" in s.html
    data = pd.DataFrame({"x": [1.5]})
    assert render.section(t, frame=data).frame is data
    empty = render.section(render.notice("无"))
    assert empty.frame.empty and 'class="notice info"' in empty._repr_html_()


def test_notebook_page_carries_the_reports_navigation():
    nav = render.Nav(crumbs=(render.Link("../index.html", "首页"), render.Link("index.html", "2024年"), "t"),
                     files=(render.Link("x.pdf", "PDF版"),), next=render.Link("y.html", "下一个"))
    html = render.notebook_to_html(executed_notebook(), "t", nav=nav)
    assert 'aria-label="导航"' in html and 'href="x.pdf"' in html and 'rel="next" href="y.html"' in html
    assert "<nav" not in render.notebook_to_html(executed_notebook(), "t")
