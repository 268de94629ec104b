"""Tidy CSV tables of the ingested catalogue under data/derived/ (git-ignored), each checked
against its schema (helpers.ingest.schema) on write and on read. Written atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers.core import atomic, paths
from helpers.ingest.models import Document
from helpers.ingest.schema import BASIS, FACTS, PROJECTS, SCHEDULE, SECTIONS, TABLES, dumps, read_table


def records(documents: list[Document]) -> dict[str, list[dict[str, Any]]]:
    """The rows of each derived table (projects, sections, facts, basis_documents, schedule), by name."""
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    for doc in documents:
        for p in doc.projects:
            key = {"budget_year": p.budget_year, "project_id": p.id}
            out[PROJECTS.name].append({**key, "name": p.name, "unit": p.unit, "type": p.type,
                                       "path": p.path, "line": p.line, "sha256": doc.sha256,
                                       "encoding": doc.encoding})
            for s in p.sections.values():
                out[SECTIONS.name].append({**key, "key": s.key, "section": s.number, "title": s.title,
                                           "line": s.line, "text": s.text})
                for sub in s.subsections:
                    out[SECTIONS.name].append({**key, "key": s.key, "section": f"{s.number}.{sub.number}",
                                               "title": sub.title, "line": sub.line, "text": sub.text})
            for f in p.facts:
                out[FACTS.name].append({**key, "fact_id": f.id, "label": f.label, "metric": f.metric,
                                        "value": f.value, "unit": f.unit, "year": f.year,
                                        "section": f.section, "raw": f.raw, "approx": f.approx,
                                        "as_of": f.as_of, "planned": f.planned, "parent": f.parent,
                                        "tolerance": f.tolerance, "line": f.line, "quote": f.quote})
            for b in p.basis:
                out[BASIS.name].append({**key, "title": b.title, "number": b.number, "year": b.year,
                                        "line": b.line, "quote": b.quote})
            for per in p.schedule:
                out[SCHEDULE.name].append({**key, "text": per.text, "year": per.year,
                                           "start_month": per.start_month, "end_month": per.end_month,
                                           "section": per.section, "line": per.line})
    return out


def write_tables(documents: list[Document], folder: Path | None = None) -> dict[str, Path]:
    """Write every derived table as <name>.csv under ``folder`` (default data/derived/), atomically.

    Each table is checked against its schema first; returns the path written per table name.
    """
    folder = folder or paths.derived_dir()
    written = {}
    for name, rows in records(documents).items():
        schema = TABLES[name]
        target = folder / f"{name}.csv"
        atomic.write_text(target, dumps(schema, rows, str(target)))
        written[name] = target
    return written


def read(name: str, folder: Path | None = None) -> list[dict[str, Any]]:
    """The typed rows of the derived table ``name`` read back from ``folder`` (default data/derived/)."""
    folder = folder or paths.derived_dir()
    return read_table(TABLES[name], folder / f"{name}.csv")


def read_frame(name: str, folder: Path | None = None):
    """A derived table as a pandas DataFrame (for analysts in JupyterLab)."""
    import pandas as pd

    return pd.DataFrame(read(name, folder), columns=TABLES[name].names)
