"""Presence: whether users are online, and the state each user shares (status, "in cell 3").

State is per *user*, shared by all of that user's sessions; a change made by another of our
sessions arrives like anyone else's. Subscriptions follow other users until ``unsubscribe()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

from convergence_jupyter.protocol.schema import presence_pb2
from convergence_jupyter.protocol.values import value_map_to_dict

from .events import EventSource
from .identity import DomainUser, IdentityCache, id_key, ref_key, user_id_to_wire
from .shared_state import json_values

if TYPE_CHECKING:
    from .connection import Connection
    from .domain import Domain


@dataclass(frozen=True, slots=True)
class PresenceEvent:
    """``kind``: "availability_changed" (``available``), "state_set" (``state``: the keys
    set), "state_removed" (``keys``), "state_cleared"."""

    kind: str
    user: DomainUser
    available: bool | None = None
    state: dict[str, Any] | None = None
    keys: tuple[str, ...] = ()


class _Tracked:
    """What we know of one user, shared by every subscription to them."""

    def __init__(self, user: DomainUser, available: bool, state: dict[str, Any]) -> None:
        self.user = user
        self.available = available
        self.state = state
        self.views: list[UserPresence] = []

    def emit(self, event: PresenceEvent) -> None:
        for view in list(self.views):
            view.events.emit(event)


class UserPresence:
    """One subscription to a user's presence; its fields stay current until unsubscribed."""

    def __init__(self, service: PresenceService, tracked: _Tracked) -> None:
        self._service = service
        self._tracked = tracked
        self.subscribed = True
        self.events: EventSource[PresenceEvent] = EventSource()
        """Availability and state changes of this user."""

    def __repr__(self) -> str:
        online = "available" if self.available else "away"
        return f"<UserPresence {self.username} {online} {self.state}>"

    @property
    def user(self) -> DomainUser:
        return self._tracked.user

    @property
    def username(self) -> str:
        return self._tracked.user.username

    @property
    def available(self) -> bool:
        return self._tracked.available

    @property
    def state(self) -> dict[str, Any]:
        return dict(self._tracked.state)

    def unsubscribe(self) -> None:
        """Stop following (the server stops sending once no subscription to the user is
        left). Idempotent."""
        if self.subscribed:
            self.subscribed = False
            self.events.close()
            self._service._release(self)


