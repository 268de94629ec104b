"""Consistency audit of disclosure texts: findings, the check registry and the runner.

A check is data: a ``Check`` (id, kind, default severity, a plain explanation and the function
that looks for findings), registered in one block in ``helpers.audit.checks`` (imported by the
package, so the registry is full as soon as ``helpers.audit`` is imported). A check function
takes an ``AuditContext`` (the project, its document, the target-table loader) and yields
``Finding`` objects built with ``ctx.finding(...)``, so check modules never import this one.

``audit_documents(documents)`` runs every check on every project and returns the findings in a
deterministic order (file, project, section, line, severity, check). The rules, tolerances and
assumptions are written down in docs/audit.md."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from helpers.core.errors import HelpersError
from helpers.core.registry import Registry
from helpers.core.taxonomy import SEVERITIES
from helpers.ingest.models import Document, Fact, Project, json_number

KIND_ZH = {
    "product": "乘积核对",
    "sum": "加总核对",
    "ratio": "比率核对",
    "integrality": "整数可行性",
    "consistency": "前后一致",
    "text": "文本完整性",
    "target": "目标表核对",
}
_CN = "一二三四五六七八九十"


@dataclass(frozen=True)
class Place:
    """One place a finding's figures are stated: project, section, line, quoted sentence(s) and
    the ids of the facts there."""

    project: str
    project_name: str
    section: str
    line: int | None
    quote: str
    fact_ids: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The place as JSON: project, project_name, section, line, quote, fact_ids."""
        return {"project": self.project, "project_name": self.project_name, "section": self.section,
                "line": self.line, "quote": self.quote, "fact_ids": list(self.fact_ids)}


@dataclass
class Finding:
    """One audit finding: what disagrees, where, by how much, with the quoted evidence.

    A discrepancy stated in several places (the same figures restated in another section, or in
    a section copied into another project) is one finding: ``places`` lists every place, the
    first being the finding's own project, section and line (see :func:`merge_places`)."""

    check: str                      # registered check id ("ratio", "duplicate_section", …)
    kind: str                       # product · sum · ratio · integrality · consistency · text · target
    severity: str                   # error · warning · note
    project: str                    # project id
    project_name: str
    year: int                       # budget year of the text
    section: str                    # "四.2", "六", or "目标表"
    message: str                    # plain Chinese explanation with the arithmetic
    quote: str                      # the sentence(s) quoted as evidence
    stated: Decimal | None = None   # the figure the text states (normalised unit)
    computed: Decimal | None = None  # what the text's other figures give
    tolerance: Decimal | None = None  # the allowance from printed precision
    unit: str | None = None
    line: int | None = None
    path: str = ""
    fact_ids: list[str] = field(default_factory=list)
    figures: tuple[str, ...] = ()   # the printed figures compared (their raw text), for merging
    places: list[Place] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.places:
            self.places = [Place(self.project, self.project_name, self.section, self.line,
                                 self.quote, tuple(self.fact_ids))]

    def in_project(self, project_id: str) -> bool:
        """Whether any place of the finding is in project ``project_id``."""
        return any(p.project == project_id for p in self.places)

    def places_text(self, project_id: str | None = None) -> str:
        """Where the finding stands, in Chinese: "四.2、五；计划生育协会综合工作经费项目 五"
        (sections of ``project_id``, or of the finding's own project, first and unnamed)."""
        own = project_id or self.project
        groups: dict[str, list[str]] = {}
        names: dict[str, str] = {}
        for p in self.places:
            groups.setdefault(p.project, [])
            if p.section not in groups[p.project]:
                groups[p.project].append(p.section)
            names[p.project] = p.project_name
        order = sorted(groups, key=lambda k: k != own)
        return "；".join(("" if k == own else names[k] + " ") + "、".join(groups[k]) for k in order)

    def sort_key(self) -> tuple:
        """The report order: file, year, project position, section, line, severity (error first), check."""
        return (self.path, self.year, _project_rank(self), section_rank(self.section),
                self.line or 0, SEVERITIES.index(self.severity), self.check, self.message)

    def to_json(self) -> dict[str, Any]:
        """The finding as JSON (the `audit --json` contract); figures as numbers in ``unit``."""
        return {
            "kind": self.kind,
            "severity": self.severity,
            "project": self.project,
            "section": self.section,
            "stated": json_number(self.stated, self.unit),
            "computed": json_number(self.computed, self.unit),
            "message": self.message,
            "quote": self.quote,
            "check": self.check,
            "project_name": self.project_name,
            "year": self.year,
            "unit": self.unit,
            "tolerance": json_number(self.tolerance, self.unit),
            "line": self.line,
            "path": self.path,
            "fact_ids": list(self.fact_ids),
            "places": [p.to_json() for p in self.places],
        }


_PROJECT_ORDER: dict[tuple[str, str], int] = {}


def _project_rank(f: Finding) -> int:
    return _PROJECT_ORDER.get((f.path, f.project), 0)


def section_rank(section: str) -> tuple[int, int]:
    """"四.2" → (4, 2); "六" → (6, 0); anything else (目标表) sorts last."""
    m = re.match(rf"^([{_CN}]+)(?:\.(\d+))?$", section or "")
    if not m:
        return (99, 0)
    from helpers.ingest.template import cn_number

    return (cn_number(m.group(1)), int(m.group(2) or 0))


