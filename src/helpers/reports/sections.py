"""The sections of the report notebooks: each function takes a context (``ReportContext`` or
``OverviewContext`` from ``helpers.reports.context``) and returns what a cell shows: an ``Html``
fragment, a ``Section`` (HTML plus its data as ``.frame``) or a ``Chart`` (a matplotlib figure
with a caption). Formatting follows docs/domain.md §4 through ``helpers.core.formatting``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from helpers import indicators
from helpers.audit.export import findings_frame
from helpers.core import paths, provenance
from helpers.core.formatting import fmt_count, fmt_date, fmt_decimal, fmt_iso_date, fmt_value, fmt_wan
from helpers.core.taxonomy import SEVERITY_ZH
from helpers.evaluation import selfeval, targets
from helpers.ingest.models import Fact, Project
from helpers.reports import charts, render
from helpers.reports.context import (
    FLAG_MARK,
    OverviewContext,
    ReportContext,
    audit_findings,
    figure_flags,
    flag_mark,
    funding_facts,
    funding_flag,
    funding_total,
    indicator_flag,
    key_figures,
)
from helpers.reports.render import (
    Column,
    Html,
    Section,
    definition_list,
    esc,
    notice,
    paragraph,
    section,
    table,
)

LAB_SCOPE = "body[data-jp-theme-name]"


def lab_style() -> Html:
    """The report stylesheet scoped to JupyterLab (``body[data-jp-theme-name]``, an attribute only
    the lab's page has), so report cells look in the lab as they do on the published page, while
    the published page, which has the full stylesheet, ignores it. Print, page and document-level
    rules (html, body) are left out: they would restyle the lab itself."""
    import re

    css = render.css()
    rules, depth, start = [], 0, 0
    for i, ch in enumerate(css):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                rules.append(css[start:i + 1])
                start = i + 1
    out = []
    for rule in rules:
        rule = re.sub(r"/\*.*?\*/", "", rule, flags=re.S).strip()
        selectors, _, body = rule.partition("{")
        selectors = selectors.strip()
        if not selectors or selectors.startswith("@") or selectors in ("html", "body"):
            continue
        scoped = ", ".join(LAB_SCOPE if s.strip() == ":root" else f"{LAB_SCOPE} {s.strip()}"
                           for s in selectors.split(","))
        out.append(f"{scoped} {{{body}")
    return Html(f'<style class="lab-style">{" ".join(out)}</style>')


def title_block(ctx: ReportContext) -> Html:
    """The report's heading: project name, unit, budget year and source title (with the report
    style for JupyterLab, see :func:`lab_style`)."""
    p = ctx.project
    return Html(f"{lab_style()}<h1>{esc(p.name)}绩效报告</h1>"
                f'<p class="subtitle">{esc(p.unit)} · {p.budget_year}年度预算 · '
                f"数据来源：{esc(p.title)}</p>")


def key_figures_block(ctx: ReportContext) -> Html:
    """The key-figure cards (see :func:`key_figures`)."""
    items = "".join(f'<li><span class="label">{esc(k)}</span><span class="value">{esc(v)}</span></li>'
                    for k, v in key_figures(ctx.project))
    return Html(f'<ul class="kpis">{items}</ul>') if items else notice("文本中未找到数据。")


def _section_text(project: Project, key: str) -> str:
    s = project.sections.get(key)
    return s.text.strip() if s else ""


def profile_section(ctx: ReportContext) -> Section:
    """Unit, basis documents, plan and schedule; ``.frame``: the basis documents."""
    p = ctx.project
    schedule = "；".join(_period(s) for s in p.schedule) or "文本未列明"
    basis_rows = [(b.title or "—", b.number or "—", str(b.year) if b.year else "—") for b in p.basis]
    parts = [definition_list([
        ("项目名称", p.name), ("实施单位", p.unit), ("预算年度", fmt_date(p.budget_year)),
        ("实施期间", schedule), ("来源文件", f"{p.path}（第{p.line}–{p.end_line}行）"),
    ])]
    parts.append(Html("<h3>立项依据</h3>"))
    if basis_rows:
        parts.append(table([Column("文件名称"), Column("文号"), Column("年份", "right")], basis_rows))
    else:
        parts.append(notice("文本未列出可识别的依据文件。"))
    plan = _section_text(p, "plan")
    if plan:
        parts.append(Html("<h3>项目实施计划</h3>"))
        parts.extend(paragraph(line) for line in plan.splitlines() if line.strip())
    return section(*parts)


def _period(s) -> str:
    if s.start_month and s.end_month and s.end_month != s.start_month:
        return f"{fmt_date(s.year, s.start_month)}至{s.end_month}月"
    return fmt_date(s.year, s.start_month)


def _fact_row(f: Fact, flagged: dict | None = None) -> tuple:
    note = []
    if flagged and f.id in flagged:
        note.append(flagged[f.id].text)
    if f.approx:
        note.append(f"约数（{f.approx}）")
    if f.planned:
        note.append("计划/目标")
    if f.as_of:
        note.append(f"截至{fmt_iso_date(f.as_of)}")
    return (f.id, f.label, fmt_value(f.value, f.unit), f.raw, "；".join(note) or "—",
            Html(f'<span class="quote">{esc(f.quote)}</span><br><small>{esc(f.section_title)}，'
                 f"第{f.line}行</small>"))


FACT_COLUMNS = (Column("编号"), Column("项目"), Column("数值", "right"), Column("原文", "right"),
                Column("说明"), Column("原文出处"))


def facts_section(ctx: ReportContext) -> Section:
    """Every quantitative statement, normalised, with the sentence it comes from; ``.frame``:
    the table as shown."""
    facts = ctx.project.facts
    if not facts:
        return section(notice("文本中未识别到数量信息。"))
    flagged = figure_flags(ctx.project)
    return section(table(FACT_COLUMNS, [_fact_row(f, flagged) for f in facts]))


def indicators_section(ctx: ReportContext) -> Section:
    """Derived indicators (helpers.indicators); ``.frame``: every result with its exact value,
    formula, inputs and quotes (``helpers.indicators.indicators_frame``)."""
    results = indicators.compute_indicators(ctx.project)
    if not results:
        return section(notice("该项目没有可计算的指标。"))
    rows = []
    flagged = figure_flags(ctx.project)
    for r in results:
        display = "—" if r.missing else (r.display or fmt_value(r.value, r.unit))
        flag = indicator_flag(r, ctx.project, flagged)
        note = ("缺少：" + "、".join(map(str, r.missing))) if r.missing else (r.note or "—")
        if flag is not None:
            display += FLAG_MARK[flag.reason]
            note = flag.text + ("" if note == "—" else "；" + note)
        rows.append((r.level1 or "—", r.level2 or "—", r.name, display, r.formula or "—", note))
    return section(table([Column("一级指标"), Column("二级指标"), Column("指标"), Column("值", "right"),
                          Column("计算方法"), Column("说明")], rows),
                   frame=indicators.indicators_frame(results))


def funding_section(ctx: ReportContext) -> Section:
    """The funding plan as stated: every figure of 资金安排情况 (the chart is
    :func:`funding_chart`); ``.frame``: the table as shown."""
    p = ctx.project
    sec = p.sections.get("funding")
    if sec is None:
        return section(notice("文本没有“资金安排情况”一节。", "warning"))
    facts = [f for f in p.facts if f.section.split(".")[0] == sec.number]
    if not facts:
        return section(notice("“资金安排情况”一节未列明金额。"))
    flagged = figure_flags(p)
    rows = [(f.label, fmt_value(f.value, f.unit) + flag_mark(flagged, f.id), f.raw,
             Html(f'<span class="quote">{esc(f.quote)}</span>')) for f in facts]
    return section(table([Column("用款计划"), Column("数值", "right"), Column("原文", "right"),
                          Column("原文出处")], rows, caption="资金安排（按文本列示）"))


def bar_label(f: Fact, project: Project, width: int = 12) -> str:
    """A chart label in the figure's own words, never its fact id: its label and the subject of
    its sentence, or of the sentence before it ("预计补助：计划补助3200人")."""
    clauses = [c.strip() for c in re.split(r"[，,；;：:。]", f.quote) if c.strip()]
    subject = clauses[0] if len(clauses) > 1 else ""
    if not subject:
        sec = project.sections.get("funding")
        text = sec.text if sec is not None else ""
        before = text[: max(text.find(f.quote.strip()), 0)]
        sentences = [s for s in re.split(r"[。；;\n]", before) if s.strip()]
        if sentences:
            subject = re.split(r"[，,：:]", sentences[-1].strip())[0].strip()
    if not subject or (subject.startswith(f.label) and subject == f.raw):
        return f.label
    short = subject if len(subject) <= width else subject[:width] + "…"
    return f"{f.label}：{short}"


def funding_chart(ctx: ReportContext) -> charts.Chart | Html:
    """Bars of the amounts stated in 资金安排情况 (万元); a notice when none is stated."""
    money = list(funding_facts(ctx.project))
    if not money:
        return notice("没有可绘制的金额。")
    flagged = figure_flags(ctx.project)
    doubtful = [f.id in flagged for f in money]
    note = ""
    if any(doubtful):
        reasons = "、".join(dict.fromkeys(flagged[f.id].text.removeprefix("存疑：")
                                          for f in money if f.id in flagged))
        note = f"。灰色斜线条为一致性检查标为存疑的金额（{reasons}），详见“一致性检查”"
    return charts.amounts_bar(
        [bar_label(f, ctx.project) for f in money], [f.value for f in money],
        title="资金安排（万元）", doubtful=doubtful,
        caption=f"图1 {ctx.project.name}资金安排，数据来自文本“资金安排情况”一节（单位：万元）{note}")


def findings_section(ctx: ReportContext) -> Section:
    """Consistency findings of helpers.audit for this project; ``.frame``: the findings
    (``helpers.audit.export.findings_frame``)."""
    found = audit_findings([ctx.project])
    if not found:
        return section(notice("未发现不一致之处。"), frame=findings_frame(found))

    def num(v: Decimal | None, unit: str | None) -> str:
        if v is None:
            return "—"
        return fmt_value(v, unit) if unit else str(v)   # a year or a bare number: as is
    rows = [(SEVERITY_ZH.get(f.severity, f.severity), f.places_text(ctx.project.id), num(f.stated, f.unit),
             num(f.computed, f.unit), f.message, Html(f'<span class="quote">{esc(f.quote)}</span>'))
            for f in found]
    counts: dict[str, int] = {}
    for f in found:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    summary = "，".join(f"{SEVERITY_ZH.get(k, k)}{v}条" for k, v in sorted(counts.items()))
    return section(paragraph(f"共{len(found)}条：{summary}。"),
                   table([Column("级别"), Column("章节"), Column("陈述值", "right"),
                          Column("复算值", "right"), Column("说明"), Column("原文")], rows),
                   frame=findings_frame(found, ctx.project.id))


def targets_section(ctx: ReportContext) -> Section:
    """Performance targets (绩效目标表) from helpers.evaluation.targets, when a table is kept;
    ``.frame``: the table as shown."""
    loaded = targets.load_targets(ctx.year, ctx.project.id)
    if loaded is None or not loaded.rows:
        return section(notice("该项目尚无绩效目标表（data/targets/）。"))

    def text(v) -> str:
        return str(v) if v not in (None, "") else "—"

    def value(r: targets.Target) -> str:
        number = r.number
        if number is None:
            return text(r.value)
        if r.unit in ("万元", "%"):         # domain.md §4: 2 decimals
            return fmt_decimal(number, 2, thousands=True)
        return fmt_count(number)
    body = [(text(r.level1), text(r.level2), text(r.level3), text(r.direction), value(r), text(r.unit),
             text(r.note)) for r in loaded.rows]
    source = loaded.path
    return section(table([Column("一级指标"), Column("二级指标"), Column("三级指标"),
                          Column("指标性质", "center"), Column("指标值", "right"), Column("度量单位"),
                          Column("备注")], body),
                   paragraph(f"来源：{paths.relative(source)}", "quote") if source else Html(""))


def _checked(ctx: ReportContext):
    """The checked self-evaluation (helpers.evaluation.selfeval.check_project: stated against
    recomputed, with findings) or None when no table is filed."""
    return selfeval.check_project(ctx.year, ctx.project.id)


FINDING_ZH = {"score_mismatch": "得分与规则不符", "points_sum": "分值合计不为100",
              "group_points": "一级指标分值不符",
              "total_mismatch": "总分与各项得分之和不符", "grade_mismatch": "等级与总分不符",
              "actual_is_bound": "实际完成值写成区间", "assumed_direction": "未写指标性质（按默认）",
              "not_checkable": "无法复核（保留填报得分）", "unknown_tier": "定性结果无法归档（保留填报得分）",
              "missing_reason": "未说明偏差原因"}


def _pending_selfeval(ctx: ReportContext) -> Section:
    return section(
        notice("待填报：该项目本年度尚无绩效自评表。"),
        technical([
            ("自评表位置", f"data/actuals/{ctx.year}/{ctx.project.id}.csv 或 .xlsx"),
            ("生成空白自评表", Html(f"<code>python -m helpers workbook --year {ctx.year} --project "
                                  f"{esc(ctx.project.id)}</code>")),
            ("填写", "按绩效目标表填写“实际完成值”“偏差原因分析及改进措施”后放入上述位置"),
        ], summary="技术信息（供填报单位）"))


def technical(items: list[tuple[str, Any]], summary: str = "技术信息") -> Html:
    """A collapsed block (``<details>``) for what readers do not need and maintainers do:
    file paths, hashes, ids, commands."""
    return Html(f'<details class="technical"><summary>{esc(summary)}</summary>'
                f"{definition_list(items)}</details>")


def selfeval_section(ctx: ReportContext) -> Section:
    """The self-evaluation (绩效自评) where actuals exist: the recomputed total and grade, every row
    with its stated 得分 beside the score the rules give, and what does not agree; without a table,
    "待填报" and how to create the workbook. ``.frame``: the rows as shown."""
    checked = _checked(ctx)
    if checked is None:
        return _pending_selfeval(ctx)
    result = checked.result
    rate = result.execution_rate_pct
    summary = definition_list([
        ("自评得分（复核）", fmt_decimal(result.total, 2)), ("评价等级", result.grade),
        ("预算执行率", "—" if rate is None else f"{fmt_decimal(rate, 2)}%"),
        ("评分办法", f"{result.method}年办法"),
    ])

    def stated(rs) -> str:
        value = checked.stated.get(rs.row.line or 0)
        return "—" if value is None else fmt_decimal(value, 2)
    rows = [(rs.row.level1 or "—", rs.row.level2 or "—", rs.row.indicator, fmt_decimal(rs.row.points, 2),
             stated(rs), fmt_decimal(rs.score, 2), rs.basis or "—") for rs in result.rows]
    parts = [summary,
             table([Column("一级指标"), Column("二级指标"), Column("指标"), Column("分值", "right"),
                    Column("填报得分", "right"), Column("复核得分", "right"), Column("计分依据")], rows,
                   caption="绩效自评：填报得分与按规则复核的得分")]
    shown = [f for f in checked.findings if f.severity != "note" or f.kind == "not_checkable"]
    if shown:
        parts.append(table([Column("行", "right"), Column("问题"), Column("说明")],
                           [(str(f.row or "—"), FINDING_ZH.get(f.kind, f.kind), f.message) for f in shown],
                           caption="复核发现"))
    else:
        parts.append(paragraph("复核未发现与规则不符之处。"))
    if result.source:
        parts.append(paragraph(f"来源：{paths.relative(result.source)}", "quote"))
    return section(*parts, frame=rows_frame(rows))


def rows_frame(rows):
    """The self-evaluation rows as shown, as a DataFrame."""
    import pandas as pd

    return pd.DataFrame(rows, columns=["一级指标", "二级指标", "指标", "分值", "填报得分", "复核得分",
                                       "计分依据"])


def selfeval_chart(ctx: ReportContext) -> charts.Chart | None:
    """Score against points per indicator; None (the cell shows nothing, not an empty box)
    without a self-evaluation table."""
    checked = _checked(ctx)
    if checked is None:
        return None
    result = checked.result
    return charts.score_bars(
        [rs.row.indicator for rs in result.rows], [rs.score for rs in result.rows],
        [rs.row.points for rs in result.rows], title="各指标得分与分值",
        caption=f"图2 {ctx.project.name}绩效自评：各指标得分与分值"
                f"（合计{fmt_decimal(result.total, 2)}分，{result.grade}）")


def provenance_section(ctx_inputs: list[dict[str, str]], parameters: dict[str, Any],
                       code: dict[str, Any], source: str | None = None) -> Html:
    """Footer: a 数据来源 line for readers, then the technical record (input files with sha256,
    parameters, code version) in a collapsed 技术信息 block."""
    inputs = "".join(f"<li><code>{esc(i['path'])}</code> sha256 <code>{esc(i['sha256'])}</code></li>"
                     for i in ctx_inputs)
    params = "，".join(f"{esc(k)} = <code>{esc(v)}</code>" for k, v in sorted(parameters.items()))
    line = f"<p><strong>数据来源</strong>：{esc(source)}</p>" if source else ""
    return Html(f'<div class="provenance">{line}<details class="technical"><summary>技术信息</summary>'
                f"<p>生成依据（输入文件及其 sha256）：</p><ul>{inputs}</ul><p>参数：{params}</p>"
                f"<p>代码版本：{esc(provenance.describe_code_version(code))}</p></details></div>")


def provenance_footer(ctx: ReportContext) -> Html:
    """The project report's provenance footer (see :func:`provenance_section`)."""
    p = ctx.project
    kept = "、绩效目标表" if targets.targets_file(ctx.year, p.id) else ""
    kept += "、绩效自评表" if selfeval.actuals_file(ctx.year, p.id) else ""
    source = f"{p.unit}《{p.title}》{kept}；数字均取自原文，并注明出处。"
    return provenance_section(ctx.inputs, ctx.parameters, ctx.code, source)


