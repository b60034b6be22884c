"""The stored snapshot's lag (issue 11): a commit without a snapshot records, once, the version
the stored snapshot is at; storing a snapshot only ever moves it forward and never past the op
log. Both backends, both commit paths (SQLite's one-call path and the session path)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from convergence_jupyter.store import Database, DomainRepository
from convergence_jupyter.store.models import (
    CollectionRepository,
    ModelRecord,
    ModelRepository,
    NewOperation,
    commit_operations,
)

from .conftest import RunDb

T0 = datetime(2026, 12, 6, 12, 0, 0, tzinfo=UTC)


def _op(version: int) -> NewOperation:
    return NewOperation(version, T0 + timedelta(seconds=version), "s", version, None, "{}")


async def _model(db: Database) -> ModelRecord:
    async with db.transaction() as tx:
        domain = await DomainRepository(tx).ensure("ns", "d")
        coll = await CollectionRepository(tx).ensure(domain.pk, "c")
        return await ModelRepository(tx).create(domain.pk, coll, "m", "at-0")


async def _row(db: Database, model: ModelRecord) -> tuple[int, int | None, str]:
    async with db.transaction(readonly=True) as tx:
        found = await ModelRepository(tx).get(model.domain_pk, "m")
    assert found is not None
    return found.version, found.snapshot_version, found.data


async def _store(db: Database, model: ModelRecord, version: int, data: str) -> bool:
    async with db.transaction() as tx:
        return await ModelRepository(tx).store_snapshot(model.pk, version, data)


def test_commits_without_a_snapshot_record_where_it_lags(with_db: RunDb) -> None:
    async def body(db: Database) -> None:
        model = await _model(db)
        assert await _row(db, model) == (0, None, "at-0")
        await commit_operations(db, model.pk, 0, [_op(1)], None)
        await commit_operations(db, model.pk, 1, [_op(2), _op(3)], None)
        # Still the snapshot at 0, and the row says so (set by the first commit, kept after).
        assert await _row(db, model) == (3, 0, "at-0")
        # A commit with the snapshot clears the lag.
        await commit_operations(db, model.pk, 3, [_op(4)], "at-4")
        assert await _row(db, model) == (4, None, "at-4")
        # The session path (any caller's transaction) records it the same way.
        async with db.transaction() as tx:
            await ModelRepository(tx).append_operations(model.pk, 4, [_op(5)], None)
        assert await _row(db, model) == (5, 4, "at-4")

    with_db(body)


def test_a_stored_snapshot_only_moves_forward_and_never_past_the_log(with_db: RunDb) -> None:
    async def body(db: Database) -> None:
        model = await _model(db)
        await commit_operations(db, model.pk, 0, [_op(v) for v in (1, 2, 3, 4)], None)
        assert await _store(db, model, 2, "at-2")
        assert await _row(db, model) == (4, 2, "at-2")
        assert not await _store(db, model, 1, "at-1")  # older than the stored one
        assert not await _store(db, model, 2, "again")  # not newer
        assert not await _store(db, model, 5, "at-5")  # ahead of the op log
        assert await _row(db, model) == (4, 2, "at-2")
        assert await _store(db, model, 4, "at-4")  # at the log's end: no lag left
        assert await _row(db, model) == (4, None, "at-4")
        assert not await _store(db, model, 4, "late")  # a late writer of an older one
        assert await _row(db, model) == (4, None, "at-4")

    with_db(body)
