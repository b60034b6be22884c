"""The seven model value types, addressed by string ids, and plain-data conversions.

Values are mutable on purpose: a ``ModelTree`` owns one tree of them and edits it in place. Anything
that crosses into or out of a tree (an operation's payload, a snapshot) is deep-copied, so a tree
never shares nodes with an operation.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeAlias


@dataclass(eq=True)
class ObjectValue:
    id: str
    children: dict[str, DataValue] = field(default_factory=dict)


@dataclass(eq=True)
class ArrayValue:
    id: str
    children: list[DataValue] = field(default_factory=list)


@dataclass(eq=True)
class StringValue:
    id: str
    value: str = ""


@dataclass(eq=True)
class DoubleValue:
    id: str
    value: float = 0.0


@dataclass(eq=True)
class BooleanValue:
    id: str
    value: bool = False


@dataclass(eq=True)
class DateValue:
    """A date as integer milliseconds since the Unix epoch, the precision of a JavaScript Date."""

    id: str
    value: int = 0


@dataclass(eq=True)
class NullValue:
    id: str


DataValue: TypeAlias = (
    ObjectValue | ArrayValue | StringValue | DoubleValue | BooleanValue | DateValue | NullValue
)
ContainerValue: TypeAlias = ObjectValue | ArrayValue

#: The ``type`` tag of each value class in the tagged JSON form (the client's own tags).
TYPE_NAMES: dict[type[Any], str] = {
    ObjectValue: "object",
    ArrayValue: "array",
    StringValue: "string",
    DoubleValue: "double",
    BooleanValue: "boolean",
    DateValue: "date",
    NullValue: "null",
}


def child_values(value: DataValue) -> list[DataValue]:
    """The direct children of a container, in order; empty for scalars."""
    if isinstance(value, ObjectValue):
        return list(value.children.values())
    if isinstance(value, ArrayValue):
        return list(value.children)
    return []


def iter_values(value: DataValue) -> Iterator[DataValue]:
    """Every value in a subtree, the root first (iterative, so deep trees cannot overflow)."""
    stack = [value]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(child_values(node)))


def index_by_id(value: DataValue) -> dict[str, DataValue]:
    """Map each id in a subtree to its value; raises ``ValueError`` on a duplicate id."""
    index: dict[str, DataValue] = {}
    for node in iter_values(value):
        if node.id in index:
            raise ValueError(f"duplicate value id {node.id!r}")
        index[node.id] = node
    return index


def value_depth(value: DataValue) -> int:
    """Nesting depth of a subtree: 1 for a scalar or an empty container."""
    depth = 1
    stack = [(value, 1)]
    while stack:
        node, level = stack.pop()
        depth = max(depth, level)
        stack.extend((child, level + 1) for child in child_values(node))
    return depth


def deep_copy(value: DataValue) -> DataValue:
    """An independent copy of a subtree, ids included."""
    if isinstance(value, ObjectValue):
        return ObjectValue(value.id, {k: deep_copy(v) for k, v in value.children.items()})
    if isinstance(value, ArrayValue):
        return ArrayValue(value.id, [deep_copy(v) for v in value.children])
    if isinstance(value, NullValue):
        return NullValue(value.id)
    return type(value)(value.id, value.value)  # type: ignore[arg-type]


# --- tagged JSON form: {"id", "type", "value"}, the shape the JavaScript client uses -------------


def value_to_json(value: DataValue) -> dict[str, Any]:
    """Id-preserving JSON form; dates are epoch milliseconds."""
    tag = TYPE_NAMES[type(value)]
    if isinstance(value, ObjectValue):
        return {
            "id": value.id,
            "type": tag,
            "value": {k: value_to_json(v) for k, v in value.children.items()},
        }
    if isinstance(value, ArrayValue):
        return {"id": value.id, "type": tag, "value": [value_to_json(v) for v in value.children]}
    if isinstance(value, NullValue):
        return {"id": value.id, "type": tag, "value": None}
    return {"id": value.id, "type": tag, "value": value.value}


def value_from_json(data: dict[str, Any]) -> DataValue:
    """Inverse of :func:`value_to_json`; raises ``ValueError`` on an unknown type tag."""
    tag, vid = data["type"], str(data["id"])
    raw: Any = data.get("value")
    if tag == "object":
        return ObjectValue(vid, {str(k): value_from_json(v) for k, v in raw.items()})
    if tag == "array":
        return ArrayValue(vid, [value_from_json(v) for v in raw])
    if tag == "string":
        return StringValue(vid, str(raw))
    if tag == "double":
        return DoubleValue(vid, float(raw))
    if tag == "boolean":
        return BooleanValue(vid, bool(raw))
    if tag == "date":
        return DateValue(vid, int(raw))
    if tag == "null":
        return NullValue(vid)
    raise ValueError(f"unknown value type {tag!r}")


# --- plain Python data (what a REST caller or notebook mapper deals in) ----------------------

#: The server's JSON marker for dates ([S] DataValueToJValue).
DATE_MARKER = "$$convergence_type"
#: The client's input marker for dates ([C] DataValueFactory).
CLIENT_DATE_MARKER = "$convergenceType"


def to_plain(value: DataValue) -> Any:
    """Drop ids: dicts, lists, str, float, bool, None; dates as the server's JSON date marker."""
    if isinstance(value, ObjectValue):
        return {k: to_plain(v) for k, v in value.children.items()}
    if isinstance(value, ArrayValue):
        return [to_plain(v) for v in value.children]
    if isinstance(value, DateValue):
        return {DATE_MARKER: "date", "date": value.value}
    if isinstance(value, NullValue):
        return None
    return value.value


def from_plain(data: Any, next_id: Callable[[], str]) -> DataValue:
    """Build a value tree from plain data, drawing a fresh id for every node from ``next_id``.

    Accepts ``datetime`` objects and both JSON date markers. Raises ``ValueError`` on anything
    that is not JSON-like (including non-finite floats, which JSON cannot carry).
    """
    vid = next_id()
    if data is None:
        return NullValue(vid)
    if isinstance(data, bool):
        return BooleanValue(vid, data)
    if isinstance(data, int | float):
        if not math.isfinite(data):
            raise ValueError(f"non-finite number {data!r}")
        return DoubleValue(vid, float(data))
    if isinstance(data, str):
        return StringValue(vid, data)
    if isinstance(data, _dt.datetime):
        return DateValue(vid, _datetime_to_ms(data))
    if isinstance(data, list | tuple):
        return ArrayValue(vid, [from_plain(item, next_id) for item in data])
    if isinstance(data, dict):
        if data.get(DATE_MARKER) == "date":
            return DateValue(vid, int(data["date"]))
        if data.get(CLIENT_DATE_MARKER) == "date":
            return DateValue(vid, int(data["value"]))
        return ObjectValue(vid, {str(k): from_plain(v, next_id) for k, v in data.items()})
    raise ValueError(f"not plain data: {type(data).__name__}")


def _datetime_to_ms(moment: _dt.datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    return int(moment.timestamp() * 1000)
