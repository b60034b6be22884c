"""``transform(s, c)``: make two concurrent operations applicable one after the other.

``s`` is the op already applied at the server (earlier in the total order); ``c`` the concurrent
op. The result ``(s', c')`` satisfies ``apply(apply(x, s), c') == apply(apply(x, c), s')`` (TP1)
for every pair the server lets into history; see ``normalize.py`` for the one pair where the
client's rc.12 functions do not. Only ops on the same value id interact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import operations as o
from .errors import InvalidOperationError
from .xform import array, object, scalar, string

TransformFunction = Callable[[Any, Any], tuple[Any, Any]]

#: The 51 same-id pairs, ``(type(s), type(c)) -> function``.
PAIRS: dict[tuple[type[Any], type[Any]], TransformFunction] = {
    # string 2x2
    (o.StringSplice, o.StringSplice): string.splice_splice,
    (o.StringSplice, o.StringSet): string.splice_set,
    (o.StringSet, o.StringSplice): string.set_splice,
    (o.StringSet, o.StringSet): string.set_set,
    # number 2x2, boolean, date
    (o.NumberDelta, o.NumberDelta): scalar.delta_delta,
    (o.NumberDelta, o.NumberSet): scalar.delta_set,
    (o.NumberSet, o.NumberDelta): scalar.set_delta,
    (o.NumberSet, o.NumberSet): scalar.set_set,
    (o.BooleanSet, o.BooleanSet): scalar.set_set,
    (o.DateSet, o.DateSet): scalar.set_set,
    # object 4x4
    (o.ObjectAddProperty, o.ObjectAddProperty): object.add_add,
    (o.ObjectAddProperty, o.ObjectSetProperty): object.same_key_is_error,
    (o.ObjectAddProperty, o.ObjectRemoveProperty): object.same_key_is_error,
    (o.ObjectAddProperty, o.ObjectSet): object.property_whole,
    (o.ObjectSetProperty, o.ObjectAddProperty): object.same_key_is_error,
    (o.ObjectSetProperty, o.ObjectSetProperty): object.set_set,
    (o.ObjectSetProperty, o.ObjectRemoveProperty): object.set_remove,
    (o.ObjectSetProperty, o.ObjectSet): object.property_whole,
    (o.ObjectRemoveProperty, o.ObjectAddProperty): object.same_key_is_error,
    (o.ObjectRemoveProperty, o.ObjectSetProperty): object.remove_set,
    (o.ObjectRemoveProperty, o.ObjectRemoveProperty): object.remove_remove,
    (o.ObjectRemoveProperty, o.ObjectSet): object.property_whole,
    (o.ObjectSet, o.ObjectAddProperty): object.whole_property,
    (o.ObjectSet, o.ObjectSetProperty): object.whole_property,
    (o.ObjectSet, o.ObjectRemoveProperty): object.whole_property,
    (o.ObjectSet, o.ObjectSet): object.whole_whole,
    # array 5x5
    (o.ArrayInsert, o.ArrayInsert): array.insert_insert,
    (o.ArrayInsert, o.ArrayRemove): array.insert_remove,
    (o.ArrayInsert, o.ArrayReplace): array.insert_replace,
    (o.ArrayInsert, o.ArrayMove): array.insert_move,
    (o.ArrayInsert, o.ArraySet): array.any_set,
    (o.ArrayRemove, o.ArrayInsert): array.remove_insert,
    (o.ArrayRemove, o.ArrayRemove): array.remove_remove,
    (o.ArrayRemove, o.ArrayReplace): array.remove_replace,
    (o.ArrayRemove, o.ArrayMove): array.remove_move,
    (o.ArrayRemove, o.ArraySet): array.any_set,
    (o.ArrayReplace, o.ArrayInsert): array.replace_insert,
    (o.ArrayReplace, o.ArrayRemove): array.replace_remove,
    (o.ArrayReplace, o.ArrayReplace): array.replace_replace,
    (o.ArrayReplace, o.ArrayMove): array.replace_move,
    (o.ArrayReplace, o.ArraySet): array.any_set,
    (o.ArrayMove, o.ArrayInsert): array.move_insert,
    (o.ArrayMove, o.ArrayRemove): array.move_remove,
    (o.ArrayMove, o.ArrayReplace): array.move_replace,
    (o.ArrayMove, o.ArrayMove): array.move_move,
    (o.ArrayMove, o.ArraySet): array.any_set,
    (o.ArraySet, o.ArrayInsert): array.set_any,
    (o.ArraySet, o.ArrayRemove): array.set_any,
    (o.ArraySet, o.ArrayReplace): array.set_any,
    (o.ArraySet, o.ArrayMove): array.set_any,
    (o.ArraySet, o.ArraySet): array.set_set,
}


def transform(s: o.Operation, c: o.Operation) -> tuple[o.Operation, o.Operation]:
    """Transform concurrent ``s`` (server, already applied) and ``c``; returns ``(s', c')``.

    Compound ops fold: each part of a compound ``s`` meets the running ``c``, and the running
    ``s`` meets each part of a compound ``c``. Raises ``InvalidOperationError`` for same-id pairs
    that cannot both be valid (an add against a set or remove of one key, or mismatched types).
    """
    if isinstance(s, o.CompoundOperation):
        parts: list[o.DiscreteOperation] = []
        for part in s.ops:
            part_prime, c = transform(part, c)
            assert not isinstance(part_prime, o.CompoundOperation)
            parts.append(part_prime)
        return o.CompoundOperation(tuple(parts)), c
    if isinstance(c, o.CompoundOperation):
        c_parts: list[o.DiscreteOperation] = []
        for part in c.ops:
            s, part_prime = transform(s, part)
            assert not isinstance(part_prime, o.CompoundOperation)
            c_parts.append(part_prime)
        return s, o.CompoundOperation(tuple(c_parts))
    if s.no_op or c.no_op or s.id != c.id:
        return s, c
    function = PAIRS.get((type(s), type(c)))
    if function is None:
        raise InvalidOperationError(
            f"{type(s).__name__} and {type(c).__name__} cannot target the same value {s.id!r}"
        )
    return function(s, c)
