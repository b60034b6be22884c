"""Connection sessions. Ids come from the database so they stay unique across restarts
(operations are de-duplicated by session id and sequence number)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .base import utcnow
from .identity_tables import SessionRow
from .records import SessionRecord


def _record(row: SessionRow) -> SessionRecord:
    return SessionRecord(
        id=row.id,
        domain_pk=row.domain_id,
        user_pk=row.user_id,
        client=row.client,
        client_version=row.client_version,
        user_agent=row.user_agent,
        remote_host=row.remote_host,
        connected_at=row.connected_at,
        disconnected_at=row.disconnected_at,
    )


class SessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def open(
        self,
        domain_pk: int,
        user_pk: int,
        client: str = "",
        client_version: str = "",
        user_agent: str = "",
        remote_host: str = "",
        *,
        at: datetime | None = None,
    ) -> SessionRecord:
        """Record a new connection and return it with its fresh, never-reused id."""
        row = SessionRow(
            domain_id=domain_pk,
            user_id=user_pk,
            client=client,
            client_version=client_version,
            user_agent=user_agent,
            remote_host=remote_host,
            connected_at=at or utcnow(),
        )
        self._session.add(row)
        await self._session.flush()
        return _record(row)

    async def get(self, session_id: int) -> SessionRecord | None:
        row = await self._session.get(SessionRow, session_id)
        return None if row is None else _record(row)

    async def close(self, session_id: int, at: datetime | None = None) -> bool:
        """Mark a session disconnected; False if unknown or already closed."""
        result = await self._session.execute(
            update(SessionRow)
            .where(SessionRow.id == session_id, SessionRow.disconnected_at.is_(None))
            .values(disconnected_at=at or utcnow())
        )
        return bool(getattr(result, "rowcount", 0))

    async def close_all_open(self, at: datetime | None = None) -> int:
        """Close every session still marked open (run at server start: a previous process
        died without closing them). Returns how many were closed."""
        result = await self._session.execute(
            update(SessionRow)
            .where(SessionRow.disconnected_at.is_(None))
            .values(disconnected_at=at or utcnow())
            .execution_options(synchronize_session=False)
        )
        self._session.expire_all()
        return int(getattr(result, "rowcount", 0))

    async def list_open(self, domain_pk: int | None = None) -> list[SessionRecord]:
        stmt = select(SessionRow).where(SessionRow.disconnected_at.is_(None))
        if domain_pk is not None:
            stmt = stmt.where(SessionRow.domain_id == domain_pk)
        rows = await self._session.scalars(stmt.order_by(SessionRow.id))
        return [_record(r) for r in rows]
