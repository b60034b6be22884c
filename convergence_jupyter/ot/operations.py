"""The fifteen discrete operations and the compound operation, as immutable records.

Every discrete operation names its target by value ``id`` and may be a ``no_op``: a no-op still
takes a version at the server but changes nothing. Payload values (``DataValue``) are treated as
read-only; ``apply`` copies them into the tree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self, TypeAlias

from .values import DataValue


@dataclass(frozen=True, kw_only=True)
class DiscreteOperationBase:
    id: str
    no_op: bool = False

    def replace(self, **changes: Any) -> Self:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def noop(self) -> Self:
        """This operation, neutralised."""
        return dataclasses.replace(self, no_op=True)


@dataclass(frozen=True, kw_only=True)
class StringSplice(DiscreteOperationBase):
    """Delete ``delete_count`` UTF-16 code units at ``index`` and insert ``insert_value`` there."""

    index: int
    delete_count: int = 0
    insert_value: str = ""


@dataclass(frozen=True, kw_only=True)
class StringSet(DiscreteOperationBase):
    value: str


@dataclass(frozen=True, kw_only=True)
class ArrayInsert(DiscreteOperationBase):
    index: int
    value: DataValue


@dataclass(frozen=True, kw_only=True)
class ArrayRemove(DiscreteOperationBase):
    index: int


@dataclass(frozen=True, kw_only=True)
class ArrayReplace(DiscreteOperationBase):
    index: int
    value: DataValue


@dataclass(frozen=True, kw_only=True)
class ArrayMove(DiscreteOperationBase):
    """Move the element at ``from_index`` so that it ends up at ``to_index`` (after removal)."""

    from_index: int
    to_index: int


@dataclass(frozen=True, kw_only=True)
class ArraySet(DiscreteOperationBase):
    values: tuple[DataValue, ...]


@dataclass(frozen=True, kw_only=True)
class ObjectAddProperty(DiscreteOperationBase):
    key: str
    value: DataValue


@dataclass(frozen=True, kw_only=True)
class ObjectSetProperty(DiscreteOperationBase):
    key: str
    value: DataValue


@dataclass(frozen=True, kw_only=True)
class ObjectRemoveProperty(DiscreteOperationBase):
    key: str


@dataclass(frozen=True, kw_only=True)
class ObjectSet(DiscreteOperationBase):
    values: Mapping[str, DataValue]


@dataclass(frozen=True, kw_only=True)
class NumberDelta(DiscreteOperationBase):
    delta: float


@dataclass(frozen=True, kw_only=True)
class NumberSet(DiscreteOperationBase):
    value: float


@dataclass(frozen=True, kw_only=True)
class BooleanSet(DiscreteOperationBase):
    value: bool


@dataclass(frozen=True, kw_only=True)
class DateSet(DiscreteOperationBase):
    """Set a date; ``value`` is epoch milliseconds."""

    value: int


DiscreteOperation: TypeAlias = (
    StringSplice
    | StringSet
    | ArrayInsert
    | ArrayRemove
    | ArrayReplace
    | ArrayMove
    | ArraySet
    | ObjectAddProperty
    | ObjectSetProperty
    | ObjectRemoveProperty
    | ObjectSet
    | NumberDelta
    | NumberSet
    | BooleanSet
    | DateSet
)


@dataclass(frozen=True)
class CompoundOperation:
    """A batch of discrete operations applied, versioned and transformed as one."""

    ops: tuple[DiscreteOperation, ...]

    def replace(self, **changes: Any) -> Self:
        return dataclasses.replace(self, **changes)


Operation: TypeAlias = DiscreteOperation | CompoundOperation

#: All discrete operation classes, in protocol order (``DiscreteOperationData`` field numbers 1-15).
DISCRETE_OPERATION_TYPES: tuple[type[DiscreteOperationBase], ...] = (
    StringSplice,
    StringSet,
    ArrayInsert,
    ArrayRemove,
    ArrayReplace,
    ArrayMove,
    ArraySet,
    ObjectAddProperty,
    ObjectSetProperty,
    ObjectRemoveProperty,
    ObjectSet,
    NumberDelta,
    NumberSet,
    BooleanSet,
    DateSet,
)
