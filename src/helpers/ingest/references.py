"""Basis documents named in 立项依据 (title in 《》 or <>, number such as 国计生协（2008）37号,
normalised to the official 〔〕 form) and planned periods (2024年1-4月)."""

from __future__ import annotations

import re

from helpers.core.normalize import fold
from helpers.ingest.models import BasisDocument, Period, Section

DOC_NO_RE = re.compile(
    r"(?P<issuer>[\u4e00-\u9fff]{1,12})\s*[(\[]\s*(?P<year>\d{4})\s*[)\]]\s*(?P<no>\d{1,4})\s*号")
_ISSUER_LEAD = re.compile(r"^(?:根据|按照|依据|参照|依照|结合|及|和|与|以及|等)+")
PERIOD_RE = re.compile(r"(?P<year>\d{4})\s*年\s*(?P<m1>\d{1,2})(?:\s*[-~至到]\s*(?P<m2>\d{1,2}))?\s*月")
_OPEN, _CLOSE = "《<", "》>"


def _titles(text: str) -> list[tuple[int, int, str]]:
    """Top-level titles as (start, end, inner text); nested 《》 stay inside; unclosed ones are
    ignored."""
    out, stack = [], []
    for i, ch in enumerate(text):
        if ch in _OPEN:
            stack.append(i)
        elif ch in _CLOSE and stack:
            start = stack.pop()
            if not stack:
                out.append((start, i + 1, text[start + 1:i].strip()))
    return out


def basis_documents(section: Section | None) -> list[BasisDocument]:
    """The documents named in the 立项依据 section (numbered ones and bare 《titles》), in text order.

    A document number is normalised to the official form (国计生协〔2008〕37号) and joined with the title
    just before it; [] when there is no such section.
    """
    if section is None:
        return []
    docs: list[BasisDocument] = []
    for offset_line, printed in enumerate(section.text.split("\n")):
        line = section.line + offset_line + (0 if _inline(section) else 1)
        folded = fold(printed)
        titles = _titles(folded)
        used_titles: set[int] = set()
        for m in DOC_NO_RE.finditer(folded):
            issuer = _ISSUER_LEAD.sub("", m.group("issuer"))
            if not issuer:
                continue
            title = None
            for k, (ts, te, _inner) in enumerate(titles):
                gap = folded[te:m.start("issuer")]
                if te <= m.start() and not gap.strip(" 》>)\"”"):
                    title, used = printed[ts + 1:te - 1].strip(), k
                    used_titles.add(used)
            number = f"{issuer}〔{m.group('year')}〕{int(m.group('no'))}号"
            docs.append(BasisDocument(title=title, number=number, issuer_code=issuer,
                                      year=int(m.group("year")), quote=_quote(printed, m.start(), m.end()),
                                      line=line))
        for k, (ts, te, _inner) in enumerate(titles):
            if k not in used_titles:
                docs.append(BasisDocument(title=printed[ts + 1:te - 1].strip(), number=None,
                                          issuer_code=None, year=None, quote=_quote(printed, ts, te),
                                          line=line))
    docs.sort(key=lambda d: (d.line, section.text.find(d.title or d.number or "")))
    return docs


def _inline(section: Section) -> bool:
    return False  # headings of 立项依据 carry no inline text in this template


def _quote(printed: str, start: int, end: int) -> str:
    """The clause around a match, cut at ；。 so a long basis list quotes one item."""
    a = max(printed.rfind("；", 0, start), printed.rfind("。", 0, start), printed.rfind(";", 0, start))
    bs = [x for x in (printed.find("；", end), printed.find("。", end), printed.find(";", end)) if x >= 0]
    b = min(bs) if bs else len(printed)
    return printed[a + 1:b].strip()


def periods(sections: dict[str, Section]) -> list[Period]:
    """The planned periods (2024年3-4月, 2024年5月) in the 实施计划 and 资金安排 sections, with their lines.

    Months outside 1–12 are skipped; a single month gives equal start and end months.
    """
    out: list[Period] = []
    for key in ("plan", "funding"):
        section = sections.get(key)
        if section is None:
            continue
        for k, printed in enumerate(section.text.split("\n")):
            for m in PERIOD_RE.finditer(fold(printed)):
                m1, m2 = int(m.group("m1")), m.group("m2")
                if not 1 <= m1 <= 12 or (m2 and not 1 <= int(m2) <= 12):
                    continue
                out.append(Period(text=printed[m.start():m.end()], year=int(m.group("year")),
                                  start_month=m1, end_month=int(m2) if m2 else m1,
                                  section=section.number, line=section.line + 1 + k))
    return out
