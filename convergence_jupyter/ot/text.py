"""String arithmetic in UTF-16 code units, because the JavaScript client counts indices that way.

Python counts code points, so any index, length or splice that crosses the wire must go through
these helpers. Strings whose characters are all in the Basic Multilingual Plane take a fast path.
"""

from __future__ import annotations

_BMP_MAX = "\uffff"


def _is_bmp(text: str) -> bool:
    return text.isascii() or max(text, default="") <= _BMP_MAX


def utf16_len(text: str) -> int:
    """Length of ``text`` as JavaScript's ``String.length`` reports it."""
    if _is_bmp(text):
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def utf16_splice(text: str, index: int, delete_count: int, insert: str) -> tuple[str, str]:
    """Delete ``delete_count`` code units at ``index`` and insert ``insert`` there.

    Returns ``(new_text, deleted_text)``. A splice may cut a surrogate pair in half, as it can in
    JavaScript; the halves survive as lone surrogates.
    """
    if _is_bmp(text):
        end = index + delete_count
        return text[:index] + insert + text[end:], text[index:end]
    units = text.encode("utf-16-le", "surrogatepass")
    start, end = 2 * index, 2 * (index + delete_count)

    def decode(raw: bytes) -> str:
        return raw.decode("utf-16-le", "surrogatepass")

    return decode(units[:start]) + insert + decode(units[end:]), decode(units[start:end])
