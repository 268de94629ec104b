"""Consistency audit of disclosure texts: findings, the check registry and the runner.

A check is data: a ``Check`` (id, kind, default severity, a plain explanation and the function
that looks for findings), registered in one block at the bottom of this module. A check function
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

from helpers.errors import HelpersError
from helpers.models import Document, Fact, Project, json_number

SEVERITIES = ("error", "warning", "note")
SEVERITY_ZH = {"error": "错误", "warning": "警告", "note": "提示"}
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


@dataclass
class Finding:
    """One audit finding: what disagrees, where, by how much, with the quoted evidence."""

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

    def sort_key(self) -> tuple:
        return (self.path, self.year, _project_rank(self), section_rank(self.section),
                self.line or 0, SEVERITIES.index(self.severity), self.check, self.message)

    def to_json(self) -> dict[str, Any]:
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
        }


_PROJECT_ORDER: dict[tuple[str, str], int] = {}


def _project_rank(f: Finding) -> int:
    return _PROJECT_ORDER.get((f.path, f.project), 0)


def section_rank(section: str) -> tuple[int, int]:
    """"四.2" → (4, 2); "六" → (6, 0); anything else (目标表) sorts last."""
    m = re.match(rf"^([{_CN}]+)(?:\.(\d+))?$", section or "")
    if not m:
        return (99, 0)
    from helpers.template import cn_number

    return (cn_number(m.group(1)), int(m.group(2) or 0))


@dataclass(frozen=True)
class Check:
    id: str
    kind: str
    severity: str                   # the usual severity; a check may raise or lower it per finding
    title: str                      # short Chinese name
    explanation: str                # what it checks, for readers (shown on the audit page)
    func: Callable[[AuditContext], Iterable[Finding]]


class CheckRegistry:
    """The audit checks, in the order they run."""

    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}

    def register(self, check: Check) -> None:
        if check.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {check.severity!r} for check {check.id!r}")
        if check.kind not in KIND_ZH:
            raise ValueError(f"unknown kind {check.kind!r} for check {check.id!r}")
        self._checks[check.id] = check

    def get(self, check_id: str) -> Check:
        return self._checks[check_id]

    def all(self) -> list[Check]:
        return list(self._checks.values())

    def __contains__(self, check_id: str) -> bool:
        return check_id in self._checks


registry = CheckRegistry()


def _default_targets(year: int, project_id: str):
    from helpers.targets import load_targets

    return load_targets(year, project_id)


@dataclass
class AuditContext:
    """What a check sees: one project, the document it stands in and the target-table loader."""

    project: Project
    document: Document
    targets_loader: Callable[[int, str], Any] | None = _default_targets

    @property
    def others(self) -> list[Project]:
        return [p for p in self.document.projects if p is not self.project]

    def finding(self, check: str, *, section: str, message: str, quote: str = "",
                severity: str | None = None, stated: Decimal | None = None,
                computed: Decimal | None = None, tolerance: Decimal | None = None,
                unit: str | None = None, line: int | None = None,
                facts: Iterable[Fact] = ()) -> Finding:
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
    return sorted(out, key=Finding.sort_key)


def audit_documents(documents: Iterable[Document], *,
                    targets_loader: Callable[[int, str], Any] | None = _default_targets,
                    checks: Iterable[str] | None = None) -> list[Finding]:
    """Findings for every project of every document, in deterministic order."""
    out: list[Finding] = []
    for doc in documents:
        for project in doc.projects:
            out.extend(audit_project(project, doc, targets_loader=targets_loader, checks=checks))
    return sorted(out, key=Finding.sort_key)


def findings_for(findings: Iterable[Finding], project_id: str, year: int | None = None) -> list[Finding]:
    """The findings of one project (and year), for its report."""
    return [f for f in findings if f.project == project_id and (year is None or f.year == year)]


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def summary(findings: Iterable[Finding]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        counts[f.severity] += 1
    return counts


# Registration block: the checks, in the order they run.
def _register_all() -> None:
    from helpers import audit_consistency as consistency
    from helpers import audit_integrality as integrality
    from helpers import audit_products as products
    from helpers import audit_ratios as ratios
    from helpers import audit_sums as sums
    from helpers import audit_targets as targets
    from helpers import audit_text as t

    for check in (
        Check("product", "product", "error", "数量×标准＝金额",
              "计划人数乘以每人补助标准，应等于文本所写的补助金额（容差取金额的打印精度）。",
              products.check_products),
        Check("parts_sum", "sum", "error", "分项之和＝总数",
              "“其中”所列各分项之和，应等于其前面的总数。", sums.check_parts),
        Check("category_sum", "sum", "error", "各类合计＝总体数",
              "分类列出的计划人数或金额之和，应落在文本另处所写的总体数（含“余”“约”等约数）的范围内。",
              sums.check_categories),
        Check("ratio", "ratio", "error", "比率＝分子÷分母",
              "文本所写的比率（如赔付率），应等于文本同时给出的分子除以分母（考虑两者的打印精度）。",
              ratios.check_ratios),
        Check("integrality", "integrality", "note", "百分比可由整数得到",
              "以文本所给的个数为分母时，所写百分比应能由某个整数分子得到。", integrality.check_integrality),
        Check("restatement", "consistency", "error", "同一数字前后一致",
              "同一项目中同一口径的数字在不同部分出现时，应一致。", consistency.check_restatements),
        Check("duplicate_section", "text", "warning", "项目间文字雷同",
              "同一文本中两个项目的同一部分逐字相同；若内容属于另一项目，则为错误。",
              t.check_duplicates),
        Check("foreign_project", "text", "error", "引用他项目为本项目",
              "立项依据、实施内容中“组织实施……项目”所称项目应为本项目。", t.check_foreign_project),
        Check("section_subject", "text", "error", "内容不属于本项目",
              "实施内容、资金安排等部分讲述的应是本项目的事项，而非另一类项目。", t.check_subject),
        Check("year_reference", "text", "warning", "年度与预算年度不符",
              "计划、实施年度应为本文本的预算年度；已完成的情况不应晚于预算年度。", t.check_years),
        Check("target", "target", "error", "目标表与文本一致",
              "绩效目标表（data/targets/）中的指标值应与其来源引文中的数字一致。", targets.check_targets),
    ):
        registry.register(check)


_register_all()
