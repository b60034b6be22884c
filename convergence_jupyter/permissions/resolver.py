"""Resolving what a session may do on a target, with the Convergence-user override."""

from __future__ import annotations

from collections.abc import Iterable

from convergence_jupyter.domain.errors import ServiceError
from convergence_jupyter.domain.session import SessionHandle
from convergence_jupyter.domain.users import UserType
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.permissions import GrantTarget, PermissionRepository


class PermissionResolver:
    """Reads grants from the store. Convergence (admin) users hold every permission."""

    def __init__(self, database: Database, domain_pk: int, all_permissions: frozenset[str]) -> None:
        self._db = database
        self._domain_pk = domain_pk
        self._all = all_permissions

    async def resolve(
        self, user_pk: int, user_type: UserType, target: GrantTarget
    ) -> frozenset[str]:
        if user_type is UserType.CONVERGENCE:
            return self._all
        async with self._db.transaction(readonly=True) as tx:
            return await PermissionRepository(tx).resolve(self._domain_pk, target, user_pk)

    async def for_session(self, session: SessionHandle, target: GrantTarget) -> frozenset[str]:
        return await self.resolve(session.user_pk, session.user.user_id.user_type, target)

    async def require(
        self, session: SessionHandle, target: GrantTarget, permissions: Iterable[str], what: str
    ) -> frozenset[str]:
        """Raise ``unauthorized`` unless the session holds every one of ``permissions``."""
        held = await self.for_session(session, target)
        missing = [p for p in permissions if p not in held]
        if missing:
            raise ServiceError(
                "unauthorized",
                f"'{missing[0]}' permission is required to {what}",
                {"permission": missing[0]},
            )
        return held
