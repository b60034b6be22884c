"""Fixtures for the store tests: one fresh database per test, on SQLite and (opt-in) PostgreSQL.

PostgreSQL runs when ``CONVERGENCE_TEST_POSTGRES_URL`` names a database; each test gets its
own schema (dropped afterwards), so parallel or repeated runs never collide.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from database_backends import BACKENDS, database_url

from convergence_jupyter.store import Database

T = TypeVar("T")


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database (no tables yet)."""
    yield from database_url(request, tmp_path, "data/store.db")


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
