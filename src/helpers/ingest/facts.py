"""Quantitative facts of one project: every number with a unit, its label, year, as-of date,
approximation, plan flag, part-of relation and the sentence it stands in.

Works section by section on the parsed template (helpers.ingest.template); the label comes from the
words around the number, stripped of dates, scope words and verbs by the patterns below, so
texts worded differently from the seed still give sensible labels."""

from __future__ import annotations

import bisect
import datetime as _dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from helpers.core.normalize import fold
from helpers.ingest.cnnum import year_digits
from helpers.ingest.metrics import registry as metric_registry
from helpers.ingest.models import Fact, Notice, Section
from helpers.ingest.numbers import BARE_NUMBER_RE, MAX_DIGITS, find_quantities
from helpers.ingest.stages import stage_of
from helpers.ingest.template import SUB_RE, sub_number

SENTENCE_END = "。！？!?"
_CLAUSE_BREAK = set("，。；：、,;:!?！？《》<>\n×*+=")
_DATE = r"(?:截止|截至|到)?\s*\d{4}\s*(?:年?\s*(?:至|到|-|~)\s*\d{4}\s*)?年" \
        r"(?:\s*\d{1,2}(?:\s*-\s*\d{1,2})?\s*月(?:\s*\d{1,2}\s*日)?)?(?:底|末|初|度|上半年|下半年)?"
YEAR_SPAN_RE = re.compile(r"\d{4}\s*年?\s*(?:至|到|-|~)\s*\d{4}\s*年$")
_LEAD = re.compile(
    r"^(?:" + _DATE + r"|截至目前|截止目前|目前|当前|现有|现|全区|全市|全县|全省|全州|全镇|全乡|全部|"
    r"共有|共计|合计|总计|累计|共|其中|对|向|给|已经|已|并|和|及|以及|完成了|完成(?!率)|实现(?!率)|每人|每户|每名|每个|每处|每件|每场|每亩|每次|人均|户均|按照|按|"
    r"(?:计划|预计|拟)(?:对|向|为|给)(?=.)|"
    r"年度|全年|当年|今年|本年|新增|达到|有(?![效力序关])|为|从|同时|另外|此外|并且|还|均|分别)+")
_TRAIL = re.compile(r"(?:为|达到了|达到|达|共计|共有|合计|总计|累计|共|约|近|超过|逾|是|有|增至|"
                    r"不超过|不高于|不多于|不少于|不低于|至少|最高|最多|"
                    r"至|到|了|已|对|完成|实现|进行|按照|按|"
                    r"(?:每人|人均|每名|每户|户均|每个|每处|每件|每场|每亩|每次|每期)(?:每年|每月|每天)?|"
                    r"每年|每月|每天)+$")
_MODAL = re.compile(r"^(计划|预计|拟|争取|力争|预期|目标)$")
_FOLLOW_LEAD = re.compile(r"^(?:进行|开展|实施|给予|予以|的|在保)+")
PLANNED_RE = re.compile(r"计划(?!生育)|预计|拟|争取|力争|(?<!绩效)目标|预期")
YEAR_RE = re.compile(r"(\d{4})\s*年")
# How far back in its sentence a number's year, as-of date and planning word are looked for.
CONTEXT = 2000
# A figure after 其中 parts marked as their sum closes the part-of group.
_CLOSING_TOTAL = re.compile(r"合计|共计|总计|总共|累计")
AS_OF_RE = re.compile(r"(?:截止|截至)到?\s*(?P<y>\d{4})\s*年(?:\s*(?P<m>\d{1,2})\s*月)?"
                      r"(?:\s*(?P<d>\d{1,2})\s*日|(?P<end>年?底|年?末)|(?<=月)(?!\s*\d))")
_GENERIC = {"money": "金额", "per_capita": "标准", "persons": "人数", "count": "数量", "percent": "比率",
            "points": "百分点"}
# Numbers that are not facts and need no unit: years, months, days, document numbers, ordinals,
# list numbers, times.
_NOT_A_FACT_AFTER = re.compile(r"^\s*(年|月|日|号|届|时|分|岁|周|天|季度|批|版|条|款|章|\)|]|\.|、|"
                               r"(?:-|~|至|到)\s*\d)")


