"""nbformat notebook dicts <-> the plain JSON data of a notebook model (``CONTRACT.md`` §3).

The model holds numbers as doubles; nbformat wants integers. Integral floats are therefore
written back as ints everywhere (a float ``1.0`` in the original file comes back as ``1``).
Cells always carry an nbformat cell id: missing or duplicate ids are generated on load, so
cells can be addressed by id, and ``nbformat_minor`` is raised to 5, the first with ids.
"""

from __future__ import annotations

import difflib
import re
import uuid
from typing import Any

import nbformat

CELL_TYPES = ("code", "markdown", "raw")
_ID = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")
#: First nbformat 4 minor version with cell ids.
MINOR_WITH_IDS = 5

Json = Any


class InvalidNotebook(ValueError):
    """The data cannot be turned into a valid nbformat 4 notebook."""


def new_cell_id() -> str:
    return uuid.uuid4().hex[:12]


def _text(value: Json) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else ""


def _dict(value: Json) -> dict[str, Json]:
    return dict(value) if isinstance(value, dict) else {}


def _plain(value: Json) -> Json:
    """Plain JSON copy (NotebookNode -> dict, tuples -> lists)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _ints(value: Json) -> Json:
    """Integral floats back to ints, recursively."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_ints(v) for v in value]
    return value


def _output(output: Json) -> Json:
    out = _plain(output)
    if isinstance(out, dict) and out.get("output_type") == "stream":
        out["text"] = _text(out.get("text"))
    return out


def cell_to_data(cell: Json, cell_id: str) -> dict[str, Json]:
    cell_type = cell.get("cell_type")
    if cell_type not in CELL_TYPES:
        raise InvalidNotebook(f"unknown cell type {cell_type!r}")
    data: dict[str, Json] = {
        "id": cell_id,
        "cell_type": cell_type,
        "source": _text(cell.get("source", "")),
        "metadata": _plain(_dict(cell.get("metadata"))),
    }
    if cell_type == "code":
        data["outputs"] = [_output(o) for o in cell.get("outputs") or []]
        count = cell.get("execution_count")
        data["execution_count"] = count if isinstance(count, int | float) else None
    elif "attachments" in cell and isinstance(cell["attachments"], dict):
        data["attachments"] = _plain(cell["attachments"])
    return data


def assign_ids(cells: list[Json], base: dict[str, Json] | None = None) -> list[str]:
    """An id for every cell: its own if valid and unused; else, for a cell without one, the id
    of the base cell it matches (same place in a diff of type+source, so a tool that drops ids
    does not turn every cell into a new one); else a fresh id."""
    ids: list[str | None] = []
    used: set[str] = set()
    for cell in cells:
        cid = cell.get("id")
        if isinstance(cid, str) and _ID.match(cid) and cid not in used:
            ids.append(cid)
            used.add(cid)
        else:
            ids.append(None)
    missing = [i for i, cid in enumerate(ids) if cid is None]
    if missing and base is not None:
        base_cells = [c for c in base.get("cells", []) if c["id"] not in used]
        base_keys = [(c["cell_type"], c["source"]) for c in base_cells]
        new_keys = [(cells[i].get("cell_type"), _text(cells[i].get("source", ""))) for i in missing]
        matcher = difflib.SequenceMatcher(None, base_keys, new_keys, autojunk=False)
        for tag, a0, a1, b0, b1 in matcher.get_opcodes():
            if tag == "equal" or (tag == "replace" and a1 - a0 == b1 - b0):
                for k in range(b1 - b0):
                    ids[missing[b0 + k]] = base_cells[a0 + k]["id"]
                    used.add(base_cells[a0 + k]["id"])
    out: list[str] = []
    for cid in ids:
        if cid is None:
            cid = new_cell_id()
            while cid in used:
                cid = new_cell_id()
            used.add(cid)
        out.append(cid)
    return out


def notebook_to_data(nb: Json, path: str, base: dict[str, Json] | None = None) -> dict[str, Json]:
    """The model data for an nbformat 4 notebook (dict or NotebookNode)."""
    if not isinstance(nb, dict) or nb.get("nbformat") != 4:
        raise InvalidNotebook("only nbformat 4 notebooks can be co-edited")
    cells = list(nb.get("cells") or [])
    ids = assign_ids(cells, base)
    return {
        "path": path,
        "nbformat": 4,
        "nbformat_minor": max(int(nb.get("nbformat_minor", 0)), MINOR_WITH_IDS),
        "metadata": _plain(_dict(nb.get("metadata"))),
        "cells": [cell_to_data(c, cid) for c, cid in zip(cells, ids, strict=True)],
    }


def _cell_from_data(data: Json) -> dict[str, Json]:
    if not isinstance(data, dict):
        raise InvalidNotebook("a cell must be an object")
    cell_type = data.get("cell_type")
    cell_id = data.get("id")
    if cell_type not in CELL_TYPES:
        raise InvalidNotebook(f"unknown cell type {cell_type!r}")
    if not isinstance(cell_id, str) or not _ID.match(cell_id):
        raise InvalidNotebook(f"bad cell id {cell_id!r}")
    source = data.get("source")
    cell: dict[str, Json] = {
        "id": cell_id,
        "cell_type": cell_type,
        "metadata": _ints(_dict(data.get("metadata"))),
        "source": source if isinstance(source, str) else "",
    }
    if cell_type == "code":
        outputs = data.get("outputs")
        cell["outputs"] = _ints(outputs) if isinstance(outputs, list) else []
        count = data.get("execution_count")
        cell["execution_count"] = int(count) if isinstance(count, int | float) else None
    elif isinstance(data.get("attachments"), dict):
        cell["attachments"] = data["attachments"]
    return cell


def data_to_notebook(data: Json) -> dict[str, Json]:
    """A valid nbformat 4 notebook dict; raises :class:`InvalidNotebook` otherwise."""
    if not isinstance(data, dict):
        raise InvalidNotebook("the model root must be an object")
    cells = data.get("cells")
    if not isinstance(cells, list):
        raise InvalidNotebook("cells must be an array")
    nb = {
        "nbformat": 4,
        "nbformat_minor": max(int(data.get("nbformat_minor") or 0), MINOR_WITH_IDS),
        "metadata": _ints(_dict(data.get("metadata"))),
        "cells": [_cell_from_data(c) for c in cells],
    }
    seen: set[str] = set()
    for cell in nb["cells"]:
        if cell["id"] in seen:
            raise InvalidNotebook(f"duplicate cell id {cell['id']!r}")
        seen.add(cell["id"])
    node = nbformat.from_dict(nb)
    try:
        nbformat.validate(node, version=4)
    except nbformat.ValidationError as exc:
        raise InvalidNotebook(str(exc).splitlines()[0]) from None
    return nb


def comparable(data: Json) -> Json:
    """Model data with the informational ``path`` dropped, for equality checks."""
    return {k: v for k, v in data.items() if k != "path"} if isinstance(data, dict) else data
