"""Reference values (cursors, selections, property and element pointers) and how ops move them.

Two jobs, both following the Scala server (which is correct where the rc.12 client's
``IndexTransformer`` is not; a server cannot fix the client's copy):

* ``transform_reference``: bring an incoming share/set from the sender's context version up to
  now, one history op at a time (the same state path as operations). Only string splices and
  string sets on the same value matter; a set clears the reference (``None``: nothing to send).
* ``update_reference``: keep a live reference current after an op is applied: splices move
  indices, a string set clears, removed properties and detached elements drop out, and a
  reference whose own value was detached is gone (``None``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from . import applied as ap
from . import operations as ops
from .text import utf16_len
from .tree import ModelTree


class ReferenceType(Enum):
    """The ``ReferenceValues`` oneof, with the value type each kind may point into."""

    INDEX = "index"  # string; UTF-16 offsets
    RANGE = "range"  # string; (start, end) pairs
    PROPERTY = "property"  # object; keys
    ELEMENT = "element"  # the model (value_id is None); value ids


@dataclass(frozen=True)
class ReferenceValue:
    type: ReferenceType
    value_id: str | None
    values: tuple[Any, ...] = ()

    def cleared(self) -> ReferenceValue:
        return replace(self, values=())


def shift_index(index: int, splice_index: int, delete_count: int, insert_count: int) -> int:
    """Where an offset goes after a splice: text deleted under it pulls it to the splice start,
    and an offset at or after the splice point moves past the inserted text."""
    if index < splice_index:
        return index
    return index - min(index - splice_index, delete_count) + insert_count


def _splice_values(ref: ReferenceValue, index: int, delete: int, insert: int) -> ReferenceValue:
    if ref.type is ReferenceType.INDEX:
        values: tuple[Any, ...] = tuple(shift_index(i, index, delete, insert) for i in ref.values)
    else:
        values = tuple(
            (shift_index(a, index, delete, insert), shift_index(b, index, delete, insert))
            for a, b in ref.values
        )
    return replace(ref, values=values)


def _is_textual(ref: ReferenceValue) -> bool:
    return ref.type in (ReferenceType.INDEX, ReferenceType.RANGE)


def transform_reference(op: ops.Operation, ref: ReferenceValue | None) -> ReferenceValue | None:
    """``ref`` as it reads after ``op``; ``None`` once a string set has cleared it."""
    if isinstance(op, ops.CompoundOperation):
        for part in op.ops:
            ref = transform_reference(part, ref)
        return ref
    if ref is None or op.no_op or op.id != ref.value_id or not _is_textual(ref):
        return ref
    if isinstance(op, ops.StringSplice):
        return _splice_values(ref, op.index, op.delete_count, utf16_len(op.insert_value))
    if isinstance(op, ops.StringSet):
        return None
    return ref


def update_reference(ref: ReferenceValue, applied: ap.AppliedOperation) -> ReferenceValue | None:
    """``ref`` after ``applied`` changed the model; ``None`` if its value left the model."""
    detached = ap.detached_value_ids(applied)
    if ref.value_id is not None and ref.value_id in detached:
        return None
    if ref.type is ReferenceType.ELEMENT:
        if not detached:
            return ref
        return replace(ref, values=tuple(v for v in ref.values if v not in detached))
    parts = applied.ops if isinstance(applied, ap.AppliedCompoundOperation) else (applied,)
    current = ref
    for part in parts:
        if part.no_op or part.id != current.value_id:
            continue
        current = _update_one(current, part)
    return current


def _update_one(ref: ReferenceValue, part: ap.AppliedDiscreteOperation) -> ReferenceValue:
    match part:
        case ap.AppliedStringSplice() if _is_textual(ref):
            return _splice_values(
                ref, part.index, utf16_len(part.deleted_value), utf16_len(part.insert_value)
            )
        case ap.AppliedStringSet() if _is_textual(ref):
            return ref.cleared()
        case ap.AppliedObjectRemoveProperty() if ref.type is ReferenceType.PROPERTY:
            return replace(ref, values=tuple(k for k in ref.values if k != part.key))
        case ap.AppliedObjectSet() if ref.type is ReferenceType.PROPERTY:
            return replace(ref, values=tuple(k for k in ref.values if k in part.values))
    return ref


def existing_elements(tree: ModelTree, value_ids: Iterable[str]) -> tuple[str, ...]:
    """Element-reference values filtered to ids in the model, as on share and set."""
    return tuple(v for v in value_ids if v in tree)
