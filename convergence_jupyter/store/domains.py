"""Domains (tenants) and their configuration."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ._sql import insert_ignore_one
from .domain_permissions import grant_domain_defaults
from .domain_tables import DomainRow, DomainStatus
from .errors import NotFound
from .records import DomainRecord


def _record(row: DomainRow) -> DomainRecord:
    return DomainRecord(
        pk=row.id,
        namespace=row.namespace,
        name=row.name,
        display_name=row.display_name,
        anonymous_auth=row.anonymous_auth,
        auto_create_collections=row.auto_create_collections,
        reconnect_token_minutes=row.reconnect_token_minutes,
        status=DomainStatus(row.status),
        created_at=row.created_at,
    )


class DomainRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, namespace: str, name: str) -> DomainRecord | None:
        row = await self._session.scalar(
            select(DomainRow).where(DomainRow.namespace == namespace, DomainRow.name == name)
        )
        return None if row is None else _record(row)

    async def get_by_pk(self, pk: int) -> DomainRecord | None:
        row = await self._session.get(DomainRow, pk)
        return None if row is None else _record(row)

    async def list(self) -> list[DomainRecord]:
        rows = await self._session.scalars(
            select(DomainRow).order_by(DomainRow.namespace, DomainRow.name)
        )
        return [_record(r) for r in rows]

    async def ensure(
        self,
        namespace: str,
        name: str,
        *,
        display_name: str | None = None,
        anonymous_auth: bool | None = None,
        auto_create_collections: bool | None = None,
        reconnect_token_minutes: int | None = None,
        status: DomainStatus | str | None = None,
    ) -> DomainRecord:
        """Create the domain if missing, then apply the given settings (None = keep).

        Safe when several processes start at once: creation is an insert-if-absent.
        """
        created = await insert_ignore_one(
            self._session,
            DomainRow.__table__,
            {"namespace": namespace, "name": name, "display_name": display_name or name},
            ["namespace", "name"],
        )
        row = await self._session.scalar(
            select(DomainRow)
            .where(DomainRow.namespace == namespace, DomainRow.name == name)
            .execution_options(populate_existing=True)
        )
        assert row is not None
        if created:
            await grant_domain_defaults(self._session, row.id)
        return await self.update_config(
            row.id,
            display_name=display_name,
            anonymous_auth=anonymous_auth,
            auto_create_collections=auto_create_collections,
            reconnect_token_minutes=reconnect_token_minutes,
            status=status,
        )

    async def update_config(
        self,
        pk: int,
        *,
        display_name: str | None = None,
        anonymous_auth: bool | None = None,
        auto_create_collections: bool | None = None,
        reconnect_token_minutes: int | None = None,
        status: DomainStatus | str | None = None,
    ) -> DomainRecord:
        """Change the given settings (None = keep). Raises :class:`NotFound`."""
        row = await self._session.get(DomainRow, pk)
        if row is None:
            raise NotFound(f"domain {pk}")
        if display_name is not None:
            row.display_name = display_name
        if anonymous_auth is not None:
            row.anonymous_auth = anonymous_auth
        if auto_create_collections is not None:
            row.auto_create_collections = auto_create_collections
        if reconnect_token_minutes is not None:
            if reconnect_token_minutes <= 0:
                raise ValueError("reconnect_token_minutes must be positive")
            row.reconnect_token_minutes = reconnect_token_minutes
        if status is not None:
            row.status = DomainStatus(status).value
        await self._session.flush()
        return _record(row)

    async def delete(self, pk: int) -> bool:
        """Delete a domain and, by cascade, everything it owns."""
        row = await self._session.get(DomainRow, pk)
        if row is None:
            return False
        await self._session.delete(row)
        await self._session.flush()
        return True
