"""Evaluation: performance-target tables (绩效目标表), self-evaluation tables (绩效自评表) read
as sheets, scored by the Ministry of Finance rules (财预〔2020〕10号, 财预〔2021〕101号), and the
blank self-evaluation workbook.

Public API: ``score_file``, ``score_project``, ``score_rows``, the scoring-method registry
``METHODS``, ``load_targets``, ``read_targets`` and ``write_workbook``.
"""

from helpers.evaluation.scoring import METHODS, Method, Row, ScoreResult, ScoringConfig, score_rows
from helpers.evaluation.selfeval import score_file, score_project
from helpers.evaluation.targets import Target, TargetTable, load_targets, read_targets
from helpers.evaluation.workbook import write_workbook

__all__ = [
    "METHODS", "Method", "Row", "ScoreResult", "ScoringConfig", "Target", "TargetTable", "load_targets",
    "read_targets", "score_file", "score_project", "score_rows", "write_workbook",
]
