"""Applied operations: what an operation actually did, with the old values needed to undo it.

These are the stored and history form (``modelAppliedOperations.proto``). ``invert`` gives the
applied operation that undoes one, and ``as_operation`` the plain operation that replays one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeAlias

from . import operations as ops
from .text import utf16_len
from .values import DataValue, iter_values


@dataclass(frozen=True, kw_only=True)
class AppliedBase:
    id: str
    no_op: bool = False


@dataclass(frozen=True, kw_only=True)
class AppliedStringSplice(AppliedBase):
    index: int
    deleted_value: str
    insert_value: str


@dataclass(frozen=True, kw_only=True)
class AppliedStringSet(AppliedBase):
    value: str
    old_value: str


@dataclass(frozen=True, kw_only=True)
class AppliedArrayInsert(AppliedBase):
    index: int
    value: DataValue


@dataclass(frozen=True, kw_only=True)
class AppliedArrayRemove(AppliedBase):
    index: int
    old_value: DataValue


@dataclass(frozen=True, kw_only=True)
class AppliedArrayReplace(AppliedBase):
    index: int
    value: DataValue
    old_value: DataValue


@dataclass(frozen=True, kw_only=True)
class AppliedArrayMove(AppliedBase):
    from_index: int
    to_index: int


@dataclass(frozen=True, kw_only=True)
class AppliedArraySet(AppliedBase):
    values: tuple[DataValue, ...]
    old_values: tuple[DataValue, ...]


@dataclass(frozen=True, kw_only=True)
class AppliedObjectAddProperty(AppliedBase):
    key: str
    value: DataValue


@dataclass(frozen=True, kw_only=True)
class AppliedObjectSetProperty(AppliedBase):
    key: str
    value: DataValue
    old_value: DataValue


@dataclass(frozen=True, kw_only=True)
class AppliedObjectRemoveProperty(AppliedBase):
    key: str
    old_value: DataValue


@dataclass(frozen=True, kw_only=True)
class AppliedObjectSet(AppliedBase):
    values: Mapping[str, DataValue]
    old_values: Mapping[str, DataValue]


@dataclass(frozen=True, kw_only=True)
class AppliedNumberDelta(AppliedBase):
    delta: float


@dataclass(frozen=True, kw_only=True)
class AppliedNumberSet(AppliedBase):
    value: float
    old_value: float


@dataclass(frozen=True, kw_only=True)
class AppliedBooleanSet(AppliedBase):
    value: bool
    old_value: bool


@dataclass(frozen=True, kw_only=True)
class AppliedDateSet(AppliedBase):
    value: int
    old_value: int


AppliedDiscreteOperation: TypeAlias = (
    AppliedStringSplice
    | AppliedStringSet
    | AppliedArrayInsert
    | AppliedArrayRemove
    | AppliedArrayReplace
    | AppliedArrayMove
    | AppliedArraySet
    | AppliedObjectAddProperty
    | AppliedObjectSetProperty
    | AppliedObjectRemoveProperty
    | AppliedObjectSet
    | AppliedNumberDelta
    | AppliedNumberSet
    | AppliedBooleanSet
    | AppliedDateSet
)


@dataclass(frozen=True)
class AppliedCompoundOperation:
    ops: tuple[AppliedDiscreteOperation, ...]


AppliedOperation: TypeAlias = AppliedDiscreteOperation | AppliedCompoundOperation


def invert(applied: AppliedOperation) -> AppliedOperation:
    """The applied operation that undoes ``applied`` (a compound is undone back to front)."""
    if isinstance(applied, AppliedCompoundOperation):
        return AppliedCompoundOperation(tuple(_invert_discrete(o) for o in reversed(applied.ops)))
    return _invert_discrete(applied)


def _invert_discrete(a: AppliedDiscreteOperation) -> AppliedDiscreteOperation:
    i, n = a.id, a.no_op
    match a:
        case AppliedStringSplice():
            return AppliedStringSplice(
                id=i,
                no_op=n,
                index=a.index,
                deleted_value=a.insert_value,
                insert_value=a.deleted_value,
            )
        case AppliedStringSet():
            return AppliedStringSet(id=i, no_op=n, value=a.old_value, old_value=a.value)
        case AppliedArrayInsert():
            return AppliedArrayRemove(id=i, no_op=n, index=a.index, old_value=a.value)
        case AppliedArrayRemove():
            return AppliedArrayInsert(id=i, no_op=n, index=a.index, value=a.old_value)
        case AppliedArrayReplace():
            return AppliedArrayReplace(
                id=i, no_op=n, index=a.index, value=a.old_value, old_value=a.value
            )
        case AppliedArrayMove():
            return AppliedArrayMove(id=i, no_op=n, from_index=a.to_index, to_index=a.from_index)
        case AppliedArraySet():
            return AppliedArraySet(id=i, no_op=n, values=a.old_values, old_values=a.values)
        case AppliedObjectAddProperty():
            return AppliedObjectRemoveProperty(id=i, no_op=n, key=a.key, old_value=a.value)
        case AppliedObjectSetProperty():
            return AppliedObjectSetProperty(
                id=i, no_op=n, key=a.key, value=a.old_value, old_value=a.value
            )
        case AppliedObjectRemoveProperty():
            return AppliedObjectAddProperty(id=i, no_op=n, key=a.key, value=a.old_value)
        case AppliedObjectSet():
            return AppliedObjectSet(id=i, no_op=n, values=a.old_values, old_values=a.values)
        case AppliedNumberDelta():
            return AppliedNumberDelta(id=i, no_op=n, delta=-a.delta)
        case AppliedNumberSet():
            return AppliedNumberSet(id=i, no_op=n, value=a.old_value, old_value=a.value)
        case AppliedBooleanSet():
            return AppliedBooleanSet(id=i, no_op=n, value=a.old_value, old_value=a.value)
        case AppliedDateSet():
            return AppliedDateSet(id=i, no_op=n, value=a.old_value, old_value=a.value)
    raise TypeError(f"not an applied operation: {a!r}")


def as_operation(applied: AppliedOperation) -> ops.Operation:
    """The plain operation that replays ``applied``.

    ``apply(tree, as_operation(invert(a)))`` undoes ``a``.
    """
    if isinstance(applied, AppliedCompoundOperation):
        return ops.CompoundOperation(tuple(_as_discrete(o) for o in applied.ops))
    return _as_discrete(applied)


def _as_discrete(a: AppliedDiscreteOperation) -> ops.DiscreteOperation:
    i, n = a.id, a.no_op
    match a:
        case AppliedStringSplice():
            return ops.StringSplice(
                id=i,
                no_op=n,
                index=a.index,
                delete_count=utf16_len(a.deleted_value),
                insert_value=a.insert_value,
            )
        case AppliedStringSet():
            return ops.StringSet(id=i, no_op=n, value=a.value)
        case AppliedArrayInsert():
            return ops.ArrayInsert(id=i, no_op=n, index=a.index, value=a.value)
        case AppliedArrayRemove():
            return ops.ArrayRemove(id=i, no_op=n, index=a.index)
        case AppliedArrayReplace():
            return ops.ArrayReplace(id=i, no_op=n, index=a.index, value=a.value)
        case AppliedArrayMove():
            return ops.ArrayMove(id=i, no_op=n, from_index=a.from_index, to_index=a.to_index)
        case AppliedArraySet():
            return ops.ArraySet(id=i, no_op=n, values=a.values)
        case AppliedObjectAddProperty():
            return ops.ObjectAddProperty(id=i, no_op=n, key=a.key, value=a.value)
        case AppliedObjectSetProperty():
            return ops.ObjectSetProperty(id=i, no_op=n, key=a.key, value=a.value)
        case AppliedObjectRemoveProperty():
            return ops.ObjectRemoveProperty(id=i, no_op=n, key=a.key)
        case AppliedObjectSet():
            return ops.ObjectSet(id=i, no_op=n, values=a.values)
        case AppliedNumberDelta():
            return ops.NumberDelta(id=i, no_op=n, delta=a.delta)
        case AppliedNumberSet():
            return ops.NumberSet(id=i, no_op=n, value=a.value)
        case AppliedBooleanSet():
            return ops.BooleanSet(id=i, no_op=n, value=a.value)
        case AppliedDateSet():
            return ops.DateSet(id=i, no_op=n, value=a.value)
    raise TypeError(f"not an applied operation: {a!r}")


def detached_value_ids(applied: AppliedOperation) -> set[str]:
    """Ids of every value that ``applied`` removed from the model (for element references)."""
    if isinstance(applied, AppliedCompoundOperation):
        detached: set[str] = set()
        attached: set[str] = set()
        for part in applied.ops:
            gone = detached_value_ids(part)
            attached -= gone
            detached |= gone
            attached |= _attached_ids(part)
        return detached - attached
    if applied.no_op:
        return set()
    olds: list[DataValue] = []
    match applied:
        case AppliedArrayRemove() | AppliedArrayReplace() | AppliedObjectRemoveProperty():
            olds = [applied.old_value]
        case AppliedObjectSetProperty():
            olds = [applied.old_value]
        case AppliedArraySet():
            olds = list(applied.old_values)
        case AppliedObjectSet():
            olds = list(applied.old_values.values())
    return {v.id for old in olds for v in iter_values(old)}


def _attached_ids(applied: AppliedDiscreteOperation) -> set[str]:
    if applied.no_op:
        return set()
    news: list[DataValue] = []
    match applied:
        case (
            AppliedArrayInsert()
            | AppliedArrayReplace()
            | AppliedObjectAddProperty()
            | AppliedObjectSetProperty()
        ):
            news = [applied.value]
        case AppliedArraySet():
            news = list(applied.values)
        case AppliedObjectSet():
            news = list(applied.values.values())
    return {v.id for new in news for v in iter_values(new)}
