"""Typed views of a model's values. An element is a handle on a value id: it reads the model's
current tree on every call, so it never goes stale, and it refuses edits once detached.

String indices count UTF-16 code units, as in JavaScript and on the wire: for text outside the
Basic Multilingual Plane (emoji) they differ from Python ``str`` indices.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from convergence_jupyter import ot
from convergence_jupyter.ot import operations as o

from .events import EventSource

if TYPE_CHECKING:
    from .model import ElementEvent, RealTimeModel
    from .references import LocalReference, ModelReference, ReferenceEvent


class DetachedError(RuntimeError):
    """The element's value is no longer part of the model (it was removed or replaced)."""


def to_python(value: ot.DataValue) -> Any:
    """Plain Python data; dates become aware ``datetime`` objects (UTC)."""
    if isinstance(value, ot.ObjectValue):
        return {k: to_python(v) for k, v in value.children.items()}
    if isinstance(value, ot.ArrayValue):
        return [to_python(v) for v in value.children]
    if isinstance(value, ot.DateValue):
        return dt.datetime.fromtimestamp(value.value / 1000, tz=dt.UTC)
    if isinstance(value, ot.NullValue):
        return None
    return value.value


class RealTimeElement:
    def __init__(self, model: RealTimeModel, value_id: str) -> None:
        self.model = model
        self.id = value_id

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} {self.value()!r}>"

    def _node(self) -> ot.DataValue:
        node = self.model._tree.get(self.id)
        if node is None:
            raise DetachedError(f"value {self.id} is no longer in the model")
        return node

    @property
    def attached(self) -> bool:
        return self.id in self.model._tree

    def value(self) -> Any:
        """The current value as plain Python data (dates as ``datetime``)."""
        return to_python(self._node())

    def to_json(self) -> Any:
        """JSON-compatible data; dates as ``{"$$convergence_type": "date", "date": ms}``."""
        return ot.to_plain(self._node())

    def path(self) -> list[str | int]:
        """Keys and indices from the root to this element."""
        path: list[str | int] = []
        child = self.id
        parent = self.model._tree.parent_id(child)
        while parent is not None:
            node = self.model._tree.get(parent)
            if isinstance(node, ot.ObjectValue):
                path.append(next(k for k, v in node.children.items() if v.id == child))
            elif isinstance(node, ot.ArrayValue):
                path.append(next(i for i, v in enumerate(node.children) if v.id == child))
            child, parent = parent, self.model._tree.parent_id(parent)
        return path[::-1]

    def events(self) -> EventSource[ElementEvent | ReferenceEvent]:
        """Changes to this value (local and remote) and other sessions' references on it
        (``event.kind``: "operation" or "reference_shared"/"_set"/"_cleared"/"_unshared")."""
        return self.model._element_events(self.id)

    def references(
        self, *, key: str | None = None, session_id: str | None = None
    ) -> list[ModelReference]:
        """References on this value, ours and other sessions' (optionally one key/session)."""
        return self.model._references.query(self.id, key, session_id)

    def _local_reference(self, kind: ot.ReferenceType, key: str) -> LocalReference:
        self._node()  # DetachedError once the value is gone
        return self.model._references.local(kind, self.id, key)

    def _submit(self, op: o.DiscreteOperation) -> None:
        self.model._local(op)

    def _fresh(self, data: Any) -> ot.DataValue:
        return self.model._new_value(data)


class RealTimeObject(RealTimeElement):
    def _obj(self) -> ot.ObjectValue:
        node = self._node()
        assert isinstance(node, ot.ObjectValue)
        return node

    def keys(self) -> list[str]:
        return list(self._obj().children)

    def __contains__(self, key: object) -> bool:
        return key in self._obj().children

    def __len__(self) -> int:
        return len(self._obj().children)

    def get(self, key: str) -> RealTimeElement | None:
        child = self._obj().children.get(key)
        return None if child is None else self.model._wrap(child.id)

    def __getitem__(self, key: str) -> RealTimeElement:
        child = self.get(key)
        if child is None:
            raise KeyError(key)
        return child

    def set(self, key: str, value: Any) -> RealTimeElement:
        """Add or replace a property; returns the new child element."""
        fresh = self._fresh(value)
        if key in self._obj().children:
            self._submit(o.ObjectSetProperty(id=self.id, key=key, value=fresh))
        else:
            self._submit(o.ObjectAddProperty(id=self.id, key=key, value=fresh))
        return self.model._wrap(fresh.id)

    def remove(self, key: str) -> None:
        if key not in self._obj().children:
            raise KeyError(key)
        self._submit(o.ObjectRemoveProperty(id=self.id, key=key))

    def property_reference(self, key: str) -> LocalReference:
        """Our reference of that key to property names of this object."""
        return self._local_reference(ot.ReferenceType.PROPERTY, key)

    def set_value(self, data: dict[str, Any]) -> None:
        """Replace every property at once."""
        values = {str(k): self._fresh(v) for k, v in data.items()}
        self._submit(o.ObjectSet(id=self.id, values=values))


