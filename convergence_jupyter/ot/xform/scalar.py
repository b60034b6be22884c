"""Number, boolean and date pairs: a set beats a delta, the server's set beats the client's."""

from __future__ import annotations

from typing import TypeVar

from ..operations import BooleanSet, DateSet, NumberDelta, NumberSet

_Set = TypeVar("_Set", NumberSet, BooleanSet, DateSet)


def delta_delta(s: NumberDelta, c: NumberDelta) -> tuple[NumberDelta, NumberDelta]:
    """Additions commute."""
    return s, c


def delta_set(s: NumberDelta, c: NumberSet) -> tuple[NumberDelta, NumberSet]:
    return s.noop(), c


def set_delta(s: NumberSet, c: NumberDelta) -> tuple[NumberSet, NumberDelta]:
    return s, c.noop()


def set_set(s: _Set, c: _Set) -> tuple[_Set, _Set]:
    """Equal values cancel (the client returns s twice, so do we); otherwise s wins.

    Equality is JavaScript's ``===`` on the primitive: NaN never equals NaN, -0 equals 0.
    """
    if s.value == c.value:
        return s.noop(), s.noop()
    return s, c.noop()
