"""Loading one user's path rules on one model from the store (models/path_permissions.py
resolves them): shared by the live service, the offline updates and anything else that hands
model data to a user."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from convergence_jupyter.domain.users import DomainUser, UserType
from convergence_jupyter.models.path_permissions import (
    PathGrant,
    PathRules,
    parse_pointer,
    resolve_rules,
)
from convergence_jupyter.store.models import PermissionFlags
from convergence_jupyter.store.path_grants import PathGrantRepository


async def load_path_rules(
    tx: AsyncSession, model_pk: int, user: DomainUser, user_pk: int, perms: PermissionFlags
) -> PathRules | None:
    """The path rules of a user on a model; None: unrestricted (manage, or no grant)."""
    repo = PathGrantRepository(tx)
    stored = await repo.of_model(model_pk)
    if not stored:
        return None
    unrestricted = perms.manage or user.user_id.user_type is UserType.CONVERGENCE
    return resolve_rules(
        (
            PathGrant(
                parse_pointer(g.path),
                g.subject,
                g.user_pk if g.subject == "user" else g.group_id,
                g.read,
                g.write,
            )
            for g in stored
        ),
        user_pk=user_pk,
        groups=await repo.group_ids_of(user_pk) if not unrestricted else (),
        model_read=perms.read,
        model_write=perms.write,
        unrestricted=unrestricted,
    )
