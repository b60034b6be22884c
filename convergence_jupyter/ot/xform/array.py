"""Array pairs: insert (I), remove (R), replace (P), move (M) and whole-array set (S).

A move is read as a range ``[min(from, to), max(from, to)]`` with a direction; ``to`` is the index
after removal. A whole-array set beats everything, whichever side it is on. Where the element an
op points at is carried by a move, the op follows it (``_follow``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ..operations import ArrayInsert, ArrayMove, ArrayRemove, ArrayReplace, ArraySet
from ..ranges import IndexPosition as P
from ..ranges import RangeRelation as R
from ..ranges import index_position, range_relation

_Op = TypeVar("_Op", ArrayInsert, ArrayRemove, ArrayReplace, ArrayMove, ArraySet)
MovePair = tuple[ArrayMove, ArrayMove]


# --- insert / remove / replace --------------------------------------------------------------


def insert_insert(s: ArrayInsert, c: ArrayInsert) -> tuple[ArrayInsert, ArrayInsert]:
    """The server's insert stays on the left at equal indices."""
    if s.index <= c.index:
        return s, c.replace(index=c.index + 1)
    return s.replace(index=s.index + 1), c


def insert_remove(s: ArrayInsert, c: ArrayRemove) -> tuple[ArrayInsert, ArrayRemove]:
    if s.index <= c.index:
        return s, c.replace(index=c.index + 1)
    return s.replace(index=s.index - 1), c


def insert_replace(s: ArrayInsert, c: ArrayReplace) -> tuple[ArrayInsert, ArrayReplace]:
    if s.index <= c.index:
        return s, c.replace(index=c.index + 1)
    return s, c


def remove_insert(s: ArrayRemove, c: ArrayInsert) -> tuple[ArrayRemove, ArrayInsert]:
    """An insert at the removed index keeps its index."""
    if s.index < c.index:
        return s, c.replace(index=c.index - 1)
    return s.replace(index=s.index + 1), c


def remove_remove(s: ArrayRemove, c: ArrayRemove) -> tuple[ArrayRemove, ArrayRemove]:
    if s.index == c.index:
        return s.noop(), c.noop()
    if s.index < c.index:
        return s, c.replace(index=c.index - 1)
    return s.replace(index=s.index - 1), c


def remove_replace(
    s: ArrayRemove, c: ArrayReplace
) -> tuple[ArrayRemove, ArrayReplace | ArrayInsert]:
    """Replacing the removed element re-inserts the replacement: the replace survives."""
    if s.index < c.index:
        return s, c.replace(index=c.index - 1)
    if s.index == c.index:
        return s.noop(), ArrayInsert(id=c.id, no_op=c.no_op, index=c.index, value=c.value)
    return s, c


def replace_insert(s: ArrayReplace, c: ArrayInsert) -> tuple[ArrayReplace, ArrayInsert]:
    if s.index < c.index:
        return s, c
    return s.replace(index=s.index + 1), c


def replace_remove(
    s: ArrayReplace, c: ArrayRemove
) -> tuple[ArrayReplace | ArrayInsert, ArrayRemove]:
    if s.index < c.index:
        return s, c
    if s.index == c.index:
        return ArrayInsert(id=s.id, no_op=s.no_op, index=s.index, value=s.value), c.noop()
    return s.replace(index=s.index - 1), c


def replace_replace(s: ArrayReplace, c: ArrayReplace) -> tuple[ArrayReplace, ArrayReplace]:
    if s.index != c.index:
        return s, c
    if s.value == c.value:
        return s.noop(), c.noop()
    return s, c.noop()


# --- moves ---------------------------------------------------------------------------------


def _low(m: ArrayMove) -> int:
    return min(m.from_index, m.to_index)


def _high(m: ArrayMove) -> int:
    return max(m.from_index, m.to_index)


def _position(m: ArrayMove, index: int) -> P:
    return index_position(_low(m), _high(m), index)


def _follow(m: ArrayMove, index: int) -> int:
    """Where the element at ``index`` is after move ``m``."""
    if index == m.from_index:
        return m.to_index
    if m.from_index < index <= m.to_index:
        return index - 1
    if m.to_index <= index < m.from_index:
        return index + 1
    return index