def _gist(f) -> str:
    """A finding in one short clause: stated against recomputed where it is numeric, else its
    message cut at a clause boundary (never inside a number)."""
    if f.stated is not None and f.computed is not None:
        return (f"{f.section}节文本写{fmt_value(f.stated, f.unit) if f.unit else f.stated}，"
                f"按文本其他数字复算为{fmt_value(f.computed, f.unit) if f.unit else f.computed}。")
    text = f.message.split("。")[0]
    if len(text) > 60:
        cut = max(text.rfind(mark, 0, 60) for mark in "，；：")
        text = text[:cut] if cut > 20 else text[:60]
        return text + "……"
    return text + "。"


def summary_block(ctx: ReportContext) -> Html:
    """主要发现: three to six sentences a reader needs first — what the project is, its money, its
    headline figures, what does not add up, its self-evaluation — each linking to its section."""
    p = ctx.project
    sentences = [(f"{p.name}由{p.unit}实施，为{p.budget_year}年度预算项目。", "profile")]
    total = funding_total(p)
    count = len(list(funding_facts(p)))
    flag = funding_flag(p)
    if total is not None and flag is not None:
        why = "该节照搬其他项目的内容" if flag.reason == "copied" else "其中金额与文本其他数字不符"
        sentences.append((f"“资金安排情况”一节列明金额{count}项，合计{fmt_wan(total)}，但一致性检查标明{why}，"
                          "金额存疑。", "funding"))
    elif total is not None:
        sentences.append((f"“资金安排情况”一节列明金额{count}项，合计{fmt_wan(total)}。", "funding"))
    else:
        sentences.append(("文本未列明资金安排金额。", "funding"))
    figures = key_figures(p, limit=3)
    if figures:
        sentences.append(("主要数据：" + "；".join(f"{k}{v}" for k, v in figures) + "。", "indicators"))
    found = audit_findings([p])
    if found:
        counts = {s: sum(1 for f in found if f.severity == s) for s in ("error", "warning", "note")}
        told = "、".join(f"{SEVERITY_ZH[s]}{n}项" for s, n in counts.items() if n)
        first = next((f for f in found if f.severity == "error"), found[0])
        sentences.append((f"一致性检查发现{told}，如：{_gist(first)}", "findings"))
    else:
        sentences.append(("一致性检查未发现不一致之处。", "findings"))
    checked = _checked(ctx)
    if checked is not None:
        wrong = sum(1 for f in checked.findings if f.kind == "score_mismatch")
        tail = f"，{wrong}项填报得分与规则不符" if wrong else ""
        sentences.append((f"绩效自评复核得分{fmt_decimal(checked.result.total, 2)}分"
                          f"（{checked.result.grade}）{tail}。", "selfeval"))
    else:
        sentences.append(("本年度尚无绩效自评表。", "selfeval"))
    items = "".join(f'<li>{esc(text)} <a href="#{anchor}">详见</a></li>' for text, anchor in sentences)
    return Html('<section class="summary" aria-labelledby="summary-title">'
                f'<h2 id="summary-title">主要发现</h2><ul>{items}</ul></section>')


