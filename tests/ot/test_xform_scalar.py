"""Hand-written cases for number, boolean and date pairs."""

from __future__ import annotations

import math
from typing import Any

import pytest

from convergence_jupyter.ot.operations import BooleanSet, DateSet, NumberDelta, NumberSet
from convergence_jupyter.ot.transform import transform


def add(delta: float, *, noop: bool = False) -> NumberDelta:
    return NumberDelta(id="n", delta=delta, no_op=noop)


def num(value: float, *, noop: bool = False) -> NumberSet:
    return NumberSet(id="n", value=value, no_op=noop)


@pytest.mark.parametrize(
    "s,c",
    [
        (add(1), add(2)),
        (add(-3), add(3)),
        (add(0.5), add(0.25)),
        (add(0), add(7)),
        (add(1e9), add(-1e9)),
    ],
)
def test_additions_commute(s: NumberDelta, c: NumberDelta) -> None:
    assert transform(s, c) == (s, c)


@pytest.mark.parametrize("delta,value", [(1, 5), (-2, 0), (0.5, -1), (3, 3), (100, 0.0)])
def test_set_beats_add_on_either_side(delta: float, value: float) -> None:
    assert transform(add(delta), num(value)) == (add(delta, noop=True), num(value))
    assert transform(num(value), add(delta)) == (num(value), add(delta, noop=True))


@pytest.mark.parametrize(
    "s,c,expected",
    [
        (num(1), num(2), (num(1), num(2, noop=True))),
        (num(2), num(1), (num(2), num(1, noop=True))),
        (num(4), num(4), (num(4, noop=True), num(4, noop=True))),
        (num(0.0), num(-0.0), (num(0.0, noop=True), num(0.0, noop=True))),  # -0 === 0 in JS
        (num(-1.5), num(1.5), (num(-1.5), num(1.5, noop=True))),
    ],
)
def test_number_set_set(s: NumberSet, c: NumberSet, expected: Any) -> None:
    assert transform(s, c) == expected


def test_nan_never_equals_nan() -> None:
    s_prime, c_prime = transform(num(math.nan), num(math.nan))
    assert not s_prime.no_op and c_prime.no_op


@pytest.mark.parametrize(
    "s,c,expected",
    [
        (True, False, (False, True)),
        (False, True, (False, True)),
        (True, True, (True, True)),
        (False, False, (True, True)),
        (True, False, (False, True)),
    ],
)
def test_boolean_set_set(s: bool, c: bool, expected: tuple[bool, bool]) -> None:
    s_prime, c_prime = transform(BooleanSet(id="b", value=s), BooleanSet(id="b", value=c))
    assert (s_prime.no_op, c_prime.no_op) == expected
    assert s_prime.value == s


@pytest.mark.parametrize(
    "s,c,both_cancel",
    [
        (0, 1, False),
        (1000, 1000, True),
        (1000, 1001, False),
        (-5, -5, True),
        (86_400_000, 0, False),
    ],
)
def test_date_set_set(s: int, c: int, both_cancel: bool) -> None:
    s_prime, c_prime = transform(DateSet(id="d", value=s), DateSet(id="d", value=c))
    assert c_prime.no_op
    assert s_prime.no_op is both_cancel
    assert s_prime.value == s
