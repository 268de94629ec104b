"""The parser on texts it was not written against: other encodings, line ends, full-width
characters, other wording (synthetic texts), and bad input."""

import json
import subprocess
import sys
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.core.decoding import decode_bytes
from helpers.core.errors import TemplateError
from helpers.core.paths import raw_dir
from helpers.ingest.loader import ingest_paths, parse_file, parse_text
from helpers.ingest.synthetic import make_text

SEED = raw_dir() / "2024" / "hongta-jishengxie-2024.txt"
SEED_TEXT = SEED.read_text(encoding="utf-8")


def _facts(doc):
    return [[(f.section, f.label, f.value, f.unit, f.year, f.metric) for f in p.facts] for p in doc.projects]


def _parse(text: str, encoding="utf-8", ending="\n", name="x.txt"):
    data = text.replace("\n", ending).encode(encoding)
    return parse_text(decode_bytes(data, name))


REFERENCE = _facts(parse_file(SEED))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_seed_in_other_encodings_and_line_endings(encoding, ending):
    doc = _parse(SEED_TEXT, encoding, ending)
    assert _facts(doc) == REFERENCE


def test_full_width_digits_and_half_width_brackets():
    table = str.maketrans("0123456789.%()", "０１２３４５６７８９．％（）")
    wide = SEED_TEXT.translate(table)
    doc = _parse(wide)
    got = [[(f.value, f.unit, f.metric) for f in p.facts] for p in doc.projects]
    want = [[(v, u, m) for _s, _label, v, u, _y, m in p] for p in REFERENCE]
    assert got == want
    assert doc.projects[0].fact("F01").raw == "５９０３９人"    # quotes keep what was printed


def test_half_width_brackets_in_labels():
    text = SEED_TEXT.replace("乡（街道）", "乡(街道)").replace("（其中", "(其中").replace("162人）", "162人)")
    doc = _parse(text)
    assoc = doc.projects[1]
    assert [f.label for f in assoc.facts[:4]] == ["协会组织", "区级计生协会", "乡(街道)计生协会",
                                                  "村（社区）计生协会"]
    assert doc.projects[0].fact("F20").parent == "F18"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(year=st.integers(min_value=2015, max_value=2035), seed=st.integers(min_value=0, max_value=10**6),
       n=st.integers(min_value=1, max_value=4), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
       ending=st.sampled_from(["\n", "\r\n"]))
def test_synthetic_round_trip(year, seed, n, encoding, ending):
    """generate → parse → the same facts (metric, value, unit), for any year, wording and form."""
    text, projects = make_text(year, seed, n)
    doc = _parse(text, encoding, ending)
    assert doc.notices == []
    assert len(doc.projects) == n
    for parsed, spec in zip(doc.projects, projects, strict=True):
        assert parsed.name == spec.name
        assert parsed.budget_year == year
        assert parsed.synthetic
        got = sorted((f.metric, f.value, f.unit) for f in parsed.facts if f.metric)
        want = sorted((e.metric, e.value, e.unit) for e in spec.expected)
        assert got == want


def test_heading_with_inline_body_and_other_wording():
    text = (
        "某县卫生健康局2025年预算重点领域财政项目文本公开\n"
        "一、项目名称：基层卫生服务补助项目\n"
        "二、立项依据：根据《某省卫生健康委关于做好基层服务的通知》某卫发〔2024〕12号文件。\n"
        "三、项目实施单位：某县卫生健康局\n"
        "四、项目基本概况\n"
        "1、项目必要性：截至2024年底全县服务人口约12.5万人。\n"
        "五、项目实施内容\n培训村医120名，开展宣传活动15场。\n"
        "六、资金安排情况\n安排资金3.6万元，每人补助标准为300元/人。\n"
        "七、项目实施计划\n2025年5-10月实施。\n"
        "八、项目实施成效\n村医培训覆盖率达到98.50%。\n"
    )
    doc = _parse(text)
    (p,) = doc.projects
    assert (p.name, p.unit, p.budget_year) == ("基层卫生服务补助项目", "某县卫生健康局", 2025)
    assert p.basis[0].number == "某卫发〔2024〕12号"
    got = [(f.label, f.value, f.unit, f.approx) for f in p.facts]
    assert got == [
        ("服务人口", Decimal(125000), "人", "约"),        # 约12.5万人 = 125,000 人
        ("培训村医", Decimal(120), "人", None),
        ("开展宣传活动", Decimal(15), "场", None),
        ("安排资金", Decimal(36000), "元", None),          # 3.6万元
        ("补助标准", Decimal(300), "元/人", None),
        ("村医培训覆盖率", Decimal("98.50"), "%", None),
    ]
    assert [s.text for s in p.schedule] == ["2025年5-10月"]


# --- bad input ---------------------------------------------------------------------------------

