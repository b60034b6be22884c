"""Group commit: the ops a model processed in one batch go to the database in one transaction,
and only then are they acknowledged (durable ack, P3).

Decision (issue 11): a batch writes only its ops, and every N ops the snapshot with them; T
seconds after an op the snapshot does not hold, and at unload, it is written on its own
(``LiveModel``, ``models.snapshots``), so most batches cost the same however large the
document is. The op log is what makes an ack durable; a load replays the ops
after the stored snapshot.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from convergence_jupyter import ot
from convergence_jupyter.models.link_index import LinkIndexer
from convergence_jupyter.models.wire import applied_to_json
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.errors import is_lock_timeout
from convergence_jupyter.store.models import ModelRepository, NewOperation, commit_operations

log = logging.getLogger(__name__)

#: Pauses between further attempts when SQLite's busy timeout ran out (another writer held the
#: lock that long). A lock timeout wrote nothing, so trying again is safe; closing the model
#: for everyone over a slow neighbour is the last resort.
LOCK_RETRY_DELAYS = (0.1, 0.5, 2.0)


@dataclass(frozen=True, slots=True)
class PendingOperation:
    version: int
    timestamp: datetime
    session_id: str
    sequence_number: int
    user_pk: int | None
    applied: ot.AppliedOperation


def snapshot_to_json(root: ot.ObjectValue) -> str:
    return json.dumps(ot.value_to_json(root), separators=(",", ":"), ensure_ascii=False)


def snapshot_bytes(snapshot: str) -> int:
    """UTF-8 length of a snapshot without encoding it when it is ASCII (the common case)."""
    return len(snapshot) if snapshot.isascii() else len(snapshot.encode("utf-8"))


def snapshot_from_json(text: str) -> ot.ObjectValue:
    value = ot.value_from_json(json.loads(text))
    if not isinstance(value, ot.ObjectValue):
        raise ValueError("a stored model root must be an object")
    return value


class ModelPersistence:
    """Writes one model's batches; never called concurrently for one model."""

    def __init__(self, database: Database, model_pk: int, links: LinkIndexer | None = None) -> None:
        self._db = database
        self._pk = model_pk
        #: Keeps the model's link index in step with the stored snapshot (issue 12).
        self._links = links

    async def commit(
        self,
        base_version: int,
        ops: Sequence[PendingOperation],
        root: ot.ObjectValue,
        snapshot: str | None = None,
    ) -> None:
        """Append ``ops`` (versions base+1...), with ``snapshot`` (the JSON of ``root``, the
        tree after them) when given, else the op log only; raises on any failure."""
        rows = [
            NewOperation(
                version=o.version,
                timestamp=o.timestamp,
                session_id=o.session_id,
                sequence_number=o.sequence_number,
                user_pk=o.user_pk,
                operation=applied_to_json(o.applied),
            )
            for o in ops
        ]
        if not rows:
            return
        for delay in (*LOCK_RETRY_DELAYS, None):
            try:
                await commit_operations(self._db, self._pk, base_version, rows, snapshot)
                break
            except Exception as exc:
                if delay is None or not is_lock_timeout(exc):
                    raise
                log.warning(
                    "model pk %s: the database stayed locked past the busy timeout; "
                    "retrying the commit in %.1f s",
                    self._pk,
                    delay,
                )
                await asyncio.sleep(delay)
        if self._links is not None:
            if snapshot is not None:
                self._links.observed(snapshot)
            try:
                await self._links.committed(root, [r.operation for r in rows])
            except Exception:
                # The ops are stored: failing the batch now would drop a durable change.
                # The index catches up at the next commit (its known set is unchanged).
                log.exception("model pk %s: the link index could not be updated", self._pk)

    async def store_snapshot(self, version: int, data: str) -> bool:
        """Store ``data`` as the snapshot at ``version`` (an older stored one only); lock
        timeouts are retried like a commit's. False if a newer one is there or the model is
        gone."""
        if self._links is not None:
            self._links.observed(data)
        for delay in (*LOCK_RETRY_DELAYS, None):
            try:
                async with self._db.transaction() as tx:
                    return await ModelRepository(tx).store_snapshot(self._pk, version, data)
            except Exception as exc:
                if delay is None or not is_lock_timeout(exc):
                    raise
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover
