"""Fuzzers (issue 13), bounded (hypothesis, no example database, about 15 s in all):

(a) the text parser ``parse_text(decode_bytes(data, "x.txt"))`` on random bytes and on the seed
    text mutated (lines deleted, duplicated, inserted — random prose, numbers with units, random
    headings — and characters deleted or inserted): it returns a Document whose facts point at
    real lines, or raises a HelpersError — nothing else (2 fuzzers, 750 examples);
(b) linear cost without timing: Python function calls counted with cProfile for n and 4n
    numbers-with-units in one sentence, n and 4n lines of prose, n and 4n dated sentences with a
    figure: calls(4n) ≤ 5 × calls(n) (3 cases);
(c) the table reader ``score_file`` on random and mutated self-evaluation tables, as CSV and as
    XLSX (NaN, inf, huge, negative, formula-like, booleans…): it returns a result or raises a
    HelpersError — nothing else (3 fuzzers, 800 examples).
"""

from __future__ import annotations

import cProfile
import csv
import io
import pstats
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.core.decoding import decode_bytes
from helpers.core.errors import HelpersError
from helpers.evaluation.selfeval import score_file
from helpers.ingest import parse_text
from helpers.ingest.models import Document

from .support import HEADERS, SELFEVAL, template_text

FUZZ = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
TEMPLATE_LINES = template_text().split("\n")


def parse_or_refuse(data: bytes) -> Document | None:
    """The parser's contract: a Document, or a HelpersError (returned as None)."""
    try:
        doc = parse_text(decode_bytes(data, "x.txt"))
    except HelpersError:
        return None
    assert isinstance(doc, Document)
    n_lines = data.count(b"\n") + data.count(b"\r") + 1
    for project in doc.projects:
        assert 1 <= project.line <= n_lines
        for fact in project.facts:
            assert 1 <= fact.line <= n_lines, (fact.line, n_lines)
    return doc


# ============================================================================ (a) the text parser

@settings(FUZZ, max_examples=150)
@given(st.binary(max_size=3000))
def test_parser_on_random_bytes(data):
    parse_or_refuse(data)


UNITS = ("万元", "元", "亿元", "人", "户", "件", "%", "个", "元/人", "人次", "万", "")
HEADINGS = ("一、项目名称", "二、立项依据", "三、项目实施单位", "四、项目基本概况", "五、项目实施内容",
            "六、资金安排情况", "七、项目实施计划", "八、项目实施成效", "九、其他", "十、附件", "十一、",
            "（一）",
            "1.", "2、", "(3)")
# Numbers up to 10^40 (a figure of 41 digits, 10^24万元 and more): such a figure is not read, with
# a notice, never a crash (test_bad_inputs.py covers the exact cases).
numbers = st.one_of(
    st.integers(-10**40, 10**40).map(str),
    st.decimals(min_value=-10**12, max_value=10**12, allow_nan=False, allow_infinity=False,
                places=2).map(str),
    st.sampled_from(["1e309", "-12.80", "3,200", "0.5", "１２３", "三千二百", "52.00", "1/3", "∞", "NaN"]),
)
quantity = st.builds(lambda pre, n, u, post: f"{pre}{n}{u}{post}",
                     st.sampled_from(["", "预计补助", "截至2023年9月30日", "约", "共计", "其中",
                                      "计划于2024年"]),
                     numbers, st.sampled_from(UNITS), st.sampled_from(["", "。", "，", "；", "余", "左右。"]))
heading = st.builds(lambda h, t: h + t, st.sampled_from(HEADINGS), st.text(max_size=12))
prose = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)
new_line = st.one_of(quantity, heading, prose, st.sampled_from(TEMPLATE_LINES))


