"""Indicator definitions: the formulas, and one registration block at the bottom.

Each formula is a function of a ``FactIndex`` (helpers.indicators) returning a ``Decimal`` or
``None``. Lookups go by metric id; the first reported fact of a metric in text order is used.
Levels (一级/二级) follow 财预〔2020〕10号 / 财预〔2021〕101号; the placement of each indicator is
our reading and is listed in docs/indicators.md."""

from __future__ import annotations

from decimal import Decimal

from helpers.core.formatting import fmt_iso_date, fmt_wan
from helpers.indicators.base import FactIndex, Indicator, metric_name, plain, registry
from helpers.ingest.models import Fact

INS = ("accident_insurance",)
ASSOC = ("association",)


def stated(metric: str, planned: bool | None = False):
    """The stated value of ``metric`` as it is (first fact in text order)."""
    def compute(ix: FactIndex) -> Decimal | None:
        f = ix.fact(metric, planned)
        if f is None:
            return None
        ix.trace.approx = f.approx or ""
        return f.value
    return compute


def ratio(num: str, den: str, scale: int = 1):
    """A compute function: value(``num``) × ``scale`` ÷ value(``den``), reported facts only, exact."""
    def compute(ix: FactIndex) -> Decimal | None:
        return ix.ratio(num, den, scale)
    return compute


def _period(f: Fact) -> str:
    """How a fact's period reads: 截至2023年9月30日 · 2023年 · (nothing)."""
    if f.as_of:
        return "截至" + fmt_iso_date(f.as_of)
    return f"{f.year}年" if f.year else ""


def loss_ratio_stated(ix: FactIndex) -> Decimal | None:
    """The loss ratio (赔付率, in %) as stated, with a note that the text does not say its basis (口径)."""
    f = ix.fact("loss_ratio")
    if f is None:
        return None
    ix.note(f"文本陈述{_period(f)}赔付率{f.raw}，未说明口径")
    return f.value


def loss_ratio_recomputed(ix: FactIndex) -> Decimal | None:
    """Simple loss ratio in percent: claims_paid ÷ premium_income × 100."""
    paid = ix.fact("claims_paid")
    prem = ix.fact("premium_income")
    if paid is None or prem is None:
        return None
    ix.trace.basis = f"简单赔付率：{_period(paid)}赔付金额 ÷ {_period(prem)}保费收入"
    if paid.as_of and not prem.as_of:
        ix.note("赔付金额为截至某日的累计数，保费收入未注明截止日，两者期间可能不一致")
    value = ix.divide(paid.value, prem.value, f"分母（{metric_name('premium_income')}）", 100)
    stated_f = ix.fact("loss_ratio", required=False)
    if value is not None and stated_f is not None:
        diff = value - stated_f.value
        if abs(diff) <= stated_f.tolerance:
            ix.note(f"与文本陈述赔付率{stated_f.raw}一致")
        else:
            ix.note(f"文本陈述赔付率{stated_f.raw}，复算值与之相差{plain(abs(diff))}个百分点"
                    f"（文本口径未说明，可能按已赚保费或含未决赔款计算）")
    return value


def _category_parts(ix: FactIndex) -> tuple[Decimal, Decimal, Decimal] | None:
    """(persons, standard, persons × standard) of one category, or None when one is missing."""
    persons = ix.value("planned_subsidy_persons", planned=True)
    standard = ix.value("subsidy_standard", planned=None)
    if persons is None or standard is None:
        return None
    return persons, standard, persons * standard


def category_amount(ix: FactIndex) -> Decimal | None:
    """One planned-subsidy category's amount in 元: planned persons × subsidy standard, exact.

    Notes the product and whether it agrees with the category's stated 预计补助 within its printed
    precision; None when persons or standard is missing.
    """
    parts = _category_parts(ix)
    if parts is None:
        return None
    persons, standard, amount = parts
    p_unit = ix.all("planned_subsidy_persons", True)[0].unit
    s_unit = ix.all("subsidy_standard", None)[0].unit
    ix.note(f"{plain(persons)}{p_unit} × {plain(standard)}{s_unit} = {fmt_wan(amount)}")
    stated_f = ix.fact("planned_subsidy_amount", planned=None, required=False)
    if stated_f is None:
        ix.note("本类未陈述预计补助金额")
    elif abs(stated_f.value - amount) <= stated_f.tolerance:
        ix.note(f"与文本预计补助{stated_f.raw}一致")
    else:
        ix.note(f"与文本预计补助{stated_f.raw}不一致（相差{fmt_wan(abs(stated_f.value - amount))}）")
    return amount


def _no_categories(ix: FactIndex) -> list[FactIndex]:
    cats = ix.categories()
    if not cats:
        ix.lack(f"{metric_name('planned_subsidy_persons')}（资金安排情况）")
    return cats


