"""The transaction context of :class:`Database` under cancellation, and lock-timeout retries.

Found by the reconnect fuzz: a handshake cancelled while its transaction was finishing left a
pooled SQLite connection inside BEGIN IMMEDIATE, and every later writer failed on the busy
timeout. These pin that a cancelled transaction always ends (rolled back) and frees the lock.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from convergence_jupyter.store import Database
from convergence_jupyter.store.errors import is_lock_timeout

CREATE = "CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY)"


async def _write_then_wait(db: Database, key: str, started: asyncio.Event) -> None:
    async with db.transaction() as tx:
        await tx.execute(text("INSERT INTO t (k) VALUES (:k)"), {"k": key})
        started.set()
        await asyncio.sleep(30)


@pytest.mark.parametrize("cancels", [1, 2, 5, 40])
def test_a_cancelled_write_transaction_frees_the_write_lock(tmp_path: Path, cancels: int) -> None:
    """Cancelled again and again while it rolls back, the transaction still ends: another
    connection can write at once, and the cancelled row is not there."""

    async def main() -> None:
        db = Database.from_url(f"sqlite:///{tmp_path / 'db.sqlite'}", busy_timeout_ms=200)
        try:
            async with db.engine.begin() as conn:
                await conn.execute(text(CREATE))
            started = asyncio.Event()
            task = asyncio.create_task(_write_then_wait(db, "cancelled", started))
            await started.wait()
            for _ in range(cancels):
                task.cancel()
                await asyncio.sleep(0)
            with pytest.raises(asyncio.CancelledError):
                await task
            # The write lock is free: a second writer does not wait out the busy timeout.
            other = sqlite3.connect(tmp_path / "db.sqlite", timeout=0.2, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("INSERT INTO t (k) VALUES ('other')")
                other.execute("COMMIT")
                rows = {k for (k,) in other.execute("SELECT k FROM t")}
            finally:
                other.close()
            assert rows == {"other"}
            # And the pool's connection is usable again.
            async with db.transaction() as tx:
                await tx.execute(text("INSERT INTO t (k) VALUES ('after')"))
        finally:
            await db.close()

    asyncio.run(main())


def test_a_transaction_cancelled_during_its_commit_ends_committed(tmp_path: Path) -> None:
    """A cancel that lands while COMMIT runs does not cut the commit short: the caller sees
    the cancellation, the data is either fully there or absent, and the lock is free."""

    async def main() -> None:
        db = Database.from_url(f"sqlite:///{tmp_path / 'db.sqlite'}", busy_timeout_ms=200)
        try:
            async with db.engine.begin() as conn:
                await conn.execute(text(CREATE))
            outcomes = []
            for i in range(20):

                async def write(key: str) -> None:
                    async with db.transaction() as tx:
                        await tx.execute(text("INSERT INTO t (k) VALUES (:k)"), {"k": key})

                task = asyncio.create_task(write(f"k{i}"))
                for _ in range(i):  # cancel at a different step of the transaction each time
                    await asyncio.sleep(0)
                task.cancel()
                try:
                    await task
                    outcomes.append("done")
                except asyncio.CancelledError:
                    outcomes.append("cancelled")
            async with db.transaction() as tx:
                await tx.execute(text("INSERT INTO t (k) VALUES ('after')"))
                keys = set((await tx.execute(text("SELECT k FROM t"))).scalars())
            assert "after" in keys
            for i, outcome in enumerate(outcomes):
                if outcome == "done":
                    assert f"k{i}" in keys
            assert "cancelled" in outcomes
        finally:
            await db.close()

    asyncio.run(main())


def test_lock_timeouts_are_recognised(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    waiter = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    try:
        holder.execute("CREATE TABLE t (k TEXT)")
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError) as caught:
            waiter.execute("BEGIN IMMEDIATE")
        assert is_lock_timeout(caught.value)
        wrapped = OperationalError("BEGIN IMMEDIATE", {}, caught.value)
        assert is_lock_timeout(wrapped)
    finally:
        holder.close()
        waiter.close()
    assert not is_lock_timeout(sqlite3.OperationalError("no such table: x"))
    assert not is_lock_timeout(ValueError("database is locked"))