def test_text_without_headings():
    with pytest.raises(TemplateError, match="no template headings") as exc:
        _parse("这是一段没有标题的文字。\n第二段。\n", name="plain.txt")
    assert exc.value.path == "plain.txt"


def test_truncated_project_is_reported_with_its_line():
    cut = SEED_TEXT[: SEED_TEXT.index("六、资金安排情况", SEED_TEXT.index("计划生育协会综合工作经费项目"))]
    doc = _parse(cut, name="cut.txt")
    assert len(doc.projects) == 2
    msgs = [str(n) for n in doc.notices]
    assert any(m.startswith("cut.txt:42: warning:") and "funding, plan, outcome" in m for m in msgs), msgs


def test_repeated_project_is_skipped_with_a_warning():
    first = SEED_TEXT[: SEED_TEXT.index("玉溪市红塔区计划生育协会2024年", 10)]
    doc = _parse(first + first, name="rep.txt")
    assert [p.id for p in doc.projects] == ["family-accident-insurance"]
    assert any("repeats the project at line 2" in str(n) for n in doc.notices)


def test_number_without_unit_is_a_warning():
    text = SEED_TEXT.replace("2023年全区参保人数59039人", "2023年全区参保人数59039")
    doc = _parse(text, name="nounit.txt")
    assert any(n.line == 16 and "number without a unit: '59039'" in n.message for n in doc.notices)


def test_project_without_title_takes_year_from_folder(tmp_path):
    body = SEED_TEXT[SEED_TEXT.index("一、项目名称"): SEED_TEXT.index("玉溪市红塔区计划生育协会2024年", 10)]
    folder = tmp_path / "2026"
    folder.mkdir()
    (folder / "a.txt").write_text(body, encoding="utf-8")
    doc = parse_file(folder / "a.txt")
    assert doc.projects[0].budget_year == 2026
    assert any("from the folder name" in n.message for n in doc.notices)


