"""The database handle: async engine, transactions and Alembic migrations.

Server code runs on asyncio, so all I/O goes through async drivers (``aiosqlite`` for the
embedded default, ``psycopg`` 3 for PostgreSQL). Alembic is synchronous; it runs on an async
connection through ``run_sync`` or, for the command line, on a short-lived sync engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

Synchronous = Literal["NORMAL", "FULL"]

# Execution option a read-only transaction sets so that SQLite uses a deferred BEGIN.
_READONLY_OPTION = "convergence_readonly"
# Arbitrary constant: serialises concurrent ``upgrade()`` calls from several processes.
_PG_MIGRATION_LOCK = 0x436F6E76  # "Conv"


def _is_memory_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def normalize_url(url: str | URL, *, sync: bool = False) -> URL:
    """Map a user-facing database URL to the driver we use.

    ``sqlite:///path`` becomes ``sqlite+aiosqlite`` (``sqlite+pysqlite`` when ``sync``);
    ``postgres://``, ``postgresql://`` and any ``postgresql+driver://`` become
    ``postgresql+psycopg`` (psycopg 3 serves both the async and the sync engine).
    """
    parsed = make_url(url) if isinstance(url, str) else url
    backend = parsed.drivername.split("+", 1)[0]
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+pysqlite" if sync else "sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    raise ValueError(f"unsupported database URL scheme {parsed.drivername!r}")


def _make_parent_dir(url: URL) -> None:
    if url.get_backend_name() == "sqlite" and not _is_memory_sqlite(url):
        assert url.database is not None
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _install_sqlite_hooks(engine: Engine, synchronous: Synchronous, busy_timeout_ms: int) -> None:
    """Per-connection PRAGMAs and explicit transaction control for SQLite.

    The stdlib driver's implicit transaction handling does not emit BEGIN before DDL or
    SAVEPOINT, so it is switched off and SQLAlchemy's begin emits the BEGIN itself. Write
    transactions use ``BEGIN IMMEDIATE``: a deferred transaction that later wants to write can
    fail at once with SQLITE_BUSY under WAL, without waiting for the busy timeout.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA synchronous = {synchronous}")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        readonly = conn.get_execution_options().get(_READONLY_OPTION, False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def _alembic_config(url: URL | None = None) -> Config:
    """Programmatic Alembic configuration: no ``alembic.ini`` is needed at run time."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    if url is not None:
        rendered = url.render_as_string(hide_password=False)
        cfg.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return cfg


def _run_alembic(
    connection: Connection, action: Callable[[Config, str], None], revision: str
) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
    cfg = _alembic_config()
    cfg.attributes["connection"] = connection
    action(cfg, revision)


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def _commit_and_close(session: AsyncSession) -> None:
    try:
        await session.commit()
    finally:
        await session.close()


async def _run_to_end(cleanup: Coroutine[Any, Any, None]) -> None:
    """Await ``cleanup`` to its end even if the caller is cancelled meanwhile, then re-raise
    the cancellation.

    Why: a task cancelled while its COMMIT or ROLLBACK is under way (a handshake timing out, a
    socket closing) would otherwise leave the pooled connection inside its transaction. On
    SQLite that transaction holds the database's write lock until the process ends, and every
    later writer waits out the busy timeout and fails.
    """
    task = asyncio.ensure_future(cleanup)
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.done():
                break
            cancelled = True
    if cancelled:
        task.exception()  # retrieved, so a failed cleanup is not reported as never awaited
        raise asyncio.CancelledError
    task.result()


class Database:
    """One database: an async engine plus a session factory.

    Create with :meth:`from_url`, call :meth:`upgrade` once at start-up, use
    ``async with db.transaction() as session`` around repository calls and
    :meth:`close` at shutdown (engines left open leak connections and ResourceWarnings).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        synchronous: Synchronous = "NORMAL",
        busy_timeout_ms: int = 5000,
    ) -> None:
        self._engine = engine
        self._synchronous: Synchronous = synchronous
        self._busy_timeout_ms = busy_timeout_ms
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=True)

    @classmethod
    def from_url(
        cls,
        url: str | URL,
        *,
        synchronous: Synchronous = "NORMAL",
        busy_timeout_ms: int = 5000,
        echo: bool = False,
    ) -> Database:
        """Open a database from a plain URL (``sqlite:///path``, ``postgresql://...``).

        SQLite: the parent directory is created, WAL journal, ``synchronous=NORMAL`` (survives
        a process crash; pass ``"FULL"`` to also survive power loss), foreign keys on and a
        busy timeout. ``sqlite://`` alone is a private in-memory database (tests only).
        """
        if synchronous not in ("NORMAL", "FULL"):
            raise ValueError("synchronous must be 'NORMAL' or 'FULL'")
        target = normalize_url(url)
        kwargs: dict[str, Any] = {"echo": echo}
        if target.get_backend_name() == "sqlite":
            if _is_memory_sqlite(target):
                kwargs["poolclass"] = StaticPool
            _make_parent_dir(target)
        else:
            kwargs["pool_pre_ping"] = True
        engine = create_async_engine(target, **kwargs)
        if target.get_backend_name() == "sqlite":
            _install_sqlite_hooks(engine.sync_engine, synchronous, busy_timeout_ms)
        return cls(engine, synchronous=synchronous, busy_timeout_ms=busy_timeout_ms)

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    @property
    def dialect_name(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._engine.dialect.name

    def __repr__(self) -> str:
        return f"Database({self._engine.url.render_as_string(hide_password=True)!r})"

    @asynccontextmanager
    async def transaction(self, *, readonly: bool = False) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on normal exit, rolled back on error.

        ``readonly=True`` only relaxes locking on SQLite (deferred BEGIN); it does not stop
        writes, so use it just for read paths.
        """
        session = self._sessions()
        try:
            if readonly:
                # First use of the connection: the option is set before BEGIN is emitted.
                await session.connection(execution_options={_READONLY_OPTION: True})
            yield session
        except BaseException:
            await _run_to_end(session.close())  # close() rolls back
            raise
        await _run_to_end(_commit_and_close(session))

    # -- migrations -------------------------------------------------------------------------

    async def upgrade(self, revision: str = "head") -> None:
        """Migrate the schema to ``revision`` (default: the newest) in one transaction."""
        async with self._engine.begin() as conn:
            await conn.run_sync(_run_alembic, command.upgrade, revision)

    async def downgrade(self, revision: str) -> None:
        """Migrate the schema down to ``revision`` (``"base"`` drops everything)."""
        async with self._engine.begin() as conn:
            await conn.run_sync(_run_alembic, command.downgrade, revision)

    def upgrade_sync(self, revision: str = "head") -> None:
        """Blocking :meth:`upgrade` for command-line tools; never call it on the event loop.

        It uses its own short-lived synchronous engine on the same database.
        """
        url = self._engine.url
        if _is_memory_sqlite(url):
            raise ValueError("upgrade_sync cannot reach a private in-memory database")
        sync_engine = create_sync_engine(
            url, synchronous=self._synchronous, busy_timeout_ms=self._busy_timeout_ms
        )
        try:
            with sync_engine.begin() as conn:
                _run_alembic(conn, command.upgrade, revision)
        finally:
            sync_engine.dispose()

    def current_revision_sync(self) -> str | None:
        """Blocking :meth:`current_revision` for start-up checks; never call it on the loop."""
        url = self._engine.url
        if _is_memory_sqlite(url):
            raise ValueError("current_revision_sync cannot reach a private in-memory database")
        sync_engine = create_sync_engine(
            url, synchronous=self._synchronous, busy_timeout_ms=self._busy_timeout_ms
        )
        try:
            with sync_engine.connect() as conn:
                return _current_revision(conn)
        finally:
            sync_engine.dispose()

    async def current_revision(self) -> str | None:
        """The revision the database is at, or None before the first migration."""
        async with self._engine.connect() as conn:
            return await conn.run_sync(_current_revision)

    async def ping(self) -> None:
        """One trivial round trip (readiness probes); raises when the database does not answer."""
        async with self._engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    @staticmethod
    def head_revision() -> str | None:
        """The newest revision shipped with this package."""
        return ScriptDirectory.from_config(_alembic_config()).get_current_head()

    async def is_up_to_date(self) -> bool:
        return await self.current_revision() == self.head_revision()

    async def close(self) -> None:
        """Close every pooled connection. Safe to call twice."""
        await self._engine.dispose()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def create_sync_engine(
    url: str | URL, *, synchronous: Synchronous = "NORMAL", busy_timeout_ms: int = 5000
) -> Engine:
    """A blocking engine with the same SQLite settings, for Alembic's command line."""
    target = normalize_url(url, sync=True)
    _make_parent_dir(target)
    engine = create_engine(target)
    if target.get_backend_name() == "sqlite":
        _install_sqlite_hooks(engine, synchronous, busy_timeout_ms)
    return engine
