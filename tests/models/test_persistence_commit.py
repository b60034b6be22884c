"""The durable batch commit (``ModelPersistence.commit``): everything or nothing, on both
backends; on SQLite it runs as one call on the driver's thread, so these pin what it writes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from convergence_jupyter.models.persistence import (
    ModelPersistence,
    snapshot_from_json,
    snapshot_to_json,
)
from convergence_jupyter.ot import ObjectValue, StringValue
from convergence_jupyter.store import Database, DomainRepository
from convergence_jupyter.store.errors import NotFound
from convergence_jupyter.store.models import (
    CollectionRepository,
    ModelRepository,
    NewOperation,
    commit_operations,
)

T0 = datetime(2026, 11, 26, 12, 0, 0, 123456, tzinfo=UTC)


def _root(text: str) -> ObjectValue:
    return ObjectValue("0:0", {"text": StringValue("0:1", text)})


def _op(version: int, payload: str) -> NewOperation:
    return NewOperation(
        version=version,
        timestamp=T0 + timedelta(seconds=version),
        session_id=f"s{version}",
        sequence_number=version * 10,
        user_pk=None,
        operation=payload,
    )


def test_commit_writes_ops_and_snapshot_or_nothing(db_url: str) -> None:
    async def main() -> None:
        db = Database.from_url(db_url)
        try:
            await db.upgrade()
            async with db.transaction() as tx:
                domain = await DomainRepository(tx).ensure("convergence", "default")
                coll = await CollectionRepository(tx).ensure(domain.pk, "c")
                model = await ModelRepository(tx).create(
                    domain.pk, coll, "m", snapshot_to_json(_root(""))
                )
            await commit_operations(db, model.pk, 0, [_op(1, '{"a":1}')], "{}")
            await commit_operations(db, model.pk, 1, [_op(2, "x"), _op(3, "é")], '{"v":3}')
            # Stale base version: NotFound, and neither the log nor the snapshot moved.
            with pytest.raises(NotFound):
                await commit_operations(db, model.pk, 1, [_op(2, "dup")], '{"bad":1}')
            # A duplicate op version (primary key) fails after the UPDATE: rolled back too.
            with pytest.raises(Exception):  # noqa: B017 - driver-specific IntegrityError
                await commit_operations(db, model.pk, 3, [_op(4, "y"), _op(4, "z")], '{"b":1}')
            async with db.transaction(readonly=True) as tx:
                repo = ModelRepository(tx)
                stored = await repo.get(domain.pk, "m")
                ops = await repo.operations(model.pk, 1, 10)
            assert stored is not None
            assert (stored.version, stored.data) == (3, '{"v":3}')
            assert stored.modified_at == T0 + timedelta(seconds=3)
            assert [(o.version, o.operation, o.session_id, o.sequence_number) for o in ops] == [
                (1, '{"a":1}', "s1", 10),
                (2, "x", "s2", 20),
                (3, "é", "s3", 30),
            ]
            assert [o.timestamp for o in ops] == [T0 + timedelta(seconds=v) for v in (1, 2, 3)]
            async with db.transaction(readonly=True) as tx:
                assert (
                    await ModelRepository(tx).version_at(model.pk, T0 + timedelta(seconds=2)) == 2
                )
            # The connection went back to the pool usable: the session path still works.
            persistence = ModelPersistence(db, model.pk)
            await persistence.commit(3, [], _root("unused"))
            async with db.transaction() as tx:
                await ModelRepository(tx).set_world(model.pk, True, None)
            async with db.transaction(readonly=True) as tx:
                again = await ModelRepository(tx).get(domain.pk, "m")
            assert again is not None and again.override_world and again.version == 3
            assert snapshot_from_json(snapshot_to_json(_root("ok"))) == _root("ok")
        finally:
            await db.close()

    asyncio.run(main())
