"""Bad inputs (issue 13): every case gives exactly one ``error:`` line on stderr naming the
file (and line/row/cell where there is one), exit status 2 (usage errors too), no traceback, and,
when run against a built tree, no previously good file under reports/ changes.

Cases (134 tests; 131 feed a bad input, 3 a text that must be read without an error):

- texts read with ``ingest PATH`` — 33 (encodings, empty, binary, folders, links, size, template,
  duplicates, a 29-digit figure; plus 3 texts that must be read without an error: ``1e309万元``,
  ``-12.80万元``, a GB18030 text; and the JSON output of a bad text);
- texts, ``data/project_ids.yaml`` and the raw folder seen by ``build`` on a built tree — 18;
- self-evaluation tables for ``score`` — 32 (with ``--debug`` and an unknown ``--method``);
- params files seen by ``build`` / ``params --check`` on a built tree — 16;
- ``workbook`` — 13;
- ``build`` flags and other usage errors on a built tree — 17;
- ``audit`` — 3;
- the manifest (two real builds, slow): ``{not json`` with one failing report, and
  ``{"reports": []}`` — 2.

The cases run against a built tree (the shared good build) are marked slow: ``make test-fast``
keeps the other 84.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from .support import (
    HEADERS,
    SEED_KEYS,
    SELFEVAL,
    assert_manifest_matches_disk,
    assert_one_error,
    assert_unchanged,
    digests,
    error_lines,
    first_project_text,
    run_cli,
    run_main,
    template_text,
    write_raw,
)

RNG_SEED = 13


@pytest.fixture
def text_env(project_copy) -> Path:
    """A project copy for commands that only read (BUDGET_REPORTS_ROOT points at it)."""
    return project_copy


# ============================================================================ texts: ingest PATH

def _template_bytes() -> bytes:
    return template_text().encode("utf-8")


def _insert_at_line(data: bytes, line: int, junk: bytes) -> bytes:
    lines = data.split(b"\n")
    lines[line - 1] = junk + lines[line - 1]
    return b"\n".join(lines)


def _write(tmp: Path, name: str, data: bytes) -> list[Path]:
    p = tmp / name
    p.write_bytes(data)
    return [p]


def _binary(nul: bool) -> bytes:
    rng = random.Random(RNG_SEED)
    data = bytes(rng.randrange(256) for _ in range(4096))
    if nul:
        return data[:100] + b"\x00" + data[100:]
    return bytes(b | 0x80 for b in data)          # high bytes only, no NUL, no line end


def _directory(tmp: Path) -> list[Path]:
    d = tmp / "folder.txt"
    d.mkdir()
    return [d]


def _dir_with_bad_text(tmp: Path) -> list[Path]:
    d = tmp / "texts"
    d.mkdir()
    (d / "inner.txt").write_bytes(b"")
    return [d]


def _empty_folder(tmp: Path) -> list[Path]:
    d = tmp / "nothing"
    d.mkdir()
    return [d]


def _symlink_loop(tmp: Path) -> list[Path]:
    (tmp / "loop-a.txt").symlink_to(tmp / "loop-b.txt")
    (tmp / "loop-b.txt").symlink_to(tmp / "loop-a.txt")
    return [tmp / "loop-a.txt"]


def _dangling(tmp: Path) -> list[Path]:
    (tmp / "dangling.txt").symlink_to(tmp / "gone.txt")
    return [tmp / "dangling.txt"]


def _no_year(tmp: Path) -> list[Path]:
    text = first_project_text().replace("2024年预算重点领域", "预算重点领域", 1)
    return _write(tmp, "noyear.txt", text.encode())


def _empty_name(tmp: Path) -> list[Path]:
    text = first_project_text().replace("计划生育家庭意外伤害保险专项资金项目。\n", "\n", 1)
    return _write(tmp, "noname.txt", text.encode())


def _same_project_twice(tmp: Path) -> list[Path]:
    data = first_project_text().encode()
    return [*_write(tmp, "first.txt", data), *_write(tmp, "second.txt", data)]


def _whole_text_twice(tmp: Path) -> list[Path]:
    data = _template_bytes()
    return [*_write(tmp, "first.txt", data), *_write(tmp, "second.txt", data)]


TEXT_CASES: dict[str, tuple[Callable[[Path], list[Path]], tuple[str, ...]]] = {
    "utf16": (lambda t: _write(t, "u16.txt", template_text().encode("utf-16")), ("u16.txt",)),
    "utf16be-no-bom": (lambda t: _write(t, "u16be.txt", template_text().encode("utf-16-be")), ("u16be.txt",)),
    "utf32": (lambda t: _write(t, "u32.txt", template_text().encode("utf-32")), ("u32.txt",)),
    "latin1": (lambda t: _write(t, "latin1.txt", "Projet: café, résumé, naïve, 12 °C\n".encode("latin-1")),
               ("latin1.txt",)),
    "invalid-utf8-mid-file": (lambda t: _write(t, "mid.txt",
                                               _insert_at_line(_template_bytes(), 30, b"\xff\xfe")),
                              ("mid.txt:30",)),
    "bom-then-invalid-utf8": (lambda t: _write(t, "bom.txt", b"\xef\xbb\xbf" + _insert_at_line(
        _template_bytes(), 10, b"\xc3\x28")), ("bom.txt:10",)),
    "empty": (lambda t: _write(t, "empty.txt", b""), ("empty.txt",)),
    "whitespace-only": (lambda t: _write(t, "blank.txt", b" \n\t\r\n\n"), ("blank.txt",)),
    "bom-only": (lambda t: _write(t, "bomonly.txt", b"\xef\xbb\xbf\n"), ("bomonly.txt",)),
    "binary-with-nul": (lambda t: _write(t, "junk.txt", _binary(nul=True)), ("junk.txt",)),
    "binary-high-bytes": (lambda t: _write(t, "high.txt", _binary(nul=False)), ("high.txt",)),
    "control-characters": (lambda t: _write(t, "ctl.txt", "一、项目名称\n".encode() + b"\x01\x02\x03" * 200),
                           ("ctl.txt",)),
    "a-directory": (_directory, ("folder.txt",)),
    "folder-with-a-bad-text": (_dir_with_bad_text, ("inner.txt",)),
    "missing-file": (lambda t: [t / "missing.txt"], ("missing.txt",)),
    "empty-folder": (_empty_folder, ("nothing",)),
    "symlink-loop": (_symlink_loop, ("loop-a.txt",)),
    "dangling-symlink": (_dangling, ("dangling.txt",)),
    "over-2-MiB": (lambda t: _write(t, "huge.txt", b"a" * (2 * 1024 * 1024 + 1)), ("huge.txt",)),
    "over-2-MiB-real-text": (lambda t: _write(t, "big.txt", _template_bytes() * 200), ("big.txt",)),
    "truncated-after-first-heading": (
        lambda t: _write(t, "cut.txt", "\n".join(template_text().split("\n")[:4]).encode()), ("cut.txt:",)),
    "title-line-only": (lambda t: _write(t, "title.txt", template_text().split("\n")[1].encode()),
                        ("title.txt",)),
    "no-headings": (lambda t: _write(t, "prose.txt", ("没有任何标题的说明文字。" * 20 + "\n").encode() * 5),
                    ("prose.txt",)),
    "no-budget-year": (_no_year, ("noyear.txt",)),
    "empty-project-name": (_empty_name, ("noname.txt",)),
    "numbered-lines-no-template": (lambda t: _write(t, "list.txt", "一、买菜\n二、做饭\n三、洗碗\n".encode()),
                                   ("list.txt",)),
    "two-texts-same-project": (_same_project_twice, ("second.txt", "first.txt")),
}


@pytest.mark.parametrize("case", list(TEXT_CASES))
def test_bad_text_with_ingest(case, text_env, tmp_path, capsys):
    make, names = TEXT_CASES[case]
    inputs = make(tmp_path)
    status, _out, err = run_main(["ingest", *map(str, inputs)], capsys)
    assert status == 2, err
    if case == "two-texts-same-project":
        assert_one_error(err, *names, only=False)     # the good first text is listed on stdout
    else:
        assert_one_error(err, *names)
    assert not (text_env / "data" / "derived").exists()      # explicit paths write no tables


def test_whole_text_given_twice_is_one_error_line(text_env, tmp_path, capsys):
    inputs = _whole_text_twice(tmp_path)
    status, _, err = run_main(["ingest", *map(str, inputs)], capsys)
    assert status == 2
    assert_one_error(err, "second.txt", only=False)


def test_number_too_long_to_be_a_figure_is_not_read_and_said(text_env, tmp_path, capsys):
    """10^28万元 is no figure: the text is read, the number is not (no crash, no internal error), and
    one warning names the file and line."""
    text = template_text().replace("预计补助12.80万元", "预计补助10000000000000000000000000000万元", 1)
    path = _write(tmp_path, "bignum.txt", text.encode())[0]
    status, out, err = run_main(["ingest", "--json", str(path)], capsys)
    assert status == 0, err
    assert "internal error" not in err and "Traceback" not in err
    warnings = [ln for ln in err.splitlines() if "more than 16 digits" in ln]
    assert len(warnings) == 1 and "bignum.txt:" in warnings[0]
    facts = [f for d in json.loads(out)["documents"] for p in d["projects"] for f in p["facts"]]
    assert facts and not any(abs(f["value"] or 0) >= 10**16 for f in facts)


def test_ingest_json_of_a_bad_text_is_one_error_and_valid_json(text_env, tmp_path, capsys):
    bad = _write(tmp_path, "u16.txt", template_text().encode("utf-16"))[0]
    status, out, err = run_main(["ingest", "--json", str(bad)], capsys)
    assert status == 2
    assert_one_error(err, "u16.txt")
    doc = json.loads(out)
    assert doc["documents"] == [] and len(doc["errors"]) == 1


def _ingest_json(path: Path, capsys) -> tuple[int, dict, str]:
    status, out, err = run_main(["ingest", "--json", "--no-write", str(path)], capsys)
    return status, json.loads(out), err


def test_number_glued_to_letters_is_not_read_and_says_so(text_env, tmp_path, capsys):
    text = template_text().replace("预计补助12.80万元", "预计补助1e309万元")
    path = _write(tmp_path, "e309.txt", text.encode())[0]
    status, doc, err = _ingest_json(path, capsys)
    assert status == 0 and not error_lines(err) and "Traceback" not in err
    warnings = [ln for ln in err.splitlines() if "1e309" in ln]
    assert warnings and all(ln.startswith("e309.txt:") or "e309.txt:" in ln for ln in warnings)
    facts = [f for d in doc["documents"] for p in d["projects"] for f in p["facts"]]
    assert not [f for f in facts if "1e309" in (f.get("raw") or "")]
    assert all(f["value"] is None or abs(float(f["value"])) < 1e300 for f in facts)


def test_minus_sign_before_a_number_is_read(text_env, tmp_path, capsys):
    text = first_project_text().replace("预计补助12.80万元", "预计补助-12.80万元")
    path = _write(tmp_path, "neg.txt", text.encode())[0]
    status, doc, err = _ingest_json(path, capsys)
    assert status == 0 and not error_lines(err) and "Traceback" not in err
    facts = [f for d in doc["documents"] for p in d["projects"] for f in p["facts"]
             if f.get("raw") == "-12.80万元"]
    assert facts and facts[0]["value"] == -128000 and facts[0]["unit"] == "元"


def test_gb18030_text_is_read(text_env, tmp_path, capsys):
    path = _write(tmp_path, "gb.txt", template_text().encode("gb18030"))[0]
    status, doc, err = _ingest_json(path, capsys)
    assert status == 0 and not error_lines(err)
    assert doc["documents"][0]["encoding"] == "gb18030"
    assert len(doc["documents"][0]["projects"]) == 2


# ============================================================================ texts seen by build

def _raw(name: str, data: Callable[[], bytes]):
    def make(root: Path) -> None:
        write_raw(root, name, data())
    return make


def _raw_symlink_loop(root: Path) -> None:
    raw = root / "data" / "raw" / "2024"
    (raw / "loop-a.txt").symlink_to(raw / "loop-b.txt")
    (raw / "loop-b.txt").symlink_to(raw / "loop-a.txt")


def _raw_emptied(root: Path) -> None:
    shutil.rmtree(root / "data" / "raw" / "2024")
    (root / "data" / "raw" / "2024").mkdir()


def _ids(text: str):
    def make(root: Path) -> None:
        (root / "data" / "project_ids.yaml").write_text(text, encoding="utf-8")
    return make


def _ids_bytes(root: Path) -> None:
    (root / "data" / "project_ids.yaml").write_bytes(b"projects:\n  \xff\xfe: x\n")


INSURANCE = "计划生育家庭意外伤害保险专项资金项目"
ASSOCIATION = "计划生育协会综合工作经费项目"

BUILD_TEXT_CASES: dict[str, tuple[Callable[[Path], None], tuple[str, ...]]] = {
    "utf16": (_raw("zz.txt", lambda: template_text().encode("utf-16")), ("data/raw/2024/zz.txt",)),
    "latin1": (_raw("zz.txt", lambda: "café résumé\n".encode("latin-1")), ("data/raw/2024/zz.txt",)),
    "invalid-utf8-mid-file": (_raw("zz.txt", lambda: _insert_at_line(_template_bytes(), 30, b"\xff")),
                              ("data/raw/2024/zz.txt:30",)),
    "empty": (_raw("zz.txt", lambda: b""), ("data/raw/2024/zz.txt",)),
    "binary": (_raw("zz.txt", lambda: _binary(nul=True)), ("data/raw/2024/zz.txt",)),
    "no-headings": (_raw("zz.txt", lambda: "没有标题的文字。\n".encode()), ("data/raw/2024/zz.txt",)),
    "truncated": (_raw("zz.txt", lambda: "\n".join(template_text().split("\n")[:4]).encode()),
                  ("data/raw/2024/zz.txt",)),
    "over-2-MiB": (_raw("zz.txt", lambda: _template_bytes() * 200), ("data/raw/2024/zz.txt",)),
    "second-text-same-project": (_raw("zz.txt", lambda: first_project_text().encode()),
                                 ("data/raw/2024/zz.txt", "hongta-jishengxie-2024.txt")),
    "raw-folder-emptied": (_raw_emptied, ("data/raw",)),
    "ids-same-id-twice": (_ids(f"projects:\n  {INSURANCE}: family-accident-insurance\n"
                               f"  {ASSOCIATION}: family-accident-insurance\n"),
                          ("data/project_ids.yaml:3",)),
    "ids-invalid-yaml": (_ids("projects:\n  a: [b\n"), ("data/project_ids.yaml",)),
    "ids-path-as-id": (_ids(f"projects:\n  {INSURANCE}: ../../etc\n"), ("data/project_ids.yaml:2",)),
    "ids-a-list": (_ids("- a\n- b\n"), ("data/project_ids.yaml",)),
    "ids-not-utf8": (_ids_bytes, ("data/project_ids.yaml",)),
    "ids-id-too-long": (_ids(f"projects:\n  {INSURANCE}: {'a' * 64}\n"), ("data/project_ids.yaml:2",)),
}


@pytest.mark.slow           # needs the shared good build (kernels)
@pytest.mark.parametrize("case", list(BUILD_TEXT_CASES))
def test_bad_text_stops_the_build_before_anything_changes(case, good_env, capsys):
    make, names = BUILD_TEXT_CASES[case]
    before = digests(good_env / "reports")
    make(good_env)
    status, _, err = run_main(["build", "--formats", "html", "--force"], capsys)
    assert status == 2, err
    assert_one_error(err, *names)
    assert_unchanged(before, digests(good_env / "reports"))


@pytest.mark.slow           # needs the shared good build (kernels)
def test_symlink_loop_in_raw_folder_is_an_error(good_env, capsys):
    before = digests(good_env / "reports")
    _raw_symlink_loop(good_env)
    status, _, err = run_main(["params", "--check"], capsys)   # reads the catalogue, builds nothing
    assert status == 2, err
    assert_one_error(err, "loop-a.txt")
    assert_unchanged(before, digests(good_env / "reports"))


@pytest.mark.slow           # needs the shared good build (kernels)
def test_name_listed_twice_in_project_ids_names_that_file(good_env, capsys):
    before = digests(good_env / "reports")
    _ids(f"projects:\n  {INSURANCE}: family-accident-insurance\n  {ASSOCIATION}: association-operations\n"
         f"  {INSURANCE}: insurance-renamed\n")(good_env)
    status, _, err = run_main(["build", "--formats", "html", "--force"], capsys)
    assert status == 2, err
    assert_unchanged(before, digests(good_env / "reports"))
    assert_one_error(err, "data/project_ids.yaml")


# ============================================================================ tables for score

def _rows() -> list[list[str]]:
    return [list(r) for r in csv.reader(io.StringIO(SELFEVAL.read_text(encoding="utf-8")))]


def _csv(tmp: Path, name: str, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    p = tmp / name
    p.write_bytes(buf.getvalue().encode(encoding))
    return p


def _edit(name: str, fn: Callable[[list[list[str]]], None]):
    def make(tmp: Path) -> Path:
        rows = _rows()
        fn(rows)
        return _csv(tmp, name, rows)
    return make


def _set(row: int, column: str, value: str):
    """Set one cell; ``row`` is the spreadsheet row (1 = header)."""
    def fn(rows: list[list[str]]) -> None:
        rows[row - 1][HEADERS.index(column)] = value
    return fn


def _drop_column(column: str):
    def fn(rows: list[list[str]]) -> None:
        j = HEADERS.index(column)
        for r in rows:
            del r[j]
    return fn


def _xlsx(name: str, **cells):
    def make(tmp: Path) -> Path:
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.active
        for r in _rows():
            ws.append(r)
        for ref, value in cells.items():
            ws[ref] = value
        p = tmp / name
        wb.save(p)
        return p
    return make


def _bytes(name: str, data: Callable[[], bytes]):
    def make(tmp: Path) -> Path:
        p = tmp / name
        p.write_bytes(data())
        return p
    return make


def _not_xlsx_zip(tmp: Path) -> Path:
    import zipfile

    p = tmp / "archive.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    return p


def _empty_sheet(tmp: Path) -> Path:
    import openpyxl

    p = tmp / "blank.xlsx"
    openpyxl.Workbook().save(p)
    return p


def _table_dir(tmp: Path) -> Path:
    p = tmp / "table.csv"
    p.mkdir()
    return p


SCORE_CASES: dict[str, tuple[Callable[[Path], Path], tuple[str, ...]]] = {
    "missing-column-level1": (_edit("nocol.csv", _drop_column("一级指标")), ("nocol.csv",)),
    "missing-column-level3": (_edit("nolevel3.csv", _drop_column("三级指标")), ("nolevel3.csv",)),
    "no-header-row": (lambda t: _csv(t, "nohead.csv", [["a", "b"], ["1", "2"]]), ("nohead.csv",)),
    "points-not-a-number": (_edit("pts.csv", _set(3, "分值", "十五")), ("pts.csv:3",)),
    "actual-not-a-number": (_edit("act.csv", _set(3, "实际完成值", "很多")), ("act.csv:3",)),
    "target-not-a-number": (_edit("tgt.csv", _set(7, "指标值", "大约12")), ("tgt.csv:7",)),
    "nan-points-xlsx": (_xlsx("nan.xlsx", H3=float("nan")), ("nan.xlsx:3",)),
    "inf-actual-xlsx": (_xlsx("inf.xlsx", G3=float("inf")), ("inf.xlsx:3",)),
    "minus-inf-target-xlsx": (_xlsx("ninf.xlsx", E3=float("-inf")), ("ninf.xlsx:3",)),
    "error-cell-xlsx": (_xlsx("div0.xlsx", H3="#DIV/0!"), ("div0.xlsx:3",)),
    "formula-without-cached-value-xlsx": (_xlsx("formula.xlsx", H3="=H2*2"), ("formula.xlsx:3",)),
    "points-not-adding-up": (_edit("sum.csv", _set(3, "分值", "50")), ("sum.csv",)),
    "negative-points": (_edit("neg.csv", _set(3, "分值", "-5")), ("neg.csv:3",)),
    "unknown-direction": (_edit("dir.csv", _set(3, "指标性质", "大约")), ("dir.csv:3",)),
    "unknown-tier": (_edit("tier.csv", _set(6, "实际完成值", "差不多")), ("tier.csv:6",)),
    "given-score-outside-tier": (_edit("tierscore.csv", _set(6, "得分", "5")), ("tierscore.csv",)),
    "too-large-number": (_edit("big.csv", _set(3, "实际完成值", "1" + "0" * 20)), ("big.csv:3",)),
    "too-many-decimals": (_edit("dec.csv", _set(3, "实际完成值", "1." + "1" * 40)), ("dec.csv:3",)),
    "all-actuals-blank": (_edit("blank.csv", lambda rows: [r.__setitem__(6, "") for r in rows[1:]]),
                          ("blank.csv",)),
    "corrupt-xlsx": (_bytes("corrupt.xlsx", lambda: random.Random(RNG_SEED).randbytes(3000)),
                     ("corrupt.xlsx",)),
    "xls": (_bytes("old.xls", lambda: bytes.fromhex("d0cf11e0a1b11ae1") + bytes(600)), ("old.xls",)),
    "csv-named-xlsx": (_bytes("text.xlsx", lambda: SELFEVAL.read_bytes()), ("text.xlsx",)),
    "zip-not-a-workbook": (_not_xlsx_zip, ("archive.xlsx",)),
    "empty-workbook": (_empty_sheet, ("blank.xlsx",)),
    "utf16-csv": (lambda t: _csv(t, "u16.csv", _rows(), "utf-16"), ("u16.csv",)),
    "invalid-utf8-csv": (_bytes("bad.csv", lambda: _insert_at_line(SELFEVAL.read_bytes(), 4, b"\xff")),
                         ("bad.csv:4",)),
    "empty-csv": (_bytes("empty.csv", lambda: b""), ("empty.csv",)),
    "header-only": (lambda t: _csv(t, "header.csv", [list(HEADERS)]), ("header.csv",)),
    "missing-file": (lambda t: t / "absent.csv", ("absent.csv",)),
    "a-directory": (_table_dir, ("table.csv",)),
}


@pytest.mark.parametrize("case", list(SCORE_CASES))
def test_bad_table_for_score(case, text_env, tmp_path, capsys):
    make, names = SCORE_CASES[case]
    path = make(tmp_path)
    status, out, err = run_main(["score", str(path)], capsys)
    assert status == 2, (out, err)
    assert_one_error(err, *names)
    assert out == ""


def test_debug_shows_the_traceback_and_still_one_error_line(text_env, tmp_path, capsys):
    status, _, err = run_main(["score", "--debug", str(tmp_path / "absent.csv")], capsys)
    assert status == 2
    assert "Traceback" in err
    assert len(error_lines(err)) == 1 and "absent.csv" in error_lines(err)[0]


def test_unknown_scoring_method_is_a_usage_error(text_env, capsys):
    status, out, err = run_main(["score", str(SELFEVAL), "--method", "1999"], capsys)
    assert status == 2
    assert_one_error(err, "--method")
    assert out == ""


# ============================================================================ params files

GOOD_PARAMS = "notebook: project_report\nparameters:\n  project_id: family-accident-insurance\n  year: 2024\n"
PARAMS_CASES: dict[str, tuple[str | bytes, str]] = {
    "unknown-parameter": (GOOD_PARAMS + "  colour: red\n", ":5"),
    "unknown-top-level-key": ("notebook: project_report\nextra: 1\nparameters:\n  project_id: "
                              "family-accident-insurance\n  year: 2024\n", ":2"),
    "year-as-string": (GOOD_PARAMS.replace("year: 2024", 'year: "2024"'), ":4"),
    "year-as-bool": (GOOD_PARAMS.replace("year: 2024", "year: true"), ":4"),
    "year-as-float": (GOOD_PARAMS.replace("year: 2024", "year: 2024.5"), ":4"),
    "unknown-project": (GOOD_PARAMS.replace("project_id: family-accident-insurance",
                                            "project_id: no-such-project"), ":3"),
    "project-id-a-path": (GOOD_PARAMS.replace("project_id: family-accident-insurance",
                                              "project_id: ../../etc/passwd"), ":3"),
    "unknown-year": (GOOD_PARAMS.replace("year: 2024", "year: 1999"), ":4"),
    "invalid-yaml": ("notebook: project_report\nparameters: [\n", ""),
    "a-list": ("- notebook\n- project_report\n", ""),
    "empty-file": ("", ""),
    "parameters-not-a-mapping": ("notebook: project_report\nparameters: 5\n", ":2"),
    "unknown-notebook": (GOOD_PARAMS.replace("notebook: project_report", "notebook: ../../etc/x"), ":1"),
    "not-utf8": (b"notebook: project_report\nparameters: {project_id: \xff}\n", ""),
}


@pytest.mark.slow           # needs the shared good build (kernels)
@pytest.mark.parametrize("case", list(PARAMS_CASES))
def test_bad_params_file_stops_the_build(case, good_env, capsys):
    text, line = PARAMS_CASES[case]
    target = good_env / "params" / "2024" / "family-accident-insurance.yaml"
    if isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_text(text, encoding="utf-8")
    before = digests(good_env / "reports")
    status, _, err = run_main(["build", "--formats", "html", "--force"], capsys)
    assert status == 2, err
    assert_one_error(err, "params/2024/family-accident-insurance.yaml" + line)
    assert_unchanged(before, digests(good_env / "reports"))


@pytest.mark.parametrize("case", ["unknown-parameter", "unknown-year"])
def test_bad_params_file_fails_params_check(case, text_env, capsys):
    text, line = PARAMS_CASES[case]
    target = text_env / "params" / "2024" / "family-accident-insurance.yaml"
    target.write_text(text, encoding="utf-8")
    status, _out, err = run_main(["params", "--check"], capsys)
    assert status == 2
    assert_one_error(err, "params/2024/family-accident-insurance.yaml" + line)
    assert target.read_text(encoding="utf-8") == text           # --check writes nothing


# ============================================================================ workbook

def _target_rows() -> list[list[str]]:
    from .support import REPO

    path = REPO / "data" / "targets" / "2024" / "family-accident-insurance.csv"
    return [list(r) for r in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")))]


def _bad_targets(fn: Callable[[list[list[str]]], None] | None = None, data: bytes | None = None):
    def make(root: Path) -> None:
        path = root / "data" / "targets" / "2024" / "family-accident-insurance.csv"
        if data is not None:
            path.write_bytes(data)
            return
        rows = _target_rows()
        fn(rows)
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        path.write_bytes(buf.getvalue().encode("utf-8-sig"))
    return make


WB = ["workbook", "--year", "2024", "--project", "family-accident-insurance"]
WORKBOOK_CASES: dict[str, tuple[list[str], Callable[[Path], None] | None, tuple[str, ...]]] = {
    "year-two-digits": (["workbook", "--year", "24", "--project", "family-accident-insurance"], None,
                        ("24",)),
    "year-not-a-number": (["workbook", "--year", "abc", "--project", "family-accident-insurance"], None,
                          ("--year",)),
    "year-without-targets": (["workbook", "--year", "1999", "--project", "family-accident-insurance"], None,
                             ("data/targets/1999/family-accident-insurance.csv",)),
    "project-a-path": (["workbook", "--year", "2024", "--project", "../../etc"], None, ("../../etc",)),
    "project-upper-case": (["workbook", "--year", "2024", "--project", "FAMILY"], None, ("FAMILY",)),
    "project-unknown": (["workbook", "--year", "2024", "--project", "no-such-project"], None,
                        ("no-such-project",)),
    "no-year-flag": (["workbook", "--project", "family-accident-insurance"], None, ("--year",)),
    "target-level1-unknown": (WB, _bad_targets(lambda rows: rows[2].__setitem__(0, "其他指标")),
                              ("data/targets/2024/family-accident-insurance.csv:3",)),
    "target-direction-unknown": (WB, _bad_targets(lambda rows: rows[2].__setitem__(3, "大约")),
                                 ("data/targets/2024/family-accident-insurance.csv:3",)),
    "target-value-not-a-number": (WB, _bad_targets(lambda rows: rows[1].__setitem__(4, "很多")),
                                  ("data/targets/2024/family-accident-insurance.csv:2",)),
    "target-utf16": (WB, _bad_targets(data="一级指标,二级指标\n".encode("utf-16")),
                     ("data/targets/2024/family-accident-insurance.csv",)),
}


@pytest.mark.parametrize("case", list(WORKBOOK_CASES))
def test_bad_workbook_request(case, text_env, tmp_path, capsys):
    argv, prepare, names = WORKBOOK_CASES[case]
    if prepare is not None:
        prepare(text_env)
    out = tmp_path / "out" / "blank.xlsx"
    status, _stdout, err = run_main([*argv, "-o", str(out)], capsys)
    assert status == 2, err
    assert_one_error(err, *names)
    assert not out.exists() and not (tmp_path / "out").exists()
    assert not (text_env / "data" / "actuals").exists()


def test_workbook_never_overwrites_without_force(text_env, tmp_path, capsys):
    out = tmp_path / "kept.xlsx"
    out.write_bytes(b"analyst's filled-in workbook")
    status, _, err = run_main([*WB, "-o", str(out)], capsys)
    assert status == 2
    assert_one_error(err, "kept.xlsx")
    assert out.read_bytes() == b"analyst's filled-in workbook"


def test_workbook_onto_a_directory(text_env, tmp_path, capsys):
    out = tmp_path / "taken.xlsx"
    out.mkdir()
    status, _, err = run_main([*WB, "-o", str(out), "--force"], capsys)
    assert status == 2
    assert_one_error(err, "taken.xlsx")
    assert out.is_dir() and not list(out.iterdir())
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# ============================================================================ build flags

BUILD_FLAG_CASES: dict[str, tuple[list[str], tuple[str, ...]]] = {
    "jobs-0": (["build", "--jobs", "0"], ("--jobs",)),
    "jobs-negative": (["build", "--jobs", "-3"], ("--jobs",)),
    "jobs-not-a-number": (["build", "--jobs", "x"], ("--jobs",)),
    "formats-docx": (["build", "--formats", "docx"], ("--formats", "docx")),
    "formats-empty": (["build", "--formats", ","], ("--formats",)),
    "formats-one-bad": (["build", "--formats", "html,docx"], ("docx",)),
    "cell-timeout-negative": (["build", "--cell-timeout", "-1"], ("--cell-timeout",)),
    "cell-timeout-not-a-number": (["build", "--cell-timeout", "soon"], ("--cell-timeout",)),
    "year-unknown": (["build", "--year", "1999"], ("data/raw/1999",)),
    "year-not-a-number": (["build", "--year", "2024x"], ("--year",)),
    "project-unknown": (["build", "--project", "no-such-project"], ("params", "no-such-project")),
    "project-a-path": (["build", "--project", "../../etc"], ("../../etc",)),
    "project-in-wrong-year": (["build", "--year", "1999", "--project", "family-accident-insurance"],
                              ("1999",)),
    "unknown-flag": (["build", "--bogus"], ("--bogus",)),
    "unknown-command": (["frobnicate"], ("frobnicate",)),
    "params-year-unknown": (["params", "--year", "1999"], ("1999",)),
}


@pytest.mark.slow           # needs the shared good build (kernels)
@pytest.mark.parametrize("case", list(BUILD_FLAG_CASES))
def test_bad_build_flags_change_nothing(case, good_env, capsys):
    argv, names = BUILD_FLAG_CASES[case]
    before = digests(good_env / "reports")
    params_before = digests(good_env / "params")
    status, _out, err = run_main(argv, capsys)
    assert status == 2, err
    assert_one_error(err, *names)
    assert_unchanged(before, digests(good_env / "reports"))
    assert digests(good_env / "params") == params_before


def test_no_command_is_one_usage_line(capsys):
    status, _out, err = run_main([], capsys)
    assert status == 2
    assert_one_error(err, "COMMAND")


# ============================================================================ audit

def test_audit_csv_into_a_missing_folder(text_env, tmp_path, capsys):
    target = tmp_path / "no" / "such" / "folder" / "findings.csv"
    status, _out, err = run_main(["audit", "--csv", str(target)], capsys)
    assert status == 2, err
    assert_one_error(err, str(target.parent))
    assert not (tmp_path / "no").exists()


def test_audit_csv_onto_a_directory(text_env, tmp_path, capsys):
    target = tmp_path / "findings.csv"
    target.mkdir()
    status, _out, err = run_main(["audit", "--csv", str(target)], capsys)
    assert status == 2
    assert_one_error(err, "findings.csv")
    assert target.is_dir() and not list(target.iterdir())
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_audit_of_a_missing_text(text_env, tmp_path, capsys):
    status, _out, err = run_main(["audit", str(tmp_path / "gone.txt")], capsys)
    assert status == 2
    assert_one_error(err, "gone.txt")


# ============================================================================ the manifest (slow)

@pytest.mark.slow
def test_unreadable_manifest_and_a_failing_report_keep_the_good_report_listed(good_copy):
    reports = good_copy / "reports"
    kept = (reports / "2024" / "family-accident-insurance.html").read_bytes()
    (reports / "manifest.json").write_text("{not json", encoding="utf-8")
    proc = run_cli(good_copy, "build", "--formats", "html", "--force", "--jobs", "2",
                   BUDGET_REPORTS_TESTING="1", BUDGET_REPORTS_FAULT="raise:2024/family-accident-insurance")
    assert proc.returncode == 1, proc.stderr
    line = assert_one_error(proc.stderr, "2024/family-accident-insurance", only=False)
    assert "2024/association-operations" not in line and "2024/overview" not in line
    assert any(ln.startswith("warning: reports/manifest.json") for ln in proc.stderr.splitlines())
    data = assert_manifest_matches_disk(good_copy, SEED_KEYS)
    entry = data["reports"]["2024/family-accident-insurance"]
    assert entry["status"] == "failed"
    assert entry["outputs"]["html"]["path"] == "reports/2024/family-accident-insurance.html"
    assert (reports / "2024" / "family-accident-insurance.html").read_bytes() == kept
    assert (reports / "2024" / "family-accident-insurance.failed.ipynb").is_file()
    index = (reports / "2024" / "index.html").read_text(encoding="utf-8")
    assert 'href="family-accident-insurance.html"' in index
    assert 'href="association-operations.html"' in index


@pytest.mark.slow
def test_manifest_of_the_wrong_shape_is_rebuilt_from_disk(good_copy):
    (good_copy / "reports" / "manifest.json").write_text('{"reports": []}', encoding="utf-8")
    proc = run_cli(good_copy, "build", "--formats", "html", "--force", "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and not error_lines(proc.stderr)
    warnings = [ln for ln in proc.stderr.splitlines() if ln.startswith("warning: ")]
    assert len(warnings) == 1 and "reports/manifest.json" in warnings[0]
    assert_manifest_matches_disk(good_copy, SEED_KEYS)
    assert os.path.getsize(good_copy / "reports" / "manifest.json") > 100