def _shift(m: ArrayMove, from_by: int = 0, to_by: int = 0) -> ArrayMove:
    return m.replace(from_index=m.from_index + from_by, to_index=m.to_index + to_by)


def _forward(m: ArrayMove) -> bool:
    return m.from_index < m.to_index


def _backward(m: ArrayMove) -> bool:
    return m.from_index > m.to_index


def insert_move(s: ArrayInsert, c: ArrayMove) -> tuple[ArrayInsert, ArrayMove]:
    position = _position(c, s.index)
    if position is P.AFTER:
        return s, c
    if position in (P.BEFORE, P.START) or not (_forward(c) or _backward(c)):
        return s, _shift(c, 1, 1)
    if _forward(c):
        return s.replace(index=s.index - 1), _shift(c, to_by=1)
    return s.replace(index=s.index + 1), _shift(c, from_by=1)


def move_insert(s: ArrayMove, c: ArrayInsert) -> tuple[ArrayMove, ArrayInsert]:
    position = _position(s, c.index)
    if position is P.AFTER:
        return s, c
    if position in (P.BEFORE, P.START) or not (_forward(s) or _backward(s)):
        return _shift(s, 1, 1), c
    if _forward(s):
        return _shift(s, to_by=1), c.replace(index=c.index - 1)
    return _shift(s, from_by=1), c.replace(index=c.index + 1)


def remove_move(s: ArrayRemove, c: ArrayMove) -> tuple[ArrayRemove, ArrayMove]:
    """Removing the moved element redirects the remove to where the move put it."""
    position = _position(c, s.index)
    if position is P.AFTER:
        return s, c
    if position is P.BEFORE:
        return s, _shift(c, -1, -1)
    if s.index == c.from_index:
        return s.replace(index=c.to_index), c.noop()
    if _forward(c):
        return s.replace(index=s.index - 1), _shift(c, to_by=-1)
    return s.replace(index=s.index + 1), _shift(c, from_by=-1)


def move_remove(s: ArrayMove, c: ArrayRemove) -> tuple[ArrayMove, ArrayRemove]:
    position = _position(s, c.index)
    if position is P.AFTER:
        return s, c
    if position is P.BEFORE:
        return _shift(s, -1, -1), c
    if c.index == s.from_index:
        return s.noop(), c.replace(index=s.to_index)
    if _forward(s):
        return _shift(s, to_by=-1), c.replace(index=c.index - 1)
    return _shift(s, from_by=-1), c.replace(index=c.index + 1)


def replace_move(s: ArrayReplace, c: ArrayMove) -> tuple[ArrayReplace, ArrayMove]:
    """Only the replace changes: it follows its element."""
    return s.replace(index=_follow(c, s.index)), c


def move_replace(s: ArrayMove, c: ArrayReplace) -> tuple[ArrayMove, ArrayReplace]:
    return s, c.replace(index=_follow(s, c.index))


def _noop_both(s: ArrayMove, c: ArrayMove) -> MovePair:
    return s.noop(), c.noop()


def _s_takes_c_to(s: ArrayMove, c: ArrayMove) -> MovePair:
    """Both moved the same element: s wins, from where c put it."""
    return s.replace(from_index=c.to_index), c.noop()


def _rule(
    s_from: int, s_to: int, c_from: int, c_to: int
) -> Callable[[ArrayMove, ArrayMove], MovePair]:
    return lambda s, c: (_shift(s, s_from, s_to), _shift(c, c_from, c_to))


_UNCHANGED = _rule(0, 0, 0, 0)

