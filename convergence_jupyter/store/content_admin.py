"""Administrative queries over a domain's content (collections, models, chats, activities):
paged listings with totals, collection create/update/delete, collection grants, and the
insert of an imported model at its exported version.

Used by the REST API (``rest/``); the realtime services keep using their own repositories.
Listings are ordered by the natural id so that pages are stable between calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from .activities import ActivityRecord
from .activity_tables import ActivityRow
from .base import utcnow
from .chat_tables import ChatRow
from .chats import ChatRecord, ChatRepository
from .errors import AlreadyExists
from .model_tables import CollectionRow, CollectionUserPermissionRow, ModelRow
from .models import CollectionRecord, CollectionRepository, ModelRecord, PermissionFlags


@dataclass(frozen=True, slots=True)
class ModelSummary:
    """A model without its snapshot, for listings."""

    model_id: str
    collection_id: str
    version: int
    created_at: datetime
    modified_at: datetime


def _contains(column: Any, term: str) -> Any:
    """Case-insensitive substring match with LIKE wildcards in ``term`` taken literally."""
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


class ContentAdminRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _page(
        self, row_type: Any, clauses: Sequence[Any], order: Sequence[Any], offset: int, limit: int
    ) -> tuple[list[Any], int]:
        total = await self._session.scalar(
            select(func.count()).select_from(row_type).where(*clauses)
        )
        rows = await self._session.scalars(
            select(row_type).where(*clauses).order_by(*order).offset(offset).limit(limit)
        )
        return list(rows), int(total or 0)

    # -- collections ---------------------------------------------------------------------------

    async def collections(
        self, domain_pk: int, *, offset: int, limit: int, id_contains: str | None = None
    ) -> tuple[list[CollectionRecord], int]:
        clauses: list[Any] = [CollectionRow.domain_id == domain_pk]
        if id_contains:
            clauses.append(_contains(CollectionRow.collection_id, id_contains))
        rows, total = await self._page(
            CollectionRow, clauses, [CollectionRow.collection_id], offset, limit
        )
        repo = CollectionRepository(self._session)
        records = [await repo.get_by_pk(r.id) for r in rows]
        return [r for r in records if r is not None], total

    async def create_collection(
        self, domain_pk: int, collection_id: str, description: str, world: PermissionFlags
    ) -> CollectionRecord:
        """Raises :class:`AlreadyExists` if the id is taken in the domain."""
        row = CollectionRow(
            domain_id=domain_pk,
            collection_id=collection_id,
            description=description,
            world_read=world.read,
            world_write=world.write,
            world_remove=world.remove,
            world_manage=world.manage,
            world_create=world.create,
        )
        try:
            async with self._session.begin_nested():
                self._session.add(row)
                await self._session.flush()
        except IntegrityError:
            raise AlreadyExists(f"collection {collection_id!r} exists") from None
        found = await CollectionRepository(self._session).get_by_pk(row.id)
        assert found is not None
        return found

    async def set_collection_description(self, pk: int, description: str) -> None:
        await self._session.execute(
            update(CollectionRow).where(CollectionRow.id == pk).values(description=description)
        )

    async def delete_collection(self, pk: int) -> bool:
        """Delete a collection and, by cascade, its models, their logs and grants."""
        result = await self._session.execute(delete(CollectionRow).where(CollectionRow.id == pk))
        return bool(getattr(result, "rowcount", 0))

    async def collection_user_permissions(self, collection_pk: int) -> dict[int, PermissionFlags]:
        rows = await self._session.scalars(
            select(CollectionUserPermissionRow).where(
                CollectionUserPermissionRow.collection_pk == collection_pk
            )
        )
        return {
            r.user_id: PermissionFlags(r.read, r.write, r.remove, r.manage, r.create) for r in rows
        }

    async def remove_collection_user_permissions(
        self, collection_pk: int, user_pks: Iterable[int] | None = None
    ) -> None:
        """Drop the given users' grants, or every grant when ``user_pks`` is None."""
        stmt = delete(CollectionUserPermissionRow).where(
            CollectionUserPermissionRow.collection_pk == collection_pk
        )
        if user_pks is not None:
            stmt = stmt.where(CollectionUserPermissionRow.user_id.in_(list(user_pks)))
        await self._session.execute(stmt)

    async def collection_model_ids(self, collection_pk: int) -> list[str]:
        rows = await self._session.scalars(
            select(ModelRow.model_id).where(ModelRow.collection_pk == collection_pk)
        )
        return list(rows)

    # -- models --------------------------------------------------------------------------------

    async def models(
        self,
        collection_pk: int,
        *,
        offset: int,
        limit: int,
        id_contains: str | None = None,
        modified_after: datetime | None = None,
    ) -> tuple[list[ModelSummary], int]:
        clauses: list[Any] = [ModelRow.collection_pk == collection_pk]
        if id_contains:
            clauses.append(_contains(ModelRow.model_id, id_contains))
        if modified_after is not None:
            clauses.append(ModelRow.modified_at > modified_after)
        total = await self._session.scalar(
            select(func.count()).select_from(ModelRow).where(*clauses)
        )
        rows = await self._session.execute(
            select(
                ModelRow.model_id,
                CollectionRow.collection_id,
                ModelRow.version,
                ModelRow.created_at,
                ModelRow.modified_at,
            )
            .join(CollectionRow, CollectionRow.id == ModelRow.collection_pk)
            .where(*clauses)
            .order_by(ModelRow.model_id)
            .offset(offset)
            .limit(limit)
        )
        return [ModelSummary(*r) for r in rows], int(total or 0)

    async def import_model(
        self,
        domain_pk: int,
        collection: CollectionRecord,
        model_id: str,
        data: str,
        *,
        version: int,
        created_at: datetime | None,
        modified_at: datetime | None,
        override_world: bool,
        world: PermissionFlags,
    ) -> ModelRecord:
        """Insert a model at ``version`` with no operation log (an imported snapshot).

        Raises :class:`AlreadyExists` for a taken id. Clients open it at ``version``; there is
        nothing before it to replay, as for a model created by the server.
        """
        now = utcnow()
        row = ModelRow(
            domain_id=domain_pk,
            collection_pk=collection.pk,
            model_id=model_id,
            version=version,
            value_prefix=1,
            created_at=created_at or now,
            modified_at=modified_at or created_at or now,
            data=data,
            override_world=override_world,
            world_read=world.read,
            world_write=world.write,
            world_remove=world.remove,
            world_manage=world.manage,
            ephemeral=False,
        )
        try:
            async with self._session.begin_nested():
                self._session.add(row)
                await self._session.flush()
        except IntegrityError:
            raise AlreadyExists(f"model {model_id!r} exists") from None
        return ModelRecord(
            pk=row.id,
            domain_pk=domain_pk,
            collection_pk=collection.pk,
            collection_id=collection.collection_id,
            model_id=model_id,
            version=row.version,
            value_prefix=row.value_prefix,
            created_at=row.created_at,
            modified_at=row.modified_at,
            data=data,
            override_world=override_world,
            world=PermissionFlags(world.read, world.write, world.remove, world.manage),
            ephemeral=False,
        )

    # -- chats ---------------------------------------------------------------------------------

    async def chats(
        self,
        domain_pk: int,
        *,
        offset: int,
        limit: int,
        types: Sequence[str] = (),
        id_contains: str | None = None,
    ) -> tuple[list[ChatRecord], int]:
        """Every chat of the domain (an administrator's view; no visibility rules)."""
        clauses: list[Any] = [ChatRow.domain_id == domain_pk]
        if types:
            clauses.append(ChatRow.chat_type.in_(list(types)))
        if id_contains:
            clauses.append(_contains(ChatRow.chat_id, id_contains))
        rows, total = await self._page(ChatRow, clauses, [ChatRow.chat_id], offset, limit)
        repo = ChatRepository(self._session)
        records = [await repo.get_by_pk(r.id) for r in rows]
        return [r for r in records if r is not None], total

    # -- activities ----------------------------------------------------------------------------

    async def activities(
        self,
        domain_pk: int,
        *,
        offset: int,
        limit: int,
        activity_type: str | None = None,
        id_contains: str | None = None,
    ) -> tuple[list[ActivityRecord], int]:
        clauses: list[Any] = [ActivityRow.domain_id == domain_pk]
        if activity_type:
            clauses.append(ActivityRow.activity_type == activity_type)
        if id_contains:
            clauses.append(_contains(ActivityRow.activity_id, id_contains))
        rows, total = await self._page(
            ActivityRow,
            clauses,
            [ActivityRow.activity_type, ActivityRow.activity_id],
            offset,
            limit,
        )
        return [
            ActivityRecord(
                pk=r.id,
                domain_pk=r.domain_id,
                activity_type=r.activity_type,
                activity_id=r.activity_id,
                ephemeral=r.ephemeral,
                created_at=r.created_at,
            )
            for r in rows
        ], total
