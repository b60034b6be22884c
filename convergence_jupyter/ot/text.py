"""String arithmetic in UTF-16 code units, because the JavaScript client counts indices that way.

Python counts code points, so any index, length or splice that crosses the wire must go through
these helpers. Text without astral characters or surrogates takes a fast path.
"""

from __future__ import annotations

import re

_NEEDS_UTF16 = re.compile("[\ud800-\udfff\U00010000-\U0010ffff]")


def _units(text: str) -> bytes:
    return text.encode("utf-16-le", "surrogatepass")


def _text(units: bytes) -> str:
    return units.decode("utf-16-le", "surrogatepass")


def utf16_len(text: str) -> int:
    """Length of ``text`` as JavaScript's ``String.length`` reports it."""
    if _NEEDS_UTF16.search(text) is None:
        return len(text)
    return len(_units(text)) // 2


def utf16_splice(text: str, index: int, delete_count: int, insert: str) -> tuple[str, str]:
    """Delete ``delete_count`` code units at ``index`` and insert ``insert`` there.

    Returns ``(new_text, deleted_text)``. As in JavaScript, a splice may cut a surrogate pair in
    half; lone halves survive, and halves that meet again form one character again.
    """
    if _NEEDS_UTF16.search(text) is None and _NEEDS_UTF16.search(insert) is None:
        end = index + delete_count
        return text[:index] + insert + text[end:], text[index:end]
    units = _units(text)
    start, end = 2 * index, 2 * (index + delete_count)
    return _text(units[:start] + _units(insert) + units[end:]), _text(units[start:end])
