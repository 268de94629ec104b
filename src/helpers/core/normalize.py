"""Character folding for matching, one character for one character, so that offsets in the
folded text are offsets in the printed text (quotes are always taken from the printed text)."""

from __future__ import annotations

_FULL = "０１２３４５６７８９．％／～－：，（）〔〕［］｛｝＜＞＝≥≤　"
_HALF = "0123456789.%/~-:,()[][]{}<>=≥≤ "
# Full-width letters too.
_FULL += "".join(chr(c) for c in range(0xFF21, 0xFF3B)) + "".join(chr(c) for c in range(0xFF41, 0xFF5B))
_HALF += "".join(chr(c) for c in range(0x41, 0x5B)) + "".join(chr(c) for c in range(0x61, 0x7B))
# Dashes used in ranges (3—4月, 3–4月) and the ideographic full stop variant.
_FULL += "—–―﹣"
_HALF += "----"

assert len(_FULL) == len(_HALF)
_TABLE = str.maketrans(_FULL, _HALF)


def fold(text: str) -> str:
    """Full-width digits, letters, brackets and signs → ASCII; same length as the input.

    Note: the Chinese comma "，" becomes "," here, so thousands separators must be recognised
    by shape (three digits after the comma), which numbers.py does."""
    return text.translate(_TABLE)
