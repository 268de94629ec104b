"""Audit: do the figures a text states agree with each other, with its targets and its year?

Importing this package registers every check (``helpers.audit.checks``), so ``registry`` is full in
a fresh interpreter. Public API: ``audit_documents``, ``audit_project``, ``findings_for``,
``has_errors``, ``summary``, the ``Finding`` and ``Check`` types, the ``registry`` and the CSV/record
export (``helpers.audit.export``: ``findings_csv``, ``write_findings_csv``, ``findings_frame``).
"""

from helpers.audit import checks as _checks  # noqa: F401  (runs the registration block)
from helpers.audit.base import (
    KIND_ZH,
    AuditContext,
    Check,
    Finding,
    Place,
    audit_documents,
    audit_project,
    findings_for,
    has_errors,
    merge_places,
    registry,
    section_rank,
    summary,
)

__all__ = [
    "KIND_ZH",
    "AuditContext",
    "Check",
    "Finding",
    "Place",
    "audit_documents",
    "audit_project",
    "findings_for",
    "has_errors",
    "merge_places",
    "registry",
    "section_rank",
    "summary",
]
