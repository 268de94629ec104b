"""Turn a file's bytes into text: UTF-8 (with or without BOM) or GB18030/GBK, any line ends.

The encoding found is recorded, never guessed silently: bytes that are neither raise a
``DecodeError`` naming the file and the line of the first bad byte."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from helpers.core.errors import DecodeError, InputError

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class DecodedText:
    """One decoded text file: text with LF line ends and no BOM, the encoding and line ends found, sha256."""

    path: str
    text: str            # line ends normalised to "\n", BOM removed
    encoding: str        # "utf-8", "utf-8-sig" or "gb18030"
    line_endings: str    # "LF", "CRLF", "CR", "mixed" or "none"
    sha256: str

    @property
    def lines(self) -> list[str]:
        """The text split into lines at LF (a text ending in a line end gives a final empty string)."""
        return self.text.split("\n")


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _line_endings(data: bytes) -> str:
    crlf = data.count(b"\r\n")
    lf = data.count(b"\n") - crlf
    cr = data.count(b"\r") - crlf
    kinds = [name for name, n in (("CRLF", crlf), ("LF", lf), ("CR", cr)) if n]
    if not kinds:
        return "none"
    return kinds[0] if len(kinds) == 1 else "mixed"


def decode_bytes(data: bytes, path: str = "<bytes>") -> DecodedText:
    """Decode ``data``; raise InputError for empty or binary input, DecodeError for bad bytes."""
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip(b" \t\r\n" + _BOM):
        raise InputError("empty file: no text to read", path=path)
    if b"\x00" in data:
        raise InputError("not a text file (NUL bytes; UTF-16 or binary?)", path=path,
                         line=_line_of(data, data.index(b"\x00")))
    if data.startswith(_BOM):
        encoding, body = "utf-8-sig", data[len(_BOM):]
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError(
                f"starts with a UTF-8 BOM but byte {exc.start + 3} is not UTF-8 ({exc.reason})",
                path=path, line=_line_of(data, exc.start + 3)) from None
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as utf8_exc:
            try:
                text, encoding = data.decode("gb18030"), "gb18030"
            except UnicodeDecodeError as gb_exc:
                bad = max(utf8_exc.start, gb_exc.start)
                raise DecodeError(
                    f"undecodable bytes at offset {bad}: neither UTF-8 nor GB18030/GBK",
                    path=path, line=_line_of(data, bad)) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    control = [c for c in text if ord(c) < 32 and c not in "\n\t"]
    if len(control) > max(8, len(text) // 100):
        raise InputError("not a text file (control characters)", path=path)
    return DecodedText(path=path, text=text, encoding=encoding,
                       line_endings=_line_endings(data), sha256=digest)


def read_bytes(path: Path | str, display: str | None = None, kind: str = "text",
               limit: int | None = None) -> bytes:
    """A file's bytes, or a one-line InputError naming it (a directory, missing, unreadable, a
    symlink loop, larger than ``limit`` bytes)."""
    name = display or str(path)
    try:
        if limit is not None:
            size = Path(path).stat().st_size
            if size > limit:
                raise InputError(f"the file is {size:,} bytes, over the limit of {limit:,} bytes per "
                                 f"{kind} file", path=name)
        return Path(path).read_bytes()
    except IsADirectoryError:
        raise InputError(f"is a directory, not a {kind} file", path=name) from None
    except FileNotFoundError:
        raise InputError("no such file", path=name) from None
    except PermissionError:
        raise InputError("permission denied", path=name) from None
    except RuntimeError as exc:              # pathlib's "Symlink loop from …"
        raise InputError(f"cannot read the file: {exc}", path=name) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", path=name) from None


def read_text(path: Path | str, display: str | None = None) -> DecodedText:
    """Read and decode a file. ``display`` is the name used in messages (default: the path)."""
    name = display or str(path)
    return decode_bytes(read_bytes(path, name), name)
