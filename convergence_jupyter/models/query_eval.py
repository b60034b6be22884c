"""The reference semantics of model queries: a plain-Python evaluator over model data.

It answers a query by itself (the load-everything path, and the fallback) and is the oracle the
SQL compilation in :mod:`query_sql` is tested against. Semantics (Convergence leaves them to
OrientDB; these are ours): comparisons are between values of one kind (numbers with numbers,
strings by code point; booleans, nulls, dates, arrays and objects only for (in)equality);
anything else is false, and ``!=`` is the negation of ``=``. A missing field reads as null.
``LIKE`` matches strings only, case-sensitively, ``%`` any run, ``_`` one character. Arithmetic
on anything but two numbers, and division by zero, give null. Ordering puts null/missing first,
then booleans, numbers, strings, dates, arrays, objects (arrays and objects tie among
themselves); ties keep creation order whatever the direction.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from convergence_jupyter.models.query_ast import (
    And,
    Arithmetic,
    Compare,
    Field,
    Like,
    Literal,
    Negate,
    Node,
    Not,
    Or,
    Path,
    Query,
)
from convergence_jupyter.ot.values import DATE_MARKER

MAX_RESULTS = 1000

#: The reserved fields of one row: ``{"id": model id, "version": version}``.
Meta = Mapping[str, Any]
Row = tuple[Any, Any]


@dataclass(frozen=True, slots=True)
class QueryDate:
    """A date in evaluated data: equal to another date of the same instant, else to nothing."""

    millis: int


def plain_from_snapshot(node: Mapping[str, Any]) -> Any:
    """Plain data from a stored (tagged) snapshot, dates as :class:`QueryDate`."""
    tag = node["type"]
    value: Any = node.get("value")
    if tag == "object":
        return {str(k): plain_from_snapshot(v) for k, v in value.items()}
    if tag == "array":
        return [plain_from_snapshot(v) for v in value]
    if tag == "date":
        return QueryDate(int(value))
    if tag == "null":
        return None
    if tag == "double":
        return float(value)
    return value


def wire_plain(data: Any) -> Any:
    """Evaluated data as the client expects it: dates as the server's JSON date marker."""
    if isinstance(data, QueryDate):
        return {DATE_MARKER: "date", "date": data.millis}
    if isinstance(data, dict):
        return {k: wire_plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [wire_plain(v) for v in data]
    return data


# --- the reference evaluator ------------------------------------------------------------------


def lookup(data: Any, path: Path) -> Any:
    """The value at ``path`` in plain model data, or None where it does not exist."""
    current = data
    for part in path:
        if isinstance(part, int):
            if not isinstance(current, list) or not 0 <= part < len(current):
                return None
        elif not isinstance(current, dict) or part not in current:
            return None
        current = current[part]
    return current


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _truthy(value: Any) -> bool:
    return value is True


@lru_cache(maxsize=256)
def like_regex(pattern: str) -> re.Pattern[str]:
    body = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.compile(body, re.DOTALL)


def compare_values(op: str, a: Any, b: Any) -> bool:
    if op in ("=", "!="):
        equal = (a == b) if type(a) is type(b) or (_is_number(a) and _is_number(b)) else False
        return equal if op == "=" else not equal
    if not ((_is_number(a) and _is_number(b)) or (isinstance(a, str) and isinstance(b, str))):
        return False
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    return bool(a >= b)


def _arith(op: str, a: Any, b: Any) -> Any:
    if not (_is_number(a) and _is_number(b)):
        return None
    try:
        if op == "+":
            result = a + b
        elif op == "-":
            result = a - b
        elif op == "*":
            result = a * b
        elif op == "/":
            result = a / b
        else:
            result = math.fmod(a, b)
    except (ZeroDivisionError, ValueError, OverflowError):
        return None
    return result


def value_of(node: Node, data: Any, meta: Meta | None) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Field):
        if node.meta:
            return None if meta is None else meta.get(node.reserved or "")
        return lookup(data, node.path)
    if isinstance(node, Compare):
        return compare_values(
            node.op, value_of(node.left, data, meta), value_of(node.right, data, meta)
        )
    if isinstance(node, Like):
        v = value_of(node.operand, data, meta)
        return isinstance(v, str) and like_regex(node.pattern).fullmatch(v) is not None
    if isinstance(node, And):
        return all(_truthy(value_of(item, data, meta)) for item in node.items)
    if isinstance(node, Or):
        return any(_truthy(value_of(item, data, meta)) for item in node.items)
    if isinstance(node, Not):
        return not _truthy(value_of(node.operand, data, meta))
    if isinstance(node, Negate):
        v = value_of(node.operand, data, meta)
        return -v if _is_number(v) else None
    assert isinstance(node, Arithmetic)
    return _arith(node.op, value_of(node.left, data, meta), value_of(node.right, data, meta))


def matches(node: Node | None, data: Any, meta: Meta | None = None) -> bool:
    return node is None or _truthy(value_of(node, data, meta))


def sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, value)
    if _is_number(value):
        return (2, value)
    if isinstance(value, str):
        return (3, value)
    if isinstance(value, QueryDate):
        return (4, value.millis)
    return (5 if isinstance(value, list) else 6, 0)


_QUERY_CONDITION: Any = object()


def evaluate(
    query: Query,
    rows: list[Row],
    meta: Callable[[Any], Meta] | None = None,
    *,
    condition: Node | None = _QUERY_CONDITION,
) -> tuple[list[Row], int]:
    """Filter, order and page ``(key, plain data)`` rows; returns the page and the total.

    ``meta(key)`` gives a row's reserved fields. ``condition`` replaces the query's own, for
    rows the database has already narrowed down.
    """
    where = query.where if condition is _QUERY_CONDITION else condition
    info: Callable[[Any], Meta | None] = meta if meta is not None else (lambda key: None)
    selected = [r for r in rows if matches(where, r[1], info(r[0]))]
    for key in reversed(query.order):
        selected.sort(
            key=lambda r: sort_key(value_of(key.field, r[1], info(r[0]))),
            reverse=key.descending,
        )
    total = len(selected)
    start, count = page_window(query)
    return selected[start : start + count], total


def page_window(query: Query) -> tuple[int, int]:
    limit = query.limit if query.limit is not None else MAX_RESULTS
    return query.offset or 0, min(limit, MAX_RESULTS)


def project(query: Query, data: Any) -> dict[str, Any]:
    if not query.fields:
        return data if isinstance(data, dict) else {}
    return {p.name: lookup(data, p.path) for p in query.fields}
