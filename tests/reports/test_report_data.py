"""The self-evaluation section of a project report: scored where actuals exist, "待填报" where not."""

import shutil
from pathlib import Path

import pytest

from helpers.reports import charts, report_data

FIXTURE = Path(__file__).parents[1] / "fixtures" / "selfeval" / "hand_scored.csv"
PROJECT = "family-accident-insurance"


def test_without_actuals_the_section_says_to_fill_it_in(project_copy):
    ctx = report_data.project_report(PROJECT, 2024)
    html = report_data.selfeval_section(ctx).html
    assert "待填报" in html
    assert f"python -m helpers workbook --year 2024 --project {PROJECT}" in html
    assert f"data/actuals/2024/{PROJECT}.csv" in html
    assert report_data.selfeval_chart(ctx) is None        # the cell shows nothing, not an empty box
    assert not (project_copy / "data/actuals").exists()


def test_with_actuals_the_section_shows_total_grade_and_chart(project_copy):
    target = project_copy / "data/actuals/2024" / f"{PROJECT}.csv"
    target.parent.mkdir(parents=True)
    shutil.copy(FIXTURE, target)
    ctx = report_data.project_report(PROJECT, 2024)
    html = report_data.selfeval_section(ctx).html
    assert "待填报" not in html
    assert "92.72" in html and "优" in html          # hand-worked total (tests/evaluation/test_scoring.py)
    assert "96.54%" in html                           # execution rate
    assert "补助计生家庭人数" in html and "14.53" in html
    assert f"data/actuals/2024/{PROJECT}.csv" in html
    chart = report_data.selfeval_chart(ctx)
    assert isinstance(chart, charts.Chart)
    assert chart.png.startswith(b"\x89PNG") and "92.72" in chart.caption and "优" in chart.caption


def test_score_bars_checks_lengths():
    with pytest.raises(ValueError):
        charts.score_bars(["a"], [1, 2], [1], title="t", caption="c")


def test_funding_total_keeps_fractions_of_a_yuan():
    from decimal import Decimal
    from types import SimpleNamespace as NS

    facts = [NS(unit="元", section="六.1", value=Decimal("1000.50")),
             NS(unit="元", section="六.2", value=Decimal("999.75")),
             NS(unit="人", section="六.2", value=Decimal("3"))]
    project = NS(sections={"funding": NS(number="六")}, facts=facts)
    assert report_data.funding_total(project) == Decimal("2000.25")     # not int-truncated 1999
    assert report_data.funding_total(NS(sections={}, facts=facts)) is None


def test_sections_hand_over_their_data():
    """Each section shows HTML and gives a DataFrame. Expected values from the seed text: the
    insurance project states 59039 insured persons (F01) and its audit findings are the three of
    tests/audit/test_base.py (year reference; the loss ratio, one finding for its three places)."""
    ctx = report_data.project_report(PROJECT, 2024)
    ind = report_data.indicators_section(ctx)
    assert "<table" in ind._repr_html_()
    frame = ind.frame
    row = frame[frame["指标编号"] == "insured_persons"].iloc[0]
    assert row["计算值"] == 59039 and row["显示值"] == "59,039人"
    found = report_data.findings_section(ctx).frame
    assert len(found) == 2 and sorted(found["核算结果"]) == ["2024", "58.89%"]
    facts = report_data.facts_section(ctx).frame
    assert list(facts.columns)[:3] == ["编号", "项目", "数值"] and len(facts) == len(ctx.project.facts)
    assert report_data.targets_section(ctx).frame.columns[0] == "一级指标"


