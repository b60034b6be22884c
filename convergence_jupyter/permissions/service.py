"""The generic permission requests (§3.7), routed to the service owning the target kind."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncSession

from convergence_jupyter.domain.errors import ServiceError
from convergence_jupyter.domain.runtime import DomainRuntime
from convergence_jupyter.domain.service import Handler, Reply, ServiceBase
from convergence_jupyter.domain.session import SessionHandle
from convergence_jupyter.domain.users import DomainUserId, UserType
from convergence_jupyter.identity.wire import user_id_to_wire
from convergence_jupyter.permissions.model import PermissionTargetProvider
from convergence_jupyter.permissions.resolver import PermissionResolver
from convergence_jupyter.protocol.schema import core_pb2
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.groups import GroupRepository
from convergence_jupyter.store.permissions import GrantTarget, PermissionRepository
from convergence_jupyter.store.users import UserRepository

MAX_ENTRIES = 1000


class PermissionsService(ServiceBase):
    def __init__(self, runtime: DomainRuntime, database: Database) -> None:
        self._runtime = runtime
        self._db = database
        self._domain_pk = runtime.domain.pk

    def handlers(self) -> Mapping[str, Handler]:
        return {
            "resolvePermissionsForConnectedSessionRequest": self._resolve,
            "addPermissionsRequest": self._add,
            "removePermissionsRequest": self._remove,
            "setPermissionsRequest": self._set,
            "getPermissionsRequest": self._get,
        }

    def _provider(self, target: core_pb2.PermissionTarget) -> PermissionTargetProvider:
        kind = target.WhichOneof("targetType")
        if kind is None:
            raise ServiceError("invalid_message", "the permission target is missing")
        for service in self._runtime.services:
            if (
                isinstance(service, PermissionTargetProvider)
                and service.permission_target_kind == kind
            ):
                return service
        raise ServiceError("not_supported", f"permissions on '{kind}' targets are not supported")

    async def _locate(
        self, session: SessionHandle, body: Message
    ) -> tuple[PermissionTargetProvider, PermissionResolver, GrantTarget]:
        target = getattr(body, "target")  # noqa: B009 - every request here has one
        if not body.HasField("target"):
            raise ServiceError("invalid_message", "the permission target is missing")
        provider = self._provider(target)
        grant_target = await provider.grant_target(session, target)
        resolver = PermissionResolver(self._db, self._domain_pk, provider.valid_permissions)
        return provider, resolver, grant_target

    async def _managed(
        self, session: SessionHandle, body: Message
    ) -> tuple[PermissionTargetProvider, GrantTarget]:
        provider, resolver, target = await self._locate(session, body)
        await resolver.require(
            session, target, [provider.manage_permission], "manage the permissions"
        )
        return provider, target

    # -- handlers -----------------------------------------------------------------------------

    async def _resolve(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, core_pb2.ResolvePermissionsForConnectedSessionRequestMessage)
        _, resolver, target = await self._locate(session, body)
        held = await resolver.for_session(session, target)
        return (
            "resolvePermissionsForConnectedSessionResponse",
            core_pb2.ResolvePermissionsForConnectedSessionResponseMessage(permissions=sorted(held)),
        )

    async def _get(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, core_pb2.GetPermissionsRequestMessage)
        _, target = await self._managed(session, body)
        async with self._db.transaction(readonly=True) as tx:
            grants = await PermissionRepository(tx).get(self._domain_pk, target)
        response = core_pb2.GetPermissionsResponseMessage(world=sorted(grants.world))
        for key, perms in sorted(grants.users.items()):
            user = DomainUserId(UserType(int(key.user_type)), key.username)
            response.user.add(user=user_id_to_wire(user), permissions=sorted(perms))
        for group_id, perms in grants.groups.items():
            response.group[group_id].values.extend(sorted(perms))
        return "getPermissionsResponse", response

    async def _add(self, session: SessionHandle, body: Message) -> None:
        assert isinstance(body, core_pb2.AddPermissionsRequestMessage)
        await self._add_or_remove(session, body, add=True)

    async def _remove(self, session: SessionHandle, body: Message) -> None:
        assert isinstance(body, core_pb2.RemovePermissionsRequestMessage)
        await self._add_or_remove(session, body, add=False)

    async def _add_or_remove(
        self,
        session: SessionHandle,
        body: core_pb2.AddPermissionsRequestMessage | core_pb2.RemovePermissionsRequestMessage,
        *,
        add: bool,
    ) -> None:
        provider, target = await self._managed(session, body)
        valid = provider.valid_permissions
        world = _checked(body.world, valid)
        async with self._db.transaction() as tx:
            users = await user_grants(tx, self._domain_pk, body.user, valid)
            groups = await group_grants(tx, self._domain_pk, body.group, valid)
            repo = PermissionRepository(tx)
            if add:
                await repo.add(self._domain_pk, target, world=world, users=users, groups=groups)
            else:
                await repo.remove(self._domain_pk, target, world=world, users=users, groups=groups)
        await provider.permissions_changed(target)

    async def _set(self, session: SessionHandle, body: Message) -> None:
        assert isinstance(body, core_pb2.SetPermissionsRequestMessage)
        provider, target = await self._managed(session, body)
        valid = provider.valid_permissions
        async with self._db.transaction() as tx:
            repo = PermissionRepository(tx)
            if body.HasField("world"):
                world = _checked(body.world.permissions, valid)
                await repo.set_world(self._domain_pk, target, world)
            if body.HasField("user"):
                users = await user_grants(tx, self._domain_pk, body.user.permissions, valid)
                await repo.set_users(
                    self._domain_pk, target, users, replace_all=body.user.replaceAll
                )
            if body.HasField("group"):
                groups = await group_grants(tx, self._domain_pk, body.group.permissions, valid)
                await repo.set_groups(
                    self._domain_pk, target, groups, replace_all=body.group.replaceAll
                )
        await provider.permissions_changed(target)


def _checked(permissions: Iterable[str], valid: frozenset[str]) -> list[str]:
    items = list(dict.fromkeys(permissions))
    if len(items) > MAX_ENTRIES:
        raise ServiceError("invalid_message", "too many permissions")
    for permission in items:
        if permission not in valid:
            raise ServiceError(
                "invalid_message",
                f"unknown permission '{permission}'",
                {"permission": permission},
            )
    return items


async def user_grants(
    tx: AsyncSession,
    domain_pk: int,
    entries: Iterable[core_pb2.UserPermissionsEntry],
    valid: frozenset[str],
) -> dict[int, list[str]]:
    """Wire per-user grants keyed by user pk; unknown users give ``user_not_found``."""
    items = list(entries)
    if len(items) > MAX_ENTRIES:
        raise ServiceError("invalid_message", "too many user entries")
    keys = [(int(e.user.userType), e.user.username) for e in items]
    records = await UserRepository(tx).get_many(domain_pk, keys)
    pks = {(int(r.user_type), r.username): r.pk for r in records}
    result: dict[int, list[str]] = {}
    for key, entry in zip(keys, items, strict=True):
        pk = pks.get(key)
        if pk is None:
            raise ServiceError("user_not_found", f"no user '{key[1]}'", {"username": key[1]})
        result.setdefault(pk, []).extend(_checked(entry.permissions, valid))
    return result


async def group_grants(
    tx: AsyncSession,
    domain_pk: int,
    entries: Mapping[str, core_pb2.PermissionsList],
    valid: frozenset[str],
) -> dict[int, list[str]]:
    """Wire per-group grants keyed by group pk; unknown groups give ``group_not_found``."""
    if len(entries) > MAX_ENTRIES:
        raise ServiceError("invalid_message", "too many group entries")
    records = await GroupRepository(tx).get_many(domain_pk, list(entries))
    pks = {r.group_id: r.pk for r in records}
    result: dict[int, list[str]] = {}
    for group_id, perms in entries.items():
        pk = pks.get(group_id)
        if pk is None:
            raise ServiceError("group_not_found", f"no group '{group_id}'", {"groupId": group_id})
        result[pk] = _checked(perms.values, valid)
    return result
