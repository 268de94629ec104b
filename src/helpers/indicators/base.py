"""Indicator registry: derived performance indicators computed from the ingested facts.

Each ``Indicator`` names its formula over metric ids (helpers.ingest.metrics); its ``compute`` is a
function of a ``FactIndex`` that returns a ``Decimal`` or ``None``. The index records which facts
were used (ids and quoted sentences), which inputs were missing and any notes, so every result can
be traced to the text. A result whose inputs are missing has ``value None`` and says what is
missing: no number is ever shown that could not be computed.

This module holds the building blocks (``Indicator``, the registry, ``FactIndex``, ``Trace``,
``IndicatorResult``, display formats). The definitions and the one registration block live in
``helpers.indicators.definitions``, imported by the package, so the registry is full as soon as
``helpers.indicators`` is imported; a new project type gets indicators by registering them there,
never by editing notebooks. All arithmetic is in
``Decimal``; rounding (half-up) happens only in ``display``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from helpers.core import formatting as fm
from helpers.core.registry import Registry
from helpers.core.taxonomy import HIERARCHY, LEVEL1
from helpers.ingest.metrics import registry as metric_registry
from helpers.ingest.models import Fact, Project


def plain(d: Decimal, places: int = 2) -> str:
    """A number with thousands separators: integral values without decimals, else ``places``."""
    if d == d.to_integral_value():
        return fm.fmt_decimal(d, 0, thousands=True)
    return fm.fmt_decimal(d, places, thousands=True)


# Display formats: name → (function of a Decimal giving the text, decimals kept in the workbook).
FORMATS: dict[str, tuple[Callable[[Decimal], str], int]] = {
    "money_wan": (fm.fmt_wan, 2),                                            # 12.80万元
    "yuan_2dp": (lambda v: fm.fmt_yuan(v, 2, suffix=True), 2),               # 3,576.95元
    "per_capita": (fm.fmt_per_capita, 0),                                    # 40元/人
    "per_capita_2dp": (lambda v: fm.fmt_decimal(v, 2, thousands=True) + "元/人", 2),  # 54.02元/人
    "percent": (fm.fmt_pct, 2),                                              # 52.00%
    "pct_points": (lambda v: fm.fmt_decimal(v, 2) + "个百分点", 2),           # 5.00个百分点
    "per_thousand": (lambda v: fm.fmt_decimal(v, 2) + "件/千人", 2),          # 8.89件/千人
    "persons_2dp": (lambda v: fm.fmt_decimal(v, 2, thousands=True) + "人", 2),  # 259.21人
    "persons": (lambda v: fm.fmt_count(v, "人"), 0),                         # 59,039人
    "orgs": (lambda v: fm.fmt_count(v, "个"), 0),                            # 117个
    "cases": (lambda v: fm.fmt_count(v, "件"), 0),                           # 525件
}


@dataclass(frozen=True)
class Indicator:
    """One indicator: how it is computed from the facts and how it is shown."""

    id: str
    name: str                         # Chinese name shown in reports
    unit: str                         # unit of ``value`` (元, 元/人, %, 个百分点, 件/千人 …)
    formula_text: str                 # Chinese, shown as a footnote ("赔付金额 ÷ 保费收入")
    compute: Callable[[FactIndex], Decimal | None]
    inputs: tuple[str, ...]           # metric ids it reads
    display: str                      # a key of FORMATS
    types: tuple[str, ...]            # project types it applies to
    level1: str | None = None         # 产出指标 · 效益指标 · 满意度指标
    level2: str | None = None         # 数量指标 … 服务对象满意度
    basis: str = ""                   # a fixed note on the basis of the formula
    per_category: bool = False        # evaluated once per planned-subsidy category

    def __post_init__(self) -> None:
        if self.display not in FORMATS:
            raise ValueError(f"indicator {self.id}: unknown display format {self.display!r}")
        if self.level1 is not None and self.level1 not in LEVEL1:
            raise ValueError(f"indicator {self.id}: unknown 一级指标 {self.level1!r}")
        if self.level2 is not None and (self.level1 is None or self.level2 not in HIERARCHY[self.level1]):
            raise ValueError(f"indicator {self.id}: 二级指标 {self.level2!r} is not under {self.level1!r}")


class IndicatorRegistry(Registry[Indicator]):
    """The indicator definitions, in registration (= report) order, with each project type's
    headline indicators (the key-figure cards)."""

    def __init__(self) -> None:
        super().__init__("indicator")
        self._headlines: dict[str, tuple[str, ...]] = {}

    def for_type(self, project_type: str) -> list[Indicator]:
        """The indicators that apply to ``project_type``, in registration order."""
        return [i for i in self.all() if project_type in i.types]

    def set_headlines(self, project_type: str, indicator_ids: tuple[str, ...]) -> None:
        """The indicators shown as a project type's key figures (cards, indexes), in order."""
        unknown = [i for i in indicator_ids if i not in self]
        if unknown:
            raise ValueError(f"headline indicators not registered: {', '.join(unknown)}")
        self._headlines[project_type] = tuple(indicator_ids)

    def headlines(self, project_type: str) -> tuple[str, ...]:
        """A project type's headline indicator ids (empty when it declares none)."""
        return self._headlines.get(project_type, ())


registry = IndicatorRegistry()


@dataclass
class Trace:
    """What one evaluation used: fact ids, quoted sentences, missing inputs and notes."""

    facts: list[Fact] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    repeats: list[str] = field(default_factory=list)   # "stated more than once" notes, shown last
    basis: str = ""                   # the basis named by the formula; shown as the result's formula
    approx: str = ""                  # "余", "约" … when the value is an approximate stated figure

    def use(self, fact: Fact) -> None:
        """Record ``fact`` as used (once, in first-use order)."""
        if all(f.id != fact.id for f in self.facts):
            self.facts.append(fact)

    def lack(self, name: str) -> None:
        """Record the input ``name`` (a Chinese metric name) as missing, once."""
        if name not in self.missing:
            self.missing.append(name)

    def note(self, text: str) -> None:
        """Add a note, once; empty text is ignored."""
        if text and text not in self.notes:
            self.notes.append(text)

    def repeat(self, text: str) -> None:
        """Add a "stated more than once" note, once (kept apart from the notes and shown last)."""
        if text not in self.repeats:
            self.repeats.append(text)


def metric_name(metric: str) -> str:
    """The Chinese name of a metric id, for notes and missing-input lists (the id itself when unknown)."""
    return metric_registry.name_of(metric)


class FactIndex:
    """The facts of one project looked up by metric, recording what each lookup used."""

    def __init__(self, project: Project, facts: list[Fact] | None = None, label: str = "",
                 trace: Trace | None = None) -> None:
        self.project = project
        self.facts = list(project.facts if facts is None else facts)
        self.label = label
        self.trace = trace if trace is not None else Trace()

    def fresh(self) -> FactIndex:
        """The same facts with an empty trace (one per indicator evaluation)."""
        return FactIndex(self.project, self.facts, self.label)

    def all(self, metric: str, planned: bool | None = False) -> list[Fact]:
        """Facts of ``metric`` in text order; ``planned`` False: reported only, True: planned only,
        None: either."""
        return [f for f in self.facts
                if f.metric == metric and (planned is None or f.planned == planned)]

    def fact(self, metric: str, planned: bool | None = False, *, required: bool = True) -> Fact | None:
        """The first fact of ``metric`` in text order; notes repeats and whether they agree."""
        found = self.all(metric, planned)
        if not found:
            if required:
                self.trace.lack(metric_name(metric))
            return None
        first = found[0]
        self.trace.use(first)
        if first.approx:
            self.trace.note(f"{metric_name(metric)}为约数（{first.raw}）")
        if len(found) > 1:
            ids = "、".join(f.id for f in found)
            if all(f.value == first.value and f.unit == first.unit for f in found):
                self.trace.repeat(f"{metric_name(metric)}在文本中陈述{len(found)}次（{ids}），数值一致；"
                                  f"取首次陈述{first.id}")
            else:
                vals = "；".join(f"{f.id} {f.raw}" for f in found)
                self.trace.repeat(f"{metric_name(metric)}在文本中陈述{len(found)}次，数值不一致（{vals}）；"
                                  f"取首次陈述{first.id}")
        return first

    def value(self, metric: str, planned: bool | None = False) -> Decimal | None:
        """The value of ``fact(metric, planned)`` in its normalised unit; None (noted as missing) if none."""
        f = self.fact(metric, planned)
        return None if f is None else f.value

    def divide(self, numerator: Decimal | None, denominator: Decimal | None, what: str,
               scale: int = 1) -> Decimal | None:
        """numerator × scale ÷ denominator, exact; None (with a note) for a zero denominator."""
        if numerator is None or denominator is None:
            return None
        if denominator == 0:
            self.trace.note(f"{what}为零，无法计算")
            return None
        return numerator * scale / denominator

    def ratio(self, num_metric: str, den_metric: str, scale: int = 1) -> Decimal | None:
        """value(num_metric) × scale ÷ value(den_metric), reported facts only."""
        num = self.value(num_metric)
        den = self.value(den_metric)
        return self.divide(num, den, f"分母（{metric_name(den_metric)}）", scale)

    def note(self, text: str) -> None:
        """Add a note to the shared trace, once."""
        self.trace.note(text)

    def lack(self, name: str) -> None:
        """Record the input ``name`` as missing in the shared trace, once."""
        self.trace.lack(name)

    def section_number(self, key: str) -> str | None:
        """The number (四, 六 …) of the project's section with canonical ``key``, or None when it has none."""
        sec = self.project.sections.get(key)
        return None if sec is None else sec.number

    def categories(self) -> list[FactIndex]:
        """Planned-subsidy categories of the funding section (六、资金安排情况): each top-level
        ``planned_subsidy_persons`` fact with the other facts of its paragraph up to the next one
        (facts before the first one join the first). Sub-indexes share this index's trace."""
        number = self.section_number("funding")
        if number is None:
            return []
        funding = [f for f in self.facts if f.section.split(".")[0] == number]
        groups: list[list[Fact]] = []
        for line in sorted({f.line for f in funding}):
            on_line = [f for f in funding if f.line == line]
            starts = [i for i, f in enumerate(on_line)
                      if f.metric == "planned_subsidy_persons" and f.parent is None]
            for k, start in enumerate(starts):
                lo = 0 if k == 0 else start
                hi = starts[k + 1] if k + 1 < len(starts) else len(on_line)
                groups.append(on_line[lo:hi])
        out = []
        for n, group in enumerate(groups, 1):
            head = next(f for f in group if f.metric == "planned_subsidy_persons" and f.parent is None)
            parts = [f.label for f in group if f.parent == head.id]
            label = f"第{n}类" + (f"（{'、'.join(parts)}）" if parts else "")
            out.append(FactIndex(self.project, group, label, self.trace))
        return out


@dataclass
class IndicatorResult:
    """One indicator evaluated for one project: exact value, display text and the facts it came from."""

    id: str
    name: str
    value: Decimal | None
    unit: str
    display: str                      # formatted half-up per docs/domain.md §4; "—" when None
    formula: str
    inputs: list[str]                 # fact ids used
    quotes: list[str]                 # the sentences quoted, in text order, without repeats
    missing: list[str]                # Chinese names of the missing inputs
    note: str
    level1: str | None = None
    level2: str | None = None
    format: str = ""
    places: int = 2


def display_value(value: Decimal | None, fmt: str, unit: str = "", approx: str = "") -> str:
    """The value in its display format; an approximate figure keeps its marker (3,600余人)."""
    if value is None:
        return "—"
    if approx:
        return plain(value) + approx + unit
    return FORMATS[fmt][0](value)
