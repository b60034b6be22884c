"""Hand-written cases for the twenty-five array pairs."""

from __future__ import annotations

from typing import Any

import pytest

from convergence_jupyter.ot.operations import (
    ArrayInsert,
    ArrayMove,
    ArrayRemove,
    ArrayReplace,
    ArraySet,
)
from convergence_jupyter.ot.transform import transform
from convergence_jupyter.ot.values import DoubleValue, NullValue

X = DoubleValue("x", 1.0)
Y = DoubleValue("y", 2.0)


def ins(i: int, v: Any = X) -> ArrayInsert:
    return ArrayInsert(id="a", index=i, value=v)


def rm(i: int) -> ArrayRemove:
    return ArrayRemove(id="a", index=i)


def rp(i: int, v: Any = Y) -> ArrayReplace:
    return ArrayReplace(id="a", index=i, value=v)


def mv(f: int, t: int) -> ArrayMove:
    return ArrayMove(id="a", from_index=f, to_index=t)


def aset(*vals: Any) -> ArraySet:
    return ArraySet(id="a", values=tuple(vals))


def no(op: Any) -> Any:
    return op.noop()


CASES: list[tuple[str, Any, Any, Any, Any]] = [
    # insert / insert
    ("II before", ins(1), ins(3), ins(1), ins(4)),
    ("II tie to server", ins(2), ins(2), ins(2), ins(3)),
    ("II after", ins(4), ins(1), ins(5), ins(1)),
    ("II both at 0", ins(0), ins(0), ins(0), ins(1)),
    ("II s one after", ins(3), ins(2), ins(4), ins(2)),
    # insert / remove
    ("IR before", ins(1), rm(3), ins(1), rm(4)),
    ("IR at", ins(2), rm(2), ins(2), rm(3)),
    ("IR after", ins(4), rm(1), ins(3), rm(1)),
    ("IR at 0", ins(0), rm(0), ins(0), rm(1)),
    ("IR just after", ins(3), rm(2), ins(2), rm(2)),
    # insert / replace
    ("IP before", ins(1), rp(3), ins(1), rp(4)),
    ("IP at", ins(2), rp(2), ins(2), rp(3)),
    ("IP after", ins(4), rp(1), ins(4), rp(1)),
    ("IP at 0", ins(0), rp(0), ins(0), rp(1)),
    ("IP just after", ins(3), rp(2), ins(3), rp(2)),
    # remove / insert
    ("RI before", rm(1), ins(3), rm(1), ins(2)),
    ("RI at: insert keeps its place", rm(2), ins(2), rm(3), ins(2)),
    ("RI after", rm(4), ins(1), rm(5), ins(1)),
    ("RI at 0", rm(0), ins(0), rm(1), ins(0)),
    ("RI far", rm(2), ins(5), rm(2), ins(4)),
    # remove / remove
    ("RR before", rm(1), rm(3), rm(1), rm(2)),
    ("RR after", rm(3), rm(1), rm(2), rm(1)),
    ("RR same", rm(2), rm(2), no(rm(2)), no(rm(2))),
    ("RR far", rm(0), rm(4), rm(0), rm(3)),
    ("RR far after", rm(5), rm(0), rm(4), rm(0)),
    # remove / replace: the replacement survives as an insert
    ("RP before", rm(1), rp(3), rm(1), rp(2)),
    ("RP same", rm(2), rp(2), no(rm(2)), ins(2, Y)),
    ("RP after", rm(4), rp(1), rm(4), rp(1)),
    ("RP same at 0", rm(0), rp(0), no(rm(0)), ins(0, Y)),
    ("RP far", rm(0), rp(5), rm(0), rp(4)),
    # replace / insert
    ("PI before", rp(1), ins(3), rp(1), ins(3)),
    ("PI at", rp(2), ins(2), rp(3), ins(2)),
    ("PI after", rp(4), ins(1), rp(5), ins(1)),
    ("PI at 0", rp(0), ins(0), rp(1), ins(0)),
    ("PI just before", rp(1), ins(2), rp(1), ins(2)),
    # replace / remove
    ("PR before", rp(1), rm(3), rp(1), rm(3)),
    ("PR same", rp(2), rm(2), ins(2, Y), no(rm(2))),
    ("PR after", rp(4), rm(1), rp(3), rm(1)),
    ("PR same at 0", rp(0), rm(0), ins(0, Y), no(rm(0))),
    ("PR just before", rp(3), rm(4), rp(3), rm(4)),
    # replace / replace
    ("PP other index", rp(1), rp(2, X), rp(1), rp(2, X)),
    ("PP same index server wins", rp(2), rp(2, X), rp(2), no(rp(2, X))),
    ("PP same value cancels", rp(2), rp(2), no(rp(2)), no(rp(2))),
    ("PP far", rp(0), rp(3), rp(0), rp(3)),
    ("PP same index at 0", rp(0, X), rp(0, NullValue("n")), rp(0, X), no(rp(0, NullValue("n")))),
    # insert / move (positions relative to the move's range)
    ("IM before forward", ins(0), mv(1, 3), ins(0), mv(2, 4)),
    ("IM start forward", ins(1), mv(1, 3), ins(1), mv(2, 4)),
    ("IM within forward", ins(2), mv(1, 3), ins(1), mv(1, 4)),
    ("IM end forward", ins(3), mv(1, 3), ins(2), mv(1, 4)),
    ("IM after", ins(4), mv(1, 3), ins(4), mv(1, 3)),
    ("IM start backward", ins(1), mv(3, 1), ins(1), mv(4, 2)),
    ("IM within backward", ins(2), mv(3, 1), ins(3), mv(4, 1)),
    ("IM end backward", ins(3), mv(3, 1), ins(4), mv(4, 1)),
    ("IM identity", ins(2), mv(2, 2), ins(2), mv(3, 3)),
    ("IM identity after", ins(3), mv(2, 2), ins(3), mv(2, 2)),
    # move / insert
    ("MI before", mv(1, 3), ins(0), mv(2, 4), ins(0)),
    ("MI within forward", mv(1, 3), ins(2), mv(1, 4), ins(1)),
    ("MI after", mv(1, 3), ins(4), mv(1, 3), ins(4)),
    ("MI within backward", mv(3, 1), ins(2), mv(4, 1), ins(3)),
    ("MI identity", mv(2, 2), ins(1), mv(3, 3), ins(1)),
    # remove / move
    ("RM before", rm(0), mv(1, 3), rm(0), mv(0, 2)),
    ("RM the moved element", rm(1), mv(1, 3), rm(3), no(mv(1, 3))),
    ("RM within forward", rm(2), mv(1, 3), rm(1), mv(1, 2)),
    ("RM end forward", rm(3), mv(1, 3), rm(2), mv(1, 2)),
    ("RM after", rm(4), mv(1, 3), rm(4), mv(1, 3)),
    ("RM start backward", rm(1), mv(3, 1), rm(2), mv(2, 1)),
    ("RM moved element backward", rm(3), mv(3, 1), rm(1), no(mv(3, 1))),
    ("RM identity", rm(2), mv(2, 2), rm(2), no(mv(2, 2))),
    ("RM before identity", rm(0), mv(1, 1), rm(0), mv(0, 0)),
    # move / remove
    ("MR moved element", mv(1, 3), rm(1), no(mv(1, 3)), rm(3)),
    ("MR within", mv(1, 3), rm(2), mv(1, 2), rm(1)),
    ("MR before", mv(1, 3), rm(0), mv(0, 2), rm(0)),
    ("MR moved element backward", mv(3, 1), rm(3), no(mv(3, 1)), rm(1)),
    ("MR start backward", mv(3, 1), rm(2), mv(2, 1), rm(3)),
    ("MR identity", mv(2, 2), rm(2), no(mv(2, 2)), rm(2)),
    # replace / move: the replace follows its element, the move is untouched
    ("PM moved element", rp(1), mv(1, 3), rp(3), mv(1, 3)),
    ("PM within", rp(2), mv(1, 3), rp(1), mv(1, 3)),
    ("PM end", rp(3), mv(1, 3), rp(2), mv(1, 3)),
    ("PM outside", rp(0), mv(1, 3), rp(0), mv(1, 3)),
    ("PM backward moved", rp(3), mv(3, 1), rp(1), mv(3, 1)),
    ("PM backward start", rp(1), mv(3, 1), rp(2), mv(3, 1)),
    ("PM identity", rp(2), mv(2, 2), rp(2), mv(2, 2)),
    # move / replace
    ("MP moved element", mv(1, 3), rp(1), mv(1, 3), rp(3)),
    ("MP within", mv(1, 3), rp(2), mv(1, 3), rp(1)),
    ("MP outside", mv(1, 3), rp(0), mv(1, 3), rp(0)),
    ("MP backward within", mv(3, 1), rp(2), mv(3, 1), rp(3)),
    ("MP identity", mv(2, 2), rp(2), mv(2, 2), rp(2)),
    # move / move
    ("MM disjoint", mv(0, 1), mv(3, 4), mv(0, 1), mv(3, 4)),
    ("MM same element: server wins", mv(1, 3), mv(1, 4), mv(4, 3), no(mv(1, 4))),
    ("MM identical", mv(1, 3), mv(1, 3), no(mv(1, 3)), no(mv(1, 3))),
    ("MM forward overlaps forward", mv(0, 2), mv(1, 3), mv(0, 1), mv(0, 3)),
    ("MM forward overlaps backward", mv(0, 2), mv(3, 1), mv(0, 3), mv(3, 0)),
    ("MM identity client follows", mv(1, 3), mv(2, 2), mv(1, 3), mv(1, 1)),
    ("MM identity server follows", mv(2, 2), mv(3, 1), mv(3, 3), mv(3, 1)),
    ("MM backward same element", mv(3, 1), mv(3, 0), mv(0, 1), no(mv(3, 0))),
]


