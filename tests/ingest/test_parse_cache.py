"""The parse cache: every caller gets its own copy; with BUDGET_REPORTS_PARSE_CACHE the parses are
kept on disk (keyed by the text, its place, the id registry and the parser's source), read back
equal, and an unreadable entry is parsed again."""

from __future__ import annotations

import pickle

from helpers.ingest import loader
from helpers.ingest.synthetic import make_document


def _text(project_copy):
    f = project_copy / "data/raw/2031/synthetic-2031.txt"
    f.parent.mkdir(parents=True)
    f.write_text(make_document(2031, seed=5), encoding="utf-8")
    return f


def test_each_caller_gets_its_own_copy(project_copy, monkeypatch):
    monkeypatch.delenv(loader.PARSE_CACHE_VARIABLE, raising=False)
    f = _text(project_copy)
    first = loader.parse_file(f)
    first.projects[0].name = "changed"
    first.projects.clear()
    again = loader.parse_file(f)
    assert again.projects and again.projects[0].name != "changed"


def test_parses_are_kept_on_disk_and_read_back_equal(project_copy, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    f = _text(project_copy)
    monkeypatch.delenv(loader.PARSE_CACHE_VARIABLE, raising=False)
    plain = loader.parse_file(f)
    monkeypatch.setenv(loader.PARSE_CACHE_VARIABLE, str(cache))
    cached = loader.parse_file(f)
    entries = list(cache.glob("*.pickle"))
    assert len(entries) == 1 and cached == plain
    loader._parse_cached.cache_clear()          # a new process: the parse comes from the disk
    assert loader.parse_file(f) == plain
    entries[0].write_bytes(b"not a pickle")     # an unreadable entry: parsed again
    loader._parse_cached.cache_clear()
    assert loader.parse_file(f) == plain
    f.write_text(make_document(2031, seed=6), encoding="utf-8")   # another text: another entry
    assert loader.parse_file(f) != plain and len(list(cache.glob("*.pickle"))) == 2
    assert pickle.loads(next(e for e in cache.glob("*.pickle") if e != entries[0]).read_bytes())


def test_the_cache_can_be_switched_off(project_copy, tmp_path, monkeypatch):
    monkeypatch.setenv(loader.PARSE_CACHE_VARIABLE, "off")
    loader.parse_file(_text(project_copy))
    assert not list(tmp_path.rglob("*.pickle"))
