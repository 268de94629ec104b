"""Integrality check: a share-type percentage must be k/n·100 for some whole k over its base n.

Candidate bases are counts of the percentage's own subject (``denominators``); a percentage whose
numerator and denominator are both stated is the ratio check's. Rules: docs/audit.md."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from helpers.audit.checks.ratios import RATIO_RULES, rate_pair, share_pair, stem_pair
from helpers.audit.intervals import DENOMINATOR_UNITS, context, interval, per_unit, show
from helpers.audit.labels import category_key, head_noun, label_stem
from helpers.core.formatting import fmt_decimal, round_half_up
from helpers.core.normalize import fold
from helpers.ingest.models import Fact
from helpers.ingest.stages import SPENT

SHARE = re.compile(r"覆盖|占|比例|比重|建成|达标|完成率|普及|配备率")
_COUNTS = DENOMINATOR_UNITS | {"人", "人次"}


def denominators(p: Fact, facts: list[Fact]) -> list[tuple[str, int, list[Fact]]]:
    """Counts a stated percentage can be taken over: only a base of the percentage's own subject.

    1. The sum of the parts of a total on its paragraph that its sentence names (各乡（街道）、
       村（社区） → 乡11 + 村105 = 116), then that total (117).
    2. A total whose part (其中) stands in the percentage's own sentence.
    3. A count on its paragraph, not a part, whose subject the percentage's label names
       (村卫生室142个 for 村卫生室标准化建设达标率).
    4. A count of things before the percentage in its own sentence whose noun the sentence names
       again between them or the percentage's label names (全县共112个行政村（社区），…已延伸至
       …村（社区），覆盖率96.00%; 全县共有行政村173个，村级防疫员配备率95.00%).
    Any other count on the paragraph (救助残疾儿童186人 next to 康复服务覆盖率) is not taken: the
    text does not say it is the base."""
    out: list[tuple[str, int, list[Fact]]] = []
    seen: set[str] = set()

    def add(name: str, n: int, used: list[Fact], first: bool = False) -> None:
        key = "+".join(f.id for f in used)
        if key in seen:
            return
        seen.add(key)
        out.insert(0, (name, n, used)) if first else out.append((name, n, used))

    same_line = [f for f in facts if f.line == p.line and f is not p and not f.planned and
                 not f.approx and f.decimals == 0 and f.unit in _COUNTS]
    by_id = {f.id: f for f in same_line}
    sentence = fold(p.quote)
    parents: dict[str, list[Fact]] = {}
    for f in same_line:
        if f.parent and f.unit in DENOMINATOR_UNITS:
            parents.setdefault(f.parent, []).append(f)
    for parent_id, parts in parents.items():
        named = [f for f in parts if label_stem(f.label) and fold(label_stem(f.label)) in sentence]
        if len(named) == 1:
            add(named[0].label + named[0].raw, int(named[0].value), named)
        elif 2 <= len(named) < len(parts):
            total = sum(int(f.value) for f in named)
            add("+".join(f"{label_stem(f.label)}{f.raw}" for f in named), total, named)
        total_f = by_id.get(parent_id)
        if named and total_f is not None and total_f.parent is None:
            add(total_f.raw, int(total_f.value), [total_f])
    for f in same_line:
        if f.parent is None and f.quote == p.quote and \
                any(g.parent == f.id and g.quote == p.quote for g in same_line):
            add(f.raw, int(f.value), [f])
    label = fold(p.label)
    for f in same_line:
        stem = fold(label_stem(category_key(f.label)))
        if f.parent is None and len(stem) >= 2 and stem in label:
            add(f.raw, int(f.value), [f])
    start = sentence.find(fold(p.raw))
    for f in same_line:
        head = head_noun(f.label)
        if f.parent is not None or f.quote != p.quote or f.unit not in DENOMINATOR_UNITS or not head:
            continue
        at = sentence.find(fold(f.raw))
        if 0 <= at < start and head in sentence[at + len(f.raw):start] + label:
            add(f.raw, int(f.value), [f])
    return out


def achievable(p: Decimal, tol: Decimal, n: int) -> tuple[bool, int]:
    """(whether some whole k in 0…n gives k/n·100 within p ± tol, the nearest such k)."""
    k0 = int(round_half_up(p * n / 100, 0))
    best = None
    for k in (k0 - 1, k0, k0 + 1):
        if 0 <= k <= n:
            d = abs(Decimal(k) * 100 / n - p)
            if best is None or d < best[0]:
                best = (d, k)
    assert best is not None
    return best[0] <= tol, best[1]


def check_integrality(ctx) -> Iterator:
    """Compare each stated share (覆盖率, 占比 …, strictly between 0 and 100 %) with its possible bases.

    Yields a note-level ``integrality`` finding when no whole numerator k over any candidate base n
    (``denominators``) gives k/n·100 within the printed precision. Planned, approximate and
    satisfaction percentages, and shares whose numerator and denominator are stated, are skipped.
    """
    ratio_metrics = {r.ratio for r in RATIO_RULES}
    facts = ctx.project.facts
    for p in facts:
        if p.unit != "%" or p.planned or p.approx or p.metric in ratio_metrics:
            continue
        if not 0 < p.value < 100 or not SHARE.search(p.label) or "满意" in p.label:
            continue
        if share_pair(p, facts) is not None or rate_pair(p, facts) is not None or \
                stem_pair(p, facts) is not None:
            continue                # numerator and denominator stated: the ratio check's job
        cands = denominators(p, facts)
        if not cands:
            continue
        tol = p.tolerance
        results = [(name, n, used, *achievable(p.value, tol, n)) for name, n, used in cands if n > 0]
        if not results or any(ok for _, _, _, ok, _ in results):
            continue
        _, n, _, _, k = results[0]
        places = max(p.decimals, 2)
        computed = round_half_up(Decimal(k) * 100 / n, places)
        tried = []
        for name_i, n_i, _, _, k_i in results:
            lo = max(k_i - 1, 0) if Decimal(k_i) * 100 / n_i > p.value else k_i
            ks = [lo, lo + 1] if lo + 1 <= n_i else [lo]
            tried.append(f"以{name_i}（{n_i}）为分母：" + "、".join(
                f"{k_j}/{n_i}={fmt_decimal(Decimal(k_j) * 100 / n_i, places)}%" for k_j in ks))
        used_all = list({f.id: f for *_, u, _, _ in results for f in u}.values())
        yield ctx.finding(
            "integrality", section=p.section, facts=[p, *used_all], unit="%",
            stated=p.value, computed=computed, tolerance=tol, quote=p.quote,
            message=(f"{p.label}{p.raw}：{'；'.join(tried)}，没有整数能得到{p.raw}"
                     f"（±{fmt_decimal(tol, 3)}个百分点）。文本未写明分母，请核实覆盖率的计算基数。"))

    yield from _implied_counts(ctx)


def _implied_counts(ctx) -> Iterator:
    """An amount set by a per-unit standard with no count on its paragraph ("按每人培训补助450元标准，
    安排培训经费31,000元"): the count it implies, amount ÷ standard, must be a whole number; when no
    value within the amount's printed precision gives one, a note (the amount may hold other
    costs the text does not name: a question for the unit, not an error)."""
    by_line: dict[int, list[Fact]] = {}
    for f in ctx.project.facts:
        by_line.setdefault(f.line, []).append(f)
    for line_facts in by_line.values():
        for i, std in enumerate(line_facts):
            per = per_unit(std)
            if per is None or std.value <= 0 or std.upper is not None or std.approx or \
                    any(f.unit == per for f in line_facts):
                continue
            amount = next((f for f in line_facts[i + 1:i + 2] if f.unit == "元" and per_unit(f) is None
                           and not f.approx and f.upper is None and f.stage not in SPENT), None)
            if amount is None or amount.value < std.value or re.search(r"[各每]", context(amount)):
                continue        # "春季、秋季学期各发放1,500元": a share of the standard, not a total
            lo, hi = interval(amount)
            k_lo, k_hi = lo / std.value, hi / std.value
            if int(k_hi) >= k_lo:          # a whole count fits: nothing to say
                continue
            k = int(k_lo)
            below, above = std.value * k, std.value * (k + 1)
            yield ctx.finding(
                "integrality", section=amount.section, facts=(amount, std), unit="元",
                stated=amount.value, computed=below if amount.value - below < above - amount.value else above,
                tolerance=(hi - lo) / 2, quote=amount.quote,
                message=(f"{amount.label}{amount.raw}按{std.raw}（每{per}）计，折合"
                         f"{fmt_decimal(amount.value / std.value, 2)}{per}，不是整数；整数{per}数对应"
                         f"{show(below, '元')}或{show(above, '元')}。如该金额还含其他费用，文本应写明。"))
