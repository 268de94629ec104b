"""Text-integrity audit checks: sections copied between projects, a project that names another
project as its own, sections whose subject belongs to another kind of project (a funding plan
that is not this project's), and year references that do not fit the budget year.

Subjects are recognised by keyword rules per project type (SUBJECT_TERMS, data, one entry per
type of helpers.ingest.ids.PROJECT_TYPES) plus the project's own name. Rules: docs/audit.md."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from helpers.core.normalize import fold
from helpers.ingest.ids import project_type
from helpers.ingest.models import Project

# Registration block: project type → words that show a passage is about that kind of project.
SUBJECT_TERMS: dict[str, str] = {
    "accident_insurance": r"意外伤害保险|意外险|意外保险|参保|承保|投保|保费|理赔|赔付",
    "association": r"会员之家|会员|基层协会|协会组织|组织建设|理事会|基层组织|活动阵地",
}
SUBSTANTIVE = ("basis", "content", "funding", "plan", "outcome")
SUBJECT_SECTIONS = ("content", "funding", "plan", "outcome")
_NAME_SUFFIX = re.compile(r"(专项资金|专项经费|工作经费|补助资金|资金|经费)?项目$")
NAMES_RE = re.compile(
    r"(?:组织实施|申报实施|实施|开展|申报|设立)\s*(?:(?P<year>\d{4})\s*年度?)?\s*"
    r"(?P<name>[^，。；、,;:：()（）《》<>“”\"\s]{4,40}?项目)")
_NOT_A_NAME = re.compile(r"^(此|本|该|这|实施|一项|各|相关|有关|上述|以上|后续)|的")
YEAR_PHRASE = re.compile(
    r"(?:组织实施|计划实施|拟实施|申报实施|做好|申报)\s*(?P<year>\d{4})\s*年度?[^，。；;,]{0,40}?(?:项目|工作|资金(?!项目))")
_MIN_DUP = 20
_MIN_NEAR = 60
NEAR = 0.9
PLANNING = re.compile(r"计划|预计|拟|安排|开展|实施|执行期|将|于")
PAST = re.compile(r"截止|截至|已经|已|完成了|取得")
TYPE_ZH = {"accident_insurance": "计划生育家庭意外伤害保险", "association": "计生协会组织建设"}
_OPEN, _CLOSE = "《<", "》>"


def in_title(text: str, pos: int) -> bool:
    """Whether ``pos`` lies inside a document title (《…》 or <…>), where years and names are the
    cited document's, not the project's."""
    depth = 0
    for ch in text[:pos]:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
    return depth > 0


@dataclass(frozen=True)
class Unit:
    """A comparable piece of a project's text: a whole section or a sub-section of 四."""

    key: str        # "content", "overview.3"
    label: str      # "五、项目实施内容", "四.3 投入经济性"
    section: str    # "五", "四.3"
    text: str
    line: int


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", fold(text))


def units(project: Project) -> list[Unit]:
    """The comparable pieces of a project's text: each section but 名称 and 实施单位, 四 by sub-section."""
    out: list[Unit] = []
    for key, s in project.sections.items():
        if key in ("name", "unit"):
            continue
        if key == "overview" and s.subsections:
            for sub in s.subsections:
                out.append(Unit(f"overview.{sub.number}", f"{s.number}.{sub.number} {sub.title}",
                                f"{s.number}.{sub.number}", sub.text, sub.line))
            continue
        out.append(Unit(key, f"{s.number}、{s.title}", s.number, s.text, s.line))
    return out


def core_name(name: str) -> str:
    """计划生育家庭意外伤害保险专项资金项目 → 计划生育家庭意外伤害保险."""
    return _NAME_SUFFIX.sub("", re.sub(r"^\d{4}\s*年度?", "", name.strip()))


