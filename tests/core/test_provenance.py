import hashlib
import re

from helpers.core import provenance


def test_sha256_file_matches_hashlib(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes("预算".encode() * 1000)
    assert provenance.sha256_file(p) == hashlib.sha256(p.read_bytes()).hexdigest()


def test_code_version_in_the_checkout_names_commit_and_package():
    v = provenance.code_version()
    assert re.fullmatch(r"[0-9a-f]{40}", v["git_commit"])
    assert v["git_dirty"] in (True, False)
    from helpers import __version__

    assert v["package_version"] == __version__


def test_code_version_comes_from_the_code_checkout_not_the_data_tree(project_copy):
    provenance._code_version.cache_clear()
    try:
        v = provenance.code_version()      # BUDGET_REPORTS_ROOT is a copy outside any checkout
        assert re.fullmatch(r"[0-9a-f]{40}", v["git_commit"]) and v["git_dirty"] in (True, False)
    finally:
        provenance._code_version.cache_clear()


def test_code_version_outside_git_is_unknown(tmp_path, monkeypatch):
    from helpers.core import paths

    monkeypatch.setattr(paths, "PACKAGE_DIR", tmp_path / "site-packages" / "helpers")
    provenance._code_version.cache_clear()
    try:
        v = provenance.code_version()
    finally:
        provenance._code_version.cache_clear()
    assert v["git_commit"] is None and v["git_dirty"] is None
    assert "git 版本未知" in provenance.describe_code_version(v)


def test_describe_code_version_flags_uncommitted_changes():
    v = {"git_commit": "a" * 40, "git_dirty": True, "package_version": "9.9"}
    s = provenance.describe_code_version(v)
    assert s.startswith("budget-reports 9.9 · git aaaaaaaaaaaa") and "未提交修改" in s
    v["git_dirty"] = False
    assert "未提交" not in provenance.describe_code_version(v)


def test_raw_inputs_lists_seed_with_hash(project_copy):
    records = provenance.raw_inputs(2024)
    assert [r["path"] for r in records] == ["data/raw/2024/hongta-jishengxie-2024.txt"]
    seed = project_copy / records[0]["path"]
    assert records[0]["sha256"] == hashlib.sha256(seed.read_bytes()).hexdigest()
    assert provenance.raw_inputs(1999) == []
