"""Conversions between plain Python JSON values and protobuf ``google.protobuf.Value`` maps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format, struct_pb2
from google.protobuf.internal.containers import MessageMap


def to_value(data: Any) -> struct_pb2.Value:
    """Wrap a JSON-compatible Python value in a ``Value``."""
    value = struct_pb2.Value()
    json_format.ParseDict(data, value)
    return value


def from_value(value: struct_pb2.Value) -> Any:
    """Unwrap a ``Value`` to plain Python (numbers come back as floats, as in JavaScript)."""
    return json_format.MessageToDict(value)


def fill_value_map(target: MessageMap[str, struct_pb2.Value], data: Mapping[str, Any]) -> None:
    """Copy a plain mapping into a protobuf ``map<string, Value>`` field."""
    for key, item in data.items():
        target[key].CopyFrom(to_value(item))


def value_map_to_dict(source: Mapping[str, struct_pb2.Value]) -> dict[str, Any]:
    """Read a protobuf ``map<string, Value>`` field as a plain dict."""
    return {key: from_value(item) for key, item in source.items()}
