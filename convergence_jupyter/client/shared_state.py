"""Shared state values (presence and activities) on the wire: JSON-like data only.

Checked before anything is sent or applied locally, so a bad value fails at the caller with a
``TypeError`` and leaves both our view and the server's untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format, struct_pb2
from google.protobuf.internal.containers import MessageMap

from convergence_jupyter.protocol.values import fill_value_map


def json_values(target: MessageMap[str, struct_pb2.Value], values: Mapping[str, Any]) -> None:
    """Fill a ``map<string, Value>``; ``TypeError`` for keys or values that are not JSON-like
    (None, bool, number, str, list, dict with str keys)."""
    for key in values:
        if not isinstance(key, str):
            raise TypeError(f"state keys are strings, not {type(key).__name__}")
    try:
        fill_value_map(target, values)
    except (json_format.ParseError, TypeError, ValueError) as exc:
        raise TypeError(f"state values must be JSON-like: {exc}") from None
