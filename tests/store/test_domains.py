from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest

from convergence_jupyter.store import Database, DomainRepository, DomainStatus, NotFound


def test_ensure_creates_then_updates(with_db: Any) -> None:
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            repo = DomainRepository(session)
            assert await repo.get("ns", "d") is None
            created = await repo.ensure("ns", "d")
            assert created.display_name == "d"
            assert created.anonymous_auth is False
            assert created.auto_create_collections is True
            assert created.reconnect_token_minutes == 1440
            assert created.status is DomainStatus.ONLINE
            assert created.created_at.tzinfo is UTC
        async with db.transaction() as session:
            repo = DomainRepository(session)
            again = await repo.ensure("ns", "d", anonymous_auth=True, display_name="D")
            assert again.pk == created.pk
            assert (again.anonymous_auth, again.display_name) == (True, "D")
            # Unmentioned settings are kept.
            kept = await repo.ensure("ns", "d")
            assert (kept.anonymous_auth, kept.display_name) == (True, "D")
            assert await repo.get("ns", "d") == kept
            assert await repo.get_by_pk(created.pk) == kept

    with_db(body)


def test_update_config_and_list(with_db: Any) -> None:
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            repo = DomainRepository(session)
            b = await repo.ensure("ns", "b")
            await repo.ensure("ns", "a")
            await repo.ensure("alpha", "z")
            updated = await repo.update_config(
                b.pk,
                status="maintenance",
                reconnect_token_minutes=5,
                auto_create_collections=False,
            )
            assert updated.status == "maintenance"
            assert updated.status is DomainStatus.MAINTENANCE
            assert updated.reconnect_token_minutes == 5
            assert updated.auto_create_collections is False
            with pytest.raises(ValueError):
                await repo.update_config(b.pk, status="sleeping")
            with pytest.raises(ValueError):
                await repo.update_config(b.pk, reconnect_token_minutes=0)
            with pytest.raises(NotFound):
                await repo.update_config(9999, anonymous_auth=True)
        async with db.transaction(readonly=True) as session:
            names = [(d.namespace, d.name) for d in await DomainRepository(session).list()]
            assert names == [("alpha", "z"), ("ns", "a"), ("ns", "b")]

    with_db(body)


def test_delete_cascades(with_db: Any) -> None:
    from convergence_jupyter.store import UserRepository

    async def body(db: Database) -> None:
        async with db.transaction() as session:
            d = await DomainRepository(session).ensure("ns", "d")
            user = await UserRepository(session).create(d.pk, 0, "alice")
        async with db.transaction() as session:
            assert await DomainRepository(session).delete(d.pk) is True
            assert await DomainRepository(session).delete(d.pk) is False
        async with db.transaction() as session:
            assert await UserRepository(session).get_by_pk(user.pk) is None

    with_db(body)