def overview_title(ov: OverviewContext) -> Html:
    """The overview's heading: the year, the units and the number of projects."""
    units = "、".join(sorted({p.unit for p in ov.projects}))
    return Html(f"{lab_style()}<h1>{ov.year}年度预算项目绩效概览</h1>"
                f'<p class="subtitle">{esc(units)} · 共{len(ov.projects)}个项目</p>')


def findings_count(project: Project) -> str:
    """The number of audit findings of a project, as shown ("3条")."""
    return f"{len(audit_findings([project]))}条"


def overview_table(ov: OverviewContext) -> Section:
    """One row per project: funding total, facts, key figures, findings; ``.frame``: as shown."""
    rows = []
    for p in ov.projects:
        figs = "；".join(f"{k} {v}" for k, v in key_figures(p, limit=3)) or "—"
        flag = funding_flag(p)
        total = fmt_wan(funding_total(p)) + (FLAG_MARK[flag.reason] if flag is not None else "")
        rows.append((Html(f'<a href="{esc(p.id)}.html">{esc(p.name)}</a>'), p.unit,
                     total, str(len(p.facts)), figs, findings_count(p)))
    return section(table([Column("项目"), Column("实施单位"), Column("资金安排合计", "right"),
                          Column("数据条数", "right"), Column("主要数据"), Column("一致性问题", "right")],
                         rows))


