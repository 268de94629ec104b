"""Ingest: disclosure texts → documents, projects, sections, basis documents and facts.

Public API: ``parse_file``, ``parse_text``, ``ingest_paths``, ``load_projects``, ``get_project``,
``years``, ``discover`` (``helpers.ingest.loader``); the models ``Document``, ``Project``,
``Section``, ``Fact``; the metric ``registry`` (full on import) and the derived tables
(``write_tables``, ``read_frame``).
"""

from helpers.ingest.loader import (
    Catalogue,
    IngestResult,
    catalogue,
    discover,
    get_project,
    ingest_paths,
    load_projects,
    parse_file,
    parse_text,
    years,
)
from helpers.ingest.metrics import registry
from helpers.ingest.models import Document, Fact, Project, Section

__all__ = [
    "Catalogue",
    "Document",
    "Fact",
    "IngestResult",
    "Project",
    "Section",
    "catalogue",
    "discover",
    "get_project",
    "ingest_paths",
    "load_projects",
    "parse_file",
    "parse_text",
    "registry",
    "years",
]
