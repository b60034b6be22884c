"""Hand-written cases for the four string pairs (s = the server's op, already applied)."""

from __future__ import annotations

import pytest

from convergence_jupyter.ot.operations import StringSet, StringSplice
from convergence_jupyter.ot.transform import transform


def sp(index: int, delete: int = 0, insert: str = "", *, noop: bool = False) -> StringSplice:
    return StringSplice(id="t", index=index, delete_count=delete, insert_value=insert, no_op=noop)


def st(value: str, *, noop: bool = False) -> StringSet:
    return StringSet(id="t", value=value, no_op=noop)


SPLICE_SPLICE = [
    # insert / insert: the server's text stays left on a tie
    ("insert before insert", sp(1, 0, "ab"), sp(3, 0, "x"), sp(1, 0, "ab"), sp(5, 0, "x")),
    ("insert tie goes to server", sp(2, 0, "ab"), sp(2, 0, "x"), sp(2, 0, "ab"), sp(4, 0, "x")),
    ("insert after insert", sp(4, 0, "ab"), sp(1, 0, "xyz"), sp(7, 0, "ab"), sp(1, 0, "xyz")),
    # insert / remove
    ("insert at remove start", sp(2, 0, "ab"), sp(2, 3), sp(2, 0, "ab"), sp(4, 3)),
    ("insert after removed range", sp(6, 0, "ab"), sp(1, 3), sp(3, 0, "ab"), sp(1, 3)),
    ("insert at removed end", sp(4, 0, "ab"), sp(1, 3), sp(1, 0, "ab"), sp(1, 3)),
    ("remove swallows insert", sp(3, 0, "ab"), sp(1, 4), sp(3, 0, "ab", noop=True), sp(1, 6)),
    # remove / insert
    ("insert before remove", sp(3, 2), sp(1, 0, "x"), sp(4, 2), sp(1, 0, "x")),
    ("insert at remove start keeps out", sp(3, 2), sp(3, 0, "x"), sp(4, 2), sp(3, 0, "x")),
    ("insert after remove", sp(1, 2), sp(5, 0, "x"), sp(1, 2), sp(3, 0, "x")),
    (
        "remove swallows client insert",
        sp(1, 4),
        sp(2, 0, "xy"),
        sp(1, 6),
        sp(2, 0, "xy", noop=True),
    ),
    # remove / remove, by range relation
    ("remove precedes", sp(0, 2), sp(4, 2), sp(0, 2), sp(2, 2)),
    ("remove preceded by", sp(5, 2), sp(0, 3), sp(2, 2), sp(0, 3)),
    ("remove meets", sp(0, 2), sp(2, 2), sp(0, 2), sp(0, 2)),
    ("remove overlaps", sp(0, 3), sp(2, 3), sp(0, 2), sp(0, 2)),
    ("remove overlapped by", sp(2, 3), sp(0, 3), sp(0, 2), sp(0, 2)),
    ("remove contained", sp(2, 1), sp(1, 4), sp(2, 1, noop=True), sp(1, 3)),
    ("remove contains", sp(1, 4), sp(2, 1), sp(1, 3), sp(2, 1, noop=True)),
    ("remove starts", sp(1, 2), sp(1, 4), sp(1, 2, noop=True), sp(1, 2)),
    ("remove finished by", sp(0, 4), sp(2, 2), sp(0, 2), sp(2, 2, noop=True)),
    ("remove equal", sp(1, 2), sp(1, 2), sp(1, 2, noop=True), sp(1, 2, noop=True)),
    # mixed splices
    ("insert before splice", sp(0, 0, "ab"), sp(2, 2, "x"), sp(0, 0, "ab"), sp(4, 2, "x")),
    (
        "insert inside splice",
        sp(3, 0, "ab"),
        sp(2, 2, "x"),
        sp(3, 0, "ab", noop=True),
        sp(2, 4, "x"),
    ),
    ("insert after splice", sp(5, 0, "ab"), sp(1, 2, "xyz"), sp(6, 0, "ab"), sp(1, 2, "xyz")),
    (
        "splice then insert inside",
        sp(1, 3, "q"),
        sp(2, 0, "xy"),
        sp(1, 5, "q"),
        sp(2, 0, "xy", noop=True),
    ),
    ("splice then insert after", sp(1, 2, "qqq"), sp(5, 0, "x"), sp(1, 2, "qqq"), sp(6, 0, "x")),
    ("remove then splice after", sp(0, 2), sp(3, 1, "x"), sp(0, 2), sp(1, 1, "x")),
    ("remove contains splice", sp(0, 5), sp(1, 2, "xy"), sp(0, 5), sp(1, 2, "xy", noop=True)),
    ("remove equal to splice", sp(1, 2), sp(1, 2, "xy"), sp(1, 2, noop=True), sp(1, 0, "xy")),
    ("splice contains remove", sp(0, 5, "q"), sp(1, 2), sp(0, 3, "q"), sp(1, 0)),
    ("splice inside remove", sp(2, 1, "qq"), sp(1, 4), sp(2, 1, "qq", noop=True), sp(1, 5)),
    ("splice equal to remove", sp(1, 2, "q"), sp(1, 2), sp(1, 0, "q"), sp(1, 2, noop=True)),
    ("splice precedes splice", sp(0, 2, "qqq"), sp(3, 1, "x"), sp(0, 2, "qqq"), sp(4, 1, "x")),
    ("splice overlaps splice", sp(0, 3, "q"), sp(2, 2, "x"), sp(0, 2, "q"), sp(1, 1, "x")),
    # rc.12: equal ranges keep both insertions, s first
    ("splice equal range", sp(1, 2, "ab"), sp(1, 2, "xyz"), sp(1, 0, "ab"), sp(3, 0, "xyz")),
    # rc.12 bug, reproduced: shift by |s.insert| (2) where |c.insert| (3) is right
    (
        "splice preceded by (client bug)",
        sp(6, 1, "ab"),
        sp(0, 2, "xyz"),
        sp(6, 1, "ab"),
        sp(0, 2, "xyz"),
    ),
    # an emptied splice passes through untouched
    ("empty splice passes", sp(3), sp(1, 2, "x"), sp(3), sp(1, 2, "x")),
]