def overview_chart(ov: OverviewContext) -> charts.Chart | Html:
    """Bars of each project's funding total (万元); a notice when no project states one."""
    pairs = [(p.name, funding_total(p)) for p in ov.projects]
    left_out = [p.name for p in ov.projects if funding_total(p) is not None and funding_flag(p) is not None]
    pairs = [(n, t) for n, t in pairs if t is not None and n not in left_out]
    note = (f"。未列入：{'、'.join(left_out)}（其资金安排金额被一致性检查标为存疑）" if left_out else "")
    if not pairs:
        return notice("各项目均未列明可比较的资金安排金额" + (f"{note}。" if note else "。"))
    return charts.amounts_bar([n for n, _ in pairs], [t for _, t in pairs],
                              title=f"{ov.year}年各项目资金安排（万元）",
                              caption=f"图1 {ov.year}年各项目“资金安排情况”所列金额合计（单位：万元）{note}")


def overview_footer(ov: OverviewContext) -> Html:
    """The overview's provenance footer (see :func:`provenance_section`)."""
    units = "、".join(sorted({p.unit for p in ov.projects}))
    return provenance_section(ov.inputs, ov.parameters, ov.code,
                              f"{units}{ov.year}年预算重点领域财政项目文本；数字均取自原文。")


def overview_summary(ov: OverviewContext) -> Html:
    """主要发现 across the year's projects: how many, their money, where the texts do not add up."""
    projects = ov.projects
    counts = [(p, audit_findings([p])) for p in projects]
    flags_of = {p.id: funding_flag(p, figure_flags(p, found)) for p, found in counts}
    copied = {pid for pid, flag in flags_of.items() if flag is not None}
    totals = [(p, funding_total(p)) for p in projects]
    stated = [t for p, t in totals if t is not None and p.id not in copied]
    sentences = [f"{ov.year}年度共{len(projects)}个项目，涉及{len({p.unit for p in projects})}个实施单位。"]
    if stated:
        sentences.append(f"{len(stated)}个项目在“资金安排情况”中列明金额，合计{fmt_wan(sum(stated))}"
                         "（各项目文本所写）。")
    if copied:
        why = {"copied": "该节照搬其他项目的内容", "contradicted": "其中金额与文本其他数字不符"}
        for p in projects:
            if p.id in copied:
                sentences.append(f"{p.name}的“资金安排情况”金额被一致性检查标为存疑（{why[flags_of[p.id].reason]}），"
                                 "未计入合计，也未列入各项目比较图。")
    errors = [(p, sum(1 for f in found if f.severity == "error")) for p, found in counts]
    flagged = [(p, n) for p, n in errors if n]
    if flagged:
        worst = max(flagged, key=lambda pn: pn[1])
        sentences.append(f"{len(flagged)}个项目的文本存在错误级一致性问题，最多的是{worst[0].name}"
                         f"（{worst[1]}项）。")
    else:
        sentences.append("各项目文本未发现错误级一致性问题。")
    items = "".join(f"<li>{esc(s)}</li>" for s in sentences)
    return Html('<section class="summary" aria-labelledby="summary-title">'
                f'<h2 id="summary-title">主要发现</h2><ul>{items}</ul></section>')
