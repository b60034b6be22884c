"""Fixtures for the store tests: one fresh database per test, on SQLite and (opt-in) PostgreSQL.

PostgreSQL runs when ``CONVERGENCE_TEST_POSTGRES_URL`` names a database; each test gets its
own schema (dropped afterwards), so parallel or repeated runs never collide.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy.engine import make_url

from convergence_jupyter.store import Database

T = TypeVar("T")
PG_ENV = "CONVERGENCE_TEST_POSTGRES_URL"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


def _pg_schema(base_url: str) -> Iterator[str]:
    import psycopg

    schema = f"cj_test_{uuid.uuid4().hex[:12]}"
    url = make_url(base_url)
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database (no tables yet)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'store.db'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1/test)")
    yield from _pg_schema(base)


RunDb = Callable[[Callable[[Database], Awaitable[Any]]], Any]


def run_with_db(url: str, body: Callable[[Database], Awaitable[T]], *, upgrade: bool = True) -> T:
    """Open the database, optionally migrate it, run ``body`` and always close the engine
    (an unclosed engine leaks connections, which ``filterwarnings = error`` turns into
    failures)."""

    async def main() -> T:
        db = Database.from_url(url)
        try:
            if upgrade:
                await db.upgrade()
            return await body(db)
        finally:
            await db.close()

    return asyncio.run(main())


@pytest.fixture
def with_db(db_url: str) -> RunDb:
    """``with_db(async_fn)`` runs ``async_fn(db)`` on a migrated, fresh database."""

    def run(body: Callable[[Database], Awaitable[Any]]) -> Any:
        return run_with_db(db_url, body)

    return run
