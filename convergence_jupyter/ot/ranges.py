"""How an index or a range sits relative to another range: the vocabulary of the string and move
transforms. The classification follows the rc.12 client exactly, including its treatment of a
shared endpoint (two ranges where one starts where the other ends "meet")."""

from __future__ import annotations

from enum import Enum, auto


class IndexPosition(Enum):
    BEFORE = auto()
    START = auto()
    WITHIN = auto()
    END = auto()
    AFTER = auto()


def index_position(start: int, end: int, index: int) -> IndexPosition:
    """Where ``index`` lies relative to the closed range ``[start, end]``."""
    if index < start:
        return IndexPosition.BEFORE
    if index > end:
        return IndexPosition.AFTER
    if index == start:
        return IndexPosition.START
    if index == end:
        return IndexPosition.END
    return IndexPosition.WITHIN


class RangeRelation(Enum):
    """How range s relates to range c (Allen's interval relations, named from s's side)."""

    PRECEDES = auto()
    PRECEDED_BY = auto()
    MEETS = auto()
    MET_BY = auto()
    OVERLAPS = auto()
    OVERLAPPED_BY = auto()
    STARTS = auto()
    STARTED_BY = auto()
    CONTAINS = auto()
    CONTAINED_BY = auto()
    FINISHES = auto()
    FINISHED_BY = auto()
    EQUAL_TO = auto()


def range_relation(s_start: int, s_end: int, c_start: int, c_end: int) -> RangeRelation:
    """Classify ``[s_start, s_end]`` against ``[c_start, c_end]``."""
    if s_start == c_start:
        if s_end == c_end:
            return RangeRelation.EQUAL_TO
        return RangeRelation.STARTS if c_end > s_end else RangeRelation.STARTED_BY
    if s_start > c_start:
        if s_start > c_end:
            return RangeRelation.PRECEDED_BY
        if s_end == c_end:
            return RangeRelation.FINISHES
        if s_end < c_end:
            return RangeRelation.CONTAINED_BY
        if s_start == c_end:
            return RangeRelation.MET_BY
        return RangeRelation.OVERLAPPED_BY
    if s_end < c_start:
        return RangeRelation.PRECEDES
    if s_end == c_end:
        return RangeRelation.FINISHED_BY
    if s_end > c_end:
        return RangeRelation.CONTAINS
    if s_end == c_start:
        return RangeRelation.MEETS
    return RangeRelation.OVERLAPS
