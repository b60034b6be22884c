"""Repository of collection schemas: the JSON text per collection, or none."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from .base import utcnow
from .schema_tables import CollectionSchemaRow


class CollectionSchemaRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, collection_pk: int) -> str | None:
        """The schema's JSON text, or None when the collection has no schema."""
        value = await self._session.scalar(
            select(CollectionSchemaRow.schema).where(
                CollectionSchemaRow.collection_pk == collection_pk
            )
        )
        return None if value is None else str(value)

    async def set(self, collection_pk: int, schema: str | None) -> None:
        """Replace the schema (None: remove it)."""
        await self._session.execute(
            delete(CollectionSchemaRow).where(CollectionSchemaRow.collection_pk == collection_pk)
        )
        if schema is not None:
            self._session.add(
                CollectionSchemaRow(collection_pk=collection_pk, schema=schema, updated_at=utcnow())
            )
            await self._session.flush()
