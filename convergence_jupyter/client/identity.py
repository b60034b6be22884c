"""Users and groups: the identity cache the server fills, and ``domain.identity()`` look-ups.

The server names sessions and users by id only and announces who they are first
(``identityCacheUpdate``, the identity-cache rule of the protocol); the cache keeps what it was
told so activities, chat and presence can hand out whole :class:`DomainUser` records.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from convergence_jupyter.protocol.schema import core_pb2, identity_pb2

if TYPE_CHECKING:
    from .connection import Connection

_TYPES = {
    "normal": core_pb2.Normal,
    "convergence": core_pb2.Convergence,
    "anonymous": core_pb2.Anonymous,
}


@dataclass(frozen=True, slots=True)
class DomainUser:
    username: str
    display_name: str | None
    #: "normal", "convergence" (an administrator acting in the domain) or "anonymous".
    user_type: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        """``(user_type, username)``: usernames are unique per user type only."""
        return (self.user_type, self.username)


def _optional(data: core_pb2.DomainUserData, name: str) -> str | None:
    return getattr(data, name).value if data.HasField(name) else None


def user_from_wire(data: core_pb2.DomainUserData) -> DomainUser:
    return DomainUser(
        username=data.userId.username,
        display_name=_optional(data, "displayName"),
        user_type=_type_name(data.userId.userType),
        email=_optional(data, "email"),
        first_name=_optional(data, "firstName"),
        last_name=_optional(data, "lastName"),
    )


def _type_name(user_type: int) -> str:
    return core_pb2.DomainUserTypeData.Name(user_type).lower()


def id_key(data: core_pb2.DomainUserIdData) -> tuple[str, str]:
    return (_type_name(data.userType), data.username)


def user_id_to_wire(user: str | DomainUser) -> core_pb2.DomainUserIdData:
    """A username means a normal user (as in the JS client); pass a :class:`DomainUser` for
    anonymous users and administrators."""
    if isinstance(user, str):
        if not user:
            raise ValueError("a username must not be empty")
        return core_pb2.DomainUserIdData(userType=core_pb2.Normal, username=user)
    return core_pb2.DomainUserIdData(userType=_TYPES[user.user_type], username=user.username)


def ref_key(user: str | DomainUser) -> tuple[str, str]:
    return ("normal", user) if isinstance(user, str) else user.key


class IdentityCache:
    """Sessions and users this connection has been told about (server pushes only)."""

    def __init__(self) -> None:
        self._sessions: dict[str, tuple[str, str]] = {}
        self._users: dict[tuple[str, str], DomainUser] = {}

    def on_update(self, _name: str, body: identity_pb2.IdentityCacheUpdateMessage) -> None:
        for data in body.users:
            user = user_from_wire(data)
            self._users[user.key] = user
        for session_id, user_id in body.sessions.items():
            self._sessions[session_id] = id_key(user_id)

    def add(self, user: DomainUser, session_id: str | None = None) -> None:
        self._users[user.key] = user
        if session_id is not None:
            self._sessions[session_id] = user.key

    def knows(self, key: tuple[str, str]) -> bool:
        return key in self._users

    def user(self, data: core_pb2.DomainUserIdData) -> DomainUser:
        """The announced record; a bare one (no names) if the server never sent it."""
        key = id_key(data)
        return self._users.get(key) or DomainUser(key[1], None, key[0])

    def session_user(self, session_id: str) -> DomainUser | None:
        key = self._sessions.get(session_id)
        if key is None:
            return None
        return self._users.get(key) or DomainUser(key[1], None, key[0])


@dataclass(frozen=True, slots=True)
class UserGroup:
    id: str
    description: str
    #: Member keys ``(user_type, username)``; look them up with ``identity().users()``.
    members: tuple[tuple[str, str], ...]

    @property
    def usernames(self) -> list[str]:
        return [username for _type, username in self.members]


#: ``search(fields=...)`` names and their wire values.
SEARCH_FIELDS = {
    "username": identity_pb2.USERNAME,
    "email": identity_pb2.EMAIL,
    "first_name": identity_pb2.FIRST_NAME,
    "last_name": identity_pb2.LAST_NAME,
    "display_name": identity_pb2.DISPLAY_NAME,
}


class IdentityService:
    """``domain.identity()``: look up users and groups of the domain."""

    def __init__(self, connection: Connection, cache: IdentityCache) -> None:
        self._cache = cache
        self.attach(connection)

    def attach(self, connection: Connection) -> None:
        self._connection = connection
        connection.on_push("identityCacheUpdate", self._cache.on_update)

    async def user(self, user: str | DomainUser) -> DomainUser | None:
        """One user, or None when there is none."""
        found = await self.users([user])
        return found[0] if found else None

    async def users(self, users: Iterable[str | DomainUser]) -> list[DomainUser]:
        """The users that exist, in the order asked (unknown ones are left out)."""
        request = identity_pb2.GetUsersRequestMessage(userIds=[user_id_to_wire(u) for u in users])
        _, reply = await self._connection.request("usersGetRequest", request)
        return self._remember(reply)

    async def search(
        self,
        term: str,
        fields: Sequence[str] = ("username", "display_name", "email", "first_name", "last_name"),
        *,
        offset: int | None = None,
        limit: int | None = None,
        order_by: str = "username",
        ascending: bool = True,
    ) -> list[DomainUser]:
        """Normal users whose ``fields`` contain ``term`` (case-insensitive), one page."""
        unknown = [f for f in (*fields, order_by) if f not in SEARCH_FIELDS]
        if unknown or not fields:
            raise ValueError(f"search fields are {', '.join(SEARCH_FIELDS)}")
        request = identity_pb2.SearchUsersRequestMessage(
            fields=[SEARCH_FIELDS[f] for f in fields],
            value=term,
            orderField=SEARCH_FIELDS[order_by],
            ascending=ascending,
        )
        if offset is not None:
            request.offset.value = offset
        if limit is not None:
            request.limit.value = limit
        _, reply = await self._connection.request("userSearchRequest", request)
        return self._remember(reply)

    async def groups(self, ids: Iterable[str]) -> list[UserGroup]:
        """The groups with these ids (``GroupNotFoundError`` if one does not exist)."""
        request = identity_pb2.UserGroupsRequestMessage(ids=list(ids))
        _, reply = await self._connection.request("userGroupsRequest", request)
        return [
            UserGroup(g.id, g.description, tuple(id_key(m) for m in g.members))
            for g in reply.groupData
        ]

    async def group(self, group_id: str) -> UserGroup:
        (group,) = await self.groups([group_id])
        return group

    async def groups_for_users(self, users: Iterable[str | DomainUser]) -> dict[str, list[str]]:
        """Username -> ids of the groups the user belongs to (``UserNotFoundError`` if one
        does not exist)."""
        request = identity_pb2.UserGroupsForUsersRequestMessage(
            users=[user_id_to_wire(u) for u in users]
        )
        _, reply = await self._connection.request("userGroupsForUsersRequest", request)
        return {entry.user.username: list(entry.groups) for entry in reply.userGroups}

    async def groups_for_user(self, user: str | DomainUser) -> list[str]:
        return next(iter((await self.groups_for_users([user])).values()), [])

    def _remember(self, reply: identity_pb2.UserListMessage) -> list[DomainUser]:
        users = [user_from_wire(u) for u in reply.userData]
        for user in users:
            self._cache.add(user)
        return users