@pytest.mark.parametrize("s,c,s_prime,c_prime", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_array_pair(s: Any, c: Any, s_prime: Any, c_prime: Any) -> None:
    assert transform(s, c) == (s_prime, c_prime)


ELEMENT_OPS = [
    *(ins(i) for i in (0, 1, 2, 4, 7)),
    *(rm(i) for i in (0, 1, 2, 3, 5)),
    *(rp(i) for i in (0, 1, 2, 3, 5)),
    *(mv(f, t) for f, t in ((0, 2), (3, 1), (1, 1), (0, 4), (4, 0))),
]


@pytest.mark.parametrize("op", ELEMENT_OPS)
def test_whole_array_set_beats_element_ops_on_either_side(op: Any) -> None:
    whole = aset(NullValue("w"))
    assert transform(op, whole) == (op.noop(), whole)
    assert transform(whole, op) == (whole, op.noop())


@pytest.mark.parametrize(
    "s,c,cancel",
    [
        (aset(X), aset(Y), False),
        (aset(X), aset(X), True),
        (aset(), aset(), True),
        (aset(X, Y), aset(Y, X), False),
        (aset(), aset(X), False),
    ],
)
def test_set_set(s: ArraySet, c: ArraySet, cancel: bool) -> None:
    assert transform(s, c) == ((s.noop() if cancel else s), c.noop())
