"""The activity service: create/delete (persisted), join/leave/state (in memory)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from convergence_jupyter.activities.state import ActivityKey, JoinedActivity, Participant
from convergence_jupyter.domain.errors import ServiceError
from convergence_jupyter.domain.runtime import DomainRuntime
from convergence_jupyter.domain.service import Handler, Reply, ServiceBase
from convergence_jupyter.domain.session import SessionHandle
from convergence_jupyter.permissions.model import ACTIVITY_PERMISSIONS
from convergence_jupyter.permissions.resolver import PermissionResolver
from convergence_jupyter.permissions.service import group_grants, user_grants
from convergence_jupyter.protocol.schema import activity_pb2, core_pb2
from convergence_jupyter.protocol.values import fill_value_map, value_map_to_dict
from convergence_jupyter.store.activities import ActivityRecord, ActivityRepository
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.errors import AlreadyExists
from convergence_jupyter.store.permissions import GrantTarget, PermissionRepository

#: World grants of an auto-created activity when the client names none.
DEFAULT_WORLD_PERMISSIONS = ("join", "set_state", "view_state")
MAX_ID_LENGTH = 255
MAX_STATE_KEYS = 1000
#: Default bound on the activities one session has joined at once (the app passes its setting).
DEFAULT_MAX_JOINED_PER_SESSION = 256


def _key(activity_type: str, activity_id: str) -> ActivityKey:
    if not activity_type:
        raise ServiceError("invalid_activity_type", "the activity type must not be empty")
    if not activity_id:
        raise ServiceError("invalid_activity_id", "the activity id must not be empty")
    if len(activity_type) > MAX_ID_LENGTH or len(activity_id) > MAX_ID_LENGTH:
        raise ServiceError("invalid_message", f"activity type and id are at most {MAX_ID_LENGTH}")
    return activity_type, activity_id


class ActivityService(ServiceBase):
    """Participation is per session and in memory; activities and grants are in the store."""

    permission_target_kind = "activity"
    valid_permissions = ACTIVITY_PERMISSIONS
    manage_permission = "manage"

    def __init__(
        self,
        runtime: DomainRuntime,
        database: Database,
        *,
        max_joined_per_session: int = DEFAULT_MAX_JOINED_PER_SESSION,
    ) -> None:
        self._runtime = runtime
        self._db = database
        self._domain_pk = runtime.domain.pk
        self._perms = PermissionResolver(database, self._domain_pk, ACTIVITY_PERMISSIONS)
        self._max_joined = max_joined_per_session
        self._joined: dict[ActivityKey, JoinedActivity] = {}
        #: session id -> resource id -> activity; resource ids are per connection.
        self._resources: dict[str, dict[int, ActivityKey]] = {}
        self._next_resource: dict[str, int] = {}
        # Joins, leaves, deletes and permission changes touch the store between in-memory
        # steps; one lock keeps them from interleaving on the same activity.
        self._lock = asyncio.Lock()

    def handlers(self) -> Mapping[str, Handler]:
        return {
            "activityParticipantsRequest": self._participants,
            "activityCreateRequest": self._create,
            "activityDeleteRequest": self._delete,
            "activityJoinRequest": self._join,
            "activityLeaveRequest": self._leave,
            "activityUpdateState": self._update_state,
        }

    # -- generic permissions --------------------------------------------------------------------

    async def grant_target(
        self, session: SessionHandle, target: core_pb2.PermissionTarget
    ) -> GrantTarget:
        record = await self._find(_key(target.activity.type, target.activity.id))
        if record is None:
            raise ServiceError(
                "activity_not_found",
                f"no activity '{target.activity.type}/{target.activity.id}'",
            )
        return GrantTarget(activity_pk=record.pk)

    async def permissions_changed(self, target: GrantTarget) -> None:
        """Re-resolve joined sessions; force out those that lost join, lurk or view_state."""
        async with self._lock:
            activity = next((a for a in self._joined.values() if a.pk == target.activity_pk), None)
            if activity is None:
                return
            for participant in list(activity.participants.values()):
                held = await self._perms.for_session(participant.session, target)
                lost = [
                    p
                    for p in ("join", "lurk", "view_state")
                    if p not in held
                    and (
                        p == "join"
                        or (p == "lurk" and participant.lurk)
                        or p in participant.permissions
                    )
                ]
                participant.permissions = held
                if lost:
                    participant.session.send(
                        "activityForceLeave",
                        activity_pb2.ActivityForceLeaveMessage(
                            resourceId=participant.resource_id,
                            reason=f"the '{lost[0]}' permission was revoked",
                        ),
                    )
                    self._remove(activity, participant)
            await self._after_leave(activity)

    # -- lifecycle ------------------------------------------------------------------------------

    async def on_session_closed(self, session: SessionHandle) -> None:
        async with self._lock:
            keys = list(self._resources.get(session.session_id, {}).values())
            for key in keys:
                activity = self._joined.get(key)
                if activity is None:
                    continue
                participant = activity.participants.get(session.session_id)
                if participant is not None:
                    self._remove(activity, participant)
                    await self._after_leave(activity)
            self._resources.pop(session.session_id, None)
            self._next_resource.pop(session.session_id, None)

    # -- requests -------------------------------------------------------------------------------

    async def _participants(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, activity_pb2.ActivityParticipantsRequestMessage)
        key = _key(body.activityType, body.activityId)
        response = activity_pb2.ActivityParticipantsResponseMessage()
        activity = self._joined.get(key)
        if activity is not None:
            held = await self._perms.for_session(session, GrantTarget(activity_pk=activity.pk))
            for p in activity.visible():
                entry = response.state[p.session.session_id]
                if "view_state" in held:
                    fill_value_map(entry.state, p.state)
            session.announce(response.state.keys())
        return "activityParticipantsResponse", response

    async def _create(self, session: SessionHandle, body: Message) -> None:
        assert isinstance(body, activity_pb2.ActivityCreateRequestMessage)
        key = _key(body.activityType, body.activityId)
        async with self._lock:
            await self._create_record(
                session,
                key,
                ephemeral=False,
                world=list(body.worldPermissions),
                users=body.userPermissions,
                groups=body.groupPermissions,
            )

    async def _delete(self, session: SessionHandle, body: Message) -> None:
        assert isinstance(body, activity_pb2.ActivityDeleteRequestMessage)
        key = _key(body.activityType, body.activityId)
        async with self._lock:
            record = await self._find(key)
            if record is None:
                raise ServiceError("activity_not_found", f"no activity '{key[0]}/{key[1]}'")
            target = GrantTarget(activity_pk=record.pk)
            await self._perms.require(session, target, ["remove"], "delete the activity")
            async with self._db.transaction() as tx:
                await ActivityRepository(tx).delete(record.pk)
            activity = self._joined.pop(key, None)
            if activity is not None:
                for p in activity.participants.values():
                    p.session.send(
                        "activityDeleted",
                        activity_pb2.ActivityDeletedMessage(resourceId=p.resource_id),
                    )
                    self._resources.get(p.session.session_id, {}).pop(p.resource_id, None)

    async def _join(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, activity_pb2.ActivityJoinRequestMessage)
        key = _key(body.activityType, body.activityId)
        if len(body.state) > MAX_STATE_KEYS:
            raise ServiceError("invalid_message", f"at most {MAX_STATE_KEYS} state keys")
        async with self._lock:
            existing = self._joined.get(key)
            if existing is not None and session.session_id in existing.participants:
                raise ServiceError(
                    "activity_already_joined", f"this session already joined '{key[0]}/{key[1]}'"
                )
            if len(self._resources.get(session.session_id, {})) >= self._max_joined:
                raise ServiceError(
                    "limit_exceeded",
                    f"a session may have joined at most {self._max_joined} activities at once; "
                    "leave one first",
                    {"limit": self._max_joined},
                )
            record = await self._find(key)
            if record is None:
                if not body.HasField("autoCreateData"):
                    raise ServiceError("activity_not_found", f"no activity '{key[0]}/{key[1]}'")
                auto = body.autoCreateData
                world = list(auto.worldPermissions) or list(DEFAULT_WORLD_PERMISSIONS)
                record = await self._create_record(
                    session,
                    key,
                    ephemeral=auto.ephemeral,
                    world=world,
                    users=auto.userPermissions,
                    groups=auto.groupPermissions,
                    if_missing=True,
                )
            target = GrantTarget(activity_pk=record.pk)
            needed = ["join", "lurk"] if body.lurk else ["join"]
            held = await self._perms.require(session, target, needed, "join the activity")
            if session.session_id not in self._runtime.sessions:
                # Closed while we awaited the store: its cleanup has already run.
                raise ServiceError("unknown", "the session is closed")
            activity = self._joined.get(key)
            if activity is None:
                activity = JoinedActivity(
                    key=key, pk=record.pk, ephemeral=record.ephemeral, created_at=record.created_at
                )
                self._joined[key] = activity
            resource_id = self._next_resource.get(session.session_id, 0) + 1
            self._next_resource[session.session_id] = resource_id
            self._resources.setdefault(session.session_id, {})[resource_id] = key
            state = value_map_to_dict(body.state) if "set_state" in held and not body.lurk else {}
            me = Participant(session, resource_id, body.lurk, held, state)
            activity.participants[session.session_id] = me

            response = activity_pb2.ActivityJoinResponseMessage(
                resourceId=resource_id, ephemeral=activity.ephemeral
            )
            created = Timestamp()
            created.FromDatetime(activity.created_at)
            response.created.CopyFrom(created)
            for p in activity.visible():
                entry = response.state[p.session.session_id]
                if "view_state" in held or p is me:
                    fill_value_map(entry.state, p.state)
            session.announce(response.state.keys())
            if not me.lurk:
                for other in activity.others(session.session_id):
                    joined = activity_pb2.ActivitySessionJoinedMessage(
                        resourceId=other.resource_id, sessionId=session.session_id
                    )
                    if other.can("view_state"):
                        fill_value_map(joined.state, me.state)
                    other.session.send(
                        "activitySessionJoined", joined, mentions=[session.session_id]
                    )
            return "activityJoinResponse", response

    async def _leave(self, session: SessionHandle, body: Message) -> None:
        assert isinstance(body, activity_pb2.ActivityLeaveRequestMessage)
        async with self._lock:
            activity, participant = self._by_resource(session, body.resourceId)
            self._remove(activity, participant)
            await self._after_leave(activity)

    async def _update_state(self, session: SessionHandle, body: Message) -> None:
        assert isinstance(body, activity_pb2.ActivityUpdateStateMessage)
        activity, me = self._by_resource(session, body.resourceId)
        if me.lurk:
            raise ServiceError("unauthorized", "a lurking session has no state to change")
        if not me.can("set_state"):
            raise ServiceError(
                "unauthorized", "'set_state' permission is required to change activity state"
            )
        set_ = value_map_to_dict(body.set)
        removed = list(body.removed)
        me.apply(set_, removed, body.complete)
        if len(me.state) > MAX_STATE_KEYS:
            raise ServiceError("invalid_message", f"at most {MAX_STATE_KEYS} state keys")
        for other in activity.others(session.session_id):
            if not other.can("view_state"):
                continue
            out = activity_pb2.ActivityStateUpdatedMessage(
                resourceId=other.resource_id,
                sessionId=session.session_id,
                complete=body.complete,
                removed=removed,
            )
            fill_value_map(out.set, set_)
            other.session.send("activityStateUpdated", out, mentions=[session.session_id])

    # -- trusted server-side access (used by rest/) ---------------------------------------------

    def participants(self, activity_type: str, activity_id: str) -> list[Participant]:
        """The sessions joined to an activity now (lurkers included), in join order."""
        activity = self._joined.get((activity_type, activity_id))
        return [] if activity is None else list(activity.participants.values())

    async def delete_activity(self, record: ActivityRecord) -> None:
        """Delete as the server: joined sessions get ``activityDeleted``, as for a client's
        delete request."""
        key = (record.activity_type, record.activity_id)
        async with self._lock:
            async with self._db.transaction() as tx:
                await ActivityRepository(tx).delete(record.pk)
            activity = self._joined.pop(key, None)
            if activity is not None:
                for p in activity.participants.values():
                    p.session.send(
                        "activityDeleted",
                        activity_pb2.ActivityDeletedMessage(resourceId=p.resource_id),
                    )
                    self._resources.get(p.session.session_id, {}).pop(p.resource_id, None)

    # -- helpers --------------------------------------------------------------------------------

    def _by_resource(
        self, session: SessionHandle, resource_id: int
    ) -> tuple[JoinedActivity, Participant]:
        key = self._resources.get(session.session_id, {}).get(resource_id)
        if key is None:
            raise ServiceError(
                "no_such_resource_id", f"no joined activity has resource id {resource_id}"
            )
        activity = self._joined.get(key)
        participant = activity.participants.get(session.session_id) if activity else None
        if activity is None or participant is None:
            raise ServiceError("activity_not_joined", f"activity '{key[0]}/{key[1]}' not joined")
        return activity, participant

    def _remove(self, activity: JoinedActivity, participant: Participant) -> None:
        """Drop a participant and tell the others (nobody hears about a lurker)."""
        session_id = participant.session.session_id
        activity.participants.pop(session_id, None)
        self._resources.get(session_id, {}).pop(participant.resource_id, None)
        if not participant.lurk:
            for other in activity.participants.values():
                other.session.send(
                    "activitySessionLeft",
                    activity_pb2.ActivitySessionLeftMessage(
                        resourceId=other.resource_id, sessionId=session_id
                    ),
                    mentions=[session_id],
                )

    async def _after_leave(self, activity: JoinedActivity) -> None:
        if activity.participants:
            return
        self._joined.pop(activity.key, None)
        if activity.ephemeral:
            async with self._db.transaction() as tx:
                await ActivityRepository(tx).delete(activity.pk)

    async def _find(self, key: ActivityKey) -> ActivityRecord | None:
        async with self._db.transaction(readonly=True) as tx:
            return await ActivityRepository(tx).get(self._domain_pk, *key)

    async def _create_record(
        self,
        session: SessionHandle,
        key: ActivityKey,
        *,
        ephemeral: bool,
        world: list[str],
        users: Iterable[core_pb2.UserPermissionsEntry],
        groups: Mapping[str, core_pb2.PermissionsList],
        if_missing: bool = False,
    ) -> ActivityRecord:
        """Create with grants; the creator additionally gets every permission."""
        valid = ACTIVITY_PERMISSIONS
        for permission in world:
            if permission not in valid:
                raise ServiceError("invalid_message", f"unknown permission '{permission}'")
        async with self._db.transaction() as tx:
            user_map = await user_grants(tx, self._domain_pk, users, valid)
            group_map = await group_grants(tx, self._domain_pk, groups, valid)
            repo = ActivityRepository(tx)
            try:
                record = await repo.create(self._domain_pk, *key, ephemeral=ephemeral)
            except AlreadyExists:
                if not if_missing:
                    raise ServiceError(
                        "activity_already_exists", f"activity '{key[0]}/{key[1]}' already exists"
                    ) from None
                found = await repo.get(self._domain_pk, *key)
                assert found is not None
                return found
            user_map.setdefault(session.user_pk, []).extend(sorted(valid))
            await PermissionRepository(tx).add(
                self._domain_pk,
                GrantTarget(activity_pk=record.pk),
                world=world,
                users=user_map,
                groups=group_map,
            )
        return record
