"""Which stated figures the audit puts in doubt, so that no report shows them as fact.

Two reasons make a figure doubtful (docs/audit.md, "Flagged figures"):

- **copied**: it stands in a section the audit marks as another project's (``duplicate_section``
  or ``section_subject`` at error or warning level): the figure is the other project's;
- **contradicted**: it is the stated figure of an error-level finding with figures (a rate, a
  product, a total, a restatement the text's own figures contradict), in any place of that finding.

Notes (questions for the unit, such as an integrality note) flag nothing. The reports show a
flagged figure with its flag wherever it appears and leave it out of totals and comparisons
across projects (helpers.reports)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from helpers.audit.base import Finding
from helpers.ingest.models import Fact, Project

COPIED, CONTRADICTED = "copied", "contradicted"
COPY_CHECKS = ("duplicate_section", "section_subject")
FLAG_ZH = {COPIED: "存疑：所在章节照搬其他项目", CONTRADICTED: "存疑：与文本其他数字不符"}


@dataclass(frozen=True)
class Flag:
    """Why one stated figure is in doubt: the reason (copied, contradicted), the check that says
    so and the section of the finding."""

    fact_id: str
    reason: str
    check: str
    section: str

    @property
    def text(self) -> str:
        """The flag as shown beside the figure ("存疑：所在章节照搬其他项目")."""
        return FLAG_ZH[self.reason]


def _in_section(fact: Fact, section: str) -> bool:
    return fact.section == section or fact.section.split(".")[0] == section


def flagged_facts(project: Project, findings: Iterable[Finding]) -> dict[str, Flag]:
    """The doubtful figures of ``project`` by fact id (see the module docstring); the first
    reason found is kept, a copy before a contradiction."""
    by_id = {f.id: f for f in project.facts}
    out: dict[str, Flag] = {}
    found = [f for f in findings if f.in_project(project.id) and f.year == project.budget_year]
    for f in found:
        if f.check in COPY_CHECKS and f.severity in ("error", "warning") and f.project == project.id:
            for fact in project.facts:
                if _in_section(fact, f.section):
                    out.setdefault(fact.id, Flag(fact.id, COPIED, f.check, f.section))
    for f in found:
        if f.severity != "error" or f.stated is None or not f.figures:
            continue
        doubtful = {f.stated}
        if f.kind == "consistency" and f.computed is not None:   # a restatement: which one is right?
            doubtful.add(f.computed)
        for place in f.places:
            if place.project != project.id:
                continue
            for fid in place.fact_ids:
                fact = by_id.get(fid)
                if fact is not None and fact.value in doubtful and fact.unit == (f.unit or fact.unit):
                    out.setdefault(fid, Flag(fid, CONTRADICTED, f.check, place.section))
    return out