def subject_counts(text: str, project: Project) -> tuple[int, dict[str, int]]:
    """(mentions of this project's subject, mentions of each other type's subject)."""
    own_terms = [re.escape(core_name(project.name))]
    if project.type in SUBJECT_TERMS:
        own_terms.append(SUBJECT_TERMS[project.type])
    own = len(re.findall("|".join(own_terms), text))
    foreign = {t: len(re.findall(p, text)) for t, p in SUBJECT_TERMS.items() if t != project.type}
    return own, foreign


def foreign_subject(text: str, project: Project, min_count: int = 2) -> str | None:
    """The type a passage is about when it is not this project's: at least ``min_count`` mentions
    of another type and at least three times as many as of this project's own subject. Only for
    typed projects."""
    if project.type not in SUBJECT_TERMS:
        return None
    own, foreign = subject_counts(text, project)
    best = max(foreign.items(), key=lambda kv: kv[1], default=(None, 0))
    if best[1] >= min_count and best[1] >= 3 * own:
        return best[0]
    return None


def _is_boilerplate(unit: Unit, project: Project) -> bool:
    """No figure and no subject word of any type: generic wording two projects may share."""
    if re.search(r"\d", unit.text):
        return False
    return not any(re.search(p, unit.text) for p in SUBJECT_TERMS.values()) and \
        core_name(project.name) not in unit.text


def similarity(a: str, b: str) -> float:
    """1.0 for texts identical once whitespace is ignored; else difflib's ratio."""
    fa, fb = _flat(a), _flat(b)
    if fa == fb:
        return 1.0
    return difflib.SequenceMatcher(None, fa, fb, autojunk=False).ratio()


def duplicates(project: Project, document) -> dict[str, tuple[Project, Unit, float]]:
    """unit key → (the other project, its unit, similarity) for units identical word for word
    (≥ 20 characters) or nearly so (similarity ≥ 0.9 over ≥ 60 characters: a copy with a figure
    or a year changed)."""
    mine = {u.key: u for u in units(project)}
    out: dict[str, tuple[Project, Unit, float]] = {}
    for other in document.projects:
        if other is project:
            continue
        for u in units(other):
            m = mine.get(u.key)
            if m is None or m.key in out:
                continue
            size = min(len(_flat(m.text)), len(_flat(u.text)))
            if size < _MIN_DUP:
                continue
            ratio = similarity(m.text, u.text)
            # Two projects of one unit often cite the same documents: 立项依据 only when identical.
            near = m.key != "basis" and size >= _MIN_NEAR and ratio >= NEAR
            if ratio == 1.0 or near:
                out[m.key] = (other, u, ratio)
    return out


def _index(project: Project, document) -> int:
    return next(i for i, p in enumerate(document.projects) if p is project)


def check_duplicates(ctx) -> Iterator:
    """Compare each section with the same section of the other projects of the document.

    Yields a ``duplicate_section`` finding for a copy (identical, or ≥ 90 % similar), reported on
    the project it fits worse (else the later one): error when the copy is about another kind of
    project or is the same funding plan, note for generic wording or an edited copy, else warning.
    """
    project, doc = ctx.project, ctx.document
    mine = {u.key: u for u in units(project)}
    for key, (other, theirs, ratio) in duplicates(project, doc).items():
        unit = mine[key]
        foreign_here = foreign_subject(unit.text, project, 1)      # a copy: one mention is enough
        foreign_there = foreign_subject(theirs.text, other, 1)
        if foreign_there and not foreign_here:
            continue                    # the other project holds the copy: reported there
        if not foreign_here and _index(project, doc) < _index(other, doc):
            continue                    # neither fits better: report on the later project
        if foreign_here:
            severity = "error"
            what = "资金安排" if key == "funding" else "内容"
            why = (f"且讲的是{TYPE_ZH.get(foreign_here, other.name)}的事项，不属于本项目；"
                   f"本项目的{what}实际上缺失。")
        elif key == "funding" and ratio == 1.0:
            severity, why = "error", "同一份资金安排不可能同时是两个项目的用款计划。"
        elif key == "basis":
            continue                # projects of one unit legitimately rest on the same documents
        elif _is_boilerplate(unit, project):
            severity, why = "note", "为通用表述，未写出本项目的具体情况。"
        elif ratio < 1.0:
            severity, why = "note", "请核实是否为复制后改动的文字。"
        else:
            severity, why = "warning", "请核实是否为复制粘贴。"
        same = "逐字相同" if ratio == 1.0 else f"几乎逐字相同（相似度{ratio:.0%}）"
        yield ctx.finding(
            "duplicate_section", section=unit.section, severity=severity, line=unit.line,
            quote=_excerpt(unit.text),
            message=(f"本项目（{project.name}）的{unit.label}与同一文本中“{other.name}”的"
                     f"{theirs.label}{same}，{why}"))


