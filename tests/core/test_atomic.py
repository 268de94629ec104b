import os

import pytest

from helpers.core import atomic


def test_write_text_replaces_content(tmp_path):
    target = tmp_path / "sub" / "a.html"
    atomic.write_text(target, "第一版")
    atomic.write_text(target, "第二版")
    assert target.read_text(encoding="utf-8") == "第二版"
    assert [p.name for p in target.parent.iterdir()] == ["a.html"]


def test_failure_inside_block_keeps_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "a.pdf"
    target.write_bytes(b"good")
    with pytest.raises(RuntimeError):
        with atomic.atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("boom")
    assert target.read_bytes() == b"good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]


def test_keyboard_interrupt_leaves_no_temporary(tmp_path):
    target = tmp_path / "a.html"
    with pytest.raises(KeyboardInterrupt):
        with atomic.atomic_path(target) as tmp:
            tmp.write_text("partial")
            raise KeyboardInterrupt
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_written_file_is_world_readable(tmp_path):
    target = atomic.write_bytes(tmp_path / "x.bin", b"1")
    assert os.stat(target).st_mode & 0o444 == 0o444


def test_clean_temporaries_removes_only_temporaries(tmp_path):
    (tmp_path / "2024").mkdir()
    keep = tmp_path / "2024" / "a.html"
    keep.write_text("ok")
    stale = tmp_path / "2024" / ".a.html.x1y2.tmp"
    stale.write_text("half")
    removed = atomic.clean_temporaries(tmp_path)
    assert removed == [stale]
    assert keep.exists() and not stale.exists()


def test_copy_file(tmp_path):
    src = tmp_path / "s"
    src.write_bytes(b"abc")
    atomic.copy_file(src, tmp_path / "d" / "t")
    assert (tmp_path / "d" / "t").read_bytes() == b"abc"


def test_atomic_path_fsyncs_what_a_library_wrote_and_the_folder(tmp_path, monkeypatch):
    """A file written by another library through atomic_path (openpyxl, nbformat…) is flushed to
    disk before the rename, and the folder after it: os.fsync is watched, the real one still runs."""
    synced = []
    real_fsync = os.fsync

    def watching_fsync(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", watching_fsync)
    target = tmp_path / "book.xlsx"
    with atomic.atomic_path(target) as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:      # no fsync of its own, like a library
            fh.write("data")
    assert target.read_text(encoding="utf-8") == "data"
    assert len(synced) == 2
    assert synced[0].startswith(str(tmp_path / ".book.xlsx.")) and synced[0].endswith(".tmp")
    assert synced[1] == str(tmp_path)


def test_saved_workbooks_are_reproducible_across_time(tmp_path):
    """openpyxl stamps the save time into docProps/core.xml and the zip stamps each member (with
    2-second resolution): two saves 2.1 s apart must still give the same bytes."""
    import time

    import openpyxl

    from helpers.core.cells import save_workbook

    def book():
        wb = openpyxl.Workbook()
        wb.active["A1"] = "数据"
        return wb

    save_workbook(book(), tmp_path / "a.xlsx")
    time.sleep(2.1)
    save_workbook(book(), tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    assert openpyxl.load_workbook(tmp_path / "b.xlsx").active["A1"].value == "数据"


def test_write_if_changed_leaves_an_identical_file_alone(tmp_path):
    import os

    from helpers.core.atomic import write_text_if_changed

    target = tmp_path / "sub" / "page.html"
    assert write_text_if_changed(target, "一")                  # a new file (and its folder)
    os.utime(target, ns=(1_000_000_000, 1_000_000_000))
    assert not write_text_if_changed(target, "一")              # same bytes: not touched
    assert target.stat().st_mtime_ns == 1_000_000_000
    assert write_text_if_changed(target, "二") and target.read_text(encoding="utf-8") == "二"
    assert target.stat().st_mtime_ns != 1_000_000_000
    assert not list(tmp_path.rglob("*.tmp"))
