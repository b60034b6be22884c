"""``UndoManager`` with real clients on the real server: three users edit one model at once;
one of them undoes its last steps and redoes some, and everyone ends with the same document,
the others' edits kept."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from convergence_jupyter.client import (
    RealTimeArray,
    RealTimeModel,
    RealTimeNumber,
    RealTimeObject,
    RealTimeString,
    UndoManager,
)
from tests.client.conftest import ClientFactory

DATA = {"text": "one|two|three", "cells": ["a-old", "b-old", "c-old"], "keys": {}, "count": 0}


async def converged(models: list[RealTimeModel]) -> dict[str, Any]:
    """Wait until every edit is acknowledged and every model shows the same document."""
    async with asyncio.timeout(15):
        while True:
            for model in models:
                await model.committed()
            versions = {m.version for m in models}
            values = [m.value() for m in models]
            if len(versions) == 1 and all(v == values[0] for v in values):
                return values[0]
            await asyncio.sleep(0.02)


def parts(model: RealTimeModel) -> tuple[RealTimeString, RealTimeArray, RealTimeObject, Any]:
    text, cells, keys, count = (model.element_at(k) for k in ("text", "cells", "keys", "count"))
    assert isinstance(text, RealTimeString) and isinstance(cells, RealTimeArray)
    assert isinstance(keys, RealTimeObject) and isinstance(count, RealTimeNumber)
    return text, cells, keys, count


def index_of(cells: RealTimeArray, value: Any) -> int:
    return [c.value() for c in cells].index(value)


async def test_undo_and_redo_own_steps_while_others_edit(client: ClientFactory) -> None:
    a, b, c = [await client(name) for name in ("a", "b", "c")]
    ma = await a.models().open_auto_create(collection="notes", id="undo", data=DATA)
    mb = await b.models().open("undo")
    mc = await c.models().open("undo")
    undo = UndoManager(ma)
    text, cells, keys, count = parts(ma)
    b_text, b_cells, b_keys, b_count = parts(mb)
    c_text, c_cells, _, c_count = parts(mc)

    def others_edit(round_: int) -> None:
        """b types at the end of its segment and c at the end of the text, not waiting."""
        value = b_text.value()
        b_text.insert(value.index("|", value.index("|") + 1), "B")
        c_text.insert(len(c_text), "C")
        if round_ == 1:
            b_cells.remove(index_of(b_cells, "b-old"))
            c_cells.push("c-new")
        b_count.add(2)
        c_count.add(3)
        b_keys.set(f"b{round_}", round_)

    for ch in " AA":  # one typing run: one step
        text.insert(text.value().index("|"), ch)
    others_edit(0)
    with ma.batch():  # one step
        cells.insert(0, {"by": "a"})
        count.add(1)
    others_edit(1)
    cells.remove(index_of(cells, "a-old"))
    await asyncio.sleep(0.05)
    with undo.capture():  # one step
        keys.set("a", "x")
        text.insert(0, ">")
    others_edit(2)
    assert undo.can_undo and not undo.can_redo

    for round_ in (3, 4, 5):  # undo the capture, the removal and the batch; others go on
        assert undo.undo()
        others_edit(round_)
    doc = await converged([ma, mb, mc])
    assert doc["text"] == "one AA|two" + "B" * 6 + "|three" + "C" * 6
    assert doc["cells"] == ["a-old", "c-old", "c-new"]
    assert doc["keys"] == {f"b{i}": float(i) for i in range(6)}
    assert doc["count"] == 5 * 6

    assert undo.redo() and undo.redo()  # the batch, then the removal
    others_edit(6)
    doc = await converged([ma, mb, mc])
    assert doc["cells"] == [{"by": "a"}, "c-old", "c-new"]
    assert doc["count"] == 5 * 7 + 1
    assert "a" not in doc["keys"] and doc["text"].startswith("one AA|")
    assert undo.can_redo  # the capture is still undone

    keys.set("z", True)  # a new step: the capture can no longer be redone
    assert not undo.can_redo
    assert undo.undo() and undo.undo() and undo.undo()
    doc = await converged([ma, mb, mc])
    assert doc["cells"] == ["a-old", "c-old", "c-new"] and "z" not in doc["keys"]
    assert doc["count"] == 5 * 7
    undo.close()
    await ma.close()


async def test_undo_refused_inside_a_batch_and_after_close(client: ClientFactory) -> None:
    domain = await client("solo")
    model = await domain.models().open_auto_create(collection="notes", id="solo", data=DATA)
    undo = UndoManager(model)
    text, *_ = parts(model)
    text.insert(0, "x")
    with model.batch(), pytest.raises(RuntimeError):
        undo.undo()
    assert undo.undo() and text.value() == DATA["text"]
    await model.close()
    with pytest.raises(Exception, match="closed"):
        undo.redo()
