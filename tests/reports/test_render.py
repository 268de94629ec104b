import re

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from helpers.reports import render
from helpers.reports.render import Column, Html


def test_table_aligns_and_escapes():
    t = render.table([Column("项目"), Column("金额", "right")], [("<b>补助</b>", "12.80万元")],
                     caption="表1")
    assert '<th class="right">金额</th>' in t.html
    assert '<td class="right">12.80万元</td>' in t.html
    assert "&lt;b&gt;补助&lt;/b&gt;" in t.html
    assert "<caption>表1</caption>" in t.html


def test_table_keeps_html_cells():
    t = render.table([Column("a")], [(Html("<em>x</em>"),)])
    assert "<td class=\"left\"><em>x</em></td>" in t.html


def test_page_is_self_contained_chinese_document():
    html = render.page("标题", "<p>正文</p>")
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"zh-CN\">")
    assert "<title>标题</title>" in html and "<p>正文</p>" in html
    assert not re.search(r"https?://", html)
    assert "<script" not in html and "<link" not in html
    assert "Noto Sans CJK SC" in html and "@page" in html and "size: A4" in html


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
