"""Checking a filled self-evaluation table: every row scored by the rules where it can be, and
every stated figure the rules do not give named as a finding (``score FILE --check``).

A row that can be scored gets the rule's score; a row that cannot (no values, a word that is no
tier, a target of 0) keeps its stated 得分, which is counted in the total and named. Findings, by
kind (docs/scoring.md "Checking a filled table"):

=================  ========  ===============================================================
kind               severity  when
=================  ========  ===============================================================
score_mismatch     error     the stated 得分 is not the rule's (or lies outside its tier)
points_sum         error     the 分值 do not add up to 100
group_points       warning   a 一级 label's points (产出指标(50分)) ≠ the points of its rows
total_mismatch     error     the stated 总分 ≠ the sum of the stated 得分
grade_mismatch     error     the stated grade is not the grade of the stated total
actual_is_bound    warning   the 实际完成值 is written as a bound (≥90%): read as its number
assumed_direction  note      no direction written: the default (成本指标 ≤, else ≥) was used
not_checkable      note      the row cannot be scored; its stated score is kept
unknown_tier       warning   a qualitative result in words that are no tier (docs/scoring.md)
missing_reason     warning   a row below full marks with no 偏差原因
=================  ========  ===============================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from helpers.core.errors import ScoringError
from helpers.evaluation.published import Published
from helpers.evaluation.scoring import (
    METHODS,
    RowScore,
    ScoreResult,
    ScoreWarning,
    ScoringConfig,
    exact_sum,
    grade,
    round_cents,
    score_row,
)
from helpers.ingest.models import json_number

SEVERITY = {"score_mismatch": "error", "points_sum": "error", "group_points": "warning",
            "total_mismatch": "error", "grade_mismatch": "error", "actual_is_bound": "warning",
            "assumed_direction": "note", "not_checkable": "note", "unknown_tier": "warning",
            "missing_reason": "warning"}


@dataclass(frozen=True)
class CheckFinding:
    """One thing a filled table states that the rules do not give (or that could not be checked)."""

    kind: str
    message: str
    row: int | None = None
    indicator: str | None = None
    stated: Decimal | None = None
    computed: Decimal | None = None

    @property
    def severity(self) -> str:
        """error, warning or note (see the table in the module docstring)."""
        return SEVERITY[self.kind]

    def to_json(self) -> dict[str, Any]:
        """The `score --check --json` contract: row, indicator, kind, severity, stated, computed, message."""
        return {"row": self.row, "indicator": self.indicator, "kind": self.kind, "severity": self.severity,
                "stated": json_number(self.stated), "computed": json_number(self.computed),
                "message": self.message}


@dataclass
class Checked:
    """A checked table: the scores (rule's where checkable, stated where not) and the findings."""

    result: ScoreResult
    findings: list[CheckFinding] = field(default_factory=list)
    stated: dict[int, Decimal | None] = field(default_factory=dict)    # row line → stated 得分
    checkable: dict[int, bool] = field(default_factory=dict)

    @property
    def errors(self) -> list[CheckFinding]:
        """The error-level findings."""
        return [f for f in self.findings if f.severity == "error"]


def check_published(pub: Published, method: str = "2020", config: ScoringConfig | None = None) -> Checked:
    """Score every row of ``pub`` that can be scored, keep the stated score of the others, and name
    every stated figure the rules do not give."""
    cfg = config or ScoringConfig()
    m = METHODS.get(method)
    warnings: list[ScoreWarning] = []
    findings: list[CheckFinding] = []
    scored: list[RowScore] = []
    checked = Checked(result=None)  # type: ignore[arg-type]
    rate: Fraction | None = None
    for row in pub.rows:
        line = row.line or 0
        checked.stated[line] = row.given_score
        reason = _not_checkable_reason(pub, row)
        rs = None
        if reason is None:
            try:
                rs, row_rate = score_row(row, m, cfg, warnings)
                if row_rate is not None:
                    rate = row_rate
            except ScoringError as exc:
                reason = exc.message
        if rs is None:
            kept = row.given_score if row.given_score is not None else Decimal(0)
            rs = RowScore(row, "not_checkable", round_cents(kept), None,
                          f"not checkable ({reason}): the stated score is kept")
            kind = "unknown_tier" if line in pub.unknown_tiers else "not_checkable"
            if row.kind == "qualitative" and "outside the" in (reason or ""):
                kind = "score_mismatch"             # a stated score outside its tier
            shown = row.given_score if row.given_score is not None else "—"
            findings.append(CheckFinding(kind, f"「{row.indicator}」 {reason}; the stated 得分 {shown} is "
                                               "kept", line, row.indicator, row.given_score, None))
            checked.checkable[line] = False
        else:
            checked.checkable[line] = True
            _row_findings(pub, row, rs, findings)
        scored.append(rs)
    total = exact_sum(rs.score for rs in scored)
    rate_pct = None if rate is None else round_cents(rate * 100)
    checked.result = ScoreResult(m.name, scored, total, grade(total), rate_pct, warnings,
                                 source=pub.path, encoding=pub.encoding, execution_ratio=rate)
    _table_findings(pub, checked, findings, cfg)
    checked.findings = findings
    if pub.placeholders:
        rows = ", ".join(map(str, pub.placeholders))
        warnings.append(ScoreWarning("placeholders_dropped", f"{len(pub.placeholders)} template placeholder "
                                     f"row(s) dropped (指标2:, ……, /, empty rows): rows {rows}"))
    return checked


def _not_checkable_reason(pub: Published, row) -> str | None:
    line = row.line or 0
    if line in pub.unknown_tiers:
        return f"实际完成值 {pub.unknown_tiers[line]!r} is no tier in the documented word list"
    if not pub.has_points and row.kind != "execution":
        return "the table has no 分值 column"
    if line in pub.not_checkable:
        if row.points == 0 and row.given_score is not None:
            return "no 分值"
        return "no 年度指标值 and 实际完成值 to compare"
    if row.kind == "qualitative" and row.given_score is None:
        return "a qualitative row without a stated 得分"
    return None


def _row_findings(pub: Published, row, rs: RowScore, findings: list[CheckFinding]) -> None:
    line = row.line or 0
    if line in pub.bound_actuals:
        findings.append(CheckFinding("actual_is_bound", f"「{row.indicator}」 实际完成值 "
                                     f"{pub.printed.get(line, ('', ''))[1]!r} is written as a bound; read as "
                                     f"its number", line, row.indicator))
    if line in pub.assumed:
        rule = "成本指标" if pub.assumed[line] == "≤" else "非成本指标"
        findings.append(CheckFinding("assumed_direction", f"「{row.indicator}」 no direction written: "
                                     f"{pub.assumed[line]} assumed ({rule} default)", line, row.indicator))
    given = row.given_score
    if given is not None and rs.kind != "qualitative" and round_cents(given) != rs.score:
        findings.append(CheckFinding("score_mismatch", f"「{row.indicator}」 得分 stated {given}, the rule "
                                     f"gives {rs.score} ({rs.basis})", line, row.indicator, given, rs.score))
    if given is not None and rs.kind != "execution" and rs.score < row.points and given < row.points \
            and not row.reason.strip():     # the money block has no 偏差原因 column
        findings.append(CheckFinding("missing_reason", f"「{row.indicator}」 scores {given} of "
                                     f"{row.points} but 偏差原因分析及改进措施 is empty", line, row.indicator,
                                     given, rs.score))


def _table_findings(pub: Published, checked: Checked, findings: list[CheckFinding],
                    cfg: ScoringConfig) -> None:
    rows = pub.rows
    if pub.has_points:
        points = exact_sum(r.points for r in rows)
        if points != cfg.total_points:
            findings.append(CheckFinding("points_sum", f"分值 add up to {points}, not {cfg.total_points}",
                                         pub.total_line, None, points, cfg.total_points))
        for level1, label in pub.label_points.items():
            got = exact_sum(r.points for r in rows if r.level1 == level1)
            if got != label:
                findings.append(CheckFinding("group_points", f"{level1} is labelled {label}分 but its rows "
                                             f"carry {got} points", None, level1, label, got))
    stated_scores = [s for s in checked.stated.values() if s is not None]
    if pub.stated_total is not None and stated_scores:
        stated_sum = exact_sum(stated_scores)
        if round_cents(stated_sum) != round_cents(pub.stated_total):
            findings.append(CheckFinding("total_mismatch", f"总分 stated {pub.stated_total}, the stated 得分 "
                                         f"add up to {stated_sum}", pub.total_line, None, pub.stated_total,
                                         stated_sum))
    if pub.stated_grade is not None and pub.stated_total is not None and \
            grade(pub.stated_total) != pub.stated_grade:
        findings.append(CheckFinding("grade_mismatch", f"grade stated {pub.stated_grade}, a total of "
                                     f"{pub.stated_total} is {grade(pub.stated_total)}", pub.total_line))
