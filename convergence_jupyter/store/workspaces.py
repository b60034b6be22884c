"""Workspace types, instances, parts and members; and what membership grants on a part.

``permissions`` of a workspace is JSON ``{"model": {"read": .., "write": .., "remove": ..,
"manage": ..}, "chat": [...], "activity": [...]}`` (``workspaces/types.MemberPermissions``).
A user holds it on a part when the part belongs to a workspace of which the user, or a group
the user is in, is a member; the permission resolvers of models, chats and activities add it
(see :meth:`WorkspaceRepository.member_grants`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from .activity_tables import ActivityRow
from .base import utcnow
from .chat_tables import ChatRow
from .errors import AlreadyExists
from .identity_tables import GroupMemberRow, UserGroupRow, UserRow
from .model_tables import CollectionRow, ModelRow
from .workspace_tables import (
    WorkspaceMemberRow,
    WorkspacePartRow,
    WorkspaceRow,
    WorkspaceTypeRow,
)


@dataclass(frozen=True, slots=True)
class PartRecord:
    role: str
    kind: str  # "model", "chat" or "activity"
    pk: int
    #: model id, chat id, or activity id
    public_id: str
    #: the model's collection id or the activity's type; "" for a chat
    scope: str


@dataclass(frozen=True, slots=True)
class MemberRecord:
    user_pk: int | None = None
    #: user_type, username (users) or group id (groups)
    user_type: int | None = None
    username: str | None = None
    group_pk: int | None = None
    group_id: str | None = None


@dataclass(frozen=True, slots=True)
class WorkspaceRecord:
    pk: int
    workspace_id: str
    type_id: str
    permissions: dict[str, Any]
    created_at: datetime
    parts: tuple[PartRecord, ...]
    members: tuple[MemberRecord, ...]

    def of_kind(self, kind: str) -> list[PartRecord]:
        return [p for p in self.parts if p.kind == kind]


class WorkspaceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # -- types ------------------------------------------------------------------------------

    async def get_type(self, domain_pk: int, type_id: str) -> str | None:
        value = await self._session.scalar(
            select(WorkspaceTypeRow.definition).where(
                WorkspaceTypeRow.domain_id == domain_pk, WorkspaceTypeRow.type_id == type_id
            )
        )
        return None if value is None else str(value)

    async def types(self, domain_pk: int) -> list[tuple[str, str]]:
        """(type id, definition) of the domain's own types, by id."""
        rows = await self._session.execute(
            select(WorkspaceTypeRow.type_id, WorkspaceTypeRow.definition)
            .where(WorkspaceTypeRow.domain_id == domain_pk)
            .order_by(WorkspaceTypeRow.type_id)
        )
        return [(t, d) for t, d in rows]

    async def put_type(self, domain_pk: int, type_id: str, definition: str) -> bool:
        """Create or replace; True if it was created."""
        row = await self._session.scalar(
            select(WorkspaceTypeRow).where(
                WorkspaceTypeRow.domain_id == domain_pk, WorkspaceTypeRow.type_id == type_id
            )
        )
        if row is not None:
            row.definition = definition
            row.updated_at = utcnow()
            await self._session.flush()
            return False
        self._session.add(
            WorkspaceTypeRow(
                domain_id=domain_pk, type_id=type_id, definition=definition, updated_at=utcnow()
            )
        )
        await self._session.flush()
        return True

    async def delete_type(self, domain_pk: int, type_id: str) -> bool:
        result = await self._session.execute(
            delete(WorkspaceTypeRow).where(
                WorkspaceTypeRow.domain_id == domain_pk, WorkspaceTypeRow.type_id == type_id
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def count_of_type(self, domain_pk: int, type_id: str) -> int:
        total = await self._session.scalar(
            select(func.count(WorkspaceRow.id)).where(
                WorkspaceRow.domain_id == domain_pk, WorkspaceRow.type_id == type_id
            )
        )
        return int(total or 0)

    # -- instances --------------------------------------------------------------------------

    async def create(
        self, domain_pk: int, workspace_id: str, type_id: str, permissions: str
    ) -> int:
        """The new workspace's pk. Raises :class:`AlreadyExists` for a taken id."""
        row = WorkspaceRow(
            domain_id=domain_pk,
            workspace_id=workspace_id,
            type_id=type_id,
            permissions=permissions,
            model_read=bool(json.loads(permissions)["model"]["read"]),
            created_at=utcnow(),
        )
        try:
            async with self._session.begin_nested():
                self._session.add(row)
                await self._session.flush()
        except IntegrityError:
            raise AlreadyExists(f"workspace {workspace_id!r}") from None
        return row.id

    async def add_part(
        self,
        workspace_pk: int,
        role: str,
        *,
        model_pk: int | None = None,
        chat_pk: int | None = None,
        activity_pk: int | None = None,
    ) -> None:
        self._session.add(
            WorkspacePartRow(
                workspace_pk=workspace_pk,
                role=role,
                model_pk=model_pk,
                chat_pk=chat_pk,
                activity_pk=activity_pk,
            )
        )
        await self._session.flush()

    async def get(self, domain_pk: int, workspace_id: str) -> WorkspaceRecord | None:
        row = await self._session.scalar(
            select(WorkspaceRow).where(
                WorkspaceRow.domain_id == domain_pk, WorkspaceRow.workspace_id == workspace_id
            )
        )
        return None if row is None else await self._record(row)

    async def page(
        self, domain_pk: int, *, offset: int = 0, limit: int = 50
    ) -> tuple[list[WorkspaceRecord], int]:
        total = await self._session.scalar(
            select(func.count(WorkspaceRow.id)).where(WorkspaceRow.domain_id == domain_pk)
        )
        rows = await self._session.scalars(
            select(WorkspaceRow)
            .where(WorkspaceRow.domain_id == domain_pk)
            .order_by(WorkspaceRow.workspace_id)
            .offset(offset)
            .limit(limit)
        )
        return [await self._record(r) for r in rows], int(total or 0)

    async def _record(self, row: WorkspaceRow) -> WorkspaceRecord:
        parts: list[PartRecord] = []
        models = await self._session.execute(
            select(
                WorkspacePartRow.role, ModelRow.id, ModelRow.model_id, CollectionRow.collection_id
            )
            .join(ModelRow, ModelRow.id == WorkspacePartRow.model_pk)
            .join(CollectionRow, CollectionRow.id == ModelRow.collection_pk)
            .where(WorkspacePartRow.workspace_pk == row.id)
            .order_by(WorkspacePartRow.id)
        )
        parts.extend(PartRecord(r, "model", pk, mid, c) for r, pk, mid, c in models)
        chats = await self._session.execute(
            select(WorkspacePartRow.role, ChatRow.id, ChatRow.chat_id)
            .join(ChatRow, ChatRow.id == WorkspacePartRow.chat_pk)
            .where(WorkspacePartRow.workspace_pk == row.id)
            .order_by(WorkspacePartRow.id)
        )
        parts.extend(PartRecord(r, "chat", pk, cid, "") for r, pk, cid in chats)
        activities = await self._session.execute(
            select(
                WorkspacePartRow.role,
                ActivityRow.id,
                ActivityRow.activity_id,
                ActivityRow.activity_type,
            )
            .join(ActivityRow, ActivityRow.id == WorkspacePartRow.activity_pk)
            .where(WorkspacePartRow.workspace_pk == row.id)
            .order_by(WorkspacePartRow.id)
        )
        parts.extend(PartRecord(r, "activity", pk, aid, t) for r, pk, aid, t in activities)
        members: list[MemberRecord] = []
        users = await self._session.execute(
            select(UserRow.id, UserRow.user_type, UserRow.username)
            .join(WorkspaceMemberRow, WorkspaceMemberRow.user_id == UserRow.id)
            .where(WorkspaceMemberRow.workspace_pk == row.id)
            .order_by(UserRow.username)
        )
        members.extend(MemberRecord(user_pk=pk, user_type=t, username=u) for pk, t, u in users)
        groups = await self._session.execute(
            select(UserGroupRow.id, UserGroupRow.group_id)
            .join(WorkspaceMemberRow, WorkspaceMemberRow.group_pk == UserGroupRow.id)
            .where(WorkspaceMemberRow.workspace_pk == row.id)
            .order_by(UserGroupRow.group_id)
        )
        members.extend(MemberRecord(group_pk=pk, group_id=g) for pk, g in groups)
        return WorkspaceRecord(
            pk=row.id,
            workspace_id=row.workspace_id,
            type_id=row.type_id,
            permissions=json.loads(row.permissions),
            created_at=row.created_at,
            parts=tuple(parts),
            members=tuple(members),
        )

    async def delete(self, record: WorkspaceRecord) -> None:
        """Delete the workspace and every part it made (their grants, operations, events and
        link rows go by cascade), in the caller's transaction."""
        for kind, table in (("model", ModelRow), ("chat", ChatRow), ("activity", ActivityRow)):
            pks = [p.pk for p in record.of_kind(kind)]
            if pks:
                await self._session.execute(delete(table).where(table.id.in_(pks)))
        await self._session.execute(delete(WorkspaceRow).where(WorkspaceRow.id == record.pk))

    # -- members ----------------------------------------------------------------------------

    async def add_member(
        self, workspace_pk: int, *, user_pk: int | None = None, group_pk: int | None = None
    ) -> bool:
        """False if already a member."""
        try:
            async with self._session.begin_nested():
                self._session.add(
                    WorkspaceMemberRow(
                        workspace_pk=workspace_pk, user_id=user_pk, group_pk=group_pk
                    )
                )
                await self._session.flush()
        except IntegrityError:
            return False
        return True

    async def remove_member(
        self, workspace_pk: int, *, user_pk: int | None = None, group_pk: int | None = None
    ) -> bool:
        column = WorkspaceMemberRow.user_id if user_pk is not None else WorkspaceMemberRow.group_pk
        result = await self._session.execute(
            delete(WorkspaceMemberRow).where(
                WorkspaceMemberRow.workspace_pk == workspace_pk,
                column == (user_pk if user_pk is not None else group_pk),
            )
        )
        return bool(getattr(result, "rowcount", 0))

    # -- what membership grants -------------------------------------------------------------

    async def member_grants(
        self,
        user_pk: int,
        *,
        model_pk: int | None = None,
        chat_pk: int | None = None,
        activity_pk: int | None = None,
    ) -> list[dict[str, Any]]:
        """The permission sets of the workspaces that hold this part and have the user (or a
        group of the user) as a member; empty when the part is in no workspace."""
        if model_pk is not None:
            part = WorkspacePartRow.model_pk == model_pk
        elif chat_pk is not None:
            part = WorkspacePartRow.chat_pk == chat_pk
        elif activity_pk is not None:
            part = WorkspacePartRow.activity_pk == activity_pk
        else:
            return []
        groups = select(GroupMemberRow.user_group_id).where(GroupMemberRow.user_id == user_pk)
        rows = await self._session.scalars(
            select(WorkspaceRow.permissions)
            .join(WorkspacePartRow, WorkspacePartRow.workspace_pk == WorkspaceRow.id)
            .join(WorkspaceMemberRow, WorkspaceMemberRow.workspace_pk == WorkspaceRow.id)
            .where(
                part,
                or_(
                    WorkspaceMemberRow.user_id == user_pk,
                    WorkspaceMemberRow.group_pk.in_(groups),
                ),
            )
            .distinct()
        )
        return [json.loads(text) for text in rows]


def model_membership(user_pk: int) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """For a query over ``models``: whether the user is a member of a workspace holding the
    row's model, and whether such a workspace grants read (the SQL of :meth:`member_grants`)."""
    groups = select(GroupMemberRow.user_group_id).where(GroupMemberRow.user_id == user_pk)
    clauses = (
        WorkspacePartRow.model_pk == ModelRow.id,
        WorkspaceRow.id == WorkspacePartRow.workspace_pk,
        WorkspaceMemberRow.workspace_pk == WorkspaceRow.id,
        or_(WorkspaceMemberRow.user_id == user_pk, WorkspaceMemberRow.group_pk.in_(groups)),
    )
    member = exists().where(*clauses)
    reads = exists().where(*clauses, WorkspaceRow.model_read == true())
    return member, reads
