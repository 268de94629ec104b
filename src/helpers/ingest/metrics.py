"""Metric registry: what a fact measures, recognised from its label and clause.

Metrics are data (one ``Metric`` each with its ``Match`` patterns, registered in one block at the
bottom, in priority order); the first metric that recognises a fact wins. A fact no metric
recognises keeps ``metric = None`` and is still shown and quoted. Indicators look facts up by
metric id, never by the wording of one text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from helpers.core.registry import Registry


@dataclass(frozen=True)
class Match:
    """One way of recognising a metric: patterns on the fact's label, clause and sentence, and
    whether it must be planned or reported, a whole or a part (其中)."""

    label: str | None = None        # regex on the fact's label
    clause: str | None = None       # regex on the clause around the number
    sentence: str | None = None     # regex on the whole sentence
    exclude: str | None = None      # regex on label + clause that rules the fact out
    planned: bool | None = None     # True: only planned figures; False: only reported ones
    top_level: bool | None = None   # True: not a part of another figure (…其中…)

    def matches(self, *, label: str, clause: str, sentence: str, planned: bool,
                has_parent: bool) -> bool:
        """Whether a fact with these properties is recognised by this match."""
        if self.planned is not None and planned != self.planned:
            return False
        if self.top_level is not None and has_parent == self.top_level:
            return False
        if self.exclude and re.search(self.exclude, label + " " + clause):
            return False
        if self.label and not re.search(self.label, label):
            return False
        if self.clause and not re.search(self.clause, clause):
            return False
        return not (self.sentence and not re.search(self.sentence, sentence))


@dataclass(frozen=True)
class Metric:
    """What a fact measures: an id, its Chinese name, the normalised units it comes in and the
    matches that recognise it (tried in order)."""

    id: str
    name: str                       # Chinese name shown in reports
    units: tuple[str, ...]          # normalised units the fact must have
    matches: tuple[Match, ...]

    def recognises(self, *, unit: str, label: str, clause: str, sentence: str, planned: bool,
                   has_parent: bool) -> bool:
        """Whether a fact with this unit and wording is this metric."""
        return unit in self.units and any(
            m.matches(label=label, clause=clause, sentence=sentence, planned=planned, has_parent=has_parent)
            for m in self.matches)


class MetricRegistry(Registry[Metric]):
    """The metrics in priority order: the first that recognises a fact wins."""

    def __init__(self) -> None:
        super().__init__("metric")

    def name_of(self, metric_id: str) -> str:
        """The Chinese name of a metric id (the id itself when unknown)."""
        return self.get(metric_id).name if metric_id in self else metric_id

    def classify(self, *, unit: str, label: str, clause: str, sentence: str, planned: bool,
                 has_parent: bool) -> str | None:
        """The id of the first metric that recognises the fact, or None."""
        for metric in self:
            if metric.recognises(unit=unit, label=label, clause=clause, sentence=sentence,
                                 planned=planned, has_parent=has_parent):
                return metric.id
        return None


registry = MetricRegistry()

_INSURE = r"参保|承保|投保|在保"
_SUBSIDY = r"补助|补贴|资助|扶助|津贴|救助"
# Registration block, in priority order.
for _metric in (
    Metric("loss_ratio", "赔付率", ("%",), (Match(label=r"赔付率|赔付比例|赔款率|赔付比率"),)),
    Metric("coverage_target", "覆盖率目标", ("%",), (Match(label=r"覆盖", planned=True),)),
    Metric("coverage_rate", "覆盖率", ("%",), (Match(label=r"覆盖", planned=False),)),
    Metric("insured_persons", "参保人数", ("人",), (Match(label=_INSURE, planned=False),)),
    Metric("premium_income", "保费收入", ("元",), (
        Match(label=r"保费|保险费", exclude=_SUBSIDY, planned=False),
        Match(label=r"^(完成|收取|收缴|实现)(金额)?$", sentence=_INSURE, planned=False),
    )),
    Metric("claims_count", "理赔件数", ("件", "例", "人次"), (Match(label=r"理赔|赔案|赔付|案件|出险"),)),
    Metric("claims_paid", "赔付金额", ("元",), (Match(label=r"赔付|赔款|理赔"),)),
    Metric("planned_subsidy_persons", "计划补助人数", ("人", "户"),
           (Match(clause=_SUBSIDY, planned=True, top_level=True),)),
    Metric("subsidy_standard", "补助标准", ("元/人", "元/户"), (Match(clause=_SUBSIDY + r"|标准"),)),
    Metric("planned_subsidy_amount", "计划补助金额", ("元",), (Match(clause=_SUBSIDY, planned=True),)),
    Metric("subsidised_persons", "补助人数", ("人", "户"),
           (Match(clause=_SUBSIDY, planned=False, top_level=True),)),
    Metric("subsidy_amount", "补助金额", ("元",), (Match(clause=_SUBSIDY, planned=False),)),
    Metric("org_district", "区（县）级协会", ("个",), (
        Match(label=r"^(区|县|市|旗)级.*(协会|组织)"),
        Match(label=r"^(区|县|市|旗)级$", top_level=False),
    )),
    Metric("org_township", "乡（镇、街道）级协会", ("个",), (Match(label=r"^(乡|镇|街道).*(协会|组织)"),)),
    Metric("org_village", "村（社区）级协会", ("个",), (Match(label=r"^(村|社区|居委).*(协会|组织)"),)),
    Metric("organisations_total", "协会组织总数", ("个",), (Match(label=r"组织|协会", top_level=True),)),
    Metric("members", "会员人数", ("人",), (Match(label=r"会员"),)),
):
    registry.register(_metric)
