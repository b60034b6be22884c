"""Activities: named places (a notebook, a cell, a call) where each session keeps shared state.

An activity is ``(type, id)``. Joining gives an :class:`Activity` holding every participant's
state (a cursor, a colour, "is typing", a bot's status); ``set_state`` changes ours at once and
tells the others. Lurkers see everyone and are seen by nobody.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from convergence_jupyter.protocol.schema import activity_pb2, core_pb2
from convergence_jupyter.protocol.values import value_map_to_dict

from .errors import ConvergenceError
from .events import EventSource
from .identity import DomainUser, IdentityCache, user_id_to_wire
from .shared_state import json_values

if TYPE_CHECKING:
    from .connection import Connection
    from .domain import Domain


class ActivityLeftError(ConvergenceError):
    """The activity was left (by us, or we were removed) and takes no more state changes."""


@dataclass(frozen=True, slots=True)
class ActivityAutoCreate:
    """How to create the activity when a join finds none. Empty ``world_permissions`` means the
    server's default (join, set_state, view_state); the creator gets every permission."""

    ephemeral: bool = False
    world_permissions: tuple[str, ...] = ()
    #: username -> permissions.
    user_permissions: Mapping[str, Iterable[str]] = field(default_factory=dict)
    #: group id -> permissions.
    group_permissions: Mapping[str, Iterable[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ActivityParticipant:
    session_id: str
    user: DomainUser
    state: dict[str, Any]
    #: True for this session.
    local: bool


@dataclass(frozen=True, slots=True)
class ActivityEvent:
    """``kind``: "joined" (``state``: the newcomer's), "left", "state_set" (``key``, ``value``),
    "state_removed" (``key``), "state_cleared", and for this session only "deleted" and
    "force_left" (``reason``). State events come for local changes too (``local``)."""

    kind: str
    session_id: str = ""
    user: DomainUser | None = None
    local: bool = False
    key: str | None = None
    value: Any = None
    state: dict[str, Any] | None = None
    reason: str = ""


class Activity:
    """A joined activity. ``participants()`` and ``state`` are always the local view."""

    def __init__(
        self,
        service: ActivityService,
        activity_type: str,
        activity_id: str,
        *,
        lurk: bool,
        reply: activity_pb2.ActivityJoinResponseMessage,
        state: dict[str, Any],
        auto_create: activity_pb2.ActivityJoinRequestMessage.AutoCreateData | None = None,
    ) -> None:
        self._service = service
        self.type = activity_type
        self.id = activity_id
        self.lurking = lurk
        self._resource_id = reply.resourceId
        self.ephemeral = reply.ephemeral
        self.created = reply.created.ToDatetime(tzinfo=dt.UTC)
        self._auto_create = auto_create
        self._state: dict[str, dict[str, Any]] = {}
        #: The session id our participation is under (a reconnect brings a new one).
        self._own = ""
        #: False from a dropped socket until the re-join after the reconnect.
        self._synced = True
        self._load(reply, state)
        self.joined = True
        self.left_reason = ""
        self.events: EventSource[ActivityEvent] = EventSource()
        """Joins, leaves and state changes; see :class:`ActivityEvent`."""

    def _load(self, reply: activity_pb2.ActivityJoinResponseMessage, state: dict[str, Any]) -> None:
        self._state = {sid: value_map_to_dict(data.state) for sid, data in reply.state.items()}
        self._own = own = self._service._domain.session_id
        if not self.lurking:
            # What we asked for is ours even when the server returns less (no view_state).
            self._state[own] = {**self._state.get(own, {}), **state}

    def __repr__(self) -> str:
        return f"<Activity {self.type}/{self.id} ({len(self._state)} participants)>"

    # -- reading -----------------------------------------------------------------------------

    @property
    def session_id(self) -> str:
        """Our session in this activity (it changes when a reconnect re-joins)."""
        return self._own

    @property
    def state(self) -> dict[str, Any]:
        """A copy of this session's state (empty while lurking)."""
        return dict(self._state.get(self.session_id, {}))

    def participants(self) -> list[ActivityParticipant]:
        """Everyone visible here, in join order (lurkers, us included, are not listed)."""
        return [self._participant(sid) for sid in self._state]

    def participant(self, session_id: str) -> ActivityParticipant | None:
        return self._participant(session_id) if session_id in self._state else None

    def _participant(self, session_id: str) -> ActivityParticipant:
        return ActivityParticipant(
            session_id,
            self._user(session_id),
            dict(self._state[session_id]),
            local=session_id == self.session_id,
        )

    def _user(self, session_id: str) -> DomainUser:
        if session_id == self.session_id:
            return self._service._domain.user
        found = self._service._cache.session_user(session_id)
        return found or DomainUser(f"<session {session_id}>", None, "unknown")

    # -- our state ---------------------------------------------------------------------------

    def set_state(self, key: str | Mapping[str, Any], value: Any = None) -> None:
        """``set_state("cursor", 3)`` or ``set_state({"cursor": 3, "colour": "red"})``: applied
        here at once, then sent. Values are JSON-like (None, bool, number, str, list, dict)."""
        values = dict(key) if isinstance(key, Mapping) else {key: value}
        if not values:
            return
        self._update(values, (), complete=False)

    def remove_state(self, keys: str | Iterable[str]) -> None:
        removed = [keys] if isinstance(keys, str) else list(keys)
        if removed:
            self._update({}, removed, complete=False)

    def clear_state(self) -> None:
        self._update({}, (), complete=True)

    def _update(self, values: dict[str, Any], removed: Iterable[str], *, complete: bool) -> None:
        if not self.joined:
            raise ActivityLeftError(f"activity {self.type}/{self.id} was left: {self.left_reason}")
        if self.lurking:
            raise ActivityLeftError("a lurking session has no state to share")
        removed = list(removed)
        message = activity_pb2.ActivityUpdateStateMessage(
            resourceId=self._resource_id, complete=complete, removed=removed
        )
        json_values(message.set, values)
        if self._synced:
            self._service._connection.send("activityUpdateState", message)
        # Offline: kept here and shared when the reconnect re-joins.
        self._apply(self.session_id, values, removed, complete, local=True)

    # -- server stream -----------------------------------------------------------------------

    def _apply(
        self,
        session_id: str,
        values: dict[str, Any],
        removed: list[str],
        complete: bool,
        *,
        local: bool,
    ) -> None:
        """Protocol order: clear, then remove, then set; one event per key, as rc.12."""
        state = self._state.setdefault(session_id, {})
        user = self._user(session_id)
        if complete:
            state.clear()
            self.events.emit(ActivityEvent("state_cleared", session_id, user, local))
        for key in removed:
            if state.pop(key, _MISSING) is not _MISSING:
                self.events.emit(ActivityEvent("state_removed", session_id, user, local, key))
        for key, value in values.items():
            state[key] = value
            self.events.emit(ActivityEvent("state_set", session_id, user, local, key, value))

    async def _rejoin(self) -> None:
        """After a reconnect: join again (new session, new resource id) with our state, then
        report what changed meanwhile as joined/left/state events."""
        request = activity_pb2.ActivityJoinRequestMessage(
            activityType=self.type, activityId=self.id, lurk=self.lurking
        )
        mine = self.state
        json_values(request.state, mine)
        if self._auto_create is not None:
            request.autoCreateData.CopyFrom(self._auto_create)
        service = self._service
        service._joined.pop(self._resource_id, None)
        try:
            _, reply = await service._connection.request("activityJoinRequest", request)
        except ConvergenceError as exc:
            self._ended(f"could not re-join after a reconnect: {exc}", "force_left")
            return
        before = {sid: st for sid, st in self._state.items() if sid != self._own}
        current = self.state  # mine plus what changed while the join was on its way
        self._resource_id = reply.resourceId
        service._joined[reply.resourceId] = self
        self._load(reply, current)
        self._synced = True
        if current != mine and not self.lurking:
            update = activity_pb2.ActivityUpdateStateMessage(
                resourceId=self._resource_id, complete=True
            )
            json_values(update.set, current)
            service._connection.send("activityUpdateState", update)
        after = {sid: st for sid, st in self._state.items() if sid != self._own}
        for sid in before.keys() - after.keys():
            self.events.emit(ActivityEvent("left", sid, self._user(sid)))
        for sid, state in after.items():
            if sid not in before:
                self.events.emit(ActivityEvent("joined", sid, self._user(sid), state=dict(state)))
                continue
            old, user = before[sid], self._user(sid)
            for key in old.keys() - state.keys():
                self.events.emit(ActivityEvent("state_removed", sid, user, key=key))
            for key, value in state.items():
                if key not in old or old[key] != value:
                    self.events.emit(ActivityEvent("state_set", sid, user, key=key, value=value))

    def _state_updated(self, body: activity_pb2.ActivityStateUpdatedMessage) -> None:
        values = value_map_to_dict(body.set)
        self._apply(body.sessionId, values, list(body.removed), body.complete, local=False)

    def _joined_remote(self, body: activity_pb2.ActivitySessionJoinedMessage) -> None:
        state = value_map_to_dict(body.state)
        self._state[body.sessionId] = state
        user = self._user(body.sessionId)
        self.events.emit(ActivityEvent("joined", body.sessionId, user, state=dict(state)))

    def _left_remote(self, body: activity_pb2.ActivitySessionLeftMessage) -> None:
        user = self._user(body.sessionId)
        if self._state.pop(body.sessionId, None) is not None:
            self.events.emit(ActivityEvent("left", body.sessionId, user))

    def _ended(self, reason: str, kind: str | None = None) -> None:
        if not self.joined:
            return
        self.joined = False
        self.left_reason = reason
        self._service._joined.pop(self._resource_id, None)
        if kind is not None:
            self.events.emit(ActivityEvent(kind, self.session_id, reason=reason, local=True))
        self.events.close()

    async def leave(self) -> None:
        """Leave the activity; the others see us go. Does nothing if already left."""
        if not self.joined:
            return
        resource_id = self._resource_id
        self._ended("left by this client")
        await self._service._connection.request(
            "activityLeaveRequest", activity_pb2.ActivityLeaveRequestMessage(resourceId=resource_id)
        )

    async def __aenter__(self) -> Activity:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._service._connection.is_open:
            await self.leave()


_MISSING = object()


def _permissions(
    out: Any,
    world: Iterable[str],
    users: Mapping[str, Iterable[str]],
    groups: Mapping[str, Iterable[str]],
) -> None:
    out.worldPermissions.extend(world)
    for username, permissions in users.items():
        out.userPermissions.add(user=user_id_to_wire(username), permissions=list(permissions))
    for group_id, permissions in groups.items():
        out.groupPermissions[group_id].CopyFrom(core_pb2.PermissionsList(values=list(permissions)))


class ActivityService:
    """``domain.activities()``: join, look into, create and remove activities."""

    def __init__(self, domain: Domain, connection: Connection, cache: IdentityCache) -> None:
        self._domain = domain
        self._cache = cache
        self._joined: dict[int, Activity] = {}
        self.attach(connection)

    def attach(self, connection: Connection) -> None:
        self._connection = connection
        connection.on_push("activitySessionJoined", self._routed(Activity._joined_remote))
        connection.on_push("activitySessionLeft", self._routed(Activity._left_remote))
        connection.on_push("activityStateUpdated", self._routed(Activity._state_updated))
        connection.on_push("activityDeleted", self._on_deleted)
        connection.on_push("activityForceLeave", self._on_force_leave)

    def _routed(self, method: Any) -> Any:
        def handler(_name: str, body: Any) -> None:
            activity = self._joined.get(body.resourceId)
            if activity is not None:
                method(activity, body)

        return handler

    def _on_deleted(self, _name: str, body: activity_pb2.ActivityDeletedMessage) -> None:
        activity = self._joined.get(body.resourceId)
        if activity is not None:
            activity._ended("the activity was deleted", "deleted")

    def _on_force_leave(self, _name: str, body: activity_pb2.ActivityForceLeaveMessage) -> None:
        activity = self._joined.get(body.resourceId)
        if activity is not None:
            activity._ended(body.reason or "removed by the server", "force_left")

    def joined(self) -> list[Activity]:
        return list(self._joined.values())

    def is_joined(self, activity_type: str, activity_id: str) -> bool:
        return any((a.type, a.id) == (activity_type, activity_id) for a in self._joined.values())

    async def join(
        self,
        type: str,
        id: str,
        state: Mapping[str, Any] | None = None,
        *,
        lurk: bool = False,
        auto_create: bool | ActivityAutoCreate | None = None,
    ) -> Activity:
        """Join (``ActivityNotFoundError`` if it does not exist and ``auto_create`` is unset;
        ``True`` creates it with the server's defaults). ``lurk`` needs the lurk permission:
        see everyone, share no state, be listed nowhere."""
        initial = dict(state or {})
        if lurk and initial:
            raise ValueError("a lurking session shares no state")
        request = activity_pb2.ActivityJoinRequestMessage(
            activityType=type, activityId=id, lurk=lurk
        )
        json_values(request.state, initial)
        if auto_create:
            config = auto_create if isinstance(auto_create, ActivityAutoCreate) else None
            config = config or ActivityAutoCreate()
            request.autoCreateData.ephemeral = config.ephemeral
            _permissions(
                request.autoCreateData,
                config.world_permissions,
                config.user_permissions,
                config.group_permissions,
            )
            request.autoCreateData.SetInParent()
        _, reply = await self._connection.request("activityJoinRequest", request)
        auto = request.autoCreateData if request.HasField("autoCreateData") else None
        activity = Activity(self, type, id, lurk=lurk, reply=reply, state=initial, auto_create=auto)
        self._joined[reply.resourceId] = activity
        return activity

    async def participants(self, type: str, id: str) -> list[ActivityParticipant]:
        """Who is in an activity now, without joining it (state only with view_state)."""
        _, reply = await self._connection.request(
            "activityParticipantsRequest",
            activity_pb2.ActivityParticipantsRequestMessage(activityType=type, activityId=id),
        )
        own = self._domain.session_id
        return [
            ActivityParticipant(
                sid,
                self._domain.user
                if sid == own
                else self._cache.session_user(sid) or DomainUser(sid, None, "unknown"),
                value_map_to_dict(data.state),
                local=sid == own,
            )
            for sid, data in reply.state.items()
        ]

    async def create(
        self,
        type: str,
        id: str,
        *,
        world_permissions: Iterable[str] = (),
        user_permissions: Mapping[str, Iterable[str]] | None = None,
        group_permissions: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        """Create a persistent activity (``AlreadyExistsError`` if it exists)."""
        request = activity_pb2.ActivityCreateRequestMessage(activityType=type, activityId=id)
        _permissions(request, world_permissions, user_permissions or {}, group_permissions or {})
        await self._connection.request("activityCreateRequest", request)

    async def remove(self, type: str, id: str) -> None:
        """Delete an activity (needs the remove permission); joined sessions are told."""
        await self._connection.request(
            "activityDeleteRequest",
            activity_pb2.ActivityDeleteRequestMessage(activityType=type, activityId=id),
        )

    # -- reconnect hooks (client/reconnect.py) ------------------------------------------------

    def _go_offline(self, _reason: str) -> None:
        for activity in self._joined.values():
            activity._synced = False

    async def _go_online(self) -> None:
        """Re-join every joined activity, as rc.12 does; state changed offline goes along."""
        await asyncio.gather(*(a._rejoin() for a in list(self._joined.values())))

    def _connection_lost(self, reason: str) -> None:
        for activity in list(self._joined.values()):
            activity._ended(reason)
