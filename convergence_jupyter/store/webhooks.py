"""Repositories of the model web hooks: the hooks of a collection and their delivery log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .base import utcnow
from .model_tables import CollectionRow
from .webhook_tables import WebhookDeliveryRow, WebhookRow


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """What an operator configures on a hook (everything but its identity and secret)."""

    url: str
    description: str = ""
    enabled: bool = True
    on_init: bool = False
    on_save: bool = True
    debounce_seconds: float = 2.0
    max_wait_seconds: float = 30.0
    timeout_seconds: float = 5.0
    max_attempts: int = 8


SETTING_NAMES = tuple(f.name for f in fields(WebhookSettings))


@dataclass(frozen=True, slots=True)
class WebhookRecord:
    pk: int
    hook_id: str
    domain_pk: int
    collection_pk: int
    collection_id: str
    secret: str
    settings: WebhookSettings
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    pk: int
    delivery_id: str
    hook_id: str
    event: str
    model_id: str
    version: int | None
    status: str
    attempts: int
    response_status: int | None
    error: str | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None


def _hook(row: WebhookRow, collection_id: str) -> WebhookRecord:
    return WebhookRecord(
        pk=row.id,
        hook_id=row.hook_id,
        domain_pk=row.domain_id,
        collection_pk=row.collection_pk,
        collection_id=collection_id,
        secret=row.secret,
        settings=WebhookSettings(**{name: getattr(row, name) for name in SETTING_NAMES}),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _delivery(row: WebhookDeliveryRow, hook_id: str) -> DeliveryRecord:
    return DeliveryRecord(
        pk=row.id,
        delivery_id=row.delivery_id,
        hook_id=hook_id,
        event=row.event,
        model_id=row.model_id,
        version=row.version,
        status=row.status,
        attempts=row.attempts,
        response_status=row.response_status,
        error=row.error,
        created_at=row.created_at,
        updated_at=row.updated_at,
        completed_at=row.completed_at,
    )


_HOOKS = select(WebhookRow, CollectionRow.collection_id).join(
    CollectionRow, CollectionRow.id == WebhookRow.collection_pk
)


class WebhookRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(
        self,
        domain_pk: int,
        collection_pk: int,
        hook_id: str,
        secret: str,
        settings: WebhookSettings,
    ) -> WebhookRecord:
        now = utcnow()
        row = WebhookRow(
            hook_id=hook_id,
            domain_id=domain_pk,
            collection_pk=collection_pk,
            secret=secret,
            created_at=now,
            updated_at=now,
            **{name: getattr(settings, name) for name in SETTING_NAMES},
        )
        self._session.add(row)
        await self._session.flush()
        found = await self.get(domain_pk, hook_id)
        assert found is not None
        return found

    async def get(self, domain_pk: int, hook_id: str) -> WebhookRecord | None:
        result = await self._session.execute(
            _HOOKS.where(WebhookRow.domain_id == domain_pk, WebhookRow.hook_id == hook_id)
        )
        first = result.first()
        return None if first is None else _hook(first[0], first[1])

    async def page(
        self,
        domain_pk: int,
        collection_pk: int | None,
        offset: int,
        limit: int,
    ) -> tuple[list[WebhookRecord], int]:
        """Hooks of a domain (or of one collection), oldest first, and how many there are."""
        where = [WebhookRow.domain_id == domain_pk]
        if collection_pk is not None:
            where.append(WebhookRow.collection_pk == collection_pk)
        total = await self._session.scalar(select(func.count(WebhookRow.id)).where(*where))
        result = await self._session.execute(
            _HOOKS.where(*where).order_by(WebhookRow.id).offset(offset).limit(limit)
        )
        return [_hook(row, cid) for row, cid in result.all()], int(total or 0)

    async def for_collection(self, domain_pk: int, collection_id: str) -> list[WebhookRecord]:
        """The enabled hooks of a collection, oldest first."""
        result = await self._session.execute(
            _HOOKS.where(
                WebhookRow.domain_id == domain_pk,
                CollectionRow.collection_id == collection_id,
                WebhookRow.enabled.is_(True),
            ).order_by(WebhookRow.id)
        )
        return [_hook(row, cid) for row, cid in result.all()]

    async def other_init_hook(self, collection_pk: int, except_pk: int | None = None) -> bool:
        """Whether the collection already has an (enabled or not) init hook besides one."""
        where = [WebhookRow.collection_pk == collection_pk, WebhookRow.on_init.is_(True)]
        if except_pk is not None:
            where.append(WebhookRow.id != except_pk)
        return bool(await self._session.scalar(select(func.count(WebhookRow.id)).where(*where)))

    async def update(self, pk: int, changes: Mapping[str, Any]) -> None:
        """Change settings (names from :data:`SETTING_NAMES`) and/or the ``secret``."""
        unknown = set(changes) - set(SETTING_NAMES) - {"secret"}
        if unknown:
            raise ValueError(f"not web hook settings: {sorted(unknown)}")
        await self._session.execute(
            update(WebhookRow).where(WebhookRow.id == pk).values(**changes, updated_at=utcnow())
        )

    async def delete(self, domain_pk: int, hook_id: str) -> bool:
        result = await self._session.execute(
            delete(WebhookRow).where(
                WebhookRow.domain_id == domain_pk, WebhookRow.hook_id == hook_id
            )
        )
        return bool(getattr(result, "rowcount", 0))


class DeliveryRepository:
    """The delivery log. Statuses: ``pending`` (being attempted), ``succeeded``, ``failed``
    (attempts used up or a final answer), ``refused`` (the target is not allowed),
    ``abandoned`` (the server stopped before it completed)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def start(
        self, hook_pk: int, delivery_id: str, event: str, model_id: str, version: int | None
    ) -> int:
        now = utcnow()
        row = WebhookDeliveryRow(
            delivery_id=delivery_id,
            hook_pk=hook_pk,
            event=event,
            model_id=model_id,
            version=version,
            status="pending",
            attempts=0,
            created_at=now,
            updated_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def record(
        self,
        pk: int,
        *,
        status: str,
        attempts: int,
        response_status: int | None,
        error: str | None,
        version: int | None = None,
    ) -> None:
        """The outcome of an attempt; a status other than ``pending`` completes the delivery."""
        now = utcnow()
        values: dict[str, Any] = {
            "status": status,
            "attempts": attempts,
            "response_status": response_status,
            "error": error,
            "updated_at": now,
            "completed_at": None if status == "pending" else now,
        }
        if version is not None:
            values["version"] = version
        await self._session.execute(
            update(WebhookDeliveryRow).where(WebhookDeliveryRow.id == pk).values(**values)
        )

    async def abandon(self, pks: Sequence[int], error: str) -> None:
        """Mark deliveries still pending (e.g. at shutdown) as abandoned."""
        if not pks:
            return
        now = utcnow()
        await self._session.execute(
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.id.in_(list(pks)), WebhookDeliveryRow.status == "pending")
            .values(status="abandoned", error=error, updated_at=now, completed_at=now)
        )

    async def page(
        self,
        hook_pk: int,
        offset: int,
        limit: int,
        *,
        status: str | None = None,
        event: str | None = None,
        model_id: str | None = None,
    ) -> tuple[list[DeliveryRecord], int]:
        """A hook's deliveries, newest first, and how many match."""
        where = [WebhookDeliveryRow.hook_pk == hook_pk]
        if status is not None:
            where.append(WebhookDeliveryRow.status == status)
        if event is not None:
            where.append(WebhookDeliveryRow.event == event)
        if model_id is not None:
            where.append(WebhookDeliveryRow.model_id == model_id)
        total = await self._session.scalar(select(func.count(WebhookDeliveryRow.id)).where(*where))
        result = await self._session.execute(
            select(WebhookDeliveryRow, WebhookRow.hook_id)
            .join(WebhookRow, WebhookRow.id == WebhookDeliveryRow.hook_pk)
            .where(*where)
            .order_by(WebhookDeliveryRow.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [_delivery(row, hook_id) for row, hook_id in result.all()], int(total or 0)

    async def last_delivered_version(self, hook_pk: int, model_id: str) -> int | None:
        """The newest model version a save of this hook delivered successfully."""
        return await self._session.scalar(
            select(func.max(WebhookDeliveryRow.version)).where(
                WebhookDeliveryRow.hook_pk == hook_pk,
                WebhookDeliveryRow.model_id == model_id,
                WebhookDeliveryRow.event == "save",
                WebhookDeliveryRow.status == "succeeded",
            )
        )

    async def prune(self, hook_pk: int, keep: int) -> None:
        """Keep only the newest ``keep`` deliveries of a hook."""
        cutoff = await self._session.scalar(
            select(WebhookDeliveryRow.id)
            .where(WebhookDeliveryRow.hook_pk == hook_pk)
            .order_by(WebhookDeliveryRow.id.desc())
            .offset(keep)
            .limit(1)
        )
        if cutoff is not None:
            await self._session.execute(
                delete(WebhookDeliveryRow).where(
                    WebhookDeliveryRow.hook_pk == hook_pk, WebhookDeliveryRow.id <= cutoff
                )
            )
