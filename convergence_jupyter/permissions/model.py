"""Permission names and the contract a service implements to own a kind of target."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from convergence_jupyter.domain.session import SessionHandle
from convergence_jupyter.protocol.schema import core_pb2
from convergence_jupyter.store.permissions import GrantTarget

ACTIVITY_PERMISSIONS = frozenset({"join", "lurk", "view_state", "set_state", "manage", "remove"})

CHAT_PERMISSIONS = frozenset(
    {
        "create_chat_channel",
        "remove_chat_channel",
        "join_chat_channel",
        "leave_chat_channel",
        "add_chat_user",
        "remove_chat_user",
        "set_chat_name",
        "set_topic",
        "manage_chat_permissions",
    }
)


@runtime_checkable
class PermissionTargetProvider(Protocol):
    """Implemented by the service that owns a target kind (``"chat"`` or ``"activity"``).

    The generic permission requests are routed to it by the target's oneof case.
    """

    permission_target_kind: str
    #: The permission names valid on this kind of target.
    valid_permissions: frozenset[str]
    #: The permission that allows reading and changing the target's grants.
    manage_permission: str

    async def grant_target(
        self, session: SessionHandle, target: core_pb2.PermissionTarget
    ) -> GrantTarget:
        """The store key of the target; raises the kind's not-found ``ServiceError``."""
        ...

    async def permissions_changed(self, target: GrantTarget) -> None:
        """Grants on ``target`` changed: re-check the sessions that use it."""
        ...