# Directional move/move tables, keyed by how s's range relates to c's range.
_FORWARD_FORWARD = {
    R.PRECEDES: _UNCHANGED,
    R.PRECEDED_BY: _UNCHANGED,
    R.MEETS: _rule(0, -1, -1, 0),
    R.MET_BY: _rule(-1, 0, 0, -1),
    R.OVERLAPS: _rule(0, -1, -1, 0),
    R.OVERLAPPED_BY: _rule(-1, 0, 0, -1),
    R.STARTS: _s_takes_c_to,
    R.STARTED_BY: _s_takes_c_to,
    R.CONTAINS: _rule(0, 0, -1, -1),
    R.CONTAINED_BY: _rule(-1, -1, 0, 0),
    R.FINISHES: _rule(-1, 0, 0, -1),
    R.FINISHED_BY: _rule(0, 0, -1, -1),
    R.EQUAL_TO: _noop_both,
}
_FORWARD_BACKWARD = {
    R.PRECEDES: _UNCHANGED,
    R.PRECEDED_BY: _UNCHANGED,
    R.MEETS: _rule(0, 1, 0, -1),
    R.MET_BY: _s_takes_c_to,
    R.OVERLAPS: _rule(0, 1, 0, -1),
    R.OVERLAPPED_BY: _rule(1, 0, -1, 0),
    R.STARTS: _rule(1, 1, 0, 0),
    R.STARTED_BY: _rule(1, 0, -1, 0),
    R.CONTAINS: _rule(0, 0, -1, -1),
    R.CONTAINED_BY: _rule(1, 1, 0, 0),
    R.FINISHES: _rule(1, 0, -1, 0),
    R.FINISHED_BY: _rule(0, 0, -1, -1),
    R.EQUAL_TO: _rule(1, 0, -1, 0),
}
_BACKWARD_FORWARD = {
    R.PRECEDES: _UNCHANGED,
    R.PRECEDED_BY: _UNCHANGED,
    R.MEETS: _s_takes_c_to,
    R.MET_BY: _rule(0, -1, 0, 1),
    R.OVERLAPS: _rule(-1, 0, 1, 0),
    R.OVERLAPPED_BY: _rule(0, -1, 0, 1),
    R.STARTS: _rule(-1, 0, 1, 0),
    R.STARTED_BY: _rule(0, 0, 1, 1),
    R.CONTAINS: _rule(0, 0, 1, 1),
    R.CONTAINED_BY: _rule(-1, -1, 0, 0),
    R.FINISHES: _rule(-1, -1, 0, 0),
    R.FINISHED_BY: _rule(-1, 0, 1, 0),
    R.EQUAL_TO: _rule(-1, 0, 1, 0),
}
_BACKWARD_BACKWARD = {
    R.PRECEDES: _UNCHANGED,
    R.PRECEDED_BY: _UNCHANGED,
    R.MEETS: _rule(1, 0, 0, 1),
    R.MET_BY: _rule(0, 1, 1, 0),
    R.OVERLAPS: _rule(1, 0, 0, 1),
    R.OVERLAPPED_BY: _rule(0, 1, 1, 0),
    R.STARTS: _rule(1, 1, 0, 0),
    R.STARTED_BY: _rule(0, 0, 1, 1),
    R.CONTAINS: _rule(0, 0, 1, 1),
    R.CONTAINED_BY: _rule(1, 1, 0, 0),
    R.FINISHES: _s_takes_c_to,
    R.FINISHED_BY: _s_takes_c_to,
    R.EQUAL_TO: _noop_both,
}
_DIRECTIONAL = {
    (True, True): _FORWARD_FORWARD,
    (True, False): _FORWARD_BACKWARD,
    (False, True): _BACKWARD_FORWARD,
    (False, False): _BACKWARD_BACKWARD,
}


def move_move(s: ArrayMove, c: ArrayMove) -> MovePair:
    """Two moves: identity moves just follow their element; otherwise look up the tables."""
    s_identity = s.from_index == s.to_index
    c_identity = c.from_index == c.to_index
    if s_identity and c_identity:
        return s, c
    if c_identity:
        place = _follow(s, c.from_index)
        return s, c.replace(from_index=place, to_index=place)
    if s_identity:
        place = _follow(c, s.from_index)
        return s.replace(from_index=place, to_index=place), c
    table = _DIRECTIONAL[(_forward(s), _forward(c))]
    return table[range_relation(_low(s), _high(s), _low(c), _high(c))](s, c)


# --- whole-array set -------------------------------------------------------------------------


def any_set(s: _Op, c: ArraySet) -> tuple[_Op, ArraySet]:
    """Any element op loses to a concurrent whole-array set."""
    return s.noop(), c


def set_any(s: ArraySet, c: _Op) -> tuple[ArraySet, _Op]:
    return s, c.noop()


def set_set(s: ArraySet, c: ArraySet) -> tuple[ArraySet, ArraySet]:
    if s.values == c.values:
        return s.noop(), c.noop()
    return s, c.noop()
