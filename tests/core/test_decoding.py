"""Decoding: UTF-8, UTF-8 with BOM, GB18030/GBK; LF, CRLF, CR; bad bytes name the line."""

import pytest

from helpers.core.decoding import decode_bytes, read_text
from helpers.core.errors import DecodeError, InputError

TEXT = "玉溪市红塔区计划生育协会2024年预算重点领域财政项目文本公开\n一、项目名称\n示例项目。\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("gb18030"), "gb18030"),
        (TEXT.encode("gbk"), "gb18030"),  # GBK is a subset of GB18030
    ],
)
def test_encodings(data, encoding):
    d = decode_bytes(data, "x.txt")
    assert d.encoding == encoding
    assert d.text == TEXT


@pytest.mark.parametrize(
    ("ending", "name"), [("\n", "LF"), ("\r\n", "CRLF"), ("\r", "CR")]
)
def test_line_endings(ending, name):
    d = decode_bytes(TEXT.replace("\n", ending).encode("utf-8"), "x.txt")
    assert d.line_endings == name
    assert d.text == TEXT


def test_mixed_line_endings():
    assert decode_bytes(b"a\r\nb\nc", "x").line_endings == "mixed"


def test_undecodable_bytes_name_the_line():
    data = "第一行\n第二行\n".encode() + b"\x81\xff\xfe bad\n"
    with pytest.raises(DecodeError) as exc:
        decode_bytes(data, "bad.txt")
    assert exc.value.path == "bad.txt"
    assert exc.value.line == 3
    assert "bad.txt:3" in str(exc.value)


def test_bom_then_bad_utf8():
    with pytest.raises(DecodeError) as exc:
        decode_bytes(b"\xef\xbb\xbfok\n\xff\xfe", "b.txt")
    assert exc.value.line == 2


@pytest.mark.parametrize("data", [b"", b"   \n\r\n", b"\xef\xbb\xbf\n"])
def test_empty(data):
    with pytest.raises(InputError, match="empty file"):
        decode_bytes(data, "e.txt")


def test_binary_file():
    with pytest.raises(InputError, match="not a text file"):
        decode_bytes("一、项目名称".encode("utf-16"), "u16.txt")


def test_read_text_missing_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_text(tmp_path / "none.txt")
    with pytest.raises(InputError, match="directory"):
        read_text(tmp_path)


def test_sha256_is_of_the_bytes():
    import hashlib

    data = TEXT.encode("gb18030")
    assert decode_bytes(data, "x").sha256 == hashlib.sha256(data).hexdigest()
