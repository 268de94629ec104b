"""Score the audit on the blind corpus (tests/fixtures/audit/blind/): texts written by a helper who
had read neither the audit code nor its docs, only the template (the seed text) and
docs/domain.md, with planted errors and consistent controls in an answer key kept apart
(key/<stem>.json; format in tests/fixtures/audit/blind/README.md).

Matching, decided before the first run and applied the same way to every kind:

- a planted error is **found** when a finding of its kind (the key's check; ``parts_sum`` and
  ``category_sum`` count as one kind, "sum", as do ``duplicate_section`` and ``section_subject``,
  "copy") has a place in the key's project at the key's line, or in the section holding that
  line for a finding without a line, or states the key's figure in its message; at error or
  warning level, except ``integrality``, which the audit reports as a note by design;
- a **false alarm** is a finding at error or warning level that matches no planted error;
- **notes** that match no planted error are counted apart: they are questions for the unit, not
  accusations.

Run ``.venv/bin/python -m tests.audit.blind [blind|holdout|final]`` for the table per kind (as in
docs/audit.md) and every miss and false alarm; tests/audit/test_blind.py holds the thresholds."""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from helpers.audit import Finding, audit_documents
from helpers.core.decoding import decode_bytes
from helpers.ingest.loader import parse_text
from helpers.ingest.models import Document

CORPORA = Path(__file__).parents[1] / "fixtures" / "audit"
BLIND = CORPORA / "blind"
KIND = {"parts_sum": "sum", "category_sum": "sum", "duplicate_section": "copy", "section_subject": "copy"}
ORDER = ("product", "sum", "ratio", "restatement", "integrality", "foreign_project", "copy",
         "year_reference")


def kind_of(check: str) -> str:
    """The kind a key check or a finding's check is scored under."""
    return KIND.get(check, check)


@dataclass
class Score:
    """What the audit found on the corpus: per kind, planted, found, controls and false alarms."""

    planted: Counter = field(default_factory=Counter)
    found: Counter = field(default_factory=Counter)
    controls: Counter = field(default_factory=Counter)
    false_alarms: Counter = field(default_factory=Counter)      # (kind, severity)
    notes: Counter = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)
    texts: int = 0

    @property
    def recall(self) -> float:
        """Found ÷ planted over every kind."""
        return sum(self.found.values()) / max(sum(self.planted.values()), 1)

    def table(self) -> str:
        """The markdown table per kind: planted, found, recall, controls, false alarms, notes."""
        rows = ["| kind | planted | found | recall | controls | false alarms (error) | "
                "false alarms (warning) | notes |", "|---|---|---|---|---|---|---|---|"]
        kinds = [k for k in ORDER if k in self.planted or k in self.controls] + sorted(
            {k for k in [*self.planted, *self.controls, *(k for k, _ in self.false_alarms)]} - set(ORDER))
        for k in kinds:
            p, f = self.planted[k], self.found[k]
            rows.append(f"| {k} | {p} | {f} | {f / p:.0%} | {self.controls[k]} | "
                        f"{self.false_alarms[(k, 'error')]} | {self.false_alarms[(k, 'warning')]} | "
                        f"{self.notes[k]} |" if p else
                        f"| {k} | 0 | 0 | — | {self.controls[k]} | {self.false_alarms[(k, 'error')]} | "
                        f"{self.false_alarms[(k, 'warning')]} | {self.notes[k]} |")
        p, f = sum(self.planted.values()), sum(self.found.values())
        fa_e = sum(v for (_, s), v in self.false_alarms.items() if s == "error")
        fa_w = sum(v for (_, s), v in self.false_alarms.items() if s == "warning")
        rows.append(f"| **all** | {p} | {f} | {self.recall:.1%} | {sum(self.controls.values())} | "
                    f"{fa_e} | {fa_w} | {sum(self.notes.values())} |")
        return "\n".join(rows)


def load_key(path: Path) -> dict:
    """One key file (JSON)."""
    return json.loads(path.read_text(encoding="utf-8"))


def parse(path: Path) -> Document:
    """The text of a key, parsed as the audit would read it."""
    return parse_text(decode_bytes(path.read_bytes(), path.name))


def _section_at(doc: Document, project_name: str, line: int) -> str | None:
    """The section number ("五", "四.2") holding ``line`` in the named project."""
    for p in doc.projects:
        if p.name.rstrip("。") != project_name.rstrip("。"):
            continue
        for s in p.sections.values():
            if s.line <= line <= max(s.end_line, s.line):
                sub = next((x for x in reversed(s.subsections) if x.line <= line), None) \
                    if getattr(s, "subsections", None) else None
                return s.number + (f".{sub.number}" if sub is not None else "")
    return None


def _matches(f: Finding, planted: dict, doc: Document) -> bool:
    if kind_of(f.check) != kind_of(planted["check"]):
        return False
    if f.severity == "note" and planted["check"] != "integrality":
        return False
    name = planted["project"].rstrip("。")
    places = [p for p in f.places if p.project_name.rstrip("。") == name]
    if not places:
        return False
    if any(p.line == planted["line"] for p in places):
        return True
    section = _section_at(doc, name, planted["line"])
    if section is not None and any(p.section == section or p.section == section.split(".")[0]
                                   for p in places):
        return True
    return planted.get("figure", "") and planted["figure"] in f.message


def score(blind: Path = BLIND) -> Score:
    """Audit every text of the corpus and score the findings against the key."""
    out = Score()
    for key_path in sorted((blind / "key").glob("*.json")):
        key = load_key(key_path)
        text = blind / key["text"]
        doc = parse(text)
        found = audit_documents([doc], targets_loader=None)
        out.texts += 1
        for c in key.get("controls", []):
            out.controls[kind_of(c["check"])] += 1
        used: set[int] = set()
        for e in key.get("planted", []):
            k = kind_of(e["check"])
            out.planted[k] += 1
            hits = [i for i, f in enumerate(found) if _matches(f, e, doc)]
            if hits:
                out.found[k] += 1
                used.update(hits)
            else:
                out.misses.append(f"{text.name}:{e['line']} {e['check']} {e['figure']} — {e['explain']}")
        for i, f in enumerate(found):
            if i in used:
                continue
            if f.severity == "note":
                out.notes[kind_of(f.check)] += 1
                continue
            out.false_alarms[(kind_of(f.check), f.severity)] += 1
            out.alarms.append(f"{text.name}:{f.line} {f.severity} {f.check} [{f.places_text()}] {f.message}")
    return out


def main() -> int:
    """Print the table per kind of the corpus named on the command line (default: blind), then
    every miss and false alarm."""
    s = score(CORPORA / (sys.argv[1] if len(sys.argv) > 1 else "blind"))
    print(f"{s.texts} texts\n")
    print(s.table())
    for title, items in (("misses", s.misses), ("false alarms", s.alarms)):
        print(f"\n{title}: {len(items)}")
        for item in items:
            print("  " + item)
    return 0


if __name__ == "__main__":
    sys.exit(main())
