"""Cursor offsets (UTF-16 code units, as the activity state and JavaScript count them) turned
into the line and column a person reads."""

from __future__ import annotations


def line_and_column(source: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a UTF-16 ``offset`` into ``source`` (clamped to its ends)."""
    units = source.encode("utf-16-le")
    offset = max(0, min(offset, len(units) // 2))
    before = units[: offset * 2].decode("utf-16-le", errors="ignore")
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return line, column