def _excerpt(text: str, limit: int = 120) -> str:
    one = re.sub(r"\s+", " ", text).strip()
    return one if len(one) <= limit else one[:limit] + "…"


def _norm_name(name: str) -> str:
    return _flat(re.sub(r"^\d{4}\s*年度?", "", name))


def check_foreign_project(ctx) -> Iterator:
    """Compare the project names that 立项依据 and 实施内容 say are carried out (组织实施…项目) with this one.

    Yields a ``foreign_project`` finding: error when the name is another project of the document,
    warning when it is a project of another type. Sections copied word for word are skipped.
    """
    project, doc = ctx.project, ctx.document
    copied = duplicates(project, doc)
    own = _norm_name(project.name)
    own_core = _flat(core_name(project.name))
    others = {_norm_name(p.name): p for p in ctx.others}
    for key in ("basis", "content"):
        s = project.sections.get(key)
        if s is None or (key in copied and copied[key][2] == 1.0):
            continue
        for m in NAMES_RE.finditer(fold(s.text)):
            if in_title(s.text, m.start()):
                continue
            printed = s.text[m.start("name"):m.end("name")]
            if _NOT_A_NAME.search(printed):
                continue
            named = _norm_name(printed)
            if named == own or (own_core and own_core in named):
                continue
            sentence = _sentence(s.text, m.start())
            if named in others:
                yield ctx.finding(
                    "foreign_project", section=s.number, line=s.line, quote=sentence,
                    message=(f"{s.number}、{s.title}称“{printed}”为本项目，但本项目是“{project.name}”，"
                             f"所称的是同一文本中的另一个项目。"))
            elif _flat(core_name(printed)) not in own and \
                    project_type(printed) not in ("general", project.type):
                yield ctx.finding(
                    "foreign_project", section=s.number, line=s.line, quote=sentence, severity="warning",
                    message=(f"{s.number}、{s.title}称“{printed}”为本项目，与本项目名称“{project.name}”"
                             "不是同一类项目。"))
    yield from check_named_subject(ctx, copied)


_SUBJECT_AFTER = re.compile(r"^\s*(?:的)?(?:实施|建设|开展|执行|完成)")
_SUBJECT_BEFORE = re.compile(r"(?:通过|组织)?(?:实施|开展)\s*$")


def check_named_subject(ctx, copied) -> Iterator:
    """In 五–八 (content, funding, plan, outcome), another project of the same document named as
    the subject of this one's work ("食品安全抽检监测项目实施后，…" in the 特种设备 project's
    成效): a ``foreign_project`` error. Names inside cited titles and sections copied word for
    word (the duplicate check's) are skipped."""
    project = ctx.project
    for key in ("funding", "plan", "outcome"):
        s = project.sections.get(key)
        if s is None or (key in copied and copied[key][2] == 1.0):
            continue
        for other in ctx.others:
            start = s.text.find(other.name)
            while start >= 0:
                end = start + len(other.name)
                if not in_title(s.text, start) and other.name not in project.name and (
                        _SUBJECT_AFTER.match(s.text[end:end + 6]) or _SUBJECT_BEFORE.search(s.text[:start])):
                    yield ctx.finding(
                        "foreign_project", section=s.number, line=s.line, quote=_sentence(s.text, start),
                        message=(f"{s.number}、{s.title}写“{other.name}”实施的情况，但本项目是"
                                 f"“{project.name}”，所称的是同一文本中的另一个项目。"))
                    break
                start = s.text.find(other.name, end)


