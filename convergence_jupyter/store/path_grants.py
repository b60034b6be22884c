"""Storing path-level model grants (issue 12); resolution lives in models/path_permissions.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from .identity_tables import GroupMemberRow, UserGroupRow, UserRow, UserType
from .path_grant_tables import ModelPathGrantRow
from .records import UserKey


@dataclass(frozen=True, slots=True)
class StoredPathGrant:
    """One grant as stored: ``user_pk`` / ``group_pk`` set for a user / group subject."""

    path: str
    subject: str
    user_pk: int | None
    group_pk: int | None
    read: bool
    write: bool
    #: For listing: the user's key or the group id.
    user: UserKey | None = None
    group_id: str | None = None


class PathGrantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def _match(
        self, model_pk: int, path: str, subject: str, user_pk: int | None, group_pk: int | None
    ) -> list[Any]:
        clause: list[Any] = [
            ModelPathGrantRow.model_pk == model_pk,
            ModelPathGrantRow.path == path,
            ModelPathGrantRow.subject == subject,
        ]
        if subject == "user":
            clause.append(ModelPathGrantRow.user_id == user_pk)
        elif subject == "group":
            clause.append(ModelPathGrantRow.group_pk == group_pk)
        return clause

    async def put(
        self,
        model_pk: int,
        path: str,
        subject: str,
        *,
        user_pk: int | None = None,
        group_pk: int | None = None,
        read: bool,
        write: bool,
    ) -> None:
        """Create or replace the grant of one subject on one path."""
        await self._session.execute(
            delete(ModelPathGrantRow).where(
                *self._match(model_pk, path, subject, user_pk, group_pk)
            )
        )
        self._session.add(
            ModelPathGrantRow(
                model_pk=model_pk,
                path=path,
                subject=subject,
                user_id=user_pk if subject == "user" else None,
                group_pk=group_pk if subject == "group" else None,
                read=read,
                write=write,
            )
        )
        await self._session.flush()

    async def remove(
        self,
        model_pk: int,
        path: str,
        subject: str,
        *,
        user_pk: int | None = None,
        group_pk: int | None = None,
    ) -> bool:
        result = await self._session.execute(
            delete(ModelPathGrantRow).where(
                *self._match(model_pk, path, subject, user_pk, group_pk)
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def of_model(self, model_pk: int) -> list[StoredPathGrant]:
        result = await self._session.execute(
            select(
                ModelPathGrantRow,
                UserRow.user_type,
                UserRow.username,
                UserGroupRow.group_id,
            )
            .outerjoin(UserRow, UserRow.id == ModelPathGrantRow.user_id)
            .outerjoin(UserGroupRow, UserGroupRow.id == ModelPathGrantRow.group_pk)
            .where(ModelPathGrantRow.model_pk == model_pk)
            .order_by(ModelPathGrantRow.path, ModelPathGrantRow.id)
        )
        out = []
        for row, user_type, username, group_id in result:
            out.append(
                StoredPathGrant(
                    row.path,
                    row.subject,
                    row.user_id,
                    row.group_pk,
                    row.read,
                    row.write,
                    UserKey(UserType(user_type), username) if username is not None else None,
                    group_id,
                )
            )
        return out

    async def group_ids_of(self, user_pk: int) -> set[str]:
        """The ids of the groups a user belongs to (group subjects name groups by id)."""
        rows = await self._session.scalars(
            select(UserGroupRow.group_id)
            .join(GroupMemberRow, GroupMemberRow.user_group_id == UserGroupRow.id)
            .where(GroupMemberRow.user_id == user_pk)
        )
        return set(rows)
