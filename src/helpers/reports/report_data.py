"""The notebooks' one import: ``from helpers.reports import report_data as rd``.

Everything a report notebook shows comes from here, so notebooks hold no formulas: the contexts
(``rd.project_report``, ``rd.year_overview``; built in ``helpers.reports.context``: loading,
inputs, provenance) and the sections (``rd.facts_section(ctx)``…; built in
``helpers.reports.sections``: presentation). Each section returns an ``Html`` fragment, a
``Section`` (HTML plus ``.frame``, a pandas DataFrame) or a ``Chart`` (a matplotlib figure).
"""

from helpers.reports.context import (
    OverviewContext,
    ReportContext,
    audit_findings,
    funding_facts,
    funding_total,
    key_figures,
    project_report,
    report_inputs,
    year_overview,
)
from helpers.reports.sections import (
    facts_section,
    findings_count,
    findings_section,
    funding_chart,
    funding_section,
    indicators_section,
    key_figures_block,
    overview_chart,
    overview_footer,
    overview_summary,
    overview_table,
    overview_title,
    profile_section,
    provenance_footer,
    provenance_section,
    selfeval_chart,
    selfeval_section,
    summary_block,
    targets_section,
    title_block,
)

__all__ = [
    "OverviewContext",
    "ReportContext",
    "audit_findings",
    "facts_section",
    "findings_count",
    "findings_section",
    "funding_chart",
    "funding_facts",
    "funding_section",
    "funding_total",
    "indicators_section",
    "key_figures",
    "key_figures_block",
    "overview_chart",
    "overview_footer",
    "overview_summary",
    "overview_table",
    "overview_title",
    "profile_section",
    "project_report",
    "provenance_footer",
    "provenance_section",
    "report_inputs",
    "selfeval_chart",
    "selfeval_section",
    "summary_block",
    "targets_section",
    "title_block",
    "year_overview",
]