@dataclass
class Block:
    """One non-empty line of a section's body, tagged with its sub-section and its 1-based line."""

    section: Section
    sub: str | None            # sub-section number
    sub_title: str
    line: int                  # 1-based
    text: str                  # printed text of the line, heading prefix removed
    offset: int = 0


def iter_blocks(section: Section, lines: list[str]) -> Iterator[Block]:
    """The lines of a section (heading line included when it carries text), each tagged with
    its sub-section."""
    sub, sub_title = None, ""
    first = section.line  # heading line, 1-based
    heading = lines[first - 1]
    # Inline body on the heading line ("一、项目名称：XX项目").
    if section.text and heading.strip() and section.text.split("\n")[0] in heading and \
            not heading.strip().endswith(section.title):
        start = heading.find(section.text.split("\n")[0])
        yield Block(section, None, "", first, heading[start:], start)
    for ln in range(first + 1, section.end_line + 1):
        printed = lines[ln - 1]
        if not printed.strip():
            continue
        m = SUB_RE.match(fold(printed))
        offset = 0
        if m:
            sub = sub_number(m)
            rest = printed[m.start("rest"):]
            cut = re.match(r"^[^:：。，,]{1,24}?\s*[:：]\s*", rest)
            sub_title = cut.group(0).rstrip(" :：") if cut else ""
            offset = m.start("rest") + (cut.end() if cut else 0)
        yield Block(section, sub, sub_title, ln, printed[offset:], offset)


def split_sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pairs; a sentence keeps its closing mark."""
    out, start = [], 0
    for i, ch in enumerate(text):
        if ch in SENTENCE_END:
            if text[start:i + 1].strip():
                out.append((start, text[start:i + 1]))
            start = i + 1
    if text[start:].strip():
        out.append((start, text[start:]))
    return out


def _clause_start(folded: str, pos: int, floor: int) -> int:
    """Start of the clause that ends at ``pos``: back to a clause break, a "(" that is not
    closed before ``pos``, or ``floor``. A bracketed group without digits (乡（街道）) is kept."""
    depth = 0
    i = pos - 1
    while i >= floor:
        ch = folded[i]
        if ch == ")":
            depth += 1
        elif ch == "(":
            if depth == 0:
                return i + 1
            depth -= 1
        elif depth == 0 and ch in _CLAUSE_BREAK:
            return i + 1
        i -= 1
    return floor


def _clause_end(folded: str, pos: int, ceiling: int) -> int:
    i = pos
    while i < ceiling and folded[i] not in _CLAUSE_BREAK and folded[i] not in "()":
        i += 1
    return i


def _strip_span(folded: str) -> tuple[int, int]:
    """(start, end) of ``folded`` once leading dates/scope words and trailing verbs are removed."""
    a, b = 0, len(folded)
    while True:
        seg = folded[a:b]
        lead = _LEAD.match(seg)
        trail = _TRAIL.search(seg)
        na = a + (lead.end() if lead else 0)
        nb = a + (trail.start() if trail else len(seg))
        while na < nb and folded[na].isspace():
            na += 1
        while nb > na and folded[nb - 1].isspace():
            nb -= 1
        if (na, nb) == (a, b) or nb <= na:
            return (na, max(na, nb))
        a, b = na, nb


# The thing counted, printed right after a count's unit, up to what the sentence then says of it.
_NOUN_AFTER = re.compile(r"^([\u4e00-\u9fff（）()]{2,16}?)"
                         r"(?=数量|全部|均|实现|开展|得到|进行|中|的|[，。；、,;:：]|$)")
_VERB_ONLY = re.compile(r"^(组织|发放|培训|资助|救助|慰问|走访|开展|新增|帮扶|服务|覆盖|惠及|建成|建立|"
                        r"招募|安置|投保|承保|补助|补贴|奖励|表彰|吸纳|认定|选派|招聘)$")
_VERB = re.compile(r"(完成了?|实现|收取|收缴|支付|发放|拨付|投入|安排|筹集|支出)\s*$")


def _label(pre: str, fpre: str, post: str, fpost: str, kind: str, prev_same_unit: str | None) -> str:
    """The label from the printed words before (``pre``) and after (``post``) the number; the
    folded copies (same length) drive the matching."""
    a, b = _strip_span(fpre)
    head = pre[a:b].strip()
    fl = _FOLLOW_LEAD.match(fpost.strip())
    post_s = post.strip()[fl.end() if fl else 0:]
    t = _TRAIL.search(fold(post_s))
    tail = post_s[:t.start()].strip() if t else post_s.strip()
    if head and _VERB_ONLY.match(head) and tail and not re.search(r"\d", tail) and len(tail) <= 12:
        return head + tail          # 组织1,250名高校毕业生 → 组织高校毕业生
    noun = _NOUN_AFTER.match(post)
    if kind == "count" and noun and (not head or len(head) <= 2 or _MODAL.match(head) or head.endswith("的")
                                     or head in ("确保", "对", "共", "全县", "全市", "全区")):
        return (head if len(head) <= 2 and head not in ("确保", "对", "共") else "") + noun.group(1)
        # 馆藏86,240卷档案全部… → 馆藏档案; 确保2.3万吨县级储备粮数量… → 县级储备粮
    if head and not _MODAL.match(head):
        return head
    if tail and not re.search(r"\d", tail) and len(tail) <= 16:
        return (head or "") + tail
    if prev_same_unit:
        return prev_same_unit
    verb = _VERB.search(fpre)
    return (head or "") + (verb.group(1) if verb and not head else "") + _GENERIC[kind]


def extract_facts(sections: dict[str, Section], lines: list[str], path: str,
                  start_index: int = 1) -> tuple[list[Fact], list[Notice]]:
    """Facts of one project's sections, in text order, with ids F01, F02, …"""
    facts: list[Fact] = []
    notices: list[Notice] = []
    for section in sections.values():
        if section.key in ("name", "unit"):
            continue
        for block in iter_blocks(section, lines):
            fb = fold(block.text)
            for s_off, sentence in split_sentences(block.text):
                fs = fb[s_off:s_off + len(sentence)]
                _sentence_facts(block, sentence, fs, facts, start_index)
                if section.key != "basis":
                    notices.extend(_unitless(block, fs, path))
    return facts, notices