class RealTimeArray(RealTimeElement):
    def _arr(self) -> ot.ArrayValue:
        node = self._node()
        assert isinstance(node, ot.ArrayValue)
        return node

    def __len__(self) -> int:
        return len(self._arr().children)

    def __iter__(self) -> Iterator[RealTimeElement]:
        return iter([self.model._wrap(c.id) for c in self._arr().children])

    def get(self, index: int) -> RealTimeElement:
        return self.model._wrap(self._arr().children[index].id)

    __getitem__ = get

    def insert(self, index: int, value: Any) -> RealTimeElement:
        fresh = self._fresh(value)
        self._submit(o.ArrayInsert(id=self.id, index=index, value=fresh))
        return self.model._wrap(fresh.id)

    def push(self, value: Any) -> RealTimeElement:
        return self.insert(len(self), value)

    def remove(self, index: int) -> None:
        self._submit(o.ArrayRemove(id=self.id, index=index))

    def set(self, index: int, value: Any) -> RealTimeElement:
        """Replace the element at ``index``."""
        fresh = self._fresh(value)
        self._submit(o.ArrayReplace(id=self.id, index=index, value=fresh))
        return self.model._wrap(fresh.id)

    def move(self, from_index: int, to_index: int) -> None:
        self._submit(o.ArrayMove(id=self.id, from_index=from_index, to_index=to_index))

    def set_value(self, data: list[Any]) -> None:
        self._submit(o.ArraySet(id=self.id, values=tuple(self._fresh(v) for v in data)))


class RealTimeString(RealTimeElement):
    def __len__(self) -> int:
        """Length in UTF-16 code units."""
        return ot.utf16_len(self.value())

    def insert(self, index: int, text: str) -> None:
        self.splice(index, 0, text)

    def remove(self, index: int, count: int) -> None:
        self.splice(index, count, "")

    def splice(self, index: int, delete_count: int, text: str) -> None:
        self._submit(
            o.StringSplice(id=self.id, index=index, delete_count=delete_count, insert_value=text)
        )

    def set_value(self, text: str) -> None:
        self._submit(o.StringSet(id=self.id, value=text))

    def index_reference(self, key: str) -> LocalReference:
        """Our reference of that key to offsets in this string (a cursor): ``set(5)``."""
        return self._local_reference(ot.ReferenceType.INDEX, key)

    def range_reference(self, key: str) -> LocalReference:
        """Our reference of that key to ranges of this string (a selection):
        ``set((start, end))``."""
        return self._local_reference(ot.ReferenceType.RANGE, key)


class RealTimeNumber(RealTimeElement):
    def add(self, delta: float) -> None:
        self._submit(o.NumberDelta(id=self.id, delta=float(delta)))

    def subtract(self, delta: float) -> None:
        self.add(-delta)

    def set_value(self, number: float) -> None:
        self._submit(o.NumberSet(id=self.id, value=float(number)))


class RealTimeBoolean(RealTimeElement):
    def set_value(self, flag: bool) -> None:
        self._submit(o.BooleanSet(id=self.id, value=bool(flag)))


class RealTimeDate(RealTimeElement):
    def set_value(self, moment: dt.datetime) -> None:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        self._submit(o.DateSet(id=self.id, value=int(moment.timestamp() * 1000)))


class RealTimeNull(RealTimeElement):
    pass


ELEMENT_TYPES: dict[type[Any], type[RealTimeElement]] = {
    ot.ObjectValue: RealTimeObject,
    ot.ArrayValue: RealTimeArray,
    ot.StringValue: RealTimeString,
    ot.DoubleValue: RealTimeNumber,
    ot.BooleanValue: RealTimeBoolean,
    ot.DateValue: RealTimeDate,
    ot.NullValue: RealTimeNull,
}
