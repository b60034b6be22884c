"""The cell-by-cell merge in isolation: two-way (model becomes disk) and three-way (disk's
changes since base applied on top of concurrent model edits), with random notebooks."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from convergence_jupyter import ot
from convergence_jupyter.notebooks.merge import (
    merge_operation,
    order_operations,
    text_splices,
)


def tree_of(data: dict[str, Any]) -> ot.ModelTree:
    counter = itertools.count()
    root = ot.from_plain(data, lambda: f"0:{next(counter)}")
    assert isinstance(root, ot.ObjectValue)
    return ot.ModelTree(root)


def ids_from(prefix: str) -> Any:
    counter = itertools.count()
    return lambda: f"{prefix}:{next(counter)}"


def cell(cid: str, source: str, kind: str = "code") -> dict[str, Any]:
    data: dict[str, Any] = {"id": cid, "cell_type": kind, "source": source, "metadata": {}}
    if kind == "code":
        data.update(outputs=[], execution_count=None)
    return data


def notebook(cells: list[dict[str, Any]]) -> dict[str, Any]:
    return {"path": "a.ipynb", "nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}


def merged(tree: ot.ModelTree, base: Any, disk: Any) -> tuple[Any, ot.CompoundOperation | None]:
    op = merge_operation(tree, base, disk, ids_from("9"))
    if op is not None:
        ot.apply(tree, ot.normalize_incoming(op))
    return ot.to_plain(tree.root), op


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("", "abc"),
        ("abc", ""),
        ("a\nb\nc\n", "a\nB\nc\n"),
        ("héllo 😀 world\n", "héllo 🎉😀 wörld\nnew line\n"),
        ("line1\nline2\nline3", "line0\nline1\nline3!"),
        ("😀😀😀", "😀x😀"),
    ],
)
def test_text_splices_turn_old_into_new(old: str, new: str) -> None:
    tree = tree_of({"s": old})
    sid = tree.root.children["s"].id
    ops = text_splices(sid, old, new)
    assert all(not (o.delete_count and o.insert_value) for o in ops)  # no delete+insert
    if ops:
        ot.apply(tree, ot.CompoundOperation(tuple(ops)))
    assert ot.to_plain(tree.root)["s"] == new


def test_one_changed_line_is_one_small_splice() -> None:
    old = "".join(f"line {i}\n" for i in range(100))
    new = old.replace("line 50\n", "line 5O\n")
    ops = text_splices("s", old, new)
    assert [(o.delete_count, o.insert_value) for o in ops] == [(1, ""), (0, "O")]


def test_order_operations_moves_few() -> None:
    current = list("ABCDEFGH")
    target = list("BCDEFGHA")
    ops = order_operations("arr", current, target, lambda k: ot.StringValue("n", k))
    assert len(ops) == 1 and isinstance(ops[0], ot.ArrayMove)


def test_untouched_disk_gives_no_op_and_touching_one_cell_touches_one_cell() -> None:
    base = notebook([cell(f"c{i}", f"x = {i}\n") for i in range(50)])
    tree = tree_of(base)
    assert merge_operation(tree, base, base, ids_from("9")) is None
    disk = notebook([dict(c) for c in base["cells"]])
    disk["cells"][7]["source"] = "x = 7  # changed\n"
    target_id = tree.root.children["cells"].children[7].children["source"].id  # type: ignore[union-attr]
    data, op = merged(tree, base, disk)
    assert data == disk
    assert op is not None and {o.id for o in op.ops} == {target_id}


def test_three_way_keeps_concurrent_model_edits() -> None:
    base = notebook([cell("a", "alpha\nbeta\n"), cell("b", "bee"), cell("c", "sea")])
    tree = tree_of(base)
    cells = tree.root.children["cells"]
    assert isinstance(cells, ot.ArrayValue)
    # A client typed in a (start) and added a cell after b, and deleted c.
    a_src = cells.children[0].children["source"]  # type: ignore[union-attr]
    ot.apply(tree, ot.StringSplice(id=a_src.id, index=0, insert_value="# "))
    ot.apply(
        tree,
        ot.ArrayInsert(
            id=cells.id, index=2, value=ot.from_plain(cell("k", "client"), ids_from("5"))
        ),
    )
    ot.apply(tree, ot.ArrayRemove(id=cells.id, index=3))
    # Meanwhile on disk: a's second line changed, b moved to the front, a new cell at the end.
    disk = notebook(
        [cell("b", "bee"), cell("a", "alpha\nBETA\n"), cell("c", "sea"), cell("n", "new")]
    )
    data, _ = merged(tree, base, disk)
    # n goes after its nearest disk predecessor still present (c is gone): a.
    assert [c["id"] for c in data["cells"]] == ["b", "a", "n", "k"]
    assert data["cells"][1]["source"] == "# alpha\nBETA\n"


def test_type_change_on_disk_replaces_the_cell_keeping_its_id() -> None:
    base = notebook([cell("a", "x")])
    tree = tree_of(base)
    disk = notebook([cell("a", "# x", "markdown")])
    data, op = merged(tree, base, disk)
    assert data == disk
    assert op is not None and isinstance(op.ops[0], ot.ArrayReplace)


def test_duplicate_ids_in_the_model_are_repaired() -> None:
    base = notebook([cell("a", "1"), cell("a", "2"), cell("b", "3")])
    tree = tree_of(base)
    disk = notebook([cell("a", "1"), cell("b", "3")])
    data, _ = merged(tree, None, disk)
    assert data == disk


@pytest.mark.parametrize("seed", range(60))
def test_random_merges(seed: int) -> None:
    rnd = random.Random(seed)
    base = notebook([cell(f"c{i}", f"line {i}\nmore 😀 {i}\n") for i in range(rnd.randint(0, 9))])
    disk_cells = [dict(c) for c in base["cells"]]
    if rnd.random() < 0.5:
        rnd.shuffle(disk_cells)
    disk_cells = [c for c in disk_cells if rnd.random() < 0.8]
    for c in disk_cells:
        if rnd.random() < 0.3:
            c["source"] = c["source"].replace("more", "less 🎉")
        if rnd.random() < 0.2:
            c["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "o"}]
    for k in range(rnd.randint(0, 3)):
        disk_cells.insert(rnd.randint(0, len(disk_cells)), cell(f"n{k}", "new", "markdown"))
    disk = notebook(disk_cells)
    # Two-way: the model becomes the disk.
    assert merged(tree_of(base), base, disk)[0] == disk
    # Three-way: a client appended to every cell first; those edits survive wherever the
    # cell survives, and the result has the disk's cells in the disk's order.
    tree = tree_of(base)
    cells = tree.root.children["cells"]
    assert isinstance(cells, ot.ArrayValue)
    for value in cells.children:
        src = value.children["source"]  # type: ignore[union-attr]
        ot.apply(tree, ot.StringSplice(id=src.id, index=ot.utf16_len(src.value), insert_value="!"))
    data, _ = merged(tree, base, disk)
    assert [c["id"] for c in data["cells"]] == [c["id"] for c in disk_cells]
    for got, want in zip(data["cells"], disk_cells, strict=True):
        expected = want["source"] + ("!" if want["id"].startswith("c") else "")
        assert got["source"] == expected