def _sentence_facts(block: Block, sentence: str, fs: str, facts: list[Fact], start_index: int) -> None:
    quantities = find_quantities(fs, sentence)
    fy = year_digits(fs)        # 二〇二四年 → 2024年 (same length), so YEAR_RE reads written-out years
    quote = sentence.strip()
    lead = len(sentence) - len(sentence.lstrip())
    sec_id = block.section.number + (f".{block.sub}" if block.sub else "")
    sec_title = block.section.title + (f" · {block.sub_title}" if block.sub_title else "")
    prev_end = 0
    group_parent: Fact | None = None
    group_close: int | None = None
    sentence_facts: list[Fact] = []
    last_label: dict[str, str] = {}                   # unit → label of the last fact in that unit
    for qi_index, q in enumerate(quantities):
        # A part-of group opened by 其中 between the previous quantity and this one.
        qi = fs.find("其中", prev_end, q.start)
        if qi >= 0 and sentence_facts:
            group_parent = sentence_facts[-1]
            open_paren = fs.rfind("(", prev_end, qi)
            group_close = fs.find(")", qi) if open_paren >= 0 else None
        if group_close is not None and group_close != -1 and q.start > group_close:
            group_parent, group_close = None, None
        if group_parent is not None and qi < 0 and _CLOSING_TOTAL.search(fs, prev_end, q.start):
            group_parent, group_close = None, None      # "其中A、B，共计N": N sums the parts up
        if group_parent is not None and qi < 0 and group_close is None and \
                _ends_list(fs[prev_end:q.start], group_parent, sentence_facts):
            group_parent = None         # "其中A、B；经排查，C" / "其中A、B（= total），办结C": ended
        start = q.start
        if q.approx and fs[start - len(q.approx):start] == q.approx:
            start -= len(q.approx)
        cs = _clause_start(fs, start, prev_end)
        ce = _clause_end(fs, q.end, len(fs))
        j = qi_index + 1                 # the next quantity that starts after this one
        while j < len(quantities) and quantities[j].start <= q.start:
            j += 1
        if j < len(quantities):
            ce = min(ce, quantities[j].start)
        pre, post = sentence[cs:start], sentence[q.end:ce]
        prev_same = last_label.get(q.unit)
        label = _label(pre, fy[cs:start], post, fy[q.end:ce], q.kind, prev_same)
        # What precedes the number in its sentence, up to CONTEXT characters: the year, the as-of
        # date and a planning word are read there (bounded, so a huge sentence costs linear time).
        before = fy[max(0, q.start - CONTEXT):q.start]
        years = YEAR_RE.findall(before)
        last_year = list(YEAR_RE.finditer(before))
        if last_year and YEAR_SPAN_RE.search(before[:last_year[-1].end()]):
            years = []  # "2022年至2023年共…": a span of years, not one year
        as_of = None
        for m in AS_OF_RE.finditer(before):
            as_of = _as_of(m)
        # A funding or implementation plan states plans throughout, planning word or not.
        planned = bool(PLANNED_RE.search(before)) or block.section.key in ("funding", "plan")
        parent = group_parent.id if group_parent is not None and group_parent.unit == q.unit else None
        clause = fold(sentence[cs:ce])
        metric = metric_registry.classify(unit=q.unit, label=label, clause=clause, sentence=fs,
                                          planned=planned, has_parent=parent is not None)
        fact = Fact(
            id=f"F{start_index + len(facts):02d}", label=label, metric=metric, value=q.value,
            unit=q.unit, year=int(years[-1]) if years else None, section=sec_id,
            section_title=sec_title, quote=quote, line=block.line, raw=q.raw, raw_unit=q.raw_unit,
            scale=q.scale, decimals=q.decimals, approx=q.approx, as_of=as_of, planned=planned,
            parent=parent, offset=q.start - lead, upper=q.upper, stage=stage_of(fs[cs:start]),
        )
        facts.append(fact)
        sentence_facts.append(fact)
        last_label[q.unit] = label
        prev_end = q.end


