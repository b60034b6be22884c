"""A co-edited notebook's cells, read and edited through its real-time model.

The model's layout is ``notebooks/CONTRACT.md`` §3: cells are addressed by ``id`` (never by
index, which others change under us), a source edit is a string splice in UTF-16 code units,
``outputs`` is set wholesale. A new source is applied as the smallest splice that turns the old
text into the new one, so a person typing elsewhere in the same cell keeps their edit.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from convergence_jupyter.client import (
    RealTimeArray,
    RealTimeModel,
    RealTimeObject,
    RealTimeString,
)

CELL_TYPES = ("code", "markdown", "raw")


@dataclass(frozen=True, slots=True)
class Cell:
    """A snapshot of one cell (``index`` is where it was when read)."""

    id: str
    cell_type: str
    source: str
    index: int
    outputs: list[dict[str, Any]] = field(default_factory=list)
    execution_count: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


class CellNotFound(KeyError):
    """No cell with that id (it may have been deleted by someone else)."""


def utf16_offset(text: str, index: int) -> int:
    """The UTF-16 offset of the Python string index ``index`` in ``text``."""
    return len(text[:index].encode("utf-16-le")) // 2


def minimal_splice(old: str, new: str) -> tuple[int, int, str]:
    """``(start, removed, inserted)`` in Python indices: the common prefix and suffix stay."""
    limit = min(len(old), len(new))
    start = 0
    while start < limit and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old -= 1
        end_new -= 1
    return start, end_old - start, new[start:end_new]


def new_cell(source: str, cell_type: str = "code") -> dict[str, Any]:
    """A complete nbformat 4.5 cell object with a fresh id, as §3 wants it inserted."""
    if cell_type not in CELL_TYPES:
        raise ValueError(f"cell_type must be one of {CELL_TYPES}")
    cell: dict[str, Any] = {
        "id": secrets.token_hex(4),
        "cell_type": cell_type,
        "source": source,
        "metadata": {},
    }
    if cell_type == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    return cell


class NotebookCells:
    """Cell operations on one notebook model (the model applies them locally at once and
    sends them; the caller awaits ``model.committed()`` for the server's acknowledgement)."""

    def __init__(self, model: RealTimeModel) -> None:
        self.model = model

    def _array(self) -> RealTimeArray:
        cells = self.model.root().get("cells")
        if not isinstance(cells, RealTimeArray):
            raise CellNotFound("the notebook model has no cells array")
        return cells

    def _find(self, cell_id: str) -> tuple[int, RealTimeObject]:
        for index, element in enumerate(self._array()):
            if isinstance(element, RealTimeObject):
                found = element.get("id")
                if found is not None and found.value() == cell_id:
                    return index, element
        raise CellNotFound(cell_id)

    def all(self) -> list[Cell]:
        cells = []
        for index, data in enumerate(self._array().value()):
            if isinstance(data, Mapping):
                cells.append(_snapshot(data, index))
        return cells

    def get(self, cell_id: str) -> Cell:
        index, element = self._find(cell_id)
        return _snapshot(element.value(), index)

    def insert(
        self,
        source: str,
        *,
        cell_type: str = "code",
        index: int | None = None,
        after: str | None = None,
    ) -> str:
        """Insert a cell (at ``index``, after the cell ``after``, else at the end); its id."""
        array = self._array()
        if after is not None:
            index = self._find(after)[0] + 1
        elif index is None:
            index = len(array)
        elif not 0 <= index <= len(array):
            raise IndexError(f"cell index {index} is outside 0..{len(array)}")
        cell = new_cell(source, cell_type)
        array.insert(index, cell)
        return str(cell["id"])

    def set_source(self, cell_id: str, source: str) -> tuple[int, int]:
        """Make the cell's source ``source``; returns the UTF-16 range of what changed."""
        _, element = self._find(cell_id)
        text = element.get("source")
        if not isinstance(text, RealTimeString):
            element.set("source", source)
            return 0, utf16_offset(source, len(source))
        old = text.value()
        start, removed, inserted = minimal_splice(old, source)
        begin = utf16_offset(old, start)
        if removed or inserted:
            count = utf16_offset(old, start + removed) - begin
            text.splice(begin, count, inserted)
        return begin, begin + utf16_offset(inserted, len(inserted))

    def append_output(self, cell_id: str, output: Mapping[str, Any]) -> None:
        _, element = self._find(cell_id)
        current = element.get("outputs")
        if current is None and element.get("cell_type") is not None:
            kind = element["cell_type"].value()
            if kind != "code":
                raise ValueError(f"a {kind} cell has no outputs")
        outputs = list(current.value()) if current is not None else []
        outputs.append(dict(output))
        element.set("outputs", outputs)

    def clear_outputs(self, cell_id: str) -> None:
        _, element = self._find(cell_id)
        element.set("outputs", [])

    def delete(self, cell_id: str) -> None:
        index, _ = self._find(cell_id)
        self._array().remove(index)


def _snapshot(data: Mapping[str, Any], index: int) -> Cell:
    count = data.get("execution_count")
    return Cell(
        id=str(data.get("id", "")),
        cell_type=str(data.get("cell_type", "code")),
        source=str(data.get("source", "")),
        index=index,
        outputs=list(data.get("outputs") or []),
        execution_count=int(count) if isinstance(count, int | float) else None,
        metadata=dict(data.get("metadata") or {}),
    )


def stream_output(text: str, name: str = "stdout") -> dict[str, Any]:
    """An nbformat stream output."""
    return {"output_type": "stream", "name": name, "text": text}
