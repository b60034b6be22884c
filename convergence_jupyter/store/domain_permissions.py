"""Domain-wide permissions: grants on the domain itself (``GrantTarget()``), not on a chat or
an activity. Today one: who may create chats (``create_chat_channel``, as the Convergence
server names it). A new domain grants it to the world, so chat works out of the box;
administrators narrow it with ``convergence-jupyter domain permissions``.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from .permissions import GrantTarget, PermissionRepository

CREATE_CHAT = "create_chat_channel"
#: The permission names valid on the domain target.
DOMAIN_PERMISSIONS = frozenset({CREATE_CHAT})
#: What a new domain grants to everyone (migration 0007 gave existing domains the same).
DEFAULT_WORLD_PERMISSIONS = (CREATE_CHAT,)
DOMAIN_TARGET = GrantTarget()


async def grant_domain_defaults(session: AsyncSession, domain_pk: int) -> None:
    """Give a just-created domain its default world grants."""
    await PermissionRepository(session).add(
        domain_pk, DOMAIN_TARGET, world=DEFAULT_WORLD_PERMISSIONS
    )
