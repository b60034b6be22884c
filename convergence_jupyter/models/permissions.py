"""Who may do what to a model (protocol §5.4): the first match wins among the model's
per-user grants, the collection's per-user grants, and the model's world permissions (when it
overrides the collection) or else the collection's. Membership of a workspace holding the model
(issue 12) counts right after the model's own per-user grants. Convergence (admin) users may do
anything.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from convergence_jupyter.domain.users import DomainUser, UserType
from convergence_jupyter.store.models import (
    CollectionRecord,
    CollectionRepository,
    ModelRecord,
    ModelRepository,
    PermissionFlags,
)
from convergence_jupyter.store.workspaces import WorkspaceRepository

#: What a model's creator gets on it.
CREATOR = PermissionFlags(read=True, write=True, remove=True, manage=True)


def _union(flags: Iterable[PermissionFlags]) -> PermissionFlags:
    held = PermissionFlags()
    for f in flags:
        held = PermissionFlags(
            held.read or f.read,
            held.write or f.write,
            held.remove or f.remove,
            held.manage or f.manage,
        )
    return held


def model_part(flags: PermissionFlags) -> PermissionFlags:
    """Drop ``create``, which only exists on collections."""
    return PermissionFlags(flags.read, flags.write, flags.remove, flags.manage)


async def resolve_model_permissions(
    tx: AsyncSession,
    model: ModelRecord,
    collection: CollectionRecord,
    user: DomainUser,
    user_pk: int,
) -> PermissionFlags:
    if user.user_id.user_type is UserType.CONVERGENCE:
        return CREATOR
    grants = await ModelRepository(tx).user_permissions(model.pk)
    if user_pk in grants:
        return grants[user_pk]
    workspace = await WorkspaceRepository(tx).member_grants(user_pk, model_pk=model.pk)
    if workspace:
        return _union(PermissionFlags(**g["model"]) for g in workspace)
    collection_grant = await CollectionRepository(tx).user_permissions(collection.pk, user_pk)
    if collection_grant is not None:
        return model_part(collection_grant)
    return model.world if model.override_world else model_part(collection.world)


async def may_create(
    tx: AsyncSession, collection: CollectionRecord, user: DomainUser, user_pk: int
) -> bool:
    if user.user_id.user_type is UserType.CONVERGENCE:
        return True
    grant = await CollectionRepository(tx).user_permissions(collection.pk, user_pk)
    return (grant or collection.world).create
