"""The ingested catalogue: documents → projects → sections and facts.

Plain dataclasses, so every other module (indicators, audit, reports) depends on this shape and
not on how it was parsed. ``to_json`` gives the JSON contract of ../shared/docs/design.md (fields may be
added, never renamed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


def json_number(value: Decimal | int | None, unit: str | None = None) -> int | float | None:
    """A normalised value as a JSON number: an int when integral, else the shortest float; a
    percentage always as a float (52.00% → 52.0, the contract of ../shared/docs/design.md)."""
    if value is None:
        return None
    if unit == "%":
        return float(value)
    if isinstance(value, int):
        return value
    if value == value.to_integral_value():
        return int(value)
    return float(value)


@dataclass(frozen=True)
class Notice:
    """A warning found while reading a file: something a person should look at."""

    path: str
    line: int | None
    message: str
    level: str = "warning"

    def __str__(self) -> str:
        loc = self.path + (f":{self.line}" if self.line else "")
        return f"{loc}: {self.level}: {self.message}"


@dataclass
class Subsection:
    """One numbered sub-section (2.绩效目标合理性) of a section: number, title, body and 1-based line."""

    number: str          # "2"
    title: str           # "绩效目标合理性"
    text: str            # body after the title (without the heading "2.绩效目标合理性：")
    line: int


@dataclass
class Section:
    """One numbered top-level section of a project (四、项目基本概况), with its body and sub-sections."""

    key: str             # canonical key: name, basis, unit, overview, content, funding, plan, outcome
    number: str          # "四"
    title: str           # "项目基本概况"
    text: str            # whole body, sub-section headings included
    line: int            # 1-based line of the heading in the file
    subsections: list[Subsection] = field(default_factory=list)
    end_line: int = 0    # last line of the body

    def to_json(self) -> dict[str, Any]:
        """The section as JSON: number, title, line span, body and sub-sections (not its key)."""
        return {
            "number": self.number,
            "title": self.title,
            "line": self.line,
            "end_line": self.end_line,
            "text": self.text,
            "subsections": [
                {"number": s.number, "title": s.title, "line": s.line, "text": s.text}
                for s in self.subsections
            ],
        }


@dataclass
class Fact:
    """One quantitative statement, normalised per docs/domain.md §1, traceable to its sentence."""

    id: str                      # "F01" … unique within the project, in text order
    label: str                   # what it measures, from the words around the number (参保人数)
    metric: str | None           # canonical metric id from the metric registry, if recognised
    value: Decimal               # in the normalised unit
    unit: str                    # 元 · 元/人 · 人 · 个 · 件 · % · 户 · 次 …
    year: int | None             # the year the sentence refers to, where it says one
    section: str                 # "四.2" (section number, sub-section number)
    section_title: str           # "项目基本概况 · 绩效目标合理性"
    quote: str                   # the whole sentence, as printed
    line: int                    # 1-based line in the file
    raw: str                     # the number as printed, with its unit ("318.9万元")
    raw_unit: str                # the unit as printed ("万元")
    scale: int                   # factor from the printed unit to the normalised one (10000)
    decimals: int                # digits printed after the point (for tolerance)
    approx: str | None = None    # "余", "约", "多", "近" … when the text gives an approximation
    as_of: str | None = None     # ISO date of a 截止/截至 clause ("2023-09-30")
    planned: bool = False        # the sentence states a plan or target (计划, 预计, 争取, 拟 …)
    parent: str | None = None    # id of the total this figure is a part of (…其中…)
    offset: int | None = None    # where ``raw`` starts in ``quote``
    upper: Decimal | None = None  # upper end of a stated range (3000-5000元/人: value 3000, upper 5000)
    stage: str | None = None     # planned · granted · executed · arrived · left_over (helpers.ingest.stages)

    @property
    def tolerance(self) -> Decimal:
        """Half a unit of the last printed digit, in the normalised unit (12.80万元 → 50 元)."""
        return Decimal(self.scale) * Decimal(1).scaleb(-self.decimals) / 2

    def to_json(self) -> dict[str, Any]:
        """The fact as JSON; value, upper and tolerance are JSON numbers in the normalised unit."""
        return {
            "id": self.id,
            "label": self.label,
            "metric": self.metric,
            "value": json_number(self.value, self.unit),
            "unit": self.unit,
            "year": self.year,
            "section": self.section,
            "section_title": self.section_title,
            "quote": self.quote,
            "line": self.line,
            "raw": self.raw,
            "approx": self.approx,
            "as_of": self.as_of,
            "planned": self.planned,
            "parent": self.parent,
            "offset": self.offset,
            "upper": json_number(self.upper),
            "tolerance": json_number(self.tolerance),
            "stage": self.stage,
        }


@dataclass
class BasisDocument:
    """A document named in 立项依据: its title (《…》) and normalised number (国计生协〔2008〕37号)."""

    title: str | None
    number: str | None
    issuer_code: str | None
    year: int | None
    quote: str
    line: int

    def to_json(self) -> dict[str, Any]:
        """The basis document as JSON: title, number, issuer code, year, quote and line."""
        return {"title": self.title, "number": self.number, "issuer_code": self.issuer_code,
                "year": self.year, "quote": self.quote, "line": self.line}


@dataclass
class Period:
    """A planned period named in the text (2024年3-4月)."""

    text: str
    year: int
    start_month: int | None
    end_month: int | None
    section: str
    line: int

    def to_json(self) -> dict[str, Any]:
        """The period as JSON: text, year, start and end month, section number and line."""
        return {"text": self.text, "year": self.year, "start_month": self.start_month,
                "end_month": self.end_month, "section": self.section, "line": self.line}


@dataclass
class Project:
    """One project of a disclosure text: name, unit, budget year, its sections and what was read from them."""

    id: str
    name: str
    unit: str
    budget_year: int
    title: str
    path: str                    # the source file, relative to the project root where possible
    line: int                    # line of the title
    end_line: int
    type: str                    # project type from the type registry ("accident_insurance", …)
    sections: dict[str, Section] = field(default_factory=dict)
    facts: list[Fact] = field(default_factory=list)
    basis: list[BasisDocument] = field(default_factory=list)
    schedule: list[Period] = field(default_factory=list)
    synthetic: bool = False      # generated test data (helpers.ingest.synthetic): never published

    def fact(self, fact_id: str) -> Fact:
        """The fact with id ``fact_id`` ("F03"); KeyError if the project has none."""
        for f in self.facts:
            if f.id == fact_id:
                return f
        raise KeyError(fact_id)

    def to_json(self) -> dict[str, Any]:
        """The project as JSON: identity, sections by key, basis documents, schedule and facts."""
        return {
            "id": self.id,
            "name": self.name,
            "unit": self.unit,
            "budget_year": self.budget_year,
            "type": self.type,
            "synthetic": self.synthetic,
            "title": self.title,
            "line": self.line,
            "end_line": self.end_line,
            "sections": {k: s.to_json() for k, s in self.sections.items()},
            "basis_documents": [b.to_json() for b in self.basis],
            "schedule": [p.to_json() for p in self.schedule],
            "facts": [f.to_json() for f in self.facts],
        }


@dataclass
class Document:
    """One ingested disclosure file: how it was decoded, its projects and the warnings found reading it."""

    path: str
    encoding: str                # "utf-8", "utf-8-sig" or "gb18030"
    line_endings: str            # "LF", "CRLF", "CR" or "mixed"
    sha256: str
    projects: list[Project] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The document as JSON: path, encoding, line ends, sha256, projects and warnings as text."""
        return {
            "path": self.path,
            "encoding": self.encoding,
            "line_endings": self.line_endings,
            "sha256": self.sha256,
            "projects": [p.to_json() for p in self.projects],
            "warnings": [str(n) for n in self.notices],
        }
