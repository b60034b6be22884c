"""The identity service: read-only look-ups of users and groups for connected clients."""

from __future__ import annotations

from collections.abc import Mapping

from google.protobuf.message import Message

from convergence_jupyter.domain.errors import ServiceError
from convergence_jupyter.domain.runtime import DomainRuntime
from convergence_jupyter.domain.service import Handler, Reply, ServiceBase
from convergence_jupyter.domain.session import SessionHandle
from convergence_jupyter.domain.users import DomainUserId, UserType
from convergence_jupyter.identity.records import domain_user
from convergence_jupyter.identity.wire import user_id_from_wire, user_id_to_wire, user_to_wire
from convergence_jupyter.protocol.schema import identity_pb2
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.groups import GroupRepository
from convergence_jupyter.store.records import UserKey
from convergence_jupyter.store.users import UserRepository

#: Wire ``UserField`` numbers to the store's field names.
_SEARCH_FIELDS = {
    identity_pb2.USERNAME: "username",
    identity_pb2.EMAIL: "email",
    identity_pb2.FIRST_NAME: "first_name",
    identity_pb2.LAST_NAME: "last_name",
    identity_pb2.DISPLAY_NAME: "display_name",
}
#: No single search returns more than this, whatever the client asks for.
MAX_SEARCH_RESULTS = 1000
MAX_IDS_PER_REQUEST = 1000


class IdentityService(ServiceBase):
    def __init__(self, runtime: DomainRuntime, database: Database) -> None:
        self._domain_pk = runtime.domain.pk
        self._db = database

    def handlers(self) -> Mapping[str, Handler]:
        return {
            "usersGetRequest": self._get_users,
            "userSearchRequest": self._search_users,
            "userGroupsRequest": self._get_groups,
            "userGroupsForUsersRequest": self._groups_for_users,
        }

    async def _get_users(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, identity_pb2.GetUsersRequestMessage)
        _check_count(len(body.userIds))
        keys = [(int(u.userType), u.username) for u in body.userIds]
        async with self._db.transaction(readonly=True) as tx:
            records = await UserRepository(tx).get_many(self._domain_pk, keys)
        return "userListResponse", identity_pb2.UserListMessage(
            userData=[user_to_wire(domain_user(r)) for r in records]
        )

    async def _search_users(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, identity_pb2.SearchUsersRequestMessage)
        try:
            fields = [_SEARCH_FIELDS[f] for f in body.fields]
            order = _SEARCH_FIELDS[body.orderField] if body.orderField else None
        except KeyError:
            raise ServiceError("invalid_message", "unknown user field in search") from None
        offset = body.offset.value if body.HasField("offset") else 0
        limit = body.limit.value if body.HasField("limit") else MAX_SEARCH_RESULTS
        if offset < 0 or limit < 0:
            raise ServiceError("invalid_message", "offset and limit must not be negative")
        async with self._db.transaction(readonly=True) as tx:
            records = await UserRepository(tx).search(
                self._domain_pk,
                fields,  # type: ignore[arg-type]
                body.value,
                offset=offset,
                limit=min(limit, MAX_SEARCH_RESULTS),
                order_field=order,  # type: ignore[arg-type]
                ascending=body.ascending,
                # As in Convergence: search finds people, not anonymous visitors.
                user_types=[UserType.NORMAL],
            )
        return "userListResponse", identity_pb2.UserListMessage(
            userData=[user_to_wire(domain_user(r)) for r in records]
        )

    async def _get_groups(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, identity_pb2.UserGroupsRequestMessage)
        _check_count(len(body.ids))
        async with self._db.transaction(readonly=True) as tx:
            groups = await GroupRepository(tx).get_many(self._domain_pk, list(body.ids))
        found = {g.group_id for g in groups}
        missing = [i for i in body.ids if i not in found]
        if missing:
            raise ServiceError(
                "group_not_found", f"no group '{missing[0]}'", {"groupId": missing[0]}
            )
        response = identity_pb2.UserGroupsResponseMessage()
        for group in groups:
            data = response.groupData.add(id=group.group_id, description=group.description)
            for member in group.members:
                data.members.append(
                    user_id_to_wire(DomainUserId(UserType(int(member[0])), member[1]))
                )
        return "userGroupsResponse", response

    async def _groups_for_users(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, identity_pb2.UserGroupsForUsersRequestMessage)
        _check_count(len(body.users))
        try:
            wanted = [user_id_from_wire(u) for u in body.users]
        except ValueError:
            raise ServiceError("invalid_message", "unknown user type") from None
        keys = [(int(u.user_type), u.username) for u in wanted]
        async with self._db.transaction(readonly=True) as tx:
            records = await UserRepository(tx).get_many(self._domain_pk, keys)
            known = {(int(r.user_type), r.username) for r in records}
            for key in keys:
                if key not in known:
                    raise ServiceError(
                        "user_not_found", f"no user '{key[1]}'", {"username": key[1]}
                    )
            memberships = await GroupRepository(tx).groups_for_users(self._domain_pk, keys)
        response = identity_pb2.UserGroupsForUsersResponseMessage()
        for user_id in wanted:
            entry = response.userGroups.add()
            entry.user.CopyFrom(user_id_to_wire(user_id))
            entry.groups.extend(memberships.get(UserKey(user_id.user_type, user_id.username), []))
        return "userGroupsForUsersResponse", response


def _check_count(count: int) -> None:
    if count > MAX_IDS_PER_REQUEST:
        raise ServiceError("invalid_message", f"at most {MAX_IDS_PER_REQUEST} ids per request")