def test_a_published_table_shows_stated_against_recomputed(project_copy):
    """永德's published table filed as this project's actuals. Recomputed by hand from its key:
    execution 10 + rows 10, 10, 10 (stated 7), 10, 10 (有效 → 达成, the stated 10 lies in the tier),
    9.80 (98 % of =100 %, stated 9), 10, 10, 10 = 99.80, 优."""
    real = FIXTURE.parent / "real" / "yn-lincang-yongde-2022-yingyang.csv"
    target = project_copy / "data/actuals/2024" / f"{PROJECT}.csv"
    target.parent.mkdir(parents=True)
    shutil.copy(real, target)
    ctx = report_data.project_report(PROJECT, 2024)
    section = report_data.selfeval_section(ctx)
    html = section.html
    assert "填报得分" in html and "复核得分" in html and "99.80" in html and "优" in html
    assert html.count("得分与规则不符") == 2
    frame = section.frame
    row = frame[frame["指标"] == "资金到位及时率"].iloc[0]
    assert (row["填报得分"], row["复核得分"]) == ("7.00", "10.00")


def test_summary_block_says_what_a_reader_needs_first(project_copy):
    """主要发现 of the insurance project, by hand from the seed text and its audit: 资金安排 lists
    12.80万元 + 2.22万元 = 15.02万元 in 2 amounts; headline figures 参保人数 59,039人 …; the audit
    finds 1 error (the 52.00% loss ratio: one discrepancy, stated in three places) and 1 warning
    (2023年度 in the 2024 text)."""
    ctx = report_data.project_report(PROJECT, 2024)
    html = report_data.summary_block(ctx).html
    assert "“资金安排情况”一节列明金额2项，合计15.02万元。" in html
    assert "参保人数59,039人" in html and "错误1项、警告1项" in html
    assert "本年度尚无绩效自评表。" in html
    for anchor in ("profile", "funding", "indicators", "findings", "selfeval"):
        assert f'href="#{anchor}"' in html


def test_overview_summary_leaves_copied_money_out_of_the_total(project_copy):
    """The association's 资金安排情况 is the insurance project's, copied (audit: duplicate_section,
    error, 六): its 15.02万元 is not added; the total is the insurance project's 15.02万元 alone."""
    html = report_data.overview_summary(report_data.year_overview(2024)).html
    assert "1个项目在“资金安排情况”中列明金额，合计15.02万元" in html
    assert ("计划生育协会综合工作经费项目的“资金安排情况”金额被一致性检查标为存疑（该节照搬其他项目的内容）"
            in html)
    assert "30.04" not in html


def test_flagged_figures_are_never_shown_as_fact(project_copy):
    """Issue 10: the association's 资金安排情况 (12.80万元 + 2.22万元 = 15.02万元) is the insurance
    project's, copied; the insurance project's 赔付率52.00% contradicts 187.79 ÷ 318.9 = 58.89%.
    Each is shown with its flag wherever it appears and counted in no comparison."""
    ov = report_data.year_overview(2024)
    table = report_data.overview_table(ov).frame
    totals = dict(zip(table["项目"].map(str), table["资金安排合计"], strict=True))
    ins = next(v for k, v in totals.items() if "意外伤害保险" in k)
    assoc = next(v for k, v in totals.items() if "综合工作经费" in k)
    assert ins == "15.02万元" and assoc == "15.02万元（存疑：照搬其他项目）"
    chart = report_data.overview_chart(ov)
    labels = [t.get_text() for t in chart.figure.axes[0].get_yticklabels()]
    assert len(labels) == 1 and "综合工作经费" not in "".join(labels)
    assert "未列入：计划生育协会综合工作经费项目" in chart.caption
    # the association's own report: the funding table, the chart and the facts carry the flag
    ctx = report_data.project_report("association-operations", 2024)
    funding = report_data.funding_section(ctx).frame
    assert [v for v in funding["数值"] if "万元" in v] == ["12.80万元（存疑：照搬其他项目）",
                                                          "2.22万元（存疑：照搬其他项目）"]
    assert all(v.endswith("（存疑：照搬其他项目）") for v in funding["数值"])     # 3,200人 … too
    chart = report_data.funding_chart(ctx)
    values = [t.get_text() for t in chart.figure.axes[0].texts]
    assert values == ["12.80万元（存疑）", "2.22万元（存疑）"]
    assert all(p.get_hatch() == "//" for p in chart.figure.axes[0].patches)
    assert "灰色斜线条" in chart.caption and "F1" not in "".join(
        t.get_text() for t in chart.figure.axes[0].get_yticklabels())
    facts = report_data.facts_section(ctx).frame
    assert facts.set_index("编号").loc["F17", "说明"].startswith("存疑：所在章节照搬其他项目")
    # the insurance project: the stated loss ratio is flagged, the recomputed one is not
    ctx = report_data.project_report(PROJECT, 2024)
    html = report_data.indicators_section(ctx).html
    assert "52.00%（存疑：与复算不符）" in html and "58.89%（存疑" not in html
    assert ("赔付率（复算）", "58.89%") in report_data.key_figures(ctx.project)


