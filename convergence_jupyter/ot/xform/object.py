"""Object pairs. A whole-object set beats any property op; a property set beats a removal.

The rc.12 client compares property values with JavaScript ``!==`` on two distinct objects, which
is always true, so "same key, same value" never cancels there; neither does it here.
"""

from __future__ import annotations

from typing import TypeVar

from ..errors import InvalidOperationError
from ..operations import ObjectAddProperty, ObjectRemoveProperty, ObjectSet, ObjectSetProperty

_PropertyOp = ObjectAddProperty | ObjectSetProperty | ObjectRemoveProperty
_S = TypeVar("_S", ObjectAddProperty, ObjectSetProperty, ObjectRemoveProperty, ObjectSet)
_C = TypeVar("_C", ObjectAddProperty, ObjectSetProperty, ObjectRemoveProperty, ObjectSet)


def _impossible(s: _PropertyOp, c: _PropertyOp) -> InvalidOperationError:
    return InvalidOperationError(
        f"{type(s).__name__} and {type(c).__name__} cannot both target property {s.key!r}"
    )


def add_add(
    s: ObjectAddProperty, c: ObjectAddProperty
) -> tuple[ObjectAddProperty | ObjectSetProperty, ObjectAddProperty]:
    """Both added the key: the server's value stays, as a set over the client's add."""
    if s.key != c.key:
        return s, c
    return ObjectSetProperty(id=s.id, no_op=s.no_op, key=s.key, value=s.value), c.noop()


def set_set(
    s: ObjectSetProperty, c: ObjectSetProperty
) -> tuple[ObjectSetProperty, ObjectSetProperty]:
    if s.key != c.key:
        return s, c
    return s, c.noop()


def set_remove(
    s: ObjectSetProperty, c: ObjectRemoveProperty
) -> tuple[ObjectSetProperty | ObjectAddProperty, ObjectRemoveProperty]:
    """Set beats remove: on the client's side the key is gone, so the set becomes an add."""
    if s.key != c.key:
        return s, c
    return ObjectAddProperty(id=s.id, no_op=s.no_op, key=s.key, value=s.value), c.noop()


def remove_set(
    s: ObjectRemoveProperty, c: ObjectSetProperty
) -> tuple[ObjectRemoveProperty, ObjectSetProperty | ObjectAddProperty]:
    if s.key != c.key:
        return s, c
    return s.noop(), ObjectAddProperty(id=c.id, no_op=c.no_op, key=c.key, value=c.value)


def remove_remove(
    s: ObjectRemoveProperty, c: ObjectRemoveProperty
) -> tuple[ObjectRemoveProperty, ObjectRemoveProperty]:
    if s.key != c.key:
        return s, c
    return s.noop(), c.noop()


def same_key_is_error(s: _S, c: _C) -> tuple[_S, _C]:
    """Add vs set/remove (either order) on one key means the two sides saw different states."""
    assert not isinstance(s, ObjectSet) and not isinstance(c, ObjectSet)
    if s.key != c.key:
        return s, c
    raise _impossible(s, c)


def property_whole(s: _S, c: ObjectSet) -> tuple[_S, ObjectSet]:
    """Any property op loses to a concurrent whole-object set."""
    return s.noop(), c


def whole_property(s: ObjectSet, c: _C) -> tuple[ObjectSet, _C]:
    return s, c.noop()


def whole_whole(s: ObjectSet, c: ObjectSet) -> tuple[ObjectSet, ObjectSet]:
    """Deep-equal values (ids included) cancel; otherwise the server's set wins."""
    if s.values == c.values:
        return s.noop(), c.noop()
    return s, c.noop()