def _ends_list(between: str, total: Fact, so_far: list[Fact]) -> bool:
    """Whether the words between two figures end an open 其中 list: a ； (folded ";"), or a new
    clause once the parts listed add up to their total exactly (nothing is left to list)."""
    if ";" in between:
        return True
    parts = [f for f in so_far if f.parent == total.id]
    return len(parts) >= 2 and "," in between and sum(f.value for f in parts) == total.value


def _as_of(m: re.Match[str]) -> str | None:
    """截至2023年9月30日 → 2023-09-30; 截至2024年6月底 → 2024-06-30; 截至2023年底 → 2023-12-31."""
    y = int(m.group("y"))
    month = int(m.group("m")) if m.group("m") else None
    try:
        if m.group("d"):
            if month is None:
                return None
            return _dt.date(y, month, int(m.group("d"))).isoformat()
        month = month or 12
        first_next = _dt.date(y + month // 12, month % 12 + 1, 1)
        return (first_next - _dt.timedelta(days=1)).isoformat()
    except ValueError:
        return None


def _unitless(block: Block, fs: str, path: str) -> list[Notice]:
    """Numbers that carry no unit and are not dates, document numbers, ordinals or list marks."""
    out = []
    covered = sorted((q.start, q.end) for q in find_quantities(fs))
    starts = [a for a, _ in covered]
    for m in BARE_NUMBER_RE.finditer(fs):
        k = bisect.bisect_right(starts, m.start()) - 1    # the last quantity starting at or before
        if k >= 0 and any(a <= m.start() < b for a, b in covered[max(0, k - 8):k + 1]):
            continue
        before, after = fs[:m.start()], fs[m.end():]
        if len(m.group(0).split(".")[0].replace(",", "").lstrip("0")) > MAX_DIGITS:
            out.append(Notice(path, block.line, f"number not read (more than {MAX_DIGITS} digits): "
                                                f"'{m.group(0)[:24]}…'"))
            continue
        if before.endswith(("第", "(", "[")) or _NOT_A_FACT_AFTER.match(after):
            continue
        if re.search(r"[A-Za-z]$", before) or re.match(r"^[A-Za-z]", after):
            glued = re.match(r"[A-Za-z][\d.]+(?:万元|亿元|元|万人|人|%|个|件)", after)
            if glued:
                out.append(Notice(path, block.line, f"number not read (written with letters): "
                                                    f"'{fs[m.start():m.end() + glued.end()]}'"))
            continue
        if before.rstrip().endswith("-") and re.search(r"\d\s*-$", before.rstrip()):
            continue
        out.append(Notice(path, block.line, f"number without a unit: '{m.group(0)}' in "
                                            f"\"{fs[max(0, m.start() - 12):m.end() + 6].strip()}\""))
    return out