def planned_persons_total(ix: FactIndex) -> Decimal | None:
    """The planned subsidy persons summed over the funding section's categories, in 人.

    None when there is no category, a category lacks its persons, or the units are not all 人.
    """
    cats = _no_categories(ix)
    heads = [c.fact("planned_subsidy_persons", planned=True) for c in cats]
    if not cats or any(f is None for f in heads):
        return None
    units = sorted({f.unit for f in heads})
    if units != ["人"]:
        ix.note(f"各类计划补助对象的单位不同或不是人（{'、'.join(units)}），不能相加")
        return None
    total = sum((f.value for f in heads), Decimal(0))
    ix.note(" + ".join(plain(f.value) for f in heads) + f" = {plain(total)}人")
    return total


def planned_amount_total(ix: FactIndex) -> Decimal | None:
    """The planned subsidy amount in 元: Σ over categories of persons × standard, exact.

    Notes whether the sum of the stated per-category amounts agrees (within their summed printed
    precision); None when there is no category or one lacks persons or standard.
    """
    cats = _no_categories(ix)
    parts = [_category_parts(c) for c in cats]
    if not cats or any(p is None for p in parts):
        return None
    total = sum((p[2] for p in parts), Decimal(0))
    ix.note(" + ".join(fmt_wan(p[2]) for p in parts) + f" = {fmt_wan(total)}（各类人数 × 标准）")
    stated_amounts = [c.fact("planned_subsidy_amount", planned=None, required=False) for c in cats]
    if all(stated_amounts):
        s = sum((f.value for f in stated_amounts), Decimal(0))
        tol = sum((f.tolerance for f in stated_amounts), Decimal(0))
        word = "一致" if abs(s - total) <= tol else "不一致"
        ix.note(f"文本各类预计补助合计{fmt_wan(s)}，{word}")
    return total


def planned_persons_stated(ix: FactIndex) -> Decimal | None:
    """The overall planned number of persons stated outside the funding section, as stated."""
    funding = ix.section_number("funding")
    outside = [f for f in ix.all("planned_subsidy_persons", planned=True)
               if f.section.split(".")[0] != funding]
    if not outside:
        ix.lack(f"{metric_name('planned_subsidy_persons')}（资金安排情况以外的总体计划）")
        return None
    f = outside[0]
    ix.trace.use(f)
    ix.trace.approx = f.approx or ""
    ix.note(f"按文本陈述：{f.raw}" + ("（约数）" if f.approx else ""))
    heads = [c.fact("planned_subsidy_persons", planned=True) for c in ix.categories()]
    if heads and all(h is not None and h.unit == f.unit for h in heads):
        ix.note(f"资金安排分类合计{plain(sum((h.value for h in heads), Decimal(0)))}{f.unit}")
    return f.value


def organisations_total(ix: FactIndex) -> Decimal | None:
    """The stated number of associations (协会组织总数), noting whether 区+乡+村 levels add up to it."""
    total = ix.value("organisations_total")
    levels = [ix.fact(m, required=False) for m in ("org_district", "org_township", "org_village")]
    if total is not None and all(levels):
        s = sum((f.value for f in levels), Decimal(0))
        word = "一致" if s == total else "不一致"
        ix.note(" + ".join(plain(f.value) for f in levels) + f" = {plain(s)}，与总数{word}")
    return total


def coverage_gap(ix: FactIndex) -> Decimal | None:
    """The 会员之家 coverage gap in percentage points (个百分点): planned target − current rate."""
    now = ix.fact("coverage_rate")
    target = ix.fact("coverage_target", planned=True)
    if now is None or target is None:
        return None
    when = f"{target.year}年" if target.year else ""
    ix.note(f"{when}目标{target.raw} − 现状{now.raw}")
    return target.value - now.value


def coverage_target(ix: FactIndex) -> Decimal | None:
    """The planned 会员之家 coverage target in %, noting the year it is for."""
    f = ix.fact("coverage_target", planned=True)
    if f is not None and f.year:
        ix.note(f"{f.year}年目标")
    return None if f is None else f.value


