"""Atomic file output: write to a temporary file beside the target, then ``os.replace``.

A reader (or a build interrupted with Ctrl-C) sees either the old file or the new one, never a
half-written one. Whatever wrote the temporary file (our own writes, openpyxl, nbformat…), its
data is fsynced before the rename, and the folder after it, so a crash cannot leave an empty file
under the target's name. Temporary files are named ``.<name>.<random>.tmp`` and removed on any failure,
``KeyboardInterrupt`` included."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

TMP_SUFFIX = ".tmp"


@contextlib.contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``.

    If the block raises (or is interrupted), the temporary file is deleted and ``target`` is left
    as it was."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TMP_SUFFIX, dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)
        _fsync(tmp_path)
        os.replace(tmp_path, target)
        _fsync_dir(target.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def _fsync(path: Path) -> None:
    """Flush a file's data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    """Flush a folder's entries (the rename) to disk, where the platform allows it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory file descriptors
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - file systems that refuse fsync on a folder
        pass
    finally:
        os.close(fd)


def write_bytes(target: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically (fsynced); returns the target path."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: Path | str, text: str) -> Path:
    """Write UTF-8 ``text`` (LF line ends) to ``target`` atomically."""
    return write_bytes(target, text.encode("utf-8"))


def write_bytes_if_changed(target: Path | str, data: bytes) -> bool:
    """Write ``data`` to ``target`` atomically unless the file already holds exactly these bytes
    (then it is left alone, its mtime too); returns whether it was written."""
    try:
        if Path(target).read_bytes() == data:
            return False
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
        pass
    write_bytes(target, data)
    return True


def write_text_if_changed(target: Path | str, text: str) -> bool:
    """:func:`write_bytes_if_changed` for UTF-8 ``text``; returns whether it was written."""
    return write_bytes_if_changed(target, text.encode("utf-8"))


def copy_file(source: Path | str, target: Path | str) -> Path:
    """Copy ``source`` over ``target`` atomically."""
    return write_bytes(target, Path(source).read_bytes())


def clean_temporaries(directory: Path | str) -> list[Path]:
    """Remove leftover ``.*.tmp`` files under ``directory`` (e.g. after a killed process)."""
    removed = []
    root = Path(directory)
    if not root.exists():
        return removed
    for p in sorted(root.rglob(f".*{TMP_SUFFIX}")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
            removed.append(p)
    return removed


def clean_owned_folders(parent: Path | str, prefix: str, owner: int | None = None) -> list[Path]:
    """Remove the folders ``<prefix><pid>-…`` under ``parent`` that process ``pid`` left: those of
    ``owner``, or (None) those of every process that is gone (a killed build), never the current
    process's or a live one's. Returns what was removed."""
    import shutil

    removed = []
    for d in Path(parent).glob(f"{prefix}*-*"):
        pid = d.name[len(prefix):].split("-", 1)[0]
        if not pid.isdigit():
            continue
        if owner is not None:
            if int(pid) != owner:
                continue
        elif int(pid) == os.getpid() or _alive(int(pid)):
            continue
        shutil.rmtree(d, ignore_errors=True)
        removed.append(d)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:          # another user's live process
        return True
    return True
