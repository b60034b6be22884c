from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from convergence_jupyter.store import (
    Database,
    ReconnectTokenRecord,
    ReconnectTokenRepository,
    SessionRepository,
    UserRepository,
)

from .helpers import make_domain, make_user, token_hash

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def test_issue_find_refresh_expire(with_db: Any) -> None:
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            d = await make_domain(session)
            u = await make_user(session, d, "u")
            tokens = ReconnectTokenRepository(session)
            h = token_hash("secret-token")
            issued = await tokens.issue(d.pk, u.pk, h, NOW + timedelta(hours=24), now=NOW)
            assert isinstance(issued, ReconnectTokenRecord)
            assert (issued.user_pk, issued.domain_pk, issued.token_hash) == (u.pk, d.pk, h)
        async with db.transaction() as session:
            tokens = ReconnectTokenRepository(session)
            found = await tokens.find_valid(h, NOW + timedelta(hours=23))
            assert found == issued
            user = await tokens.find_valid_user(h, NOW)
            assert user is not None and user.pk == u.pk
            assert await tokens.find_valid(h, NOW + timedelta(hours=24)) is None  # expired
            assert await tokens.find_valid(token_hash("other"), NOW) is None
            # Domain scoping.
            assert await tokens.find_valid(h, NOW, domain_pk=d.pk) is not None
            assert await tokens.find_valid(h, NOW, domain_pk=d.pk + 1) is None
            # Refresh moves the expiry.
            assert await tokens.refresh(h, NOW + timedelta(hours=48)) is True
            assert await tokens.find_valid(h, NOW + timedelta(hours=47)) is not None
            assert await tokens.refresh(token_hash("other"), NOW) is False

    with_db(body)


def test_only_hashes_are_accepted(with_db: Any) -> None:
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            d = await make_domain(session)
            u = await make_user(session, d, "u")
            tokens = ReconnectTokenRepository(session)
            for bad in ("plaintext-token", token_hash("x").upper(), token_hash("x")[:-1]):
                with pytest.raises(ValueError, match="SHA-256"):
                    await tokens.issue(d.pk, u.pk, bad, NOW)
                with pytest.raises(ValueError):
                    await tokens.find_valid(bad, NOW)

    with_db(body)


def test_disabled_user_tokens_are_invalid(with_db: Any) -> None:
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            d = await make_domain(session)
            u = await make_user(session, d, "u")
            tokens = ReconnectTokenRepository(session)
            h = token_hash("t")
            await tokens.issue(d.pk, u.pk, h, NOW + timedelta(hours=1), now=NOW)
            await UserRepository(session).set_disabled(u.pk, True)
            assert await tokens.find_valid(h, NOW) is None
            await UserRepository(session).set_disabled(u.pk, False)
            assert await tokens.find_valid(h, NOW) is not None

    with_db(body)


def test_revoke_and_purge(with_db: Any) -> None:
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            d = await make_domain(session)
            u = await make_user(session, d, "u")
            v = await make_user(session, d, "v")
            tokens = ReconnectTokenRepository(session)
            for i in range(3):
                await tokens.issue(d.pk, u.pk, token_hash(f"old{i}"), NOW - timedelta(minutes=1))
            await tokens.issue(d.pk, u.pk, token_hash("live"), NOW + timedelta(hours=1))
            await tokens.issue(d.pk, v.pk, token_hash("v1"), NOW + timedelta(hours=1))
            await tokens.issue(d.pk, v.pk, token_hash("v2"), NOW + timedelta(hours=1))
            assert await tokens.purge_expired(NOW) == 3
            assert await tokens.purge_expired(NOW) == 0
            assert await tokens.find_valid(token_hash("live"), NOW) is not None
            assert await tokens.revoke(token_hash("live")) is True
            assert await tokens.revoke(token_hash("live")) is False
            assert await tokens.find_valid(token_hash("live"), NOW) is None
            assert await tokens.revoke_for_user(v.pk) == 2
            assert await tokens.find_valid(token_hash("v1"), NOW) is None

    with_db(body)


def test_purge_uses_current_time_by_default(with_db: Any) -> None:
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            d = await make_domain(session)
            u = await make_user(session, d, "u")
            tokens = ReconnectTokenRepository(session)
            now = datetime.now(UTC)
            await tokens.issue(d.pk, u.pk, token_hash("a"), now - timedelta(seconds=5))
            await tokens.issue(d.pk, u.pk, token_hash("b"), now + timedelta(hours=1))
            assert await tokens.find_valid(token_hash("a")) is None
            assert await tokens.find_valid(token_hash("b")) is not None
            assert await tokens.purge_expired() == 1

    with_db(body)


def test_sessions_opened_with_one_token_form_a_chain(with_db: Any) -> None:
    # Issue 14: a reconnect token links each new session to the client's earlier ones; a
    # second token of the same user (another tab) is another chain.
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            d = await make_domain(session)
            u = await make_user(session, d, "u")
            tokens = ReconnectTokenRepository(session)
            sessions = SessionRepository(session)
            tab1, tab2 = token_hash("tab-1"), token_hash("tab-2")
            for h in (tab1, tab2):
                await tokens.issue(d.pk, u.pk, h, NOW + timedelta(hours=1), now=NOW)
            opened: dict[str, list[int]] = {tab1: [], tab2: []}
            for h in (tab1, tab2, tab1, tab1, tab2):
                pk = (await sessions.open(d.pk, u.pk)).id
                assert await tokens.link_session(h, pk) == opened[h][::-1]
                opened[h].append(pk)
        async with db.transaction(readonly=True) as session:
            tokens = ReconnectTokenRepository(session)
            last1, last2 = opened[tab1][-1], opened[tab2][-1]
            assert await tokens.lineage(last1) == opened[tab1][-2::-1]
            assert await tokens.lineage(last2) == opened[tab2][-2::-1]
            assert await tokens.lineage(opened[tab1][0]) == []
            assert await tokens.lineage(10**9) == []  # outside any chain
        async with db.transaction() as session:
            # A revoked token takes its origin with it; its sessions keep their chain.
            tokens = ReconnectTokenRepository(session)
            assert await tokens.revoke(tab1) is True
            assert await tokens.lineage(last1) == opened[tab1][-2::-1]
            with pytest.raises(ValueError, match="SHA-256"):
                await tokens.link_session("plaintext", last1)

    with_db(body)
