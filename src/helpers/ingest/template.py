"""Split a disclosure text into projects and each project into its numbered sections.

Headings are found by pattern (``^[一二…十]+、`` and ``^\\d+.``), never by position: a project
starts at a "一、" heading (the numbering starts again), and its title is the short line just
before it. Section meaning comes from keywords in the heading (SECTION_KEYS), so a unit that
words its headings a little differently still parses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from helpers.core.normalize import fold
from helpers.ingest.models import Notice, Section, Subsection

CN_NUMERALS = "一二三四五六七八九十"
TOP_RE = re.compile(r"^\s*(?P<num>[一二三四五六七八九十]{1,3})\s*[、,.]\s*(?P<rest>.*)$")
SUB_RE = re.compile(
    r"^\s*(?:\(\s*(?P<cn>[一二三四五六七八九十]{1,3})\s*\)\s*[、.]?"
    r"|[(]?(?P<num>\d{1,2})\s*(?:[.、)]|\s))\s*(?!\d)(?P<rest>.*)$")


def sub_number(m: re.Match[str]) -> str:
    """The sub-section number as digits: "2." → "2", "（二）" → "2"."""
    return m.group("num") if m.group("num") else str(cn_number(m.group("cn")))

# Registration block: heading keywords → canonical section key (first match wins).
SECTION_KEYS: tuple[tuple[str, str], ...] = (
    ("name", r"项目名称"),
    ("basis", r"立项依据|设立依据|政策依据|依据"),
    ("unit", r"实施单位|实施主体|承担单位|主管部门"),
    ("overview", r"基本概况|项目概况|概况|基本情况"),
    ("content", r"实施内容|建设内容|主要内容|项目内容"),
    ("funding", r"资金安排|资金使用|资金情况|预算安排|资金"),
    ("plan", r"实施计划|进度安排|实施进度|时间安排"),
    ("outcome", r"实施成效|预期成效|绩效|成效|效益"),
)
EXPECTED_KEYS = [k for k, _ in SECTION_KEYS]
_TITLE_MAX = 100
_SENTENCE_END = "。！？；;"


def cn_number(num: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十 → 20."""
    digits = {c: i + 1 for i, c in enumerate(CN_NUMERALS[:9])}
    if num == "十":
        return 10
    if num.startswith("十"):
        return 10 + digits[num[1]]
    if "十" in num:
        tens, _, ones = num.partition("十")
        return digits[tens] * 10 + (digits[ones] if ones else 0)
    return digits[num]


def section_key(title: str, number: str) -> str:
    """The canonical key of a section heading (first SECTION_KEYS pattern matched), else "section<N>"."""
    for key, pattern in SECTION_KEYS:
        if re.search(pattern, title):
            return key
    return f"section{cn_number(number)}"


def split_heading(rest: str) -> tuple[str, str]:
    """"项目名称：XX项目" → ("项目名称", "XX项目"); "项目名称" → ("项目名称", "")."""
    m = re.match(r"^(?P<title>[^:：。，,]{1,24}?)\s*[:：]\s*(?P<body>.*)$", rest)
    if m:
        return m.group("title").strip(), m.group("body").strip()
    return rest.strip().rstrip("：:"), ""


@dataclass
class RawProject:
    """One project as split from a text, before parsing: its title line, line span and sections."""

    title: str | None
    title_line: int | None
    start_line: int
    end_line: int = 0
    sections: list[Section] = field(default_factory=list)


def _is_title(line: str) -> bool:
    s = line.strip()
    return bool(s) and len(s) <= _TITLE_MAX and s[-1] not in _SENTENCE_END and not TOP_RE.match(fold(s))


def split_projects(lines: list[str], path: str) -> tuple[list[RawProject], list[Notice]]:
    """Projects and their sections (1-based line numbers). Raises nothing: a text without any
    heading gives no projects, which the caller reports."""
    folded = [fold(x) for x in lines]
    tops = [(i, m) for i, x in enumerate(folded) if (m := TOP_RE.match(x))]
    notices: list[Notice] = []
    projects: list[RawProject] = []
    last_num = 0
    for idx, (i, m) in enumerate(tops):
        num = cn_number(m.group("num"))
        if num == 1 or not projects or num <= last_num:
            if num != 1:
                notices.append(Notice(path, i + 1, f"numbering restarts at {m.group('num')}、 "
                                                   "without 一、: read as a new project"))
            title, title_line = None, None
            j = i - 1
            while j >= 0 and not lines[j].strip():
                j -= 1
            floor = projects[-1].sections[-1].line if projects and projects[-1].sections else 0
            if j >= 0 and j + 1 > floor and _is_title(lines[j]):
                title, title_line = lines[j].strip(), j + 1
            if projects:
                projects[-1].end_line = (title_line or i + 1) - 1
            projects.append(RawProject(title, title_line, title_line or i + 1))
        elif num != last_num + 1:
            prev = CN_NUMERALS[last_num - 1] if last_num <= 10 else str(last_num)
            notices.append(Notice(path, i + 1, f"section {m.group('num')}、 follows section {prev}、"
                                               ": a section is missing or out of order"))
        last_num = num
        end = tops[idx + 1][0] if idx + 1 < len(tops) else len(lines)
        title, inline = split_heading(_rest_printed(lines[i], m))
        body_lines = list(range(i + 1, end))
        # Trailing title line of the next project is not part of this section's body.
        if idx + 1 < len(tops) and cn_number(tops[idx + 1][1].group("num")) == 1:
            k = end - 1
            while k > i and not lines[k].strip():
                k -= 1
            if k > i and _is_title(lines[k]):
                body_lines = list(range(i + 1, k))
        projects[-1].sections.append(_make_section(m.group("num"), title, inline, i, body_lines,
                                                   lines, folded))
    if projects:
        projects[-1].end_line = len(lines)
        while projects[-1].end_line > 1 and not lines[projects[-1].end_line - 1].strip():
            projects[-1].end_line -= 1
    return projects, notices


def _rest_printed(line: str, m: re.Match[str]) -> str:
    # The match was made on the folded line; folding keeps offsets, so slice the printed one.
    return line[m.start("rest"):]


def _make_section(num: str, title: str, inline: str, i: int, body: list[int], lines: list[str],
                  folded: list[str]) -> Section:
    text_lines = ([inline] if inline else []) + [lines[k] for k in body]
    text = "\n".join(x.rstrip() for x in text_lines).strip("\n")
    subs: list[Subsection] = []
    parts: list[list[str]] = []          # each subsection's text lines, joined once (linear time)
    for k in body:
        sm = SUB_RE.match(folded[k])
        if sm:
            sub_title, sub_body = split_heading(lines[k][sm.start("rest"):])
            if not sub_body and len(sub_title) > 24:
                sub_title, sub_body = "", lines[k][sm.start("rest"):].strip()
            subs.append(Subsection(sub_number(sm), sub_title, sub_body, k + 1))
            parts.append([sub_body])
        elif subs and lines[k].strip():
            parts[-1].append(lines[k].rstrip())
    for sub, lines_of in zip(subs, parts, strict=True):
        sub.text = "\n".join(lines_of).strip("\n")
    end_line = (body[-1] + 1) if body else i + 1
    while end_line > i + 1 and not lines[end_line - 1].strip():
        end_line -= 1
    return Section(key=section_key(title, num), number=num, title=title, text=text, line=i + 1,
                   subsections=subs, end_line=end_line)