# Registration block (report order). ------------------------------------------------------------
_OUT, _BEN = "产出指标", "效益指标"
for _ind in (
    # 计划生育家庭意外伤害保险
    Indicator("insured_persons", "参保人数", "人", "文本陈述", stated("insured_persons"),
              ("insured_persons",), "persons", INS, _OUT, "数量指标"),
    Indicator("premium_income", "保费收入", "元", "文本陈述", stated("premium_income"),
              ("premium_income",), "money_wan", INS, _OUT, "数量指标"),
    Indicator("avg_premium", "人均保费", "元/人", "保费收入 ÷ 参保人数",
              ratio("premium_income", "insured_persons"), ("premium_income", "insured_persons"),
              "per_capita_2dp", INS, _OUT, "成本指标"),
    Indicator("claims_count", "理赔件数", "件", "文本陈述", stated("claims_count"),
              ("claims_count",), "cases", INS, _BEN, "社会效益"),
    Indicator("claims_paid", "赔付金额", "元", "文本陈述", stated("claims_paid"),
              ("claims_paid",), "money_wan", INS, _BEN, "社会效益"),
    Indicator("avg_paid_claim", "件均赔付金额", "元/件", "赔付金额 ÷ 理赔件数",
              ratio("claims_paid", "claims_count"), ("claims_paid", "claims_count"),
              "yuan_2dp", INS, _BEN, "社会效益"),
    Indicator("claims_per_1000", "千人理赔件数", "件/千人", "理赔件数 ÷ 参保人数 × 1000",
              ratio("claims_count", "insured_persons", 1000), ("claims_count", "insured_persons"),
              "per_thousand", INS, _BEN, "社会效益"),
    Indicator("loss_ratio_stated", "赔付率（文本陈述）", "%", "文本陈述", loss_ratio_stated,
              ("loss_ratio",), "percent", INS, _BEN, "社会效益"),
    Indicator("loss_ratio_recomputed", "赔付率（复算）", "%", "赔付金额 ÷ 保费收入 × 100%",
              loss_ratio_recomputed, ("claims_paid", "premium_income"), "percent", INS, _BEN,
              "社会效益"),
    Indicator("subsidised_persons", "保费补助人数", "人", "文本陈述", stated("subsidised_persons"),
              ("subsidised_persons",), "persons", INS, _OUT, "数量指标"),
    Indicator("subsidy_amount", "保费补助金额", "元", "文本陈述", stated("subsidy_amount"),
              ("subsidy_amount",), "money_wan", INS, _OUT, "成本指标"),
    Indicator("subsidy_per_person", "人均补助金额", "元/人", "补助金额 ÷ 补助人数",
              ratio("subsidy_amount", "subsidised_persons"), ("subsidy_amount", "subsidised_persons"),
              "per_capita_2dp", INS, _OUT, "成本指标"),
    Indicator("planned_subsidy_category", "计划补助金额", "元", "计划补助人数 × 补助标准",
              category_amount, ("planned_subsidy_persons", "subsidy_standard", "planned_subsidy_amount"),
              "money_wan", INS, _OUT, "成本指标", per_category=True),
    Indicator("planned_subsidy_persons_total", "计划补助人数合计", "人", "Σ 各类计划补助人数",
              planned_persons_total, ("planned_subsidy_persons",), "persons", INS, _OUT, "数量指标"),
    Indicator("planned_subsidy_amount_total", "计划补助金额合计", "元", "Σ（各类计划补助人数 × 补助标准）",
              planned_amount_total, ("planned_subsidy_persons", "subsidy_standard"), "money_wan", INS,
              _OUT, "成本指标"),
    Indicator("planned_persons_stated", "计划补助人数（总体，文本陈述）", "人", "文本陈述",
              planned_persons_stated, ("planned_subsidy_persons",), "persons", INS, _OUT, "数量指标"),
    # 计划生育协会综合工作经费
    Indicator("organisations_total", "协会组织总数", "个", "文本陈述（核对：各级之和）",
              organisations_total, ("organisations_total", "org_district", "org_township", "org_village"),
              "orgs", ASSOC, _OUT, "数量指标"),
    Indicator("org_district", "区（县）级协会", "个", "文本陈述", stated("org_district"),
              ("org_district",), "orgs", ASSOC, _OUT, "数量指标"),
    Indicator("org_township", "乡（镇、街道）级协会", "个", "文本陈述", stated("org_township"),
              ("org_township",), "orgs", ASSOC, _OUT, "数量指标"),
    Indicator("org_village", "村（社区）级协会", "个", "文本陈述", stated("org_village"),
              ("org_village",), "orgs", ASSOC, _OUT, "数量指标"),
    Indicator("members", "会员人数", "人", "文本陈述", stated("members"), ("members",), "persons",
              ASSOC, _OUT, "数量指标"),
    Indicator("members_per_org", "平均每个协会会员数", "人/个", "会员人数 ÷ 协会组织总数",
              ratio("members", "organisations_total"), ("members", "organisations_total"),
              "persons_2dp", ASSOC, _OUT, "数量指标"),
    Indicator("coverage_rate", "“会员之家”覆盖率（现状）", "%", "文本陈述", stated("coverage_rate"),
              ("coverage_rate",), "percent", ASSOC, _OUT, "质量指标"),
    Indicator("coverage_target", "“会员之家”覆盖率（目标）", "%", "文本陈述", coverage_target,
              ("coverage_target",), "percent", ASSOC, _OUT, "质量指标"),
    Indicator("coverage_gap", "“会员之家”覆盖率差距", "个百分点", "覆盖率目标 − 覆盖率现状",
              coverage_gap, ("coverage_target", "coverage_rate"), "pct_points", ASSOC, _OUT, "质量指标"),
):
    registry.register(_ind)

# Key figures shown on report cards and index pages, per project type.
registry.set_headlines("accident_insurance", ("insured_persons", "premium_income", "loss_ratio_recomputed",
                                              "planned_subsidy_amount_total"))
registry.set_headlines("association", ("organisations_total", "members", "coverage_rate",
                                       "coverage_target"))
