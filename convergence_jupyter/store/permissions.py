"""Generic permission grants: world, per-user and per-group lists of permission strings.

A target is a chat, an activity or the domain itself (``GrantTarget()``). Resolution for a
user is the union of the world grants, the user's own grants and the grants of every group
the user belongs to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from .identity_tables import GroupMemberRow, UserGroupRow, UserRow, UserType
from .permission_tables import PermissionGrantRow
from .records import UserKey
from .workspaces import WorkspaceRepository


class GrantTarget(NamedTuple):
    """What grants apply to: at most one of the two keys is set (neither: domain-wide)."""

    chat_pk: int | None = None
    activity_pk: int | None = None


@dataclass(frozen=True, slots=True)
class Grants:
    """All grants on one target, keyed the way the wire names grantees."""

    world: frozenset[str] = frozenset()
    users: Mapping[UserKey, frozenset[str]] = field(default_factory=dict)
    groups: Mapping[str, frozenset[str]] = field(default_factory=dict)


def _target_clause(domain_pk: int, target: GrantTarget) -> Any:
    chat = (
        PermissionGrantRow.chat_pk.is_(None)
        if target.chat_pk is None
        else PermissionGrantRow.chat_pk == target.chat_pk
    )
    activity = (
        PermissionGrantRow.activity_pk.is_(None)
        if target.activity_pk is None
        else PermissionGrantRow.activity_pk == target.activity_pk
    )
    return and_(PermissionGrantRow.domain_id == domain_pk, chat, activity)


class PermissionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def resolve(self, domain_pk: int, target: GrantTarget, user_pk: int) -> frozenset[str]:
        """The permissions a user holds on a target (world, own and group grants together,
        and what a workspace holding the target grants its members)."""
        groups = select(GroupMemberRow.user_group_id).where(GroupMemberRow.user_id == user_pk)
        rows = await self._session.scalars(
            select(PermissionGrantRow.permission)
            .where(
                _target_clause(domain_pk, target),
                or_(
                    PermissionGrantRow.grantee == "world",
                    and_(
                        PermissionGrantRow.grantee == "user", PermissionGrantRow.user_id == user_pk
                    ),
                    and_(
                        PermissionGrantRow.grantee == "group",
                        PermissionGrantRow.group_pk.in_(groups),
                    ),
                ),
            )
            .distinct()
        )
        held = set(rows)
        # Workspace membership (issue 12) grants its set on every part of the workspace.
        kind = "chat" if target.chat_pk is not None else "activity"
        for grant in await WorkspaceRepository(self._session).member_grants(
            user_pk, chat_pk=target.chat_pk, activity_pk=target.activity_pk
        ):
            held.update(grant.get(kind, ()))
        return frozenset(held)

    async def get(self, domain_pk: int, target: GrantTarget) -> Grants:
        result = await self._session.execute(
            select(
                PermissionGrantRow.grantee,
                PermissionGrantRow.permission,
                UserRow.user_type,
                UserRow.username,
                UserGroupRow.group_id,
            )
            .outerjoin(UserRow, UserRow.id == PermissionGrantRow.user_id)
            .outerjoin(UserGroupRow, UserGroupRow.id == PermissionGrantRow.group_pk)
            .where(_target_clause(domain_pk, target))
        )
        world: set[str] = set()
        users: dict[UserKey, set[str]] = {}
        groups: dict[str, set[str]] = {}
        for grantee, permission, user_type, username, group_id in result:
            if grantee == "world":
                world.add(permission)
            elif grantee == "user":
                users.setdefault(UserKey(UserType(user_type), username), set()).add(permission)
            else:
                groups.setdefault(group_id, set()).add(permission)
        return Grants(
            world=frozenset(world),
            users={k: frozenset(v) for k, v in users.items()},
            groups={k: frozenset(v) for k, v in groups.items()},
        )

    async def _existing(
        self, domain_pk: int, target: GrantTarget
    ) -> set[tuple[str, int | None, int | None, str]]:
        result = await self._session.execute(
            select(
                PermissionGrantRow.grantee,
                PermissionGrantRow.user_id,
                PermissionGrantRow.group_pk,
                PermissionGrantRow.permission,
            ).where(_target_clause(domain_pk, target))
        )
        return {(g, u, p, perm) for g, u, p, perm in result}

    async def add(
        self,
        domain_pk: int,
        target: GrantTarget,
        *,
        world: Iterable[str] = (),
        users: Mapping[int, Iterable[str]] | None = None,
        groups: Mapping[int, Iterable[str]] | None = None,
    ) -> None:
        """Grant permissions (user and group keys are store pks); existing grants are kept."""
        existing = await self._existing(domain_pk, target)
        wanted: list[tuple[str, int | None, int | None, str]] = [
            ("world", None, None, p) for p in world
        ]
        for user_pk, perms in (users or {}).items():
            wanted.extend(("user", user_pk, None, p) for p in perms)
        for group_pk, perms in (groups or {}).items():
            wanted.extend(("group", None, group_pk, p) for p in perms)
        for grant in dict.fromkeys(wanted):
            if grant in existing:
                continue
            self._session.add(
                PermissionGrantRow(
                    domain_id=domain_pk,
                    chat_pk=target.chat_pk,
                    activity_pk=target.activity_pk,
                    grantee=grant[0],
                    user_id=grant[1],
                    group_pk=grant[2],
                    permission=grant[3],
                )
            )
        await self._session.flush()

    async def remove(
        self,
        domain_pk: int,
        target: GrantTarget,
        *,
        world: Iterable[str] = (),
        users: Mapping[int, Iterable[str]] | None = None,
        groups: Mapping[int, Iterable[str]] | None = None,
    ) -> None:
        base = _target_clause(domain_pk, target)
        world = list(world)
        if world:
            await self._session.execute(
                delete(PermissionGrantRow).where(
                    base,
                    PermissionGrantRow.grantee == "world",
                    PermissionGrantRow.permission.in_(world),
                )
            )
        for user_pk, perms in (users or {}).items():
            await self._session.execute(
                delete(PermissionGrantRow).where(
                    base,
                    PermissionGrantRow.grantee == "user",
                    PermissionGrantRow.user_id == user_pk,
                    PermissionGrantRow.permission.in_(list(perms)),
                )
            )
        for group_pk, perms in (groups or {}).items():
            await self._session.execute(
                delete(PermissionGrantRow).where(
                    base,
                    PermissionGrantRow.grantee == "group",
                    PermissionGrantRow.group_pk == group_pk,
                    PermissionGrantRow.permission.in_(list(perms)),
                )
            )

    async def set_world(self, domain_pk: int, target: GrantTarget, perms: Iterable[str]) -> None:
        await self._session.execute(
            delete(PermissionGrantRow).where(
                _target_clause(domain_pk, target), PermissionGrantRow.grantee == "world"
            )
        )
        await self.add(domain_pk, target, world=perms)

    async def set_users(
        self,
        domain_pk: int,
        target: GrantTarget,
        users: Mapping[int, Iterable[str]],
        *,
        replace_all: bool,
    ) -> None:
        """Replace the named users' grants; ``replace_all`` also drops every other user's."""
        clause = [_target_clause(domain_pk, target), PermissionGrantRow.grantee == "user"]
        if not replace_all:
            clause.append(PermissionGrantRow.user_id.in_(list(users)))
        await self._session.execute(delete(PermissionGrantRow).where(*clause))
        await self.add(domain_pk, target, users=users)

    async def set_groups(
        self,
        domain_pk: int,
        target: GrantTarget,
        groups: Mapping[int, Iterable[str]],
        *,
        replace_all: bool,
    ) -> None:
        clause = [_target_clause(domain_pk, target), PermissionGrantRow.grantee == "group"]
        if not replace_all:
            clause.append(PermissionGrantRow.group_pk.in_(list(groups)))
        await self._session.execute(delete(PermissionGrantRow).where(*clause))
        await self.add(domain_pk, target, groups=groups)

    async def user_pks(self, domain_pk: int, target: GrantTarget) -> set[int]:
        """Users with a grant of their own on the target (for re-checking after a change)."""
        rows = await self._session.scalars(
            select(PermissionGrantRow.user_id)
            .where(_target_clause(domain_pk, target), PermissionGrantRow.grantee == "user")
            .distinct()
        )
        return {r for r in rows if r is not None}
