"""The Python client's offline store: one SQLite file with what a later process needs to bring
subscribed models back (``offline.py`` decides what goes in; this module only keeps rows).

Per model: its collection, the server version its state is based on (the context version of
the client's concurrency control), the local view at that version with our unacknowledged ops
applied, the value id prefix and counter (ids minted offline must not be minted again), the
last sequence number used, and the unacknowledged ops in order with their sequence numbers and
context versions, exactly the queue ``concurrency.py`` resends after a resync. Per URL: the
reconnect token, because the server recognises our ops that it committed before we lost the
acks by the session lineage that token extends (``models/resync.py`` on the server).

All SQLite work runs on one worker thread, in submission order, so the event loop never waits
for the disk and a later snapshot of a model never lands before an earlier one. A save is a
single transaction (the model row and its queue together), so a process killed mid-write
leaves the previous consistent state.

One process at a time: the store takes an exclusive lock on ``<file>.lock`` (released when it
closes or the process dies), because two processes resuming the same queue with the same
sequence numbers would each send the other's edits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

try:
    import fcntl
except ImportError:  # Windows: no lock
    fcntl = None  # type: ignore[assignment]

_T = TypeVar("_T")
_log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS models (
    model_id TEXT PRIMARY KEY,
    collection TEXT NOT NULL,
    version INTEGER NOT NULL,
    last_sequence_number INTEGER NOT NULL,
    value_id_prefix TEXT NOT NULL,
    next_value_id INTEGER NOT NULL,
    data BLOB NOT NULL,
    saved_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS pending_ops (
    model_id TEXT NOT NULL REFERENCES models (model_id) ON DELETE CASCADE,
    sequence_number INTEGER NOT NULL,
    context_version INTEGER NOT NULL,
    operation BLOB NOT NULL,
    PRIMARY KEY (model_id, sequence_number)
);
CREATE TABLE IF NOT EXISTS subscriptions (model_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS sessions (url TEXT PRIMARY KEY, reconnect_token TEXT NOT NULL);
"""


class OfflineStoreBusyError(RuntimeError):
    """Another process has this offline store open."""


@dataclass(frozen=True, slots=True)
class StoredOperation:
    """One unacknowledged local op (``operation``: a serialised ``OperationData``)."""

    sequence_number: int
    context_version: int
    operation: bytes


@dataclass(frozen=True, slots=True)
class StoredModel:
    """A model as the offline store keeps it (``data``: a serialised ``ObjectValue``)."""

    model_id: str
    collection: str
    version: int
    last_sequence_number: int
    value_id_prefix: str
    next_value_id: int
    data: bytes
    pending: Sequence[StoredOperation] = field(default_factory=tuple)


