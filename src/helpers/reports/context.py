"""What a report is built from: the project (or the year's projects) loaded from the catalogue,
the inputs with their sha256, the code version, and the figures several sections share (key
figures, funding amounts, audit findings). No HTML here: ``helpers.reports.sections`` presents it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from helpers import audit, indicators
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


def key_figures(project: Project, limit: int = 4) -> list[tuple[str, str]]:
    """A few headline figures for cards and indexes, each (label, display): the project type's
    headline indicators (helpers.indicators), else the first stated figure of each metric."""
    figures = indicators.headline_figures(project, limit)
    if figures:
        return figures
    chosen: list[Fact] = []
    seen: set[str] = set()
    for f in project.facts:
        key = f.metric or f.label
        if key not in seen:
            seen.add(key)
            chosen.append(f)
    return [(f.label, fmt_value(f.value, f.unit)) for f in chosen[:limit]]


def funding_facts(project: Project) -> Iterable[Fact]:
    """Money amounts (元) stated in the funding section (六、资金安排情况), in text order."""
    sec = project.sections.get("funding")
    if sec is None:
        return []
    return [f for f in project.facts
            if f.unit == "元" and f.section.split(".")[0] == sec.number]


def _document_of(project: Project):
    """(document, the project object inside it): the audit checks read the whole text and look
    the project up in it by identity."""
    from helpers import ingest

    path = Path(project.path)
    path = path if path.is_absolute() else paths.project_root() / path
    for doc in ingest.ingest_paths([path]).documents:
        for p in doc.projects:
            if p.id == project.id and p.line == project.line:
                return doc, p
    return None, project


def audit_findings(projects: list[Project]) -> list[audit.Finding]:
    """Findings of helpers.audit for these projects: every finding of their documents with a
    place in one of them (a discrepancy restated in a copied section of another project is one
    finding, listing both places)."""
    found: list[audit.Finding] = []
    for p in projects:
        doc, same = _document_of(p)
        everything = audit.audit_documents([doc]) if doc is not None else audit.audit_project(same, doc)
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
    inputs = sorted({(r["path"], r["sha256"]) for r in map(_source_record, projects)})
    return OverviewContext(year=year, projects=projects, parameters={"year": year},
                           inputs=[{"path": a, "sha256": b} for a, b in inputs],
                           code=provenance.code_version())


def funding_total(project: Project) -> Decimal | None:
    """Exact sum of the amounts stated in 资金安排情况 (元; fractions of a 元 kept), None when none
    is stated."""
    money = list(funding_facts(project))
    return sum((Decimal(f.value) for f in money), Decimal(0)) if money else None
