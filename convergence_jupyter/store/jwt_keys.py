"""Per-domain JWT verification keys (public keys only)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ._sql import insert_ignore_one
from .base import utcnow
from .domain_tables import JwtKeyRow
from .records import JwtKeyRecord


def _record(row: JwtKeyRow) -> JwtKeyRecord:
    return JwtKeyRecord(
        pk=row.id,
        domain_pk=row.domain_id,
        key_id=row.key_id,
        description=row.description,
        public_key_pem=row.public_key_pem,
        enabled=row.enabled,
        updated_at=row.updated_at,
    )


class JwtKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _row(self, domain_pk: int, key_id: str) -> JwtKeyRow | None:
        return await self._session.scalar(
            select(JwtKeyRow)
            .where(JwtKeyRow.domain_id == domain_pk, JwtKeyRow.key_id == key_id)
            .execution_options(populate_existing=True)
        )

    async def put(
        self,
        domain_pk: int,
        key_id: str,
        public_key_pem: str,
        *,
        description: str = "",
        enabled: bool = True,
    ) -> JwtKeyRecord:
        """Add the key or replace the one with the same ``key_id`` (the JWT ``kid``).

        The PEM is stored as given; ``auth/`` should parse it before calling this so a bad
        key is refused at configuration time rather than at the first login.
        """
        if not key_id:
            raise ValueError("key_id must not be empty")
        now = utcnow()
        values = {
            "public_key_pem": public_key_pem,
            "description": description,
            "enabled": enabled,
            "updated_at": now,
        }
        inserted = await insert_ignore_one(
            self._session,
            JwtKeyRow.__table__,
            {"domain_id": domain_pk, "key_id": key_id, **values},
            ["domain_id", "key_id"],
        )
        row = await self._row(domain_pk, key_id)
        assert row is not None
        if not inserted:
            for name, value in values.items():
                setattr(row, name, value)
            await self._session.flush()
        return _record(row)

    async def get(self, domain_pk: int, key_id: str) -> JwtKeyRecord | None:
        row = await self._row(domain_pk, key_id)
        return None if row is None else _record(row)

    async def get_enabled(self, domain_pk: int, key_id: str) -> JwtKeyRecord | None:
        """The key a JWT with this ``kid`` must verify against, if it is enabled."""
        row = await self._row(domain_pk, key_id)
        return None if row is None or not row.enabled else _record(row)

    async def list(self, domain_pk: int) -> list[JwtKeyRecord]:
        rows = await self._session.scalars(
            select(JwtKeyRow).where(JwtKeyRow.domain_id == domain_pk).order_by(JwtKeyRow.key_id)
        )
        return [_record(r) for r in rows]

    async def set_enabled(self, domain_pk: int, key_id: str, enabled: bool) -> bool:
        row = await self._row(domain_pk, key_id)
        if row is None:
            return False
        row.enabled = enabled
        row.updated_at = utcnow()
        await self._session.flush()
        return True

    async def delete(self, domain_pk: int, key_id: str) -> bool:
        result = await self._session.execute(
            delete(JwtKeyRow).where(JwtKeyRow.domain_id == domain_pk, JwtKeyRow.key_id == key_id)
        )
        return bool(getattr(result, "rowcount", 0))
