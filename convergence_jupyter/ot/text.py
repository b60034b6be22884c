"""String arithmetic in UTF-16 code units, because the JavaScript client counts indices that way.

Python counts code points, so any index, length or splice that crosses the wire must go through
these helpers. Text without astral characters or surrogates takes a fast path; ASCII text is
known as such without a scan (``str.isascii`` reads a flag CPython keeps), which keeps a splice
into a long string from costing a regex pass over all of it per op (W6 in bench/README.md).
"""

from __future__ import annotations

import re

_NEEDS_UTF16 = re.compile("[\ud800-\udfff\U00010000-\U0010ffff]")


def _plain(text: str) -> bool:
    """Whether UTF-16 units and code points coincide in ``text`` (no astral, no surrogates)."""
    return text.isascii() or _NEEDS_UTF16.search(text) is None


def _units(text: str) -> bytes:
    return text.encode("utf-16-le", "surrogatepass")


def _text(units: bytes) -> str:
    return units.decode("utf-16-le", "surrogatepass")


def utf16_len(text: str) -> int:
    """Length of ``text`` as JavaScript's ``String.length`` reports it."""
    if _plain(text):
        return len(text)
    return len(_units(text)) // 2


def utf16_splice(text: str, index: int, delete_count: int, insert: str) -> tuple[str, str]:
    """Delete ``delete_count`` code units at ``index`` and insert ``insert`` there.

    Returns ``(new_text, deleted_text)``. As in JavaScript, a splice may cut a surrogate pair in
    half; lone halves survive, and halves that meet again form one character again.
    """
    if _plain(text) and _plain(insert):
        end = index + delete_count
        return text[:index] + insert + text[end:], text[index:end]
    units = _units(text)
    start, end = 2 * index, 2 * (index + delete_count)
    return _text(units[:start] + _units(insert) + units[end:]), _text(units[start:end])
