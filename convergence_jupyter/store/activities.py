"""Persistent activities (type, id, ephemeral flag); their grants live in permissions.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from .activity_tables import ActivityRow
from .errors import AlreadyExists


@dataclass(frozen=True, slots=True)
class ActivityRecord:
    pk: int
    domain_pk: int
    activity_type: str
    activity_id: str
    ephemeral: bool
    created_at: datetime


def _record(row: ActivityRow) -> ActivityRecord:
    return ActivityRecord(
        pk=row.id,
        domain_pk=row.domain_id,
        activity_type=row.activity_type,
        activity_id=row.activity_id,
        ephemeral=row.ephemeral,
        created_at=row.created_at,
    )


class ActivityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(
        self, domain_pk: int, activity_type: str, activity_id: str
    ) -> ActivityRecord | None:
        row = await self._session.scalar(
            select(ActivityRow).where(
                ActivityRow.domain_id == domain_pk,
                ActivityRow.activity_type == activity_type,
                ActivityRow.activity_id == activity_id,
            )
        )
        return None if row is None else _record(row)

    async def create(
        self, domain_pk: int, activity_type: str, activity_id: str, *, ephemeral: bool = False
    ) -> ActivityRecord:
        """Create an activity. Raises :class:`AlreadyExists` if (type, id) is taken."""
        row = ActivityRow(
            domain_id=domain_pk,
            activity_type=activity_type,
            activity_id=activity_id,
            ephemeral=ephemeral,
        )
        try:
            async with self._session.begin_nested():
                self._session.add(row)
                await self._session.flush()
        except IntegrityError:
            raise AlreadyExists(f"activity {activity_type}/{activity_id}") from None
        return _record(row)

    async def delete(self, pk: int) -> bool:
        """Delete an activity and (by cascade) its grants; False if it was already gone."""
        result = await self._session.execute(delete(ActivityRow).where(ActivityRow.id == pk))
        return bool(getattr(result, "rowcount", 0))
