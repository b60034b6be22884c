"""Presence: the registry's bookkeeping and the service's notifications (no database)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from permissions.support import FakeSession, user

from convergence_jupyter.domain.errors import ServiceError
from convergence_jupyter.domain.runtime import DomainRuntime
from convergence_jupyter.domain.session import DomainRef
from convergence_jupyter.domain.users import DomainUserId, UserType
from convergence_jupyter.presence import PresenceRegistry, PresenceService
from convergence_jupyter.protocol.schema import core_pb2, presence_pb2
from convergence_jupyter.protocol.values import to_value, value_map_to_dict

BOB = DomainUserId(UserType.NORMAL, "bob")
DOMAIN = DomainRef(1, "ns", "d")


def test_multi_key_set_keeps_every_key() -> None:
    reg = PresenceRegistry()
    reg.set_state(BOB, {"a": 1, "b": 2})
    reg.set_state(BOB, {"c": 3, "a": 4})
    assert reg.state(BOB) == {"a": 4, "b": 2, "c": 3}
    reg.remove_state(BOB, ["a", "b", "missing"])
    assert reg.state(BOB) == {"c": 3}
    reg.clear_state(BOB)
    assert reg.state(BOB) == {}


def test_state_copies_are_not_shared() -> None:
    reg = PresenceRegistry()
    reg.set_state(BOB, {"a": 1})
    reg.state(BOB)["a"] = 99
    assert reg.state(BOB) == {"a": 1}


def test_subscriptions_are_dropped_with_the_session() -> None:
    reg = PresenceRegistry()
    reg.subscribe("1", [BOB])
    reg.subscribe("2", [BOB])
    assert reg.subscribers(BOB) == {"1", "2"}
    reg.unsubscribe("2", [BOB])
    reg.drop_session("1")
    assert reg.subscribers(BOB) == set()
    assert reg.subscriptions("1") == set()


class Harness:
    def __init__(self) -> None:
        self.runtime = DomainRuntime(DOMAIN, [PresenceService])
        self.service = self.runtime.services[0]
        self._n = 0

    async def open(self, username: str) -> FakeSession:
        self._n += 1
        session = FakeSession(str(self._n), user(username), self._n, DOMAIN)
        await self.runtime.session_opened(session)  # type: ignore[arg-type]
        return session

    async def call(self, session: FakeSession, name: str, body: Any) -> Any:
        handler = self.runtime.handler_for(name)
        assert handler is not None
        return await handler(session, body)  # type: ignore[arg-type]


def _ids(*names: str) -> list[core_pb2.DomainUserIdData]:
    return [core_pb2.DomainUserIdData(userType=core_pb2.Normal, username=n) for n in names]


def _set(**values: Any) -> presence_pb2.PresenceSetStateMessage:
    msg = presence_pb2.PresenceSetStateMessage()
    for key, value in values.items():
        msg.state[key].CopyFrom(to_value(value))
    return msg


def test_notifications_go_to_subscribers_only() -> None:
    async def body() -> None:
        h = Harness()
        alice = await h.open("alice")
        carol = await h.open("carol")
        _, reply = await h.call(
            alice,
            "presenceSubscribeRequest",
            presence_pb2.SubscribePresenceRequestMessage(users=_ids("bob")),
        )
        assert [p.available for p in reply.userPresences] == [False]
        bob = await h.open("bob")
        bob2 = await h.open("bob")
        assert [m.available for m in alice.bodies("presenceAvailabilityChanged")] == [True]
        await h.call(bob, "presenceSetState", _set(x=1, y="two"))
        (pushed,) = alice.bodies("presenceStateSet")
        assert value_map_to_dict(pushed.state) == {"x": 1, "y": "two"}
        assert bob2.bodies("presenceStateSet"), "the user's other sessions follow its state"
        assert not bob.bodies("presenceStateSet"), "no echo to the sender"
        assert not carol.sent
        assert dict(h.runtime.presence_state_of(BOB)) == {"x": 1, "y": "two"}
        await h.call(
            bob, "presenceRemoveState", presence_pb2.PresenceRemoveStateMessage(keys=["x"])
        )
        assert alice.bodies("presenceStateRemoved")[0].keys == ["x"]
        await h.runtime.session_closed(bob)  # type: ignore[arg-type]
        assert len(alice.bodies("presenceAvailabilityChanged")) == 1, "bob2 is still there"
        await h.runtime.session_closed(bob2)  # type: ignore[arg-type]
        assert [m.available for m in alice.bodies("presenceAvailabilityChanged")] == [True, False]
        assert dict(h.runtime.presence_state_of(BOB)) == {}
        await h.call(
            alice, "presenceUnsubscribe", presence_pb2.UnsubscribePresenceMessage(users=_ids("bob"))
        )
        await h.open("bob")
        assert len(alice.bodies("presenceAvailabilityChanged")) == 2

    asyncio.run(body())


def test_request_unknown_users_and_bad_types() -> None:
    async def body() -> None:
        h = Harness()
        alice = await h.open("alice")
        name, reply = await h.call(
            alice,
            "presenceRequest",
            presence_pb2.PresenceRequestMessage(users=_ids("ghost", "alice")),
        )
        assert name == "presenceResponse"
        assert [(p.user.username, p.available) for p in reply.userPresences] == [
            ("ghost", False),
            ("alice", True),
        ]
        bad = presence_pb2.PresenceRequestMessage(
            users=[core_pb2.DomainUserIdData(userType=7, username="x")]  # type: ignore[arg-type]
        )
        with pytest.raises(ServiceError) as info:
            await h.call(alice, "presenceRequest", bad)
        assert info.value.code == "invalid_message"

    asyncio.run(body())