@pytest.mark.parametrize(
    "s,c,s_prime,c_prime",
    [case[1:] for case in SPLICE_SPLICE],
    ids=[case[0] for case in SPLICE_SPLICE],
)
def test_splice_splice(
    s: StringSplice, c: StringSplice, s_prime: StringSplice, c_prime: StringSplice
) -> None:
    assert transform(s, c) == (s_prime, c_prime)


@pytest.mark.parametrize(
    "splice",
    [sp(0, 0, "a"), sp(2, 3), sp(1, 1, "xy"), sp(0, 0, ""), sp(5, 0, "\U0001f600")],
)
def test_set_beats_splice_on_either_side(splice: StringSplice) -> None:
    value = st("fresh")
    assert transform(splice, value) == (splice.noop(), value)
    assert transform(value, splice) == (value, splice.noop())


@pytest.mark.parametrize(
    "s,c,expected",
    [
        (st("a"), st("b"), (st("a"), st("b", noop=True))),
        (st("b"), st("a"), (st("b"), st("a", noop=True))),
        (st(""), st("x"), (st(""), st("x", noop=True))),
        (st("same"), st("same"), (st("same", noop=True), st("same", noop=True))),
        (st(""), st(""), (st("", noop=True), st("", noop=True))),
    ],
)
def test_set_set(s: StringSet, c: StringSet, expected: tuple[StringSet, StringSet]) -> None:
    assert transform(s, c) == expected


def test_lengths_are_utf16_code_units() -> None:
    # An astral character is two units in JavaScript; the insert after it shifts by two.
    assert transform(sp(0, 0, "\U0001f600"), sp(0, 0, "x")) == (
        sp(0, 0, "\U0001f600"),
        sp(2, 0, "x"),
    )


def test_noop_and_other_ids_pass_through() -> None:
    other = StringSplice(id="u", index=0, insert_value="x")
    assert transform(sp(0, 0, "a"), other) == (sp(0, 0, "a"), other)
    assert transform(sp(0, 0, "a", noop=True), sp(0, 0, "b")) == (
        sp(0, 0, "a", noop=True),
        sp(0, 0, "b"),
    )
