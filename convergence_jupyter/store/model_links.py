"""Repository of the model link index and the per-collection link delete policies."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from .link_tables import CollectionLinkPolicyRow, ModelLinkRow
from .model_tables import CollectionRow, ModelRow


class LinkPolicy(StrEnum):
    """What deleting a linked-to model does to the models linking to it."""

    REFUSE = "refuse"
    CASCADE = "cascade"
    NULLIFY = "nullify"


#: Deleting keeps working as it always has (rc.12 clients delete freely), and no link is left
#: dangling: the links become null, visibly to open clients.
DEFAULT_POLICY = LinkPolicy.NULLIFY


@dataclass(frozen=True, slots=True)
class StoredLink:
    path: str
    collection: str
    model_id: str


@dataclass(frozen=True, slots=True)
class Backlink:
    """A model that links to the one asked about, and where."""

    source_pk: int
    source_id: str
    source_collection: str
    path: str


class ModelLinkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def links_of(self, source_pk: int) -> list[StoredLink]:
        rows = await self._session.execute(
            select(ModelLinkRow.path, ModelLinkRow.target_collection, ModelLinkRow.target_model_id)
            .where(ModelLinkRow.source_pk == source_pk)
            .order_by(ModelLinkRow.path)
        )
        return [StoredLink(p, c, m) for p, c, m in rows]

    async def replace(self, domain_pk: int, source_pk: int, links: Iterable[StoredLink]) -> None:
        """Make ``links`` the source model's whole set."""
        await self._session.execute(delete(ModelLinkRow).where(ModelLinkRow.source_pk == source_pk))
        rows = [
            ModelLinkRow(
                source_pk=source_pk,
                path=link.path,
                domain_id=domain_pk,
                target_collection=link.collection,
                target_model_id=link.model_id,
            )
            for link in links
        ]
        if rows:
            self._session.add_all(rows)
            await self._session.flush()

    async def backlinks(self, domain_pk: int, collection: str, model_id: str) -> list[Backlink]:
        """Every (model, path) linking to ``collection``/``model_id``, by source id and path."""
        rows = await self._session.execute(
            select(ModelRow.id, ModelRow.model_id, CollectionRow.collection_id, ModelLinkRow.path)
            .join(ModelRow, ModelRow.id == ModelLinkRow.source_pk)
            .join(CollectionRow, CollectionRow.id == ModelRow.collection_pk)
            .where(
                ModelLinkRow.domain_id == domain_pk,
                ModelLinkRow.target_model_id == model_id,
                ModelLinkRow.target_collection == collection,
            )
            .order_by(ModelRow.model_id, ModelLinkRow.path)
        )
        return [Backlink(pk, sid, coll, path) for pk, sid, coll, path in rows]

    async def policy(self, collection_pk: int) -> LinkPolicy:
        value = await self._session.scalar(
            select(CollectionLinkPolicyRow.policy).where(
                CollectionLinkPolicyRow.collection_pk == collection_pk
            )
        )
        return DEFAULT_POLICY if value is None else LinkPolicy(value)

    async def set_policy(self, collection_pk: int, policy: LinkPolicy) -> None:
        await self._session.execute(
            delete(CollectionLinkPolicyRow).where(
                CollectionLinkPolicyRow.collection_pk == collection_pk
            )
        )
        self._session.add(CollectionLinkPolicyRow(collection_pk=collection_pk, policy=policy.value))
        await self._session.flush()
