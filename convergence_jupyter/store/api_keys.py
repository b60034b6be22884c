"""User API keys: create, find by public id, list, touch and delete (revoke).

Only hashes arrive here (``auth/api_keys.py`` makes and hashes the tokens); a record never
carries the hash, so records can be returned to callers as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from .api_key_tables import ApiKeyRow
from .base import utcnow
from .errors import AlreadyExists


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    key_id: str
    owner: str
    name: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None


def _record(row: ApiKeyRow) -> ApiKeyRecord:
    return ApiKeyRecord(
        key_id=row.key_id,
        owner=row.owner,
        name=row.name,
        scopes=tuple(s for s in row.scopes.split(",") if s),
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
    )


class ApiKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(
        self,
        *,
        key_id: str,
        key_hash: str,
        owner: str,
        name: str,
        scopes: tuple[str, ...],
        expires_at: datetime,
    ) -> ApiKeyRecord:
        """Store a new key. Raises :class:`AlreadyExists` if ``owner`` has a key of that name."""
        row = ApiKeyRow(
            key_id=key_id,
            key_hash=key_hash,
            owner=owner,
            name=name,
            scopes=",".join(scopes),
            created_at=utcnow(),
            expires_at=expires_at,
        )
        try:
            async with self._session.begin_nested():
                self._session.add(row)
        except IntegrityError as exc:
            raise AlreadyExists(f"API key {name!r} of {owner!r}") from exc
        return _record(row)

    async def get(self, key_id: str) -> ApiKeyRecord | None:
        row = await self._session.scalar(select(ApiKeyRow).where(ApiKeyRow.key_id == key_id))
        return None if row is None else _record(row)

    async def credentials(self, key_id: str) -> tuple[ApiKeyRecord, str] | None:
        """The record and stored hash, for verification only."""
        row = await self._session.scalar(select(ApiKeyRow).where(ApiKeyRow.key_id == key_id))
        return None if row is None else (_record(row), row.key_hash)

    async def list(
        self, owner: str | None, *, offset: int = 0, limit: int = 100
    ) -> tuple[list[ApiKeyRecord], int]:
        """Keys of ``owner`` (None: everybody's), newest first, and their total count."""
        where = [] if owner is None else [ApiKeyRow.owner == owner]
        total = await self._session.scalar(
            select(func.count()).select_from(ApiKeyRow).where(*where)
        )
        rows = await self._session.scalars(
            select(ApiKeyRow)
            .where(*where)
            .order_by(ApiKeyRow.created_at.desc(), ApiKeyRow.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [_record(r) for r in rows], int(total or 0)

    async def touch(self, key_id: str, at: datetime, *, granularity: timedelta) -> None:
        """Record a use, unless one was recorded less than ``granularity`` ago (saves writes)."""
        await self._session.execute(
            update(ApiKeyRow)
            .where(
                ApiKeyRow.key_id == key_id,
                or_(ApiKeyRow.last_used_at.is_(None), ApiKeyRow.last_used_at < at - granularity),
            )
            .values(last_used_at=at)
        )

    async def delete(self, key_id: str) -> bool:
        """Revoke: the row goes, so the next verification on any process fails."""
        result = await self._session.execute(delete(ApiKeyRow).where(ApiKeyRow.key_id == key_id))
        return bool(getattr(result, "rowcount", 0))


__all__ = ["ApiKeyRecord", "ApiKeyRepository"]
