"""Cell-by-cell merge of a notebook read from disk into the live model, as ONE compound op.

A three-way merge: ``base`` is the notebook as we last read or wrote it, ``disk`` what is on
disk now, and the model tree holds ``base`` plus whatever clients did since. Only what changed
between ``base`` and ``disk`` is applied, so concurrent client edits survive:

- cells are matched by id: cells deleted on disk are removed, cells new on disk are inserted
  after their nearest preceding disk neighbour, and a reordering on disk is applied to the cells
  disk knows (client-added cells keep their slots);
- a changed source becomes string splices (a line diff refined to characters), transformed
  with our own OT against the clients' edits of that cell since ``base``;
- metadata, outputs, execution count and attachments are set wholesale; a cell-type change
  replaces the cell object, keeping its id.

Never a whole-document reload: untouched cells get no operation at all. Pure; runs inside the
model's serializer on the current tree.
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Callable, Sequence
from typing import Any

from convergence_jupyter import ot

Json = Any
NextId = Callable[[], str]

#: Cell fields replaced wholesale when they differ.
WHOLE_FIELDS = ("metadata", "outputs", "execution_count", "attachments")
#: Notebook fields taken from disk when they changed there.
TOP_FIELDS = ("nbformat", "nbformat_minor", "metadata")
_MISSING = object()


def text_splices(value_id: str, old: str, new: str) -> list[ot.StringSplice]:
    """Splices (pure removes and pure inserts, UTF-16 indices) that turn ``old`` into ``new``
    when applied in order; last region first, so earlier indices stay valid."""
    if old == new:
        return []
    a = old.splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    starts = [0]
    for line in a:
        starts.append(starts[-1] + len(line))
    out: list[ot.StringSplice] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
        if tag == "equal":
            continue
        old_chunk, new_chunk = "".join(a[i1:i2]), "".join(b[j1:j2])
        limit = min(len(old_chunk), len(new_chunk))
        prefix = 0
        while prefix < limit and old_chunk[prefix] == new_chunk[prefix]:
            prefix += 1
        suffix = 0
        while (
            suffix < limit - prefix
            and old_chunk[len(old_chunk) - 1 - suffix] == new_chunk[len(new_chunk) - 1 - suffix]
        ):
            suffix += 1
        removed = old_chunk[prefix : len(old_chunk) - suffix]
        inserted = new_chunk[prefix : len(new_chunk) - suffix]
        index = ot.utf16_len(old[: starts[i1] + prefix])
        if removed:
            out.append(
                ot.StringSplice(id=value_id, index=index, delete_count=ot.utf16_len(removed))
            )
        if inserted:
            out.append(ot.StringSplice(id=value_id, index=index, insert_value=inserted))
    return out


def _longest_increasing(seq: Sequence[int]) -> set[int]:
    """Positions (into ``seq``) of one longest strictly increasing subsequence."""
    tails: list[int] = []  # seq values
    tail_pos: list[int] = []
    back: list[int] = [-1] * len(seq)
    for i, value in enumerate(seq):
        k = bisect.bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tail_pos.append(i)
        else:
            tails[k] = value
            tail_pos[k] = i
        back[i] = tail_pos[k - 1] if k else -1
    keep: set[int] = set()
    i = tail_pos[-1] if tail_pos else -1
    while i >= 0:
        keep.add(i)
        i = back[i]
    return keep


def order_operations(
    array_id: str,
    current: Sequence[str],
    target: Sequence[str],
    make: Callable[[str], ot.DataValue],
) -> list[ot.DiscreteOperation]:
    """Removes, moves (all but a longest already-ordered run) and inserts that turn the keys
    ``current`` into ``target``; ``make(key)`` builds the value of an inserted key."""
    ops: list[ot.DiscreteOperation] = []
    wanted = set(target)
    cur = list(current)
    for i in reversed(range(len(cur))):
        if cur[i] not in wanted:
            ops.append(ot.ArrayRemove(id=array_id, index=i))
            del cur[i]
    present = set(cur)
    common = [t for t in target if t in present]
    rank = {key: n for n, key in enumerate(common)}
    keep_positions = _longest_increasing([rank[c] for c in cur])
    keep = {cur[i] for i in keep_positions}
    for n, key in enumerate(common):
        if key in keep:
            continue
        j = cur.index(key)
        del cur[j]
        to = cur.index(common[n - 1]) + 1 if n else 0
        cur.insert(to, key)
        if to != j:
            ops.append(ot.ArrayMove(id=array_id, from_index=j, to_index=to))
    for i, key in enumerate(target):
        if key not in present:
            ops.append(ot.ArrayInsert(id=array_id, index=i, value=make(key)))
    return ops


def _set(obj: ot.ObjectValue, key: str, value: Json, next_id: NextId) -> ot.DiscreteOperation:
    new = ot.from_plain(value, next_id)
    if key in obj.children:
        return ot.ObjectSetProperty(id=obj.id, key=key, value=new)
    return ot.ObjectAddProperty(id=obj.id, key=key, value=new)


def _cell_key(cell: ot.DataValue) -> str | None:
    if isinstance(cell, ot.ObjectValue):
        cid = cell.children.get("id")
        if isinstance(cid, ot.StringValue) and cid.value:
            return cid.value
    return None


def _source_ops(
    cell: ot.ObjectValue, base: str, disk: str, next_id: NextId
) -> list[ot.DiscreteOperation]:
    source = cell.children.get("source")
    if not isinstance(source, ot.StringValue):
        return [_set(cell, "source", disk, next_id)]
    theirs = text_splices(source.id, base, disk)
    if source.value == base:
        return list(theirs)
    ours = text_splices(source.id, base, source.value)
    _, moved = ot.transform(ot.CompoundOperation(tuple(ours)), ot.CompoundOperation(tuple(theirs)))
    assert isinstance(moved, ot.CompoundOperation)
    return [op for op in moved.ops if not op.no_op]


def _cell_ops(
    cell: ot.ObjectValue,
    index: int,
    cells_id: str,
    base: dict[str, Json],
    disk: dict[str, Json],
    next_id: NextId,
) -> list[ot.DiscreteOperation]:
    if base == disk:
        return []
    kind = cell.children.get("cell_type")
    if (
        base.get("cell_type") != disk.get("cell_type")
        or not isinstance(kind, ot.StringValue)
        or kind.value != disk.get("cell_type")
    ):
        return [ot.ArrayReplace(id=cells_id, index=index, value=ot.from_plain(disk, next_id))]
    ops: list[ot.DiscreteOperation] = []
    if base.get("source") != disk.get("source"):
        ops += _source_ops(cell, str(base.get("source", "")), str(disk.get("source", "")), next_id)
    for key in WHOLE_FIELDS:
        was, now = base.get(key, _MISSING), disk.get(key, _MISSING)
        if was == now:
            continue
        if now is _MISSING:
            if key in cell.children:
                ops.append(ot.ObjectRemoveProperty(id=cell.id, key=key))
        elif key not in cell.children or ot.to_plain(cell.children[key]) != now:
            ops.append(_set(cell, key, now, next_id))
    return ops


def merge_operation(
    tree: ot.ModelTree,
    base: dict[str, Json] | None,
    disk: dict[str, Json],
    next_id: NextId,
) -> ot.CompoundOperation | None:
    """One op that brings ``disk``'s changes since ``base`` into the model (``None``: nothing
    to do). With ``base=None`` the model itself is the base: the model becomes ``disk``."""
    root = tree.root
    two_way = base is None
    if base is None:
        base = ot.to_plain(root)
    ops: list[ot.DiscreteOperation] = []
    for key in TOP_FIELDS:
        if base.get(key) != disk.get(key) and (
            key not in root.children or ot.to_plain(root.children[key]) != disk.get(key)
        ):
            ops.append(_set(root, key, disk.get(key), next_id))
    cells_value = root.children.get("cells")
    disk_cells: dict[str, dict[str, Json]] = {c["id"]: c for c in disk.get("cells", [])}
    if not isinstance(cells_value, ot.ArrayValue):
        ops.append(_set(root, "cells", disk.get("cells", []), next_id))
        return ot.CompoundOperation(tuple(ops))
    disk_order = [c["id"] for c in disk.get("cells", [])]
    disk_rank = {cid: n for n, cid in enumerate(disk_order)}

    # The model's keys; unusable or duplicate cells get keys no target contains (removed).
    model: dict[str, ot.ObjectValue] = {}
    current: list[str] = []
    for n, value in enumerate(cells_value.children):
        found = _cell_key(value)
        if found is None or found in model or not isinstance(value, ot.ObjectValue):
            current.append(f"\0{n}")
        else:
            model[found] = value
            current.append(found)
    if two_way:
        base_cells = {k: ot.to_plain(v) for k, v in model.items()}
    else:
        base_cells = {
            c["id"]: c for c in base.get("cells", []) if isinstance(c, dict) and "id" in c
        }

    target = [k for k in current if k in model and not (k in base_cells and k not in disk_cells)]
    base_common = [cid for cid in base_cells if cid in disk_cells]
    disk_common = [cid for cid in disk_order if cid in base_cells]
    if base_common != disk_common:
        slots = [i for i, k in enumerate(target) if k in disk_cells]
        ordered = sorted((target[i] for i in slots), key=disk_rank.__getitem__)
        for i, k in zip(slots, ordered, strict=True):
            target[i] = k
    present = set(target)
    for n, cid in enumerate(disk_order):
        if cid in present or cid in base_cells:
            continue  # already there, or deleted by a client since base: their delete stands
        before = next(
            (disk_order[j] for j in range(n - 1, -1, -1) if disk_order[j] in present), None
        )
        target.insert(target.index(before) + 1 if before is not None else 0, cid)
        present.add(cid)

    ops += order_operations(
        cells_value.id, current, target, lambda cid: ot.from_plain(disk_cells[cid], next_id)
    )
    for index, cid in enumerate(target):
        existing = model.get(cid)
        if existing is None or cid not in disk_cells:
            continue
        was = base_cells.get(cid)
        if was is None:
            was = ot.to_plain(existing)
        ops += _cell_ops(existing, index, cells_value.id, was, disk_cells[cid], next_id)
    return ot.CompoundOperation(tuple(ops)) if ops else None


def _distance(candidate: dict[str, Json], disk: dict[str, Json]) -> int:
    """How many cells (plus notebook metadata and order) differ between two notebooks."""
    mine = {c.get("id"): c for c in candidate.get("cells", []) if isinstance(c, dict)}
    theirs = {c.get("id"): c for c in disk.get("cells", []) if isinstance(c, dict)}
    changed = sum(1 for cid in mine.keys() | theirs.keys() if mine.get(cid) != theirs.get(cid))
    order = [cid for cid in mine if cid in theirs] != [cid for cid in theirs if cid in mine]
    return changed + int(order) + int(candidate.get("metadata") != disk.get("metadata"))


def closest_base(candidates: Sequence[dict[str, Json]], disk: dict[str, Json]) -> dict[str, Json]:
    """The version (of those we recently wrote or read, latest first) that ``disk`` was most
    likely made from, as the base of the three-way merge.

    A program that read the file, changed it and wrote it back while we autosaved in between
    wrote a file made from an *older* version of ours: merged against our latest save, its
    file would undo the cells we saved meanwhile. Against the version it read (the nearest
    one: only its own changes differ), only its changes are applied. Ties go to the latest.
    The price: an outside edit that restores exactly one of our recent versions reads as
    "nothing changed since that version".
    """
    best = candidates[0]
    best_distance = _distance(best, disk)
    for candidate in candidates[1:]:
        distance = _distance(candidate, disk)
        if distance < best_distance:
            best, best_distance = candidate, distance
    return best