class PresenceService:
    """``domain.presence()``: our own presence and subscriptions to other users'."""

    def __init__(
        self,
        domain: Domain,
        connection: Connection,
        cache: IdentityCache,
        initial_state: Mapping[str, Any],
    ) -> None:
        self._domain = domain
        self._cache = cache
        self._state = dict(initial_state)
        self._tracked: dict[tuple[str, str], _Tracked] = {}
        #: False from a dropped socket until the reconnect has re-shared and re-subscribed.
        self._online = True
        self.events: EventSource[PresenceEvent] = EventSource()
        """Changes to *our* user's presence made by our other sessions."""
        self.attach(connection)

    def attach(self, connection: Connection) -> None:
        self._connection = connection
        connection.on_push("presenceAvailabilityChanged", self._on_push)
        connection.on_push("presenceStateSet", self._on_push)
        connection.on_push("presenceStateRemoved", self._on_push)
        connection.on_push("presenceStateCleared", self._on_push)

    # -- our own presence --------------------------------------------------------------------

    @property
    def user(self) -> DomainUser:
        return self._domain.user

    @property
    def available(self) -> bool:
        """True while connected: a user is available while any of its sessions is."""
        return self._domain.connected

    @property
    def state(self) -> dict[str, Any]:
        """A copy of our user's shared state."""
        return dict(self._state)

    async def set(self, key: str | Mapping[str, Any], value: Any = None) -> None:
        """``set("status", "busy")`` or ``set({"status": "busy", "cell": 3})``; subscribers
        see the change. Values are JSON-like."""
        values = dict(key) if isinstance(key, Mapping) else {key: value}
        if not values:
            return
        message = presence_pb2.PresenceSetStateMessage()
        json_values(message.state, values)
        self._send("presenceSetState", message)
        self._state.update(values)
        self._mirror(PresenceEvent("state_set", self.user, state=values))

    async def remove(self, keys: str | Iterable[str]) -> None:
        removed = (keys,) if isinstance(keys, str) else tuple(keys)
        if not removed:
            return
        self._send("presenceRemoveState", presence_pb2.PresenceRemoveStateMessage(keys=removed))
        for key in removed:
            self._state.pop(key, None)
        self._mirror(PresenceEvent("state_removed", self.user, keys=removed))

    async def clear(self) -> None:
        self._send("presenceClearState", presence_pb2.PresenceClearStateMessage())
        self._state.clear()
        self._mirror(PresenceEvent("state_cleared", self.user))

    def _send(self, name: str, message: Any) -> None:
        # Offline, changes stay here; the reconnect shares the whole state again.
        if self._online:
            self._connection.send(name, message)

    def _mirror(self, event: PresenceEvent) -> None:
        """Our own changes also reach subscriptions to our own user, as they would remotely."""
        tracked = self._tracked.get(self.user.key)
        if tracked is not None:
            tracked.state = dict(self._state)
            tracked.emit(event)

    # -- other users -------------------------------------------------------------------------

    @overload
    async def subscribe(self, users: str | DomainUser) -> UserPresence: ...

    @overload
    async def subscribe(
        self, users: list[str | DomainUser] | tuple[str | DomainUser, ...]
    ) -> list[UserPresence]: ...

    async def subscribe(
        self, users: str | DomainUser | Sequence[str | DomainUser]
    ) -> UserPresence | list[UserPresence]:
        """Follow users (a username means a normal user). Unknown users are reported as
        unavailable with no state."""
        single = isinstance(users, str | DomainUser)
        wanted = _users(users)
        fresh = [u for u in wanted if ref_key(u) not in self._tracked]
        unknown = [u for u in fresh if not self._cache.knows(ref_key(u))]
        if unknown:
            # Presence names users by id only; fetch their records (names) once.
            await self._domain.identity().users(unknown)
        if fresh:
            request = presence_pb2.SubscribePresenceRequestMessage(
                users=[user_id_to_wire(u) for u in fresh]
            )
            _, reply = await self._connection.request("presenceSubscribeRequest", request)
            for data in reply.userPresences:
                key = id_key(data.user)
                if key not in self._tracked:
                    state = value_map_to_dict(data.state)
                    if key == self.user.key:
                        state = dict(self._state)
                    self._tracked[key] = _Tracked(
                        self._cache.user(data.user), data.available, state
                    )
        views = []
        for user in wanted:
            tracked = self._tracked[ref_key(user)]
            view = UserPresence(self, tracked)
            tracked.views.append(view)
            views.append(view)
        return views[0] if single else views

    async def presence(
        self, users: str | DomainUser | Sequence[str | DomainUser]
    ) -> list[tuple[DomainUser, bool, dict[str, Any]]]:
        """A one-off look: ``(user, available, state)`` per user, without subscribing."""
        wanted = _users(users)
        _, reply = await self._connection.request(
            "presenceRequest",
            presence_pb2.PresenceRequestMessage(users=[user_id_to_wire(u) for u in wanted]),
        )
        return [
            (self._cache.user(d.user), d.available, value_map_to_dict(d.state))
            for d in reply.userPresences
        ]

    def _release(self, view: UserPresence) -> None:
        tracked = view._tracked
        if view in tracked.views:
            tracked.views.remove(view)
        if tracked.views or self._tracked.get(tracked.user.key) is not tracked:
            return
        del self._tracked[tracked.user.key]
        if tracked.user.key != self.user.key and self._online:
            # The server always keeps a session following its own user.
            self._connection.send(
                "presenceUnsubscribe",
                presence_pb2.UnsubscribePresenceMessage(users=[user_id_to_wire(tracked.user)]),
            )

    # -- reconnect hooks (client/reconnect.py) ------------------------------------------------

    def _go_offline(self, _reason: str) -> None:
        self._online = False

    async def _go_online(self) -> None:
        """Share our state again (the server dropped it if this was the user's only session)
        and re-subscribe, reporting what changed meanwhile as events."""
        if self._state:
            message = presence_pb2.PresenceSetStateMessage()
            json_values(message.state, self._state)
            self._connection.send("presenceSetState", message)
        self._online = True
        if not self._tracked:
            return
        tracked = list(self._tracked.values())
        request = presence_pb2.SubscribePresenceRequestMessage(
            users=[user_id_to_wire(t.user) for t in tracked]
        )
        _, reply = await self._connection.request("presenceSubscribeRequest", request)
        for data in reply.userPresences:
            entry = self._tracked.get(id_key(data.user))
            if entry is None:
                continue
            state = dict(self._state) if entry.user.key == self.user.key else None
            self._catch_up(entry, data.available, state or value_map_to_dict(data.state))

    def _connection_lost(self, _reason: str) -> None:
        """The domain is over: subscriptions end, and so do their event iterators."""
        for entry in list(self._tracked.values()):
            for view in list(entry.views):
                view.subscribed = False
                view.events.close()
        self._tracked.clear()
        self.events.close()

    def _catch_up(self, entry: _Tracked, available: bool, state: dict[str, Any]) -> None:
        old = entry.state
        entry.state = dict(state)
        if entry.available != available:
            entry.available = available
            entry.emit(PresenceEvent("availability_changed", entry.user, available=available))
        gone = tuple(k for k in old if k not in state)
        if gone:
            entry.emit(PresenceEvent("state_removed", entry.user, keys=gone))
        changed = {k: v for k, v in state.items() if k not in old or old[k] != v}
        if changed:
            entry.emit(PresenceEvent("state_set", entry.user, state=changed))

    # -- server stream -----------------------------------------------------------------------

    def _on_push(self, name: str, body: Any) -> None:
        user = self._cache.user(body.user)
        key = user.key
        if name == "presenceAvailabilityChanged":
            event = PresenceEvent("availability_changed", user, available=body.available)
        elif name == "presenceStateSet":
            event = PresenceEvent("state_set", user, state=value_map_to_dict(body.state))
        elif name == "presenceStateRemoved":
            event = PresenceEvent("state_removed", user, keys=tuple(body.keys))
        else:
            event = PresenceEvent("state_cleared", user)
        if key == self.user.key:
            _apply(self._state, event)
            self.events.emit(event)
        tracked = self._tracked.get(key)
        if tracked is not None:
            if event.available is not None:
                tracked.available = event.available
                if not event.available:
                    # The server drops the state of a user whose last session went.
                    tracked.state.clear()
            _apply(tracked.state, event)
            tracked.emit(event)


def _users(users: str | DomainUser | Sequence[str | DomainUser]) -> list[str | DomainUser]:
    if isinstance(users, str | DomainUser):
        return [users]
    return list(users)


def _apply(state: dict[str, Any], event: PresenceEvent) -> None:
    if event.kind == "state_set" and event.state:
        state.update(event.state)
    elif event.kind == "state_removed":
        for key in event.keys:
            state.pop(key, None)
    elif event.kind == "state_cleared":
        state.clear()
