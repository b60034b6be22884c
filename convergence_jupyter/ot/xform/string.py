"""String pairs. Splice/Splice is split by what each splice does: insert, remove, or both.

All lengths are UTF-16 code units. Two quirks of the rc.12 client are reproduced on purpose:
equal-range splices keep both insertions (s's text first), and a delete+insert splice ``s`` lying
wholly after a delete+insert splice ``c`` is shifted by ``|s.insert|`` instead of ``|c.insert|``
(the "PrecededBy" bug). The server never lets a delete+insert splice into history (see
``normalize.py``), so that last case never reaches a client.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum, auto

from ..operations import StringSet, StringSplice
from ..ranges import RangeRelation as R
from ..ranges import range_relation
from ..text import utf16_len

Pair = tuple[StringSplice, StringSplice]


class SpliceKind(Enum):
    INSERT = auto()
    REMOVE = auto()
    SPLICE = auto()
    EMPTY = auto()


def splice_kind(op: StringSplice) -> SpliceKind:
    inserts = op.insert_value != ""
    if op.delete_count > 0:
        return SpliceKind.SPLICE if inserts else SpliceKind.REMOVE
    return SpliceKind.INSERT if inserts else SpliceKind.EMPTY


def _ilen(op: StringSplice) -> int:
    return utf16_len(op.insert_value)


def _end(op: StringSplice) -> int:
    return op.index + op.delete_count


def _insert_insert(s: StringSplice, c: StringSplice) -> Pair:
    if s.index <= c.index:
        return s, c.replace(index=c.index + _ilen(s))
    return s.replace(index=s.index + _ilen(c)), c


def _insert_remove(s: StringSplice, c: StringSplice) -> Pair:
    if s.index <= c.index:
        return s, c.replace(index=c.index + _ilen(s))
    if s.index >= _end(c):
        return s.replace(index=s.index - c.delete_count), c
    return s.noop(), c.replace(delete_count=c.delete_count + _ilen(s))


def _insert_splice(s: StringSplice, c: StringSplice) -> Pair:
    if s.index <= c.index:
        return s, c.replace(index=c.index + _ilen(s))
    if _end(c) > s.index:
        return s.noop(), c.replace(delete_count=c.delete_count + _ilen(s))
    return s.replace(index=s.index - c.delete_count + _ilen(c)), c


def _remove_insert(s: StringSplice, c: StringSplice) -> Pair:
    if c.index <= s.index:
        return s.replace(index=s.index + _ilen(c)), c
    if c.index >= _end(s):
        return s, c.replace(index=c.index - s.delete_count)
    return s.replace(delete_count=s.delete_count + _ilen(c)), c.noop()


def _splice_insert(s: StringSplice, c: StringSplice) -> Pair:
    if c.index <= s.index:
        return s.replace(index=s.index + _ilen(c)), c
    if _end(s) > c.index:
        return s.replace(delete_count=s.delete_count + _ilen(c)), c.noop()
    return s, c.replace(index=c.index - s.delete_count + _ilen(s))


def _ranged(s: StringSplice, c: StringSplice) -> tuple[R, int, int]:
    """The relation of the deleted ranges, and the overlap measured from each side."""
    relation = range_relation(s.index, _end(s), c.index, _end(c))
    return relation, _end(s) - c.index, _end(c) - s.index


def _remove_remove(s: StringSplice, c: StringSplice) -> Pair:
    relation, s_over, c_over = _ranged(s, c)
    sd, cd = s.delete_count, c.delete_count
    match relation:
        case R.PRECEDES:
            return s, c.replace(index=c.index - sd)
        case R.PRECEDED_BY:
            return s.replace(index=s.index - cd), c
        case R.MEETS | R.OVERLAPS:
            return s.replace(delete_count=sd - s_over), c.replace(
                index=s.index, delete_count=cd - s_over
            )
        case R.MET_BY | R.OVERLAPPED_BY:
            return s.replace(index=c.index, delete_count=sd - c_over), c.replace(
                delete_count=cd - c_over
            )
        case R.STARTS | R.CONTAINED_BY | R.FINISHES:
            return s.noop(), c.replace(delete_count=cd - sd)
        case R.STARTED_BY | R.CONTAINS | R.FINISHED_BY:
            return s.replace(delete_count=sd - cd), c.noop()
        case _:
            return s.noop(), c.noop()


def _remove_splice(s: StringSplice, c: StringSplice) -> Pair:
    relation, s_over, c_over = _ranged(s, c)
    sd, cd, cl = s.delete_count, c.delete_count, _ilen(c)
    match relation:
        case R.PRECEDES:
            return s, c.replace(index=c.index - sd)
        case R.PRECEDED_BY:
            return s.replace(index=s.index - cd + cl), c
        case R.MEETS | R.OVERLAPS:
            return s.replace(delete_count=sd - s_over), c.replace(
                index=s.index, delete_count=cd - s_over
            )
        case R.MET_BY | R.OVERLAPPED_BY:
            return s.replace(index=c.index + cl, delete_count=sd - c_over), c.replace(
                delete_count=cd - c_over
            )
        case R.STARTS | R.FINISHES | R.CONTAINED_BY:
            return s.noop(), c.replace(delete_count=cd - sd)
        case R.STARTED_BY:
            return s.replace(index=s.index + cl, delete_count=sd - cd), c.replace(
                index=s.index, delete_count=0
            )
        case R.FINISHED_BY:
            return s.replace(delete_count=sd - cd), c.replace(index=s.index, delete_count=0)
        case R.CONTAINS:
            return s.replace(delete_count=sd - cd + cl), c.noop()
        case _:
            return s.noop(), c.replace(delete_count=0)


def _splice_remove(s: StringSplice, c: StringSplice) -> Pair:
    relation, s_over, c_over = _ranged(s, c)
    sd, cd, sl = s.delete_count, c.delete_count, _ilen(s)
    match relation:
        case R.PRECEDES:
            return s, c.replace(index=c.index - sd + sl)
        case R.PRECEDED_BY:
            return s.replace(index=s.index - cd), c
        case R.MEETS | R.OVERLAPS:
            return s.replace(delete_count=sd - s_over), c.replace(
                index=s.index + sl, delete_count=cd - s_over
            )
        case R.MET_BY | R.OVERLAPPED_BY:
            return s.replace(index=c.index, delete_count=sd - c_over), c.replace(
                delete_count=cd - c_over
            )
        case R.STARTS:
            return s.replace(delete_count=0), c.replace(index=c.index + sl, delete_count=cd - sd)
        case R.FINISHES:
            return s.replace(index=c.index, delete_count=0), c.replace(delete_count=cd - sd)
        case R.CONTAINED_BY:
            return s.noop(), c.replace(delete_count=cd - sd + sl)
        case R.STARTED_BY | R.FINISHED_BY | R.CONTAINS:
            return s.replace(delete_count=sd - cd), c.replace(delete_count=0)
        case _:
            return s.replace(delete_count=0), c.noop()


def _splice_splice(s: StringSplice, c: StringSplice) -> Pair:
    relation, s_over, c_over = _ranged(s, c)
    sd, cd, sl, cl = s.delete_count, c.delete_count, _ilen(s), _ilen(c)
    match relation:
        case R.PRECEDES:
            return s, c.replace(index=c.index - sd + sl)
        case R.PRECEDED_BY:
            # rc.12 client bug, kept for agreement: the correct shift is -cd + cl.
            return s.replace(index=s.index - cd + sl), c
        case R.MEETS | R.OVERLAPS:
            return s.replace(delete_count=sd - s_over), c.replace(
                index=s.index + sl, delete_count=cd - s_over
            )
        case R.MET_BY | R.OVERLAPPED_BY:
            return s.replace(index=c.index + cl, delete_count=sd - c_over), c.replace(
                delete_count=cd - c_over
            )
        case R.STARTS:
            return s.replace(delete_count=0), c.replace(index=c.index + sl, delete_count=cd - sd)
        case R.CONTAINED_BY:
            return s.noop(), c.replace(delete_count=cd - sd + sl)
        case R.FINISHES:
            return s.replace(index=c.index + cl, delete_count=0), c.replace(delete_count=cd - sd)
        case R.STARTED_BY:
            return s.replace(index=s.index + cl, delete_count=sd - cd), c.replace(delete_count=0)
        case R.CONTAINS:
            return s.replace(delete_count=sd - cd + cl), c.noop()
        case R.FINISHED_BY:
            return s.replace(delete_count=sd - cd), c.replace(index=s.index + sl, delete_count=0)
        case _:
            # Equal ranges: both insertions survive, s's text first (rc.12; rc.13 differs).
            return s.replace(delete_count=0), c.replace(index=c.index + sl, delete_count=0)


_K = SpliceKind
_SPLICE_PAIRS: dict[tuple[SpliceKind, SpliceKind], Callable[[StringSplice, StringSplice], Pair]] = {
    (_K.INSERT, _K.INSERT): _insert_insert,
    (_K.INSERT, _K.REMOVE): _insert_remove,
    (_K.INSERT, _K.SPLICE): _insert_splice,
    (_K.REMOVE, _K.INSERT): _remove_insert,
    (_K.REMOVE, _K.REMOVE): _remove_remove,
    (_K.REMOVE, _K.SPLICE): _remove_splice,
    (_K.SPLICE, _K.INSERT): _splice_insert,
    (_K.SPLICE, _K.REMOVE): _splice_remove,
    (_K.SPLICE, _K.SPLICE): _splice_splice,
}


def splice_splice(s: StringSplice, c: StringSplice) -> Pair:
    function = _SPLICE_PAIRS.get((splice_kind(s), splice_kind(c)))
    return (s, c) if function is None else function(s, c)


def splice_set(s: StringSplice, c: StringSet) -> tuple[StringSplice, StringSet]:
    """A whole-string set beats any splice."""
    return s.noop(), c


def set_splice(s: StringSet, c: StringSplice) -> tuple[StringSet, StringSplice]:
    return s, c.noop()


def set_set(s: StringSet, c: StringSet) -> tuple[StringSet, StringSet]:
    """The server's set wins; equal values cancel (the client returns s twice, so do we)."""
    if s.value == c.value:
        return s.noop(), s.noop()
    return s, c.noop()
