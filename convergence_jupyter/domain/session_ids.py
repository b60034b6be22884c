"""Session ids: store integers written in base 36 on the wire, as the Scala server did."""

from __future__ import annotations

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def format_session_id(number: int) -> str:
    if number < 0:
        raise ValueError("session numbers are never negative")
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = _DIGITS[digit] + text
        if number == 0:
            return text


def parse_session_id(text: str) -> int | None:
    """The store number for a wire id, or None when it cannot be one of ours."""
    if not text or len(text) > 13 or any(c not in _DIGITS for c in text):
        return None
    return int(text, 36)
