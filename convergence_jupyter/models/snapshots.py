"""Snapshots off the hot path (issue 11, lever 1): a stored snapshot may lag behind the op log.

A batch commits only its ops (``persistence``); the live model writes the snapshot every N ops
or T seconds and at unload, off the serializer's critical path. The model row says which
version its snapshot is at (``snapshot_version``, NULL when at the model's version), so
reading a model means the stored snapshot plus the op tail after it, replayed with the OT
core's ``apply``. The log is the truth: the snapshot at a version is a function of it, so any
reader may also store what it replayed (newest wins, see ``ModelRepository.store_snapshot``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from convergence_jupyter import ot
from convergence_jupyter.models import wire
from convergence_jupyter.models.persistence import snapshot_from_json, snapshot_to_json
from convergence_jupyter.store.models import ModelRecord, ModelRepository, OperationRecord


class SnapshotGap(RuntimeError):
    """The op log does not hold the whole tail after a stored snapshot."""


def replay(root: ot.ObjectValue, first: int, ops: Sequence[OperationRecord]) -> ot.ModelTree:
    """The tree after applying ``ops`` (versions ``first``, ``first`` + 1, ...) to ``root``."""
    tree = ot.ModelTree(root)
    for expected, op in enumerate(ops, start=first):
        if op.version != expected:
            raise SnapshotGap(f"model pk {op.model_pk}: op {expected} is missing from the log")
        ot.apply(tree, ot.as_operation(wire.applied_from_json(op.operation)))
    return tree


async def current_tree(tx: AsyncSession, record: ModelRecord) -> ot.ModelTree:
    """The model's tree at ``record.version``: its stored snapshot plus the op tail."""
    root = snapshot_from_json(record.data)
    if record.snapshot_version is None:
        return ot.ModelTree(root)
    first = record.snapshot_version + 1
    ops = await ModelRepository(tx).operations(record.pk, first, record.version)
    if len(ops) != record.version - record.snapshot_version:
        raise SnapshotGap(f"model pk {record.pk}: the op log ends before {record.version}")
    return replay(root, first, ops)


async def current(tx: AsyncSession, record: ModelRecord) -> ModelRecord:
    """``record`` with ``data`` at ``record.version`` (the op tail replayed when it lags), read
    in the caller's transaction so the tail is the one the record was read with."""
    if record.snapshot_version is None:
        return record
    tree = await current_tree(tx, record)
    return dataclasses.replace(record, data=snapshot_to_json(tree.root), snapshot_version=None)