def test_multi_file_ingest_reports_bad_files_and_keeps_good_ones(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(SEED_TEXT, encoding="gb18030")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02PK")
    (tmp_path / "plain.txt").write_text("没有模板。", encoding="utf-8")
    result = ingest_paths([tmp_path])
    assert [d.path for d in result.documents] == [str(good)]
    assert len(result.projects) == 2
    failed = sorted(f.path.rsplit("/", 1)[-1] for f in result.failures)
    assert failed == ["binary.txt", "empty.txt", "plain.txt"]


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "helpers", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_cli_json_contract():
    r = _cli("ingest", "--json", "--no-write")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    (doc,) = [d for d in data["documents"] if d["path"].endswith("hongta-jishengxie-2024.txt")]
    assert doc["encoding"] == "utf-8"
    project = doc["projects"][0]
    for key in ("id", "name", "unit", "budget_year", "sections", "facts"):
        assert key in project
    fact = project["facts"][0]
    assert {k: fact[k] for k in ("label", "value", "unit", "year", "section")} == {
        "label": "参保人数", "value": 59039, "unit": "人", "year": 2023, "section": "四.2"}
    assert fact["quote"].startswith("2023年全区参保人数59039人")
    ratio = next(f for f in project["facts"] if f["unit"] == "%")
    assert ratio["value"] == 52.0 and isinstance(ratio["value"], float)


def test_cli_bad_file_one_line_error_exit_2(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes("一、项目名称\n".encode() + b"\x81\xff\xfe\n")
    r = _cli("ingest", str(bad))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert any(str(bad) + ":2" in line for line in lines)
    assert "Traceback" not in r.stderr
    r = _cli("ingest", str(bad), "--debug")
    assert r.returncode == 2


def test_cli_missing_file():
    r = _cli("ingest", "/nonexistent/x.txt")
    assert r.returncode == 2
    assert "/nonexistent/x.txt: no such file" in r.stderr
    assert "Traceback" not in r.stderr


def test_funding_section_figures_are_planned():
    text = SEED_TEXT.replace("预计补助12.80万元。", "两项合计补助资金12.80万元。")
    doc = _parse(text)
    f = doc.projects[0].fact("F17")
    assert (f.planned, f.metric) == (True, "planned_subsidy_amount")


OTHER_UNIT = """2024年某某县民政局预算重点领域财政项目文本公开
一、项目名称：高龄老人津贴补助项目
二、立项依据：根据《某省高龄津贴发放办法》某民发〔2021〕5号。
三、项目实施单位：某县民政局
四、项目基本概况
（一）项目必要性：保障高龄老人基本生活。
（二）绩效目标合理性：截至2023年底，全县计划生育特殊家庭老人1,046人，在岗护理员56人。截至2024年6月底，已组织1,250名志愿者参加服务，满意度95%以上，较上年提高5个百分点。
五、项目实施内容
按照每人每月300元发放津贴，每场活动补助3000元，补贴标准150元/亩，文化站补助5万元／个，维修240处。
六、资金安排情况
计划对80至89周岁老人8000人发放津贴。
七、项目实施计划
2024年1-12月。
八、项目实施成效
老人满意度达到90%。
"""


def test_text_of_another_unit_and_style():
    """Headings with inline bodies, （一） sub-headings, a title that starts with the year, 截至…底
    as-of dates, per-unit money written 每人每月…元 / 每场…元, 元/亩, 万元／个, 个百分点, 处, ranges
    of ages — each value worked by hand (5万元／个 = 50,000 元/个)."""
    doc = _parse(OTHER_UNIT, name="other.txt")
    (p,) = doc.projects
    assert (p.name, p.unit, p.budget_year) == ("高龄老人津贴补助项目", "某县民政局", 2024)  # 三 names it
    assert [s.number for s in p.sections["overview"].subsections] == ["1", "2"]
    got = [(f.section, f.label, f.value, f.unit, f.planned, f.as_of, f.approx) for f in p.facts]
    assert got == [
        ("四.2", "计划生育特殊家庭老人", Decimal(1046), "人", False, "2023-12-31", None),
        ("四.2", "在岗护理员", Decimal(56), "人", False, "2023-12-31", None),
        ("四.2", "组织志愿者参加服务", Decimal(1250), "人", False, "2024-06-30", None),
        ("四.2", "满意度", Decimal(95), "%", False, "2024-06-30", "以上"),
        ("四.2", "较上年提高", Decimal(5), "个百分点", False, "2024-06-30", None),
        ("五", "发放津贴", Decimal(300), "元/人·月", False, None, None),
        ("五", "活动补助", Decimal(3000), "元/场", False, None, None),
        ("五", "补贴标准", Decimal(150), "元/亩", False, None, None),
        ("五", "文化站补助", Decimal(50000), "元/个", False, None, None),
        ("五", "维修", Decimal(240), "处", False, None, None),
        ("六", "80至89周岁老人", Decimal(8000), "人", True, None, None),
        ("八", "老人满意度", Decimal(90), "%", False, None, None),
    ]
    # the unit in 三 is the title's unit without its prefix: no warning; ages are not unitless
    assert doc.notices == []


def test_load_projects_refuses_a_catalogue_with_a_bad_text(tmp_path, monkeypatch):
    """A bad file under data/raw/ stops report work with its name and line, instead of giving a
    catalogue that silently lacks it (which would drop its reports and parameter files)."""
    from helpers.core.errors import DecodeError
    from helpers.ingest.loader import load_projects

    raw = tmp_path / "data" / "raw" / "2024"
    raw.mkdir(parents=True)
    (raw / "good.txt").write_text(SEED_TEXT, encoding="utf-8")
    (raw / "bad.txt").write_bytes("一、项目名称\n".encode() + b"\x81\xff\xfe\n")
    monkeypatch.setenv("BUDGET_REPORTS_ROOT", str(tmp_path))
    with pytest.raises(DecodeError) as exc:
        load_projects(2024)
    assert str(exc.value).startswith("data/raw/2024/bad.txt:2:")


def test_parse_cache_gives_copies_and_sees_changes(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(SEED_TEXT, encoding="utf-8")
    first = parse_file(path)
    first.projects[0].facts.clear()                      # a caller's change stays its own
    assert len(parse_file(path).projects[0].facts) == 23
    path.write_text(SEED_TEXT.replace("59039人", "60000人", 1), encoding="utf-8")
    import os

    os.utime(path, ns=(1, 2))                            # a new mtime, as an edit gives
    assert parse_file(path).projects[0].facts[0].value == Decimal(60000)


def test_year_spans_and_bound_labels():
    text = SEED_TEXT.replace(
        "2023年全区参保人数59039人，完成保费318.9万元。",
        "2022年至2023年共投入资金318.9万元，培训不少于200人。")
    f1, f2 = _parse(text).projects[0].facts[:2]
    assert (f1.label, f1.year, f1.value) == ("投入资金", None, Decimal(3189000))  # a span, no one year
    assert (f2.label, f2.approx, f2.value) == ("培训", "不少于", Decimal(200))


def test_year_first_title_keeps_the_whole_unit_and_as_of_spellings():
    text = OTHER_UNIT.replace("2024年某某县民政局预算重点领域", "2024年某某县财政局预算重点领域").replace(
        "三、项目实施单位：某县民政局\n", "").replace("截至2023年底", "截至2023年年底")
    doc = _parse(text)
    (p,) = doc.projects
    assert p.unit == "某某县财政局"                       # not cut at 财政
    assert p.facts[0].as_of == "2023-12-31"              # 截至2023年年底
