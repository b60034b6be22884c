from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from convergence_jupyter.store import Database, SessionRecord, SessionRepository

from .conftest import run_with_db
from .helpers import make_domain, make_user


def test_open_close_get(with_db: Any) -> None:
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            d = await make_domain(session)
            u = await make_user(session, d, "u")
            sessions = SessionRepository(session)
            s1 = await sessions.open(d.pk, u.pk, "js", "1.0.0-rc.12", "Mozilla", "10.0.0.1")
            s2 = await sessions.open(d.pk, u.pk)
            assert isinstance(s1, SessionRecord) and isinstance(s1.id, int)
            assert s2.id > s1.id
            assert (s1.client, s1.client_version, s1.user_agent, s1.remote_host) == (
                "js",
                "1.0.0-rc.12",
                "Mozilla",
                "10.0.0.1",
            )
            assert s1.connected_at.tzinfo is UTC and s1.disconnected_at is None
        async with db.transaction() as session:
            sessions = SessionRepository(session)
            at = datetime(2031, 5, 6, tzinfo=UTC)
            assert await sessions.close(s1.id, at) is True
            assert await sessions.close(s1.id) is False  # already closed
            assert await sessions.close(987654) is False
            got = await sessions.get(s1.id)
            assert got is not None and got.disconnected_at == at
            assert [s.id for s in await sessions.list_open()] == [s2.id]
            assert [s.id for s in await sessions.list_open(d.pk)] == [s2.id]
            assert await sessions.list_open(d.pk + 1000) == []
            assert await sessions.get(987654) is None

    with_db(body)


def test_close_all_open_at_start(with_db: Any) -> None:
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            d = await make_domain(session)
            u = await make_user(session, d, "u")
            sessions = SessionRepository(session)
            opened = [await sessions.open(d.pk, u.pk) for _ in range(3)]
            await sessions.close(opened[0].id)
            assert await sessions.close_all_open() == 2
            assert await sessions.list_open() == []
            got = await sessions.get(opened[2].id)
            assert got is not None and got.disconnected_at is not None
            assert await sessions.close_all_open() == 0

    with_db(body)


def test_ids_increase_across_restarts_and_are_never_reused(db_url: str) -> None:
    async def first(db: Database) -> tuple[int, int, list[int]]:
        async with db.transaction() as session:
            d = await make_domain(session)
            u = await make_user(session, d, "u")
            ids = [(await SessionRepository(session).open(d.pk, u.pk)).id for _ in range(3)]
        # Even if the newest rows are purged, their ids must not come back.
        async with db.transaction() as session:
            await session.execute(text("DELETE FROM sessions WHERE id >= :i"), {"i": ids[1]})
        return d.pk, u.pk, ids

    domain_pk, user_pk, ids = run_with_db(db_url, first)

    async def second(db: Database) -> int:
        async with db.transaction() as session:
            return (await SessionRepository(session).open(domain_pk, user_pk)).id

    new_id = run_with_db(db_url, second)
    assert new_id > max(ids)