class OfflineStore:
    """A SQLite file of offline models; open with :meth:`open`, end with :meth:`close`."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="convergence-offline-store")
        self._db: sqlite3.Connection | None = None
        self._closed = False
        self._lock_fd: int | None = None

    @classmethod
    async def open(cls, path: str | Path) -> OfflineStore:
        store = cls(path)
        try:
            await store._run(store._connect)
        except BaseException:
            store.close()
            raise
        return store

    def _connect(self) -> None:
        self._lock()
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.executescript(_SCHEMA)
        self._db = db

    def _lock(self) -> None:
        if fcntl is None:
            return
        fd = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OfflineStoreBusyError(f"{self.path} is open in another process") from None
        self._lock_fd = fd

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("the offline store is closed")
        return self._db

    def _submit(self, work: Callable[[], _T]) -> Future[_T]:
        future = self._executor.submit(work)
        future.add_done_callback(_log_failure)
        return future

    async def _run(self, work: Callable[[], _T]) -> _T:
        return await asyncio.wrap_future(self._submit(work))

    # -- models ------------------------------------------------------------------------------

    def save(self, model: StoredModel) -> Future[None]:
        """Queue a snapshot of one model (replacing the previous one); returns at once."""
        return self._submit(lambda: self._save(model))

    def _save(self, model: StoredModel) -> None:
        db = self._conn()
        with _transaction(db):
            db.execute(
                "INSERT OR REPLACE INTO models VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    model.model_id,
                    model.collection,
                    model.version,
                    model.last_sequence_number,
                    model.value_id_prefix,
                    model.next_value_id,
                    model.data,
                    time.time(),
                ),
            )
            db.execute("DELETE FROM pending_ops WHERE model_id = ?", (model.model_id,))
            db.executemany(
                "INSERT INTO pending_ops VALUES (?, ?, ?, ?)",
                [
                    (model.model_id, p.sequence_number, p.context_version, p.operation)
                    for p in model.pending
                ],
            )

    async def load(self, model_id: str) -> StoredModel | None:
        return await self._run(lambda: self._load(model_id))

    def _load(self, model_id: str) -> StoredModel | None:
        db = self._conn()
        row = db.execute(
            "SELECT model_id, collection, version, last_sequence_number, value_id_prefix,"
            " next_value_id, data FROM models WHERE model_id = ?",
            (model_id,),
        ).fetchone()
        if row is None:
            return None
        pending = tuple(
            StoredOperation(seq, cv, op)
            for seq, cv, op in db.execute(
                "SELECT sequence_number, context_version, operation FROM pending_ops"
                " WHERE model_id = ? ORDER BY sequence_number",
                (model_id,),
            )
        )
        model_id, collection, version, last_seq, prefix, next_id, data = row
        return StoredModel(
            model_id, collection, version, last_seq, prefix, next_id, data, pending=pending
        )

    async def model_ids(self) -> list[str]:
        """Every model with a stored state."""
        return await self._run(
            lambda: [r[0] for r in self._conn().execute("SELECT model_id FROM models ORDER BY 1")]
        )

    def remove(self, model_id: str) -> Future[None]:
        """Forget a model's state (its subscription stays)."""

        def work() -> None:
            with _transaction(self._conn()) as db:
                db.execute("DELETE FROM pending_ops WHERE model_id = ?", (model_id,))
                db.execute("DELETE FROM models WHERE model_id = ?", (model_id,))

        return self._submit(work)

    # -- subscriptions -----------------------------------------------------------------------

    def subscribe(self, model_id: str) -> Future[None]:
        def work() -> None:
            self._conn().execute("INSERT OR IGNORE INTO subscriptions VALUES (?)", (model_id,))

        return self._submit(work)

    def unsubscribe(self, model_id: str) -> Future[None]:
        """End the subscription and forget the state (unsent edits included)."""

        def work() -> None:
            with _transaction(self._conn()) as db:
                db.execute("DELETE FROM subscriptions WHERE model_id = ?", (model_id,))
                db.execute("DELETE FROM pending_ops WHERE model_id = ?", (model_id,))
                db.execute("DELETE FROM models WHERE model_id = ?", (model_id,))

        return self._submit(work)

    async def subscriptions(self) -> list[str]:
        return await self._run(
            lambda: [
                r[0] for r in self._conn().execute("SELECT model_id FROM subscriptions ORDER BY 1")
            ]
        )

    # -- sessions ----------------------------------------------------------------------------

    def save_token(self, url: str, token: str) -> Future[None]:
        def work() -> None:
            self._conn().execute("INSERT OR REPLACE INTO sessions VALUES (?, ?)", (url, token))

        return self._submit(work)

    async def token(self, url: str) -> str | None:
        def work() -> str | None:
            row = (
                self._conn()
                .execute("SELECT reconnect_token FROM sessions WHERE url = ?", (url,))
                .fetchone()
            )
            return None if row is None else str(row[0])

        return await self._run(work)

    # -- lifecycle ---------------------------------------------------------------------------

    async def flush(self) -> None:
        """Wait until every write queued so far is done (one worker: they ran before this)."""
        await self._run(lambda: None)

    def close(self) -> None:
        """Finish the queued writes and close the file (blocks: call at the very end)."""
        if self._closed:
            return
        self._closed = True
        self._executor.submit(self._close_db)
        self._executor.shutdown(wait=True)

    def _close_db(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the lock
            self._lock_fd = None


def _log_failure(future: Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        _log.error("an offline store write failed", exc_info=future.exception())


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN ... COMMIT (ROLLBACK on error) on an autocommit connection."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
