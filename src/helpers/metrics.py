"""Metric registry: what a fact measures, recognised from its label and clause.

Rules are data (one ``MetricRule`` each, registered in one block at the bottom); the first rule
that fits a fact wins. A fact no rule fits keeps ``metric = None`` and is still shown and quoted.
Indicators look facts up by metric id, never by the wording of one text."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class MetricRule:
    id: str
    name: str                       # Chinese name shown in reports
    units: tuple[str, ...]          # normalised units the fact must have
    label: str | None = None        # regex on the fact's label
    clause: str | None = None       # regex on the clause around the number
    sentence: str | None = None     # regex on the whole sentence
    exclude: str | None = None      # regex on label + clause that rules the fact out
    planned: bool | None = None     # True: only planned figures; False: only reported ones
    top_level: bool | None = None   # True: not a part of another figure (…其中…)

    def matches(self, *, unit: str, label: str, clause: str, sentence: str, planned: bool,
                has_parent: bool) -> bool:
        if unit not in self.units:
            return False
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


class MetricRegistry:
    def __init__(self) -> None:
        self._rules: list[MetricRule] = []

    def register(self, rule: MetricRule) -> None:
        if any(r.id == rule.id and r == rule for r in self._rules):
            return
        self._rules.append(rule)

    def get(self, metric_id: str) -> MetricRule:
        for r in self._rules:
            if r.id == metric_id:
                return r
        raise KeyError(metric_id)

    def names(self) -> dict[str, str]:
        return {r.id: r.name for r in self._rules}

    def classify(self, **fact) -> str | None:
        for r in self._rules:
            if r.matches(**fact):
                return r.id
        return None


registry = MetricRegistry()

_INSURE = r"参保|承保|投保|在保"
_SUBSIDY = r"补助|补贴|资助|扶助|津贴|救助"
# Registration block, in priority order.
for _rule in (
    MetricRule("loss_ratio", "赔付率", ("%",), label=r"赔付率|赔付比例|赔款率|赔付比率"),
    MetricRule("coverage_target", "覆盖率目标", ("%",), label=r"覆盖", planned=True),
    MetricRule("coverage_rate", "覆盖率", ("%",), label=r"覆盖", planned=False),
    MetricRule("insured_persons", "参保人数", ("人",), label=_INSURE, planned=False),
    MetricRule("premium_income", "保费收入", ("元",), label=r"保费|保险费", exclude=_SUBSIDY,
               planned=False),
    MetricRule("premium_income", "保费收入", ("元",), label=r"^(完成|收取|收缴|实现)(金额)?$",
               sentence=_INSURE, planned=False),
    MetricRule("claims_count", "理赔件数", ("件", "例", "人次"), label=r"理赔|赔案|赔付|案件|出险"),
    MetricRule("claims_paid", "赔付金额", ("元",), label=r"赔付|赔款|理赔"),
    MetricRule("planned_subsidy_persons", "计划补助人数", ("人", "户"), clause=_SUBSIDY, planned=True,
               top_level=True),
    MetricRule("subsidy_standard", "补助标准", ("元/人", "元/户"), clause=_SUBSIDY + r"|标准"),
    MetricRule("planned_subsidy_amount", "计划补助金额", ("元",), clause=_SUBSIDY, planned=True),
    MetricRule("subsidised_persons", "补助人数", ("人", "户"), clause=_SUBSIDY, planned=False,
               top_level=True),
    MetricRule("subsidy_amount", "补助金额", ("元",), clause=_SUBSIDY, planned=False),
    MetricRule("org_district", "区（县）级协会", ("个",), label=r"^(区|县|市|旗)级.*(协会|组织)"),
    MetricRule("org_district", "区（县）级协会", ("个",), label=r"^(区|县|市|旗)级$", top_level=False),
    MetricRule("org_township", "乡（镇、街道）级协会", ("个",), label=r"^(乡|镇|街道).*(协会|组织)"),
    MetricRule("org_village", "村（社区）级协会", ("个",), label=r"^(村|社区|居委).*(协会|组织)"),
    MetricRule("organisations_total", "协会组织总数", ("个",), label=r"组织|协会", top_level=True),
    MetricRule("members", "会员人数", ("人",), label=r"会员"),
):
    registry.register(_rule)
