"""Grants the session endpoint gives a Jupyter user on one notebook: model permissions (read,
and write if Jupyter lets them write the file), joining the notebook's activity and its chat
room. World permissions on all three stay empty, so the realtime services themselves refuse
anyone Jupyter never vouched for."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from convergence_jupyter.domain.users import UserType
from convergence_jupyter.notebooks import ids
from convergence_jupyter.store.activities import ActivityRepository
from convergence_jupyter.store.chats import ChatRepository
from convergence_jupyter.store.errors import AlreadyExists
from convergence_jupyter.store.models import ModelRepository, PermissionFlags
from convergence_jupyter.store.permissions import GrantTarget, PermissionRepository
from convergence_jupyter.store.users import UserRepository

ACTIVITY_GRANTS = ("join", "view_state", "set_state")
CHAT_GRANTS = ("join_chat_channel", "leave_chat_channel")


@dataclass(frozen=True, slots=True)
class Grantee:
    username: str
    display_name: str


async def grant_notebook(
    tx: AsyncSession,
    domain_pk: int,
    model_pk: int,
    file_id: str,
    path: str,
    grantee: Grantee,
    can_write: bool,
) -> None:
    """Make the Convergence user of ``grantee`` (the one the login-bridge JWT names) and give
    it this notebook's model, activity and chat room."""
    user, _ = await UserRepository(tx).get_or_create(
        domain_pk, int(UserType.NORMAL), grantee.username, display_name=grantee.display_name
    )
    await ModelRepository(tx).set_user_permissions(
        model_pk, [(user.pk, PermissionFlags(read=True, write=can_write))]
    )
    grants = PermissionRepository(tx)
    activities = ActivityRepository(tx)
    activity = await activities.get(domain_pk, ids.ACTIVITY_TYPE, ids.activity_id(file_id))
    if activity is None:
        try:
            activity = await activities.create(
                domain_pk, ids.ACTIVITY_TYPE, ids.activity_id(file_id)
            )
        except AlreadyExists:
            activity = await activities.get(domain_pk, ids.ACTIVITY_TYPE, ids.activity_id(file_id))
            assert activity is not None
    await grants.add(
        domain_pk, GrantTarget(activity_pk=activity.pk), users={user.pk: ACTIVITY_GRANTS}
    )
    chats = ChatRepository(tx)
    chat = await chats.get(domain_pk, ids.chat_id(file_id))
    if chat is None:
        try:
            chat = await chats.create(
                domain_pk,
                ids.chat_id(file_id),
                chat_type="room",
                membership="public",
                name=path.rsplit("/", 1)[-1],
                topic=path,
                creator_pk=user.pk,
            )
        except AlreadyExists:
            chat = await chats.get(domain_pk, ids.chat_id(file_id))
            assert chat is not None
    await grants.add(domain_pk, GrantTarget(chat_pk=chat.pk), users={user.pk: CHAT_GRANTS})
