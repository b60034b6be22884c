"""Schema migrations (reliability T13): one head, the migrated schema equals the models,
and upgrade / downgrade / upgrade round-trips on every backend."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from convergence_jupyter.store import Database, DomainRepository
from convergence_jupyter.store.database import MIGRATIONS_DIR, normalize_url
from convergence_jupyter.store.tables import metadata

from .conftest import run_with_db

STORE_DIR = Path(MIGRATIONS_DIR).parent


def _scripts() -> ScriptDirectory:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    return ScriptDirectory.from_config(cfg)


def _diff(conn: Connection) -> list[Any]:
    ctx = MigrationContext.configure(
        conn, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(ctx, metadata))


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


def test_single_head() -> None:
    heads = _scripts().get_heads()
    assert len(heads) == 1
    assert Database.head_revision() == heads[0]


def test_revisions_do_not_import_live_models() -> None:
    # A revision importing the live tables would silently change when the models change.
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text()
        assert "convergence_jupyter" not in source, path.name


def test_upgrade_from_nothing_matches_models(with_db: Any) -> None:
    async def body(db: Database) -> None:
        assert await db.current_revision() == Database.head_revision()
        assert await db.is_up_to_date()
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            tables = await conn.run_sync(_tables)
        assert tables == set(metadata.tables) | {"alembic_version"}

    with_db(body)


def test_upgrade_downgrade_upgrade(db_url: str) -> None:
    async def body(db: Database) -> None:
        assert await db.current_revision() is None
        await db.upgrade()
        async with db.transaction() as session:
            await DomainRepository(session).ensure("ns", "d")
        await db.downgrade("base")
        assert await db.current_revision() is None
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_tables) <= {"alembic_version", "sqlite_sequence"}
        await db.upgrade()
        assert await db.current_revision() == Database.head_revision()
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
        async with db.transaction() as session:
            assert await DomainRepository(session).list() == []

    run_with_db(db_url, body, upgrade=False)


def test_each_revision_steps_down_and_up(db_url: str) -> None:
    revisions = [s.revision for s in reversed(list(_scripts().walk_revisions()))]

    async def body(db: Database) -> None:
        for rev in revisions:
            await db.upgrade(rev)
            assert await db.current_revision() == rev
            await db.downgrade("-1")
            await db.upgrade(rev)
            assert await db.current_revision() == rev

    run_with_db(db_url, body, upgrade=False)


def test_upgrade_is_idempotent(with_db: Any) -> None:
    async def body(db: Database) -> None:
        await db.upgrade()
        assert await db.current_revision() == Database.head_revision()

    with_db(body)


def test_upgrade_sync_for_the_command_line(db_url: str) -> None:
    db = Database.from_url(db_url)
    try:
        db.upgrade_sync()
        assert asyncio.run(db.current_revision()) == Database.head_revision()
    finally:
        asyncio.run(db.close())


def test_alembic_by_hand(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVERGENCE_DATABASE_URL", db_url)
    cfg = Config(str(STORE_DIR / "alembic.ini"))
    command.upgrade(cfg, "head")

    async def body(db: Database) -> None:
        assert await db.current_revision() == Database.head_revision()
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []

    run_with_db(db_url, body, upgrade=False)
    command.downgrade(cfg, "base")


def test_sqlite_settings(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "x.db"

    async def pragmas(db: Database) -> tuple[Any, ...]:
        async with db.transaction(readonly=True) as session:
            values = []
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout"):
                values.append((await session.execute(text(f"PRAGMA {name}"))).scalar())
            return tuple(values)

    assert run_with_db(f"sqlite:///{path}", pragmas) == ("wal", 1, 1, 5000)
    assert path.exists()

    async def full() -> tuple[Any, ...]:
        db = Database.from_url(f"sqlite:///{path}", synchronous="FULL", busy_timeout_ms=1234)
        try:
            return await pragmas(db)
        finally:
            await db.close()

    assert asyncio.run(full()) == ("wal", 2, 1, 1234)
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()
    with pytest.raises(ValueError, match="synchronous"):
        Database.from_url(f"sqlite:///{path}", synchronous="OFF")  # type: ignore[arg-type]


def test_in_memory_sqlite() -> None:
    async def body(db: Database) -> None:
        async with db.transaction() as session:
            await DomainRepository(session).ensure("ns", "mem")
        async with db.transaction() as session:
            assert [d.name for d in await DomainRepository(session).list()] == ["mem"]

    run_with_db("sqlite://", body)
    with pytest.raises(ValueError, match="in-memory"):
        Database.from_url("sqlite://").upgrade_sync()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///a/b.db", "sqlite+aiosqlite:///a/b.db"),
        ("sqlite+pysqlite:////abs/b.db", "sqlite+aiosqlite:////abs/b.db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h:5433/db", "postgresql+psycopg://u@h:5433/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_normalize_url(given: str, expected: str) -> None:
    assert normalize_url(given).render_as_string() == expected


def test_normalize_url_sync_and_unsupported() -> None:
    assert normalize_url("sqlite:///x.db", sync=True).drivername == "sqlite+pysqlite"
    with pytest.raises(ValueError, match="unsupported"):
        normalize_url("mysql://u@h/db")


def test_transaction_rolls_back_on_error(with_db: Any) -> None:
    async def body(db: Database) -> None:
        with pytest.raises(RuntimeError):
            async with db.transaction() as session:
                await DomainRepository(session).ensure("ns", "gone")
                raise RuntimeError("boom")
        async with db.transaction() as session:
            assert await DomainRepository(session).get("ns", "gone") is None

    with_db(body)


def test_repr_hides_password() -> None:
    db = Database.from_url("postgresql://user:hunter2@localhost/db")
    try:
        assert "hunter2" not in repr(db)
    finally:
        asyncio.run(db.close())


def test_failed_upgrade_leaves_nothing_half_done(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A migration that dies part-way rolls back completely (DDL is transactional on both
    backends; on SQLite because the store emits BEGIN itself)."""
    from alembic.operations import Operations

    real = Operations.create_index

    def failing_create_index(self: Operations, index_name: Any, *args: Any, **kw: Any) -> Any:
        if "ix_sessions_user_id" in str(index_name):
            raise RuntimeError("simulated crash mid-migration")
        return real(self, index_name, *args, **kw)

    async def body(db: Database) -> None:
        monkeypatch.setattr(Operations, "create_index", failing_create_index)
        with pytest.raises(RuntimeError, match="simulated"):
            await db.upgrade()
        monkeypatch.undo()
        assert await db.current_revision() is None
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_tables) <= {"sqlite_sequence"}
        await db.upgrade()
        assert await db.is_up_to_date()

    run_with_db(db_url, body, upgrade=False)


def test_concurrent_upgrades_are_serialised(db_url: str) -> None:
    async def main() -> None:
        dbs = [Database.from_url(db_url, busy_timeout_ms=30_000) for _ in range(3)]
        try:
            await asyncio.gather(*(db.upgrade() for db in dbs))
            for db in dbs:
                assert await db.is_up_to_date()
        finally:
            for db in dbs:
                await db.close()

    asyncio.run(main())