def test_commands_and_hashes_stay_in_the_technical_block(project_copy):
    ctx = report_data.project_report(PROJECT, 2024)
    for block in (report_data.selfeval_section(ctx).html, report_data.provenance_footer(ctx).html):
        body = block.split("<details")[0]
        assert "python -m helpers" not in body and "sha256" not in body
    assert "数据来源" in report_data.provenance_footer(ctx).html


def test_lab_style_applies_only_inside_jupyterlab():
    """Every rule of the scoped copy of the report stylesheet starts with the lab's own body
    attribute, so a published page (no such attribute) is untouched; page and print rules stay out."""
    import re

    css = report_data.title_block(report_data.project_report(PROJECT, 2024)).html
    style = re.search(r'<style class="lab-style">(.*?)</style>', css, re.S).group(1)
    selectors = [s.strip() for rule in re.findall(r"([^{}]+)\{", style) for s in rule.split(",")]
    assert selectors and all(s.startswith("body[data-jp-theme-name]") for s in selectors)
    assert "table.data" in style and "@page" not in style and "@media" not in style


def test_chart_labels_are_the_figures_own_words_not_fact_ids():
    """The seed's 资金安排: 预计补助12.80万元 after the sentence on the 3200 persons, and 预计补助2.22万元
    in the sentence on the 444 persons."""
    import re

    from helpers.reports.context import funding_facts
    from helpers.reports.sections import bar_label

    ctx = report_data.project_report(PROJECT, 2024)
    labels = [bar_label(f, ctx.project) for f in funding_facts(ctx.project)]
    assert len(labels) == 2 and not any(re.search(r"\bF\d{2}\b", x) for x in labels)
    assert labels[0].startswith("预计补助：") and "3" in labels[0]
    assert labels[1].startswith("预计补助：计划补助444人")


def test_summary_flags_copied_money_and_never_cuts_a_number(project_copy):
    """The association's 资金安排 is copied from the insurance project (audit, 六): its summary says
    so; the insurance project's example finding reads stated against recomputed whole."""
    assoc = report_data.summary_block(report_data.project_report("association-operations", 2024)).html
    assert "金额存疑" in assoc
    ins = report_data.summary_block(report_data.project_report(PROJECT, 2024)).html
    assert "四.2节文本写52.00%，按文本其他数字复算为58.89%。" in ins


def test_key_figures_of_an_unseen_text_carry_their_flag():
    """Blind text 07 (人社, written by a helper who never read this code): 脱贫劳动力占比82.00% is
    wrong (1,168 ÷ 1,460 = 80.00%). Its project type is unknown, so the key figures (cards, the
    year index) are the first stated figure of each label; the 82.00% one carries its flag."""
    from helpers.core.decoding import decode_bytes
    from helpers.ingest.loader import parse_text
    from helpers.reports import context

    path = Path(__file__).parents[1] / "fixtures" / "audit" / "blind" / "texts" / "07_public-welfare-jobs.txt"
    doc = parse_text(decode_bytes(path.read_bytes(), str(path)))
    project = doc.projects[0]
    figures = dict(context.key_figures(project, limit=4))
    assert figures["脱贫劳动力占比"] == "82.00%（存疑：与复算不符）"
    assert figures["脱贫劳动力"] == "1,168人"              # the numerator is not in doubt