@dataclass(frozen=True)
class Check:
    """One registered audit check: id, kind, default severity, Chinese title, explanation and function."""

    id: str
    kind: str
    severity: str                   # the usual severity; a check may raise or lower it per finding
    title: str                      # short Chinese name
    explanation: str                # what it checks, for readers (shown on the audit page)
    func: Callable[[AuditContext], Iterable[Finding]]


def _validate_check(check: Check) -> None:
    if check.severity not in SEVERITIES:
        raise ValueError(f"unknown severity {check.severity!r} for check {check.id!r}")
    if check.kind not in KIND_ZH:
        raise ValueError(f"unknown kind {check.kind!r} for check {check.id!r}")


registry: Registry[Check] = Registry("audit check", validate=_validate_check)
"""The audit checks, in the order they run (filled by ``helpers.audit.checks``)."""


def _default_targets(year: int, project_id: str):
    from helpers.evaluation.targets import load_targets

    return load_targets(year, project_id)


@dataclass
class AuditContext:
    """What a check sees: one project, the document it stands in and the target-table loader."""

    project: Project
    document: Document
    targets_loader: Callable[[int, str], Any] | None = _default_targets

    @property
    def others(self) -> list[Project]:
        """The other projects of the same document, in document order."""
        return [p for p in self.document.projects if p is not self.project]

    def finding(self, check: str, *, section: str, message: str, quote: str = "",
                severity: str | None = None, stated: Decimal | None = None,
                computed: Decimal | None = None, tolerance: Decimal | None = None,
                unit: str | None = None, line: int | None = None,
                facts: Iterable[Fact] = ()) -> Finding:
        """A Finding of the registered check ``check`` for this project, filled in from the context.

        Kind and (unless ``severity`` is given) severity come from the check's registration; ``line``
        defaults to the first of ``facts``, whose ids are recorded. Raises KeyError for an unknown check.
        """
        spec = registry.get(check)
        facts = list(facts)
        if line is None and facts:
            line = facts[0].line
        return Finding(
            check=check, kind=spec.kind, severity=severity or spec.severity,
            project=self.project.id, project_name=self.project.name,
            year=self.project.budget_year, section=section, message=message, quote=quote,
            stated=stated, computed=computed, tolerance=tolerance, unit=unit, line=line,
            path=self.document.path, fact_ids=[f.id for f in facts],
            figures=tuple(f.raw for f in facts),
        )


def audit_project(project: Project, document: Document, *,
                  targets_loader: Callable[[int, str], Any] | None = _default_targets,
                  checks: Iterable[str] | None = None) -> list[Finding]:
    """Every registered check (or the ones named) on one project, in deterministic order."""
    ctx = AuditContext(project, document, targets_loader)
    wanted = set(checks) if checks is not None else None
    for i, p in enumerate(document.projects):
        _PROJECT_ORDER[(document.path, p.id)] = i
    out: list[Finding] = []
    for check in registry.all():
        if wanted is not None and check.id not in wanted:
            continue
        try:
            out.extend(check.func(ctx))
        except HelpersError as exc:  # e.g. an unreadable target table: report, go on
            out.append(ctx.finding(check.id, section="—", severity="error",
                                   message=f"核对未能完成：{exc}"))
    return merge_places(sorted(out, key=Finding.sort_key))


def _merge_key(f: Finding) -> tuple | None:
    """What makes two findings one discrepancy: the same check on the same stated figure and the
    same recomputation from the same printed figures, in the same text and year. Findings
    without figures (text findings) are never merged."""
    if f.stated is None or f.computed is None or not f.figures:
        return None
    return (f.path, f.year, f.check, f.stated, f.computed, f.unit, tuple(sorted(f.figures)))


def merge_places(findings: list[Finding]) -> list[Finding]:
    """One finding per discrepancy: findings with the same merge key (see ``_merge_key``) become
    the first of them, listing every place and taking the highest severity. Order is kept."""
    out: list[Finding] = []
    first: dict[tuple, Finding] = {}
    for f in findings:
        key = _merge_key(f)
        if key is None:
            out.append(f)
        elif key in first:
            kept = first[key]
            kept.places = [*kept.places, *(p for p in f.places if p not in kept.places)]
            if SEVERITIES.index(f.severity) < SEVERITIES.index(kept.severity):
                kept.severity = f.severity
        else:
            first[key] = f
            out.append(f)
    return out


def audit_documents(documents: Iterable[Document], *,
                    targets_loader: Callable[[int, str], Any] | None = _default_targets,
                    checks: Iterable[str] | None = None) -> list[Finding]:
    """Findings for every project of every document, in deterministic order."""
    out: list[Finding] = []
    for doc in documents:
        for project in doc.projects:
            out.extend(audit_project(project, doc, targets_loader=targets_loader, checks=checks))
    return merge_places(sorted(out, key=Finding.sort_key))


def findings_for(findings: Iterable[Finding], project_id: str, year: int | None = None) -> list[Finding]:
    """The findings of one project (and year), for its report: those with a place in it."""
    return [f for f in findings if f.in_project(project_id) and (year is None or f.year == year)]


def has_errors(findings: Iterable[Finding]) -> bool:
    """Whether any finding has severity "error" (``audit --strict`` then exits 1)."""
    return any(f.severity == "error" for f in findings)


def summary(findings: Iterable[Finding]) -> dict[str, int]:
    """The number of findings per severity, every severity present ({"error": 0, "warning": 2, "note": 1})."""
    counts = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        counts[f.severity] += 1
    return counts
