"""The presence service: availability on first/last session, shared state, subscriptions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from google.protobuf.message import Message

from convergence_jupyter.domain.errors import ServiceError
from convergence_jupyter.domain.runtime import DomainRuntime
from convergence_jupyter.domain.service import Handler, Reply, ServiceBase
from convergence_jupyter.domain.session import SessionHandle
from convergence_jupyter.domain.users import DomainUserId
from convergence_jupyter.identity.wire import user_id_from_wire, user_id_to_wire
from convergence_jupyter.presence.state import PresenceRegistry
from convergence_jupyter.protocol.schema import core_pb2, presence_pb2
from convergence_jupyter.protocol.values import fill_value_map, value_map_to_dict

#: Bounds on one request so a single client cannot make the server do unbounded work.
MAX_USERS_PER_REQUEST = 1000
MAX_STATE_KEYS = 1000


class PresenceService(ServiceBase):
    """Presence is per user; every session is subscribed to its own user automatically.

    Changes go to the subscribers of the user, except the session that made them (its
    client has already applied the change locally; an echo could reorder fast updates).
    """

    def __init__(self, runtime: DomainRuntime) -> None:
        self._runtime = runtime
        self.registry = PresenceRegistry()
        runtime.presence_state_provider = self.registry.state

    def handlers(self) -> Mapping[str, Handler]:
        return {
            "presenceSetState": self._set_state,
            "presenceRemoveState": self._remove_state,
            "presenceClearState": self._clear_state,
            "presenceRequest": self._presence,
            "presenceSubscribeRequest": self._subscribe,
            "presenceUnsubscribe": self._unsubscribe,
        }

    def is_available(self, user: DomainUserId) -> bool:
        return bool(self._runtime.sessions_of_user(user))

    # -- session lifecycle ------------------------------------------------------------------

    async def on_session_opened(self, session: SessionHandle) -> None:
        # Idempotent re-install: survives a runtime that resets the hook after building services.
        self._runtime.presence_state_provider = self.registry.state
        user = session.user.user_id
        self.registry.subscribe(session.session_id, [user])
        if len(self._runtime.sessions_of_user(user)) == 1:
            self._broadcast(
                user,
                "presenceAvailabilityChanged",
                presence_pb2.PresenceAvailabilityChangedMessage(
                    user=user_id_to_wire(user), available=True
                ),
                exclude=session.session_id,
            )

    async def on_session_closed(self, session: SessionHandle) -> None:
        self.registry.drop_session(session.session_id)
        user = session.user.user_id
        if not self._runtime.sessions_of_user(user):
            # The state describes what the user is doing now; an offline user does nothing.
            self.registry.clear_state(user)
            self._broadcast(
                user,
                "presenceAvailabilityChanged",
                presence_pb2.PresenceAvailabilityChangedMessage(
                    user=user_id_to_wire(user), available=False
                ),
            )

    # -- state changes ----------------------------------------------------------------------

    async def _set_state(self, session: SessionHandle, body: Message) -> None:
        assert isinstance(body, presence_pb2.PresenceSetStateMessage)
        if len(body.state) > MAX_STATE_KEYS:
            raise ServiceError("invalid_message", f"at most {MAX_STATE_KEYS} keys per update")
        values = value_map_to_dict(body.state)
        user = session.user.user_id
        self.registry.set_state(user, values)
        out = presence_pb2.PresenceStateSetMessage(user=user_id_to_wire(user))
        fill_value_map(out.state, values)
        self._broadcast(user, "presenceStateSet", out, exclude=session.session_id)

    async def _remove_state(self, session: SessionHandle, body: Message) -> None:
        assert isinstance(body, presence_pb2.PresenceRemoveStateMessage)
        user = session.user.user_id
        keys = list(body.keys)
        self.registry.remove_state(user, keys)
        out = presence_pb2.PresenceStateRemovedMessage(user=user_id_to_wire(user), keys=keys)
        self._broadcast(user, "presenceStateRemoved", out, exclude=session.session_id)

    async def _clear_state(self, session: SessionHandle, body: Message) -> None:
        user = session.user.user_id
        self.registry.clear_state(user)
        out = presence_pb2.PresenceStateClearedMessage(user=user_id_to_wire(user))
        self._broadcast(user, "presenceStateCleared", out, exclude=session.session_id)

    # -- queries and subscriptions ----------------------------------------------------------

    async def _presence(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, presence_pb2.PresenceRequestMessage)
        users = _users(body.users)
        return "presenceResponse", presence_pb2.PresenceResponseMessage(
            userPresences=[self._presence_of(u) for u in users]
        )

    async def _subscribe(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, presence_pb2.SubscribePresenceRequestMessage)
        users = _users(body.users)
        self.registry.subscribe(session.session_id, users)
        return "presenceSubscribeResponse", presence_pb2.SubscribePresenceResponseMessage(
            userPresences=[self._presence_of(u) for u in users]
        )

    async def _unsubscribe(self, session: SessionHandle, body: Message) -> None:
        assert isinstance(body, presence_pb2.UnsubscribePresenceMessage)
        own = session.user.user_id
        # A session always follows its own user: the client relies on it for its other sessions.
        self.registry.unsubscribe(session.session_id, [u for u in _users(body.users) if u != own])

    def _presence_of(self, user: DomainUserId) -> presence_pb2.UserPresenceData:
        data = presence_pb2.UserPresenceData(
            user=user_id_to_wire(user), available=self.is_available(user)
        )
        fill_value_map(data.state, self.registry.state(user))
        return data

    def _broadcast(
        self, user: DomainUserId, body_name: str, body: Message, *, exclude: str | None = None
    ) -> None:
        for session_id in sorted(self.registry.subscribers(user)):
            if session_id == exclude:
                continue
            target = self._runtime.sessions.get(session_id)
            if target is not None:
                target.send(body_name, body)


def _users(wire: Iterable[core_pb2.DomainUserIdData]) -> list[DomainUserId]:
    items = list(wire)
    if len(items) > MAX_USERS_PER_REQUEST:
        raise ServiceError("invalid_message", f"at most {MAX_USERS_PER_REQUEST} users per request")
    try:
        return list(dict.fromkeys(user_id_from_wire(u) for u in items))
    except ValueError:
        raise ServiceError("invalid_message", "unknown user type") from None
