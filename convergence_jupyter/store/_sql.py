"""Small dialect helpers shared by the repositories."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")

# Keeps IN lists well under SQLite's bound-parameter limit.
CHUNK = 500


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert_ignore_stmt(session: AsyncSession, table: Table, conflict: Sequence[str]) -> Any:
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=conflict)
    if name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=conflict)
    raise NotImplementedError(name)  # pragma: no cover - only the two supported backends


async def insert_ignore(
    session: AsyncSession,
    table: Any,
    rows: Sequence[Mapping[str, Any]],
    conflict_columns: Sequence[str],
) -> None:
    """INSERT ... ON CONFLICT (cols) DO NOTHING for many rows: race-free "create if absent".

    Concurrent writers of the same key both succeed and one row results, which a
    SELECT-then-INSERT cannot guarantee.
    """
    if rows:
        stmt = _insert_ignore_stmt(session, table, conflict_columns)
        await session.execute(stmt, [dict(r) for r in rows])


async def insert_ignore_one(
    session: AsyncSession, table: Any, row: Mapping[str, Any], conflict_columns: Sequence[str]
) -> bool:
    """Like :func:`insert_ignore` for one row; True if this call inserted it."""
    # RETURNING rather than rowcount: drivers disagree on rowcount when RETURNING is
    # added implicitly, and both backends support RETURNING (SQLite >= 3.35).
    stmt = (
        _insert_ignore_stmt(session, table, conflict_columns)
        .values(**row)
        .returning(*table.primary_key.columns)
    )
    result = await session.execute(stmt)
    return result.first() is not None