@st.composite
def mutated_template(draw) -> bytes:
    lines = list(TEMPLATE_LINES)
    for _ in range(draw(st.integers(1, 12))):
        op = draw(st.sampled_from(["delete", "duplicate", "insert", "chars", "chars-delete"]))
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        if not lines:
            lines.append(draw(new_line))
        elif op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "insert":
            lines.insert(i, draw(new_line))
        elif op == "chars":
            j = draw(st.integers(0, len(lines[i])))
            piece = draw(st.one_of(quantity, prose, st.sampled_from(["、", "：", "。", "\r"])))
            lines[i] = lines[i][:j] + piece + lines[i][j:]
        else:
            j = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:j] + lines[i][j + draw(st.integers(1, 20)):]
    text = "\n".join(lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
    return text.encode(encoding, errors="replace")


@settings(FUZZ, max_examples=600)
@given(mutated_template())
def test_parser_on_mutated_template(data):
    parse_or_refuse(data)


# ============================================================================ (b) linear cost

def calls(text: str) -> int:
    """Python function calls made by parsing ``text`` (cProfile: deterministic, not timing)."""
    profile = cProfile.Profile()
    profile.enable()
    parse_text(decode_bytes(text.encode("utf-8"), "x.txt"))
    profile.disable()
    return pstats.Stats(profile).total_calls


def _numbers_sentence(n: int) -> str:
    sentence = "预计补助" + "，".join(f"{i + 1}.5万元" for i in range(n)) + "。"
    return template_text().replace("预计补助12.80万元。", sentence, 1)


def _prose_lines(n: int) -> str:
    line = "项目实施能促进协会工作正常运转，确保协会年度各项工作任务按质按量完成，推动协会工作健康发展。"
    last = "计划于2024年1-4月开展此项目。"
    return template_text().replace(last, "\n".join([line] * n) + "\n" + last, 1)


def _dated_sentences(n: int) -> str:
    sentence = "截至2023年9月30日，计划补助3200人，每人补助标准为40元/人"
    last = "计划于2024年1-4月开展此项目。"
    return template_text().replace(last, "。".join([sentence] * n) + "。" + last, 1)


@pytest.mark.parametrize("make", [_numbers_sentence, _prose_lines, _dated_sentences],
                         ids=["numbers-with-units", "prose-lines", "dated-sentences"])
def test_parser_cost_is_linear(make):
    n = 300
    small, large = calls(make(n)), calls(make(4 * n))
    assert large <= 5 * small, f"{make.__name__}: {small} calls for n={n}, {large} for 4n"
    assert large > small                   # the input did grow the work (the text was changed)


# ============================================================================ (c) the table reader

def score_or_refuse(path: Path) -> None:
    """The reader's contract: a result, or a HelpersError."""
    try:
        result = score_file(path)
    except HelpersError:
        return
    assert result is not None
    assert result.total is not None


DIRECTIONS = ("≥", "≤", "=", "定性", ">=", "<=", "＝", "", "大约", "≧")
LEVELS = ("预算执行率", "产出指标", "效益指标", "满意度指标", "合计", "总分", "", "其他")
TIERS = ("达成", "部分达成", "未达成", "是", "否", "有效", "")
text_cell = st.one_of(
    st.sampled_from(DIRECTIONS + LEVELS + TIERS),
    numbers,
    st.builds(lambda n, u: f"{n}{u}", numbers, st.sampled_from(UNITS)),
    st.sampled_from(["=1+1", "'=1+1", "@SUM(A1)", "-", "/", "—", "……", "nan", "inf", "-inf", "1e400", "95%",
                     "≥3200", "100%以上", "1,234,567.891"]),
    st.text(max_size=10),
)
xlsx_cell = st.one_of(
    text_cell,
    st.none(),
    st.booleans(),
    st.integers(-10**18, 10**18),
    st.floats(allow_nan=True, allow_infinity=True),
)


def _write_table(rows: list[list], folder: Path, as_xlsx: bool) -> Path:
    if as_xlsx:
        import openpyxl
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        wb = openpyxl.Workbook()
        ws = wb.active
        for i, row in enumerate(rows, start=1):
            for j, value in enumerate(row, start=1):
                clean = ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
                ws.cell(i, j).value = clean
        path = folder / "table.xlsx"
        wb.save(path)
        return path
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(["" if v is None else str(v) for v in r] for r in rows)
    path = folder / "table.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


@settings(FUZZ, max_examples=300)
@given(st.lists(st.lists(text_cell, min_size=0, max_size=12), max_size=14), st.booleans())
def test_score_file_on_random_tables(rows, header_first):
    table = ([list(HEADERS)] if header_first else []) + rows
    with tempfile.TemporaryDirectory() as d:
        score_or_refuse(_write_table(table, Path(d), as_xlsx=False))


SEED_ROWS = [list(r) for r in csv.reader(io.StringIO(SELFEVAL.read_text(encoding="utf-8")))]


@st.composite
def mutated_table(draw, cell) -> list[list]:
    rows = [list(r) for r in SEED_ROWS]
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["cell", "cell", "cell", "delete-row", "duplicate-row", "delete-column"]))
        i = draw(st.integers(1, len(rows) - 1)) if len(rows) > 1 else 0
        if op == "cell" and rows[i]:
            rows[i][draw(st.integers(0, len(rows[i]) - 1))] = draw(cell)
        elif op == "delete-row" and len(rows) > 1:
            del rows[i]
        elif op == "duplicate-row":
            rows.insert(i, list(rows[i]))
        elif op == "delete-column":
            j = draw(st.integers(0, len(HEADERS) - 1))
            for r in rows:
                if j < len(r):
                    del r[j]
    return rows


@settings(FUZZ, max_examples=300)
@given(mutated_table(text_cell))
def test_score_file_on_mutated_csv(rows):
    with tempfile.TemporaryDirectory() as d:
        score_or_refuse(_write_table(rows, Path(d), as_xlsx=False))


@settings(FUZZ, max_examples=200)
@given(mutated_table(xlsx_cell))
def test_score_file_on_mutated_xlsx(rows):
    with tempfile.TemporaryDirectory() as d:
        score_or_refuse(_write_table(rows, Path(d), as_xlsx=True))
