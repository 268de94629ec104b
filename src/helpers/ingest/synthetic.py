"""Synthetic disclosure texts in the template, with known facts, for round-trip tests and scale
benchmarks. Every text carries SYNTHETIC_MARK in its title line and first line; ingestion flags
such projects (``Project.synthetic``) and the batch refuses to publish them unless asked to.

The figures are drawn to be internally consistent (products, sums and ratios agree within the
printed precision), so the audit must stay silent on them."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

SYNTHETIC_MARK = "（合成测试数据）"
_CN = "一二三四五六七八"


@dataclass(frozen=True)
class Expected:
    """One fact a synthetic text must yield: metric id, normalised value and unit, and year if stated."""

    metric: str
    value: Decimal
    unit: str
    year: int | None = None


@dataclass
class SyntheticProject:
    """One generated project: its name, kind ("insurance" or "association") and the facts it must yield."""

    name: str
    kind: str                                   # "insurance" or "association"
    expected: list[Expected] = field(default_factory=list)


def _wan(yuan: int, places: int = 2) -> str:
    q = Decimal(1).scaleb(-places)
    return str((Decimal(yuan) / 10000).quantize(q, rounding=ROUND_HALF_UP))


def _printed(yuan: int, places: int = 2) -> Decimal:
    """The value a reader gets back from the printed 万元 figure (what parsing must return)."""
    return (Decimal(_wan(yuan, places)) * 10000).quantize(Decimal(1))


def _pick(rng: random.Random, options: list[str]) -> str:
    return options[rng.randrange(len(options))]


def _insurance(rng: random.Random, year: int, name: str) -> tuple[dict[str, str], SyntheticProject]:
    prev = year - 1
    insured = rng.randrange(5_000, 200_000)
    premium = rng.randrange(100, 3_000) * 1000          # whole thousands of 元: exact in 万元 (1 dp)
    subsidised = rng.randrange(500, 5_000)
    std0 = rng.choice([30, 40, 50, 60])
    subsidy = subsidised * std0
    claims = rng.randrange(50, 2_000)
    paid = rng.randrange(premium // 4, premium) // 100 * 100   # whole 100 元: exact in 万元 (2 dp)
    ratio = (Decimal(paid) / Decimal(premium) * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    n1, std1 = rng.randrange(1_000, 5_000), rng.choice([30, 40, 50])
    n2a, n2b = rng.randrange(50, 400), rng.randrange(50, 400)
    n2, std2 = n2a + n2b, std1 + 10
    total = n1 + n2
    approx_total = total // 100 * 100
    d, m = rng.randrange(1, 28), rng.randrange(6, 12)
    s_insured = _pick(rng, [f"{prev}年全区参保人数{insured}人", f"{prev}年全区承保人数{insured}人",
                            f"{prev}年投保人数达{insured}人"])
    s_premium = _pick(rng, [f"完成保费{_wan(premium, 1)}万元", f"收取保费{_wan(premium, 1)}万元",
                            f"保费收入{_wan(premium, 1)}万元"])
    overview = (
        "1.项目必要性：本项目为计划生育家庭提供意外伤害保障，提高抵御风险能力。\n"
        f"2.绩效目标合理性：{s_insured}，{s_premium}。对计生特殊家庭人员{subsidised}人进行保费补助，"
        f"补助金额{_wan(subsidy)}万元。截止{prev}年{m}月{d}日理赔案件{claims}件，"
        f"赔付金额{_wan(paid)}万元，赔付率{ratio}%。\n"
        "3.投入经济性：预算测算科学合理。\n"
        "4.筹资合规性：资金来源为区级财政安排，合法合规。"
    )
    funding = (
        "具体用款计划和支出目标：\n"
        f"{year}年3-4月计划补助{n1}人，每人补助标准为{std1}元/人。预计补助{_wan(n1 * std1)}万元。"
        f"计划补助{n2}人（其中失独家庭{n2a}人，伤残家庭{n2b}人），每人补助标准为{std2}元/人，"
        f"预计补助{_wan(n2 * std2)}万元。"
    )
    sections = {
        "项目名称": f"{name}。",
        "立项依据": "根据《中国计划生育协会章程》《关于开展计划生育家庭意外伤害保险的通知》"
                    f"国计生协（2008）37号等文件精神，组织实施{year}年度{name}。",
        "项目实施单位": "{unit}",
        "项目基本概况": overview,
        "项目实施内容": f"做好{year}年计划生育家庭意外伤害保险工作。",
        "资金安排情况": funding,
        "项目实施计划": f"计划于{year}年1-4月开展此项目。",
        "项目实施成效": f"计划对{approx_total}余人进行补助，提高计生家庭抵御风险的能力。",
    }
    exp = [
        Expected("insured_persons", Decimal(insured), "人", prev),
        Expected("premium_income", _printed(premium, 1), "元", prev),
        Expected("subsidised_persons", Decimal(subsidised), "人"),
        Expected("subsidy_amount", _printed(subsidy), "元"),
        Expected("claims_count", Decimal(claims), "件", prev),
        Expected("claims_paid", _printed(paid), "元", prev),
        Expected("loss_ratio", ratio, "%", prev),
        Expected("planned_subsidy_persons", Decimal(n1), "人", year),
        Expected("subsidy_standard", Decimal(std1), "元/人", year),
        Expected("planned_subsidy_amount", _printed(n1 * std1), "元"),
        Expected("planned_subsidy_persons", Decimal(n2), "人"),
        Expected("subsidy_standard", Decimal(std2), "元/人"),
        Expected("planned_subsidy_amount", _printed(n2 * std2), "元"),
        Expected("planned_subsidy_persons", Decimal(approx_total), "人", year),
    ]
    return sections, SyntheticProject(name, "insurance", exp)


def _association(rng: random.Random, year: int, name: str) -> tuple[dict[str, str], SyntheticProject]:
    towns, villages = rng.randrange(3, 20), rng.randrange(20, 300)
    total = 1 + towns + villages
    members = rng.randrange(5_000, 80_000)
    covered = rng.randrange(total // 2, total)
    share = Decimal(covered) / Decimal(towns + villages) * 100
    coverage = share.quantize(Decimal("0.01"), ROUND_HALF_UP)
    coverage = min(coverage, Decimal("99.99"))
    overview = (
        "1.项目必要性：基层组织建设是协会各项工作的基石。\n"
        f"2.绩效目标合理性：截至目前，全区共有协会组织{total}个，"
        f"其中：区级计生协会1个、乡（街道）计生协会{towns}个，"
        f"村（社区）计生协会{villages}个，会员共计{members}人。“会员之家”覆盖率达到{coverage}%，"
        f"{year}年争取达到100.00%。\n"
        "3.投入经济性：预算测算科学合理。\n"
        "4.筹资合规性：资金来源为区级财政安排，合法合规。"
    )
    sections = {
        "项目名称": f"{name}。",
        "立项依据": f"根据《中国计划生育协会章程》等文件精神，组织实施{year}年度{name}。",
        "项目实施单位": "{unit}",
        "项目基本概况": overview,
        "项目实施内容": "加强基层协会组织建设，规范“会员之家”管理。",
        "资金安排情况": "结合部门实际工作需要，申请区级财政安排工作经费。",
        "项目实施计划": f"计划于{year}年1-12月开展此项目。",
        "项目实施成效": "基层组织网络进一步健全。",
    }
    exp = [
        Expected("organisations_total", Decimal(total), "个"),
        Expected("org_district", Decimal(1), "个"),
        Expected("org_township", Decimal(towns), "个"),
        Expected("org_village", Decimal(villages), "个"),
        Expected("members", Decimal(members), "人"),
        Expected("coverage_rate", coverage, "%"),
        Expected("coverage_target", Decimal("100.00"), "%", year),
    ]
    return sections, SyntheticProject(name, "association", exp)


def make_text(year: int, seed: int = 0, n_projects: int = 2,
              unit: str = "示例市示例区计划生育协会") -> tuple[str, list[SyntheticProject]]:
    """A synthetic document and the facts each of its projects must yield."""
    rng = random.Random(f"{year}/{seed}")
    title = f"{unit}{year}年预算重点领域财政项目文本公开{SYNTHETIC_MARK}"
    parts: list[str] = []
    projects: list[SyntheticProject] = []
    for i in range(n_projects):
        if i % 2 == 0:
            base = "计划生育家庭意外伤害保险专项资金项目"
            name = base if i == 0 else f"{base}（{i + 1}）"
            sections, sp = _insurance(rng, year, name)
        else:
            base = "计划生育协会综合工作经费项目"
            name = base if i == 1 else f"{base}（{i + 1}）"
            sections, sp = _association(rng, year, name)
        body = [title, ""]
        for k, (heading, text) in enumerate(sections.items()):
            body += [f"{_CN[k]}、{heading}", "", text.replace("{unit}", unit)]
        parts.append("\n".join(body))
        projects.append(sp)
    return "\n\n".join(parts) + "\n", projects


def make_document(year: int, seed: int = 0, n_projects: int = 2,
                  unit: str = "示例市示例区计划生育协会") -> str:
    """A synthetic document text (see make_text for the expected facts)."""
    return make_text(year, seed, n_projects, unit)[0]
