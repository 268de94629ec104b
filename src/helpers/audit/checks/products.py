"""Product check: count × per-capita standard = amount, on one paragraph.

Pairs each standard (40元/人, 每人…40元) with the count it applies to and the amount after it,
then compares intervals (see ``helpers.audit.intervals``). Rules: docs/audit.md, check ``product``."""

from __future__ import annotations

import re
from collections.abc import Iterator

from helpers.audit.intervals import (
    PER_UNIT,
    context,
    interval,
    is_total,
    locate,
    meets,
    per_unit,
    quotes,
    segment_of,
    show,
    shown,
    uncertainty,
)
from helpers.audit.labels import category_key, without_money_words
from helpers.core.normalize import fold
from helpers.ingest.models import Fact
from helpers.ingest.stages import SPENT, compatible


def _by_line(facts: list[Fact]) -> dict[int, list[Fact]]:
    out: dict[int, list[Fact]] = {}
    for f in facts:
        out.setdefault(f.line, []).append(f)
    return out


def _pair_count(std: Fact, per: str, before: list[Fact], pers: list[str | None],
                pos: dict[str, tuple[int, int]], line_facts: list[Fact]) -> Fact | None:
    """The head count a standard applies to, or None when no pairing is unambiguous.

    1. The standard names a category (80至89周岁补助标准600元/人): the one count before it on the
       paragraph whose label shares those words (80至89周岁8000人), whether or not it is a part
       of a larger total; two such counts → no pairing.
    2. Otherwise the nearest count before it (after any earlier standard), not a part, when it
       stands in the standard's own sentence segment, or when it is the only such count since
       the previous standard and is not split into categories itself."""
    counts = [f for f in before if f.unit == per and not per_unit(f)]
    key = category_key(std.label)
    if key:
        matches = [f for f in counts if (k := category_key(f.label)) and (key in k or k in key)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            return None
    since: list[Fact] = []
    for j in range(len(before) - 1, -1, -1):
        if pers[j]:
            break
        f = before[j]
        if f.unit == per and f.parent is None:
            since.append(f)
    if not since:
        return None
    near = since[0]
    if near.id in pos and std.id in pos and near.quote == std.quote and \
            segment_of(near, pos[near.id][0]) == segment_of(std, pos[std.id][0]):
        return near
    has_parts = any(f.parent == near.id for f in line_facts)
    return near if len(since) == 1 and not has_parts else None




def _same_kind(count: Fact | None, amount: Fact) -> bool:
    """Whether ``amount`` is the kind of amount a count × standard gives: a compatible kind
    (helpers.ingest.stages), and an executed, arrived or left-over amount only when the count
    says it is of that kind too (实际资助1,100人 … 实际支出) — else it is spending against the plan."""
    mine = count.stage if count is not None else None
    if amount.stage in SPENT:
        return mine == amount.stage
    return compatible(mine, amount.stage)


def _other_category(key: str, amount: Fact) -> bool:
    """Whether the amount names a category other than the standard's (标准：刑事案件每件1,500元 …
    劳动争议案件每件800元。测算：刑事案件补贴39.00万元 … — 39.00万元 is not the 800元 product)."""
    if not key:
        return False
    theirs = category_key(without_money_words(amount.label))
    return bool(theirs) and key not in theirs and theirs not in key


def product_triples(facts: list[Fact]) -> Iterator[tuple[Fact, Fact, Fact]]:
    """(count, standard, amount) on one paragraph: the count the standard applies to (see
    ``_pair_count``; or, when the standard comes first, the count right after it, before any
    amount) and the first amount after the standard (or that count), before the next count or standard,
    of a kind compatible with the count's (``helpers.ingest.stages``): a planned or granted count
    is never compared with an executed, arrived or left-over amount."""
    pos = locate(facts)
    for line_facts in _by_line(facts).values():
        pers = [per_unit(f) for f in line_facts]
        last: dict[str, Fact] = {}          # per unit → the count the previous standard applied to
        for i, std in enumerate(line_facts):
            per = pers[i]
            if per is None:
                continue
            count = _pair_count(std, per, line_facts[:i], pers[:i], pos, line_facts)
            if count is None and per in last and not any(
                    f.unit == per and not pers[k] for k, f in enumerate(line_facts[:i])
                    if line_facts.index(last[per]) < k):
                count = last[per]   # a second standard of the same things (电费每盏…；维护费每盏…)
            if count is not None:
                last[per] = count
            first = i + 1
            if count is None:       # the standard first: "即每生每年1,000元。按受益学生12,480人测算，需…"
                for j in range(i + 1, len(line_facts)):
                    f = line_facts[j]
                    if pers[j] or f.unit == "元":
                        break
                    if f.unit == per and f.parent is None:
                        count, first = f, j + 1
                        break
            amount = None
            key = category_key(std.label)
            ck = category_key(count.label) if count is not None else ""
            if not (key and ck and (key in ck or ck in key)):
                key = ""            # the standard names no category its count shares
            for j in range(first, len(line_facts)):
                f = line_facts[j]
                if pers[j] or (f.unit == per and f.parent is None):
                    break
                if f.unit == "元" and _same_kind(count, f) and not _other_category(key, f):
                    amount = f      # the first amount of the product's own kind and category
                    break
            earlier = any(pers[:i])
            if amount is not None and earlier and is_total(amount):
                continue        # a total over several categories: the category-sum check's job
            if count is not None and amount is not None:
                yield count, std, amount


def check_products(ctx) -> Iterator:
    """Compare each count × per-capita standard (人 × 元/人) with the amount in 元 the paragraph states.

    Yields an error-level ``product`` finding when the product's interval does not meet the stated
    amount's, with the difference and the allowance from printed precision in 元.
    """
    for count, std, amount in product_triples(ctx.project.facts):
        lo_c, hi_c = interval(count)
        lo_s, hi_s = interval(std)
        factors = _periods(std, amount)
        if any(meets((lo_c * lo_s * k, hi_c * hi_s * k), interval(amount)) for k, _ in factors):
            continue
        k, times = factors[-1]
        computed = count.value * std.value * k
        diff = amount.value - computed
        tol = uncertainty(amount) + (hi_c - lo_c) / 2 * std.value * k
        yield ctx.finding(
            "product", section=amount.section, facts=(count, std, amount), unit="元",
            stated=amount.value, computed=computed, tolerance=tol, quote=quotes(count, std, amount),
            message=(f"{shown(count)} × {std.raw}{'' if std.unit in PER_UNIT else '/' + count.unit}{times} = "
                     f"{show(computed, '元')}，文本写{amount.label}"
                     f"{amount.raw}，相差{show(abs(diff), '元')}，超出打印精度允许的±{show(tol, '元')}。"))


_PER_MONTH = re.compile(r"每(?:人|户|名|生)?每?月|[/·]月")
_PER_DAY = re.compile(r"每(?:人|户|名|生)?每?[天日]|[/·]天")
_MONTHS = re.compile(r"(\d{1,2})\s*个月")
_DAYS = re.compile(r"(\d{1,3})\s*天")


def _periods(std: Fact, amount: Fact) -> list[tuple[int, str]]:
    """The factors a standard's period allows between count × standard and the amount, as
    (factor, how it reads): a monthly standard gives a year's amount (× 12, or × the months the
    sentence states: 按10个月计), a daily one × the days the sentence states (全年200天); the
    amount may also be for one period (× 1)."""
    words = std.label + context(std) + "|" + std.unit
    sentence = fold(amount.quote)
    if _PER_MONTH.search(words):
        months = [int(m) for m in _MONTHS.findall(sentence)] or [12]
        return [(1, ""), *((m, f" × {m}个月") for m in months)]
    if _PER_DAY.search(words):
        days = [int(d) for d in _DAYS.findall(sentence)]
        return [(1, ""), *((d, f" × {d}天") for d in days)]
    return [(1, "")]
