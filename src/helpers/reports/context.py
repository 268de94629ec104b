"""What a report is built from: the project (or the year's projects) loaded from the catalogue,
the inputs with their sha256, the code version, and the figures several sections share (key
figures, funding amounts, audit findings). No HTML here: ``helpers.reports.sections`` presents it.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from helpers import audit, indicators
from helpers.audit import flags
from helpers.core import paths, provenance
from helpers.core.formatting import fmt_value
from helpers.evaluation import selfeval, targets
from helpers.ingest.models import Fact, Project

FAULT_VARIABLE = "BUDGET_REPORTS_FAULT"


def inject_fault(key: str) -> None:
    """Test hook: with ``BUDGET_REPORTS_TESTING=1`` and ``BUDGET_REPORTS_FAULT=<kind>:<key>``
    (key "2024/<project id>" or "2024/overview"), the report's kernel (never the build process)
    misbehaves on purpose:
    ``raise`` (an exception in a cell), ``hang`` (a cell that never ends), ``die`` (the kernel
    exits). Outside tests the variable is ignored."""
    if os.environ.get("BUDGET_REPORTS_TESTING") != "1" or not _in_kernel():
        return
    for spec in os.environ.get(FAULT_VARIABLE, "").split(","):
        kind, _, target = spec.strip().partition(":")
        if target != key:
            continue
        if kind == "raise":
            raise RuntimeError(f"injected fault in {key}")
        if kind == "hang":
            while True:
                time.sleep(1)
        if kind == "die":
            os._exit(9)


def _in_kernel() -> bool:
    """Whether this code runs inside an IPython kernel (a report notebook), not the build."""
    ipython = sys.modules.get("IPython")
    return ipython is not None and ipython.get_ipython() is not None


@dataclass
class ReportContext:
    """One project report: the project and what it was built from."""

    project: Project
    year: int
    parameters: dict[str, Any]
    inputs: list[dict[str, str]] = field(default_factory=list)
    code: dict[str, Any] = field(default_factory=dict)


def project_report(project_id: str, year: int) -> ReportContext:
    """Load the project (UnknownProjectError if absent) and record inputs and code version."""
    from helpers import ingest

    inject_fault(f"{year}/{project_id}")
    project = ingest.get_project(project_id, year)
    return ReportContext(project=project, year=year,
                         parameters={"project_id": project_id, "year": year},
                         inputs=report_inputs(project, year), code=provenance.code_version())


def report_inputs(project: Project, year: int) -> list[dict[str, str]]:
    """What a project report is built from, each with sha256: its source text, the id registry
    (data/project_ids.yaml), and where kept its target table (data/targets/) and self-evaluation
    table (data/actuals/). They feed the build fingerprint and the provenance footer."""
    inputs = [_source_record(project)]
    optional = (paths.project_ids_file(), targets.targets_file(year, project.id),
                selfeval.actuals_file(year, project.id))
    inputs.extend(provenance.input_record(f) for f in optional if f is not None and Path(f).is_file())
    return inputs


def _source_record(project: Project) -> dict[str, str]:
    path = Path(project.path)
    if not path.is_absolute():
        path = paths.project_root() / path
    return provenance.input_record(path)


# A flagged figure as shown on cards, in indexes and in key-figure lists: its display, then this.
FLAG_MARK = {flags.COPIED: "（存疑：照搬其他项目）", flags.CONTRADICTED: "（存疑：与复算不符）"}


def flag_mark(flagged: dict[str, flags.Flag], fact_id: str) -> str:
    """What follows a figure's display when it is flagged ("（存疑：照搬其他项目）"), else ""."""
    return FLAG_MARK[flagged[fact_id].reason] if fact_id in flagged else ""


def figure_flags(project: Project, findings: list[audit.Finding] | None = None) -> dict[str, flags.Flag]:
    """The project's stated figures the audit puts in doubt, by fact id (helpers.audit.flags);
    ``findings``: the project's audit findings when already at hand."""
    found = audit_findings([project]) if findings is None else findings
    return flags.flagged_facts(project, found)


def indicator_flag(result: indicators.IndicatorResult, project: Project,
                   flagged: dict[str, flags.Flag]) -> flags.Flag | None:
    """The flag of an indicator computed from a doubtful figure: one of its inputs is flagged
    and is of a metric the indicator reads (a recomputation that only names the stated figure
    it contradicts, like 赔付率（复算）, is not in doubt)."""
    spec = indicators.registry.get(result.id.split(".")[0])
    metrics = {f.id: f.metric for f in project.facts}
    for fid in result.inputs:
        if fid in flagged and metrics.get(fid) in spec.inputs:
            return flagged[fid]
    return None


def key_figures(project: Project, limit: int = 4,
                findings: list[audit.Finding] | None = None) -> list[tuple[str, str]]:
    """A few headline figures for cards and indexes, each (label, display): the project type's
    headline indicators (helpers.indicators), else the first stated figure of each metric. A
    figure the audit puts in doubt carries its flag in the display ("15.02万元（存疑：照搬其他项目）")."""
    flagged = figure_flags(project, findings)
    headlines = indicators.headline_results(project, limit)
    if headlines:
        flags_of = [indicator_flag(r, project, flagged) for r in headlines]
        return [(r.name, r.display + (FLAG_MARK[f.reason] if f else ""))
                for r, f in zip(headlines, flags_of, strict=True)]
    chosen: list[Fact] = []
    seen: set[str] = set()
    for f in project.facts:
        key = f.metric or f.label
        if key not in seen:
            seen.add(key)
            chosen.append(f)
    return [(f.label, fmt_value(f.value, f.unit) + flag_mark(flagged, f.id)) for f in chosen[:limit]]


def funding_facts(project: Project) -> Iterable[Fact]:
    """Money amounts (元) stated in the funding section (六、资金安排情况), in text order."""
    sec = project.sections.get("funding")
    if sec is None:
        return []
    return [f for f in project.facts
            if f.unit == "元" and f.section.split(".")[0] == sec.number]


@functools.lru_cache(maxsize=64)
def _audited(path: str, mtime_ns: int, size: int) -> tuple[Any, tuple[audit.Finding, ...]]:
    """(document, its findings) of the text at ``path``, read and audited once per version of
    the file (``mtime_ns`` and ``size`` key the cache: a changed text is read again)."""
    from helpers import ingest

    docs = ingest.ingest_paths([Path(path)]).documents
    return (docs[0] if docs else None), tuple(audit.audit_documents(docs))


def _document_findings(project: Project) -> tuple[Any, tuple[audit.Finding, ...]]:
    path = Path(project.path)
    path = path if path.is_absolute() else paths.project_root() / path
    st = path.stat()
    return _audited(str(path), st.st_mtime_ns, st.st_size)


def audit_findings(projects: list[Project]) -> list[audit.Finding]:
    """Findings of helpers.audit for these projects: every finding of their documents with a
    place in one of them (a discrepancy restated in a copied section of another project is one
    finding, listing both places). Each text is audited once per version of its file."""
    found: list[audit.Finding] = []
    for p in projects:
        doc, everything = _document_findings(p)
        if doc is None:
            everything = tuple(audit.audit_project(p, None))
        found.extend(f for f in audit.findings_for(everything, p.id, p.budget_year) if f not in found)
    return found


@dataclass
class OverviewContext:
    """One year overview: the year's projects and what the overview was built from."""

    year: int
    projects: list[Project]
    parameters: dict[str, Any]
    inputs: list[dict[str, str]] = field(default_factory=list)
    code: dict[str, Any] = field(default_factory=dict)


def year_overview(year: int) -> OverviewContext:
    """Load every project of ``year`` (UnknownProjectError if none) with inputs and code version."""
    from helpers import ingest
    from helpers.core.errors import UnknownProjectError

    inject_fault(f"{year}/overview")
    projects = sorted(ingest.load_projects(year), key=lambda p: (p.path, p.line))
    if not projects:
        raise UnknownProjectError(f"no projects for year {year}", path=f"data/raw/{year}/")
    return OverviewContext(year=year, projects=projects, parameters={"year": year},
                           inputs=overview_inputs(projects), code=provenance.code_version())


def overview_inputs(projects: Iterable[Project]) -> list[dict[str, str]]:
    """What a year overview is built from: every text of its projects with its sha256, each text
    hashed once, sorted by path (the build's fingerprint and the provenance footer)."""
    records = {}
    for project in projects:
        if project.path not in records:
            records[project.path] = _source_record(project)
    return sorted(records.values(), key=lambda r: (r["path"], r["sha256"]))


def funding_total(project: Project) -> Decimal | None:
    """Exact sum of the amounts stated in 资金安排情况 (元; fractions of a 元 kept), None when none
    is stated."""
    money = list(funding_facts(project))
    return sum((Decimal(f.value) for f in money), Decimal(0)) if money else None


def funding_flag(project: Project, flagged: dict[str, flags.Flag] | None = None) -> flags.Flag | None:
    """The flag of a project's funding total: the first flagged amount of its 资金安排情况 (the
    total then counts in no sum or comparison across projects), or None."""
    flagged = figure_flags(project) if flagged is None else flagged
    return next((flagged[f.id] for f in funding_facts(project) if f.id in flagged), None)
