"""Output of commands: readable text for people, one JSON document for scripts
(``--output json``). Progress and errors go to stderr, so stdout carries only the result."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

FORMATS = ("text", "json")


def wants_json(args: argparse.Namespace) -> bool:
    return getattr(args, "output", "text") == "json"


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    return str(value)


def dumps(data: Any) -> str:
    return json.dumps(data, default=_default, ensure_ascii=False)


def emit(args: argparse.Namespace, data: Any, text: str | None = None) -> None:
    """Print a command's result: ``data`` as JSON, or ``text`` (default: ``data`` rendered)."""
    if wants_json(args):
        print(dumps(data))
    elif text is not None:
        print(text)
    else:
        render(data)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return dumps(value)
    return str(value)


def render(data: Any) -> None:
    """A page or list of objects as a table, an object as ``key: value`` lines."""
    console = Console(soft_wrap=True)
    items: Any = data
    footer = ""
    if isinstance(data, Mapping) and set(data) == {"items", "total", "offset", "limit"}:
        items = data["items"]
        shown = len(items)
        footer = f"{shown} of {data['total']} (offset {data['offset']}, limit {data['limit']})"
    if isinstance(items, Sequence) and not isinstance(items, str):
        rows = [i for i in items if isinstance(i, Mapping)]
        if rows and len(rows) == len(items):
            columns = list(dict.fromkeys(k for row in rows for k in row))
            table = Table(*columns, box=None, pad_edge=False, highlight=False)
            for row in rows:
                table.add_row(*(_cell(row.get(c)) for c in columns))
            console.print(table)
        elif items:
            console.print(dumps(list(items)), highlight=False)
        if footer:
            print(footer, file=sys.stderr)
        return
    if isinstance(data, Mapping):
        width = max((len(str(k)) for k in data), default=0)
        for key, value in data.items():
            console.print(f"{key:<{width}}  {_cell(value)}", highlight=False, markup=False)
        return
    if data is not None:
        console.print(_cell(data), highlight=False, markup=False)


def error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
