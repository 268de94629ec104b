"""The audit on texts nobody here wrote: the blind corpus (tests/fixtures/audit/blind/, 40 texts,
74 planted errors, 76 controls) and the held-out corpus (tests/fixtures/audit/holdout/, 24 texts,
40 planted errors, 55 controls), each written by a helper who read neither the audit code nor its
docs, keys apart in key/. Scoring rules in tests/audit/blind.py; the tables are in docs/audit.md.

The thresholds are issue 10's: recall at least 95% over every planted error of the blind corpus,
and no false alarm at error or warning level (a finding that matches no planted error) in either.
The held-out corpus was measured once untouched (60.0%, 6 false alarms) and is now a second
development set: its recall must not fall below 90% (92.5% today). The final corpus
(tests/fixtures/audit/final/, 20 texts, 32 errors, 61 controls, a third helper) was measured once
untouched at the end (71.9%, 6 false alarms at error and 1 at warning level); the general bugs it
showed were fixed (90.6%, none): it must stay at 90% and without false alarms. Reproduce the tables with
``.venv/bin/python -m tests.audit.blind [blind|holdout|final]``."""

from __future__ import annotations

import json

import pytest
from tests.audit.blind import BLIND, CORPORA, kind_of, score

RECALL = {"blind": 0.95, "holdout": 0.90, "final": 0.90}


@pytest.fixture(scope="module", params=sorted(RECALL))
def corpus(request):
    return request.param, score(CORPORA / request.param)


@pytest.fixture(scope="module")
def scored():
    return score()


def test_corpus_is_whole():
    keys = sorted((BLIND / "key").glob("*.json"))
    assert len(keys) >= 40
    kinds = set()
    for k in keys:
        key = json.loads(k.read_text(encoding="utf-8"))
        text = (BLIND / key["text"]).read_text(encoding="utf-8").splitlines()
        for entry in key["planted"] + key["controls"]:
            assert entry["figure"] in text[entry["line"] - 1], (k.name, entry["id"])
        kinds |= {kind_of(e["check"]) for e in key["planted"]}
    assert kinds >= {"product", "sum", "ratio", "restatement", "integrality", "foreign_project", "copy",
                     "year_reference"}


def test_recall_at_least_the_threshold(corpus):
    name, scored = corpus
    assert scored.recall >= RECALL[name], "\n".join([f"{name}: recall below {RECALL[name]:.0%}:",
                                                     scored.table(), *scored.misses])


def test_no_false_alarm_at_error_or_warning_level(corpus):
    name, scored = corpus
    assert not scored.alarms, "\n".join([f"{name}: false alarms:", *scored.alarms])


def test_every_control_kind_was_exercised(scored):
    # the scorer really ran: every kind has controls and planted errors counted
    assert all(scored.controls[k] > 0 and scored.planted[k] > 0 for k in scored.planted)
    assert sum(scored.planted.values()) >= 70 and sum(scored.controls.values()) >= 70