def _sentence(text: str, pos: int) -> str:
    start = max(text.rfind(ch, 0, pos) for ch in "。！？；;\n") + 1
    ends = [i for i in (text.find(ch, pos) for ch in "。！？；;\n") if i >= 0]
    end = min(ends) + 1 if ends else len(text)
    return text[start:end].strip()


def check_subject(ctx) -> Iterator:
    """Compare the subject words of 实施内容…实施成效 and 四.1, 四.2 with the project's own type.

    Yields a ``section_subject`` finding when a passage is mostly about another kind of project:
    error in 实施内容 and 资金安排, warning elsewhere. Copied sections are left to check_duplicates.
    """
    project = ctx.project
    copied = duplicates(project, ctx.document)
    for unit in units(project):
        checked = unit.key in SUBJECT_SECTIONS or unit.key in ("overview.1", "overview.2")
        if unit.key in copied or not checked:
            continue
        # A funding plan names its subject once, in its heading line (XX支出计划): one is enough.
        kind = foreign_subject(unit.text, project, 1 if unit.key == "funding" else 2)
        if kind is None:
            continue
        own, foreign = subject_counts(unit.text, project)
        severity = "error" if unit.key in ("content", "funding") else "warning"
        what = "资金安排" if unit.key == "funding" else "内容"
        yield ctx.finding(
            "section_subject", section=unit.section, severity=severity, line=unit.line,
            quote=_excerpt(unit.text), stated=None,
            message=(f"{unit.label}的{what}讲的是另一类项目（{TYPE_ZH.get(kind, kind)}）的事项："
                     f"相关词出现{foreign[kind]}次，"
                     f"本项目（{project.name}）的事项出现{own}次；该{what}不属于本项目。"))


def check_years(ctx) -> Iterator:
    """Compare the years of planned work, schedule periods and reported facts with the budget year.

    Yields a warning-level ``year_reference`` finding for a "组织实施/做好 YYYY年…项目" phrase of
    another year, a planned period outside the budget year, or a reported (not planned) fact after it.
    """
    from decimal import Decimal

    project = ctx.project
    year = project.budget_year
    for key in SUBSTANTIVE:
        s = project.sections.get(key)
        if s is None:
            continue
        for m in YEAR_PHRASE.finditer(fold(s.text)):
            if in_title(s.text, m.start()):
                continue
            y = int(m.group("year"))
            if y == year:
                continue
            yield ctx.finding(
                "year_reference", section=s.number, line=s.line, stated=Decimal(y),
                computed=Decimal(year), quote=_sentence(s.text, m.start()),
                message=(f"{s.number}、{s.title}写“{s.text[m.start():m.end()]}”，"
                         f"而本文本是{year}年预算，年度不符（应为{year}年度，或说明为何引用{y}年）。"))
    for p in project.schedule:
        s = next((x for x in project.sections.values() if x.number == p.section), None)
        context = _sentence(s.text, max(s.text.find(p.text), 0)) if s is not None else p.text
        if p.year == year or PAST.search(context) or not PLANNING.search(context):
            continue
        if p.year == year + 1 and re.search(rf"{year}\s*年[^。；;]*?(?:至|到|-|~|—)\s*{p.year}\s*年",
                                            fold(context)):
            continue        # a period from the budget year into the next (2023年9月至2024年1月: a term)
        yield ctx.finding(
            "year_reference", section=p.section, line=p.line, stated=Decimal(p.year),
            computed=Decimal(year), quote=context,
            message=f"实施/用款计划的时间“{p.text}”不在预算年度{year}年内。")
    for f in project.facts:
        if f.year and f.year > year and not f.planned:
            yield ctx.finding(
                "year_reference", section=f.section, facts=[f], stated=Decimal(f.year),
                computed=Decimal(year), quote=f.quote,
                message=f"“{f.label}{f.raw}”作为已完成的情况写于{f.year}年，晚于预算年度{year}年。")
