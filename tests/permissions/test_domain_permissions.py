"""Domain-wide grants: new domains allow chat creation, migration 0007 gives existing domains
the same, and the CLI lists, grants and revokes them."""

from __future__ import annotations

import asyncio

import pytest

from convergence_jupyter import cli
from convergence_jupyter.store import Database, DomainRepository
from convergence_jupyter.store.domain_permissions import CREATE_CHAT, DOMAIN_TARGET
from convergence_jupyter.store.permissions import PermissionRepository
from permissions.support import opened


async def _world(db: Database, domain_pk: int) -> frozenset[str]:
    async with db.transaction(readonly=True) as tx:
        return (await PermissionRepository(tx).get(domain_pk, DOMAIN_TARGET)).world


def test_a_new_domain_lets_everyone_create_chats_once(db_url: str) -> None:
    async def body() -> None:
        async with opened(db_url) as (db, domain):
            assert await _world(db, domain.pk) == {CREATE_CHAT}
            async with db.transaction() as tx:
                await PermissionRepository(tx).remove(domain.pk, DOMAIN_TARGET, world=[CREATE_CHAT])
                again = await DomainRepository(tx).ensure("ns", "d")  # every start does this
            assert again.pk == domain.pk
            assert await _world(db, domain.pk) == frozenset(), "a revocation survives restarts"

    asyncio.run(body())


def test_migration_grants_existing_domains_chat_creation(db_url: str) -> None:
    async def body() -> None:
        db = Database.from_url(db_url)
        try:
            await db.upgrade("0006_file_ids")
            async with db.engine.begin() as conn:
                await conn.exec_driver_sql(
                    "INSERT INTO domains (namespace, name, display_name, anonymous_auth, "
                    "auto_create_collections, reconnect_token_minutes, status, created_at) "
                    "VALUES ('old', 'one', 'one', false, true, 1440, 'online', CURRENT_TIMESTAMP)"
                )
            await db.upgrade()
            async with db.transaction(readonly=True) as tx:
                old = await DomainRepository(tx).get("old", "one")
            assert old is not None
            assert await _world(db, old.pk) == {CREATE_CHAT}
        finally:
            await db.close()

    asyncio.run(body())


def test_cli_grants_and_revokes(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--database-url", db_url]
    assert cli.main([*base, "user", "create", "alice", "--password", "pw"]) == 0
    assert cli.main([*base, "group", "create", "writers", "--member", "alice"]) == 0
    capsys.readouterr()
    assert cli.main([*base, "domain", "permissions", "list"]) == 0
    assert capsys.readouterr().out == f"world\t{CREATE_CHAT}\n"
    assert cli.main([*base, "domain", "permissions", "revoke", CREATE_CHAT, "--world"]) == 0
    assert cli.main([*base, "domain", "permissions", "grant", CREATE_CHAT, "--user", "alice"]) == 0
    assert (
        cli.main([*base, "domain", "permissions", "grant", CREATE_CHAT, "--group", "writers"]) == 0
    )
    capsys.readouterr()
    assert cli.main([*base, "domain", "permissions", "list"]) == 0
    assert capsys.readouterr().out == (
        f"world\t-\nuser alice\t{CREATE_CHAT}\ngroup writers\t{CREATE_CHAT}\n"
    )
    assert cli.main([*base, "domain", "permissions", "grant", "fly", "--world"]) == 1
    assert "unknown domain permission 'fly'" in capsys.readouterr().err
    assert cli.main([*base, "domain", "permissions", "revoke", CREATE_CHAT, "--user", "zed"]) == 1
    assert "no user 'zed'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main([*base, "domain", "permissions", "grant", CREATE_CHAT])  # whom?
