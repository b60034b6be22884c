"""Presence through the Python client's public API, against the real server and rc.12."""

from __future__ import annotations

from typing import Any

import pytest

from convergence_jupyter.client import InvalidMessageError, PresenceEvent
from tests.client import rc12
from tests.client.accounts import PASSWORD, add_users
from tests.client.conftest import ClientFactory
from tests.client.test_reconnect import FAST, Relay, relay, via_relay  # noqa: F401 (fixtures)
from tests.e2e import collab
from tests.e2e.harness import password

WAIT = 10.0


async def next_event(events: Any, kind: str, wait: float = WAIT, **match: Any) -> PresenceEvent:
    """The next event of ``kind`` whose attributes equal ``match`` (others are skipped)."""
    while True:
        event: PresenceEvent = await events.next(wait)
        if event.kind == kind and all(getattr(event, k) == v for k, v in match.items()):
            return event


async def test_state_availability_and_subscriptions(
    client: ClientFactory, jp_serverapp: Any
) -> None:
    await add_users(jp_serverapp, "pia", "quinn")
    quinn = await client(password=("quinn", PASSWORD))
    assert quinn.presence().available and quinn.presence().state == {}
    follow = await quinn.presence().subscribe("pia")
    assert (follow.username, follow.available, follow.state) == ("pia", False, {})
    watch = follow.events.subscribe()

    pia = await client(password=("pia", PASSWORD))
    online = await next_event(watch, "availability_changed")
    assert online.available and follow.available and online.user.username == "pia"
    await pia.presence().set("status", "busy")
    await pia.presence().set({"cell": 3, "tags": ["a", "b"]})
    assert pia.presence().state == {"status": "busy", "cell": 3, "tags": ["a", "b"]}
    assert (await next_event(watch, "state_set")).state == {"status": "busy"}
    await next_event(watch, "state_set")
    assert follow.state == {"status": "busy", "cell": 3.0, "tags": ["a", "b"]}
    assert follow.user.display_name == "Pia"

    # A second session of the same user starts with the user's state and follows changes
    # made by the first.
    again = await client(password=("pia", PASSWORD))
    assert again.presence().state == pia.presence().state
    mirrored = again.presence().events.subscribe()
    await pia.presence().remove("cell")
    removed = await next_event(mirrored, "state_removed")
    assert removed.keys == ("cell",) and "cell" not in again.presence().state
    assert (await next_event(watch, "state_removed")).keys == ("cell",)
    assert follow.state == {"status": "busy", "tags": ["a", "b"]}

    # Two subscriptions share the user; dropping one leaves the other live.
    second = await quinn.presence().subscribe(["pia", "nobody-here"])
    assert [p.username for p in second] == ["pia", "nobody-here"]
    assert second[0].state == follow.state and not second[1].available
    follow.unsubscribe()
    follow.unsubscribe()  # idempotent
    still = second[0].events.subscribe()
    first = pia.presence().events.subscribe()
    await again.presence().clear()
    assert again.presence().state == {}
    await next_event(still, "state_cleared")
    await next_event(first, "state_cleared")
    assert second[0].state == {} and pia.presence().state == {}

    looked = await quinn.presence().presence(["pia", "quinn"])
    assert [(u.username, available) for u, available, _ in looked] == [
        ("pia", True),
        ("quinn", True),
    ]

    # The user goes away when its last session does; its state goes with it.
    await again.presence().set("status", "leaving")
    await next_event(still, "state_set")
    await pia.dispose()
    await again.dispose()
    offline = await next_event(still, "availability_changed")
    assert not offline.available and not second[0].available and second[0].state == {}


async def test_own_state_reaches_own_subscription_and_bad_input(
    client: ClientFactory,
) -> None:
    ada = await client("Ada")
    me = await ada.presence().subscribe(ada.user)
    assert me.available
    events = me.events.subscribe()
    await ada.presence().set("mood", "fine")
    assert (await next_event(events, "state_set")).state == {"mood": "fine"}
    assert me.state == {"mood": "fine"}
    with pytest.raises(TypeError):
        await ada.presence().set("bad", object())
    assert ada.presence().state == {"mood": "fine"}
    with pytest.raises(InvalidMessageError):
        await ada.presence().subscribe([f"user{i}" for i in range(1001)])
    someone = await ada.presence().subscribe("someone")
    assert someone.available is False
    iterator = someone.events.subscribe()
    await ada.dispose()
    assert [e async for e in iterator] == [] and not someone.subscribed


async def test_python_and_rc12_presence(
    client: ClientFactory, jp_serverapp: Any, realtime_url: str
) -> None:
    """rc.12 follows the Python user and the Python client follows the rc.12 user."""
    await add_users(jp_serverapp, "pyuser", "jsuser")
    py = await client(password=("pyuser", PASSWORD))
    follow = await py.presence().subscribe("jsuser")
    watch = follow.events.subscribe()
    steps = [
        {"c": "js", "op": "connect", "auth": password("jsuser", PASSWORD)},
        collab.js(
            "js", "ctx.sub = h.watchPresence(await d.presence().subscribe('pyuser')); return null;"
        ),
        collab.js("js", "d.presence().setState({typing: true}); return null;"),
        collab.wait_for("js", "e.name === 'state_set' && e.state.where === 'cell 2'", 30000),
        collab.js("js", "return [ctx.sub.available, Object.fromEntries(ctx.sub.state)];"),
    ]
    scenario = rc12.start(realtime_url, steps)
    online = await rc12.meanwhile(scenario, next_event(watch, "availability_changed", wait=40))
    assert online.available
    typing = await rc12.meanwhile(scenario, next_event(watch, "state_set", wait=30))
    assert typing.state == {"typing": True} and follow.state == {"typing": True}
    await py.presence().set("where", "cell 2")
    v = collab.values(await scenario)
    assert v[3]["user"] == "pyuser"
    assert v[4] == [True, {"where": "cell 2"}]
    offline = await next_event(watch, "availability_changed")
    assert not offline.available


async def test_reconnect_shares_state_again_and_resubscribes(
    client: ClientFactory,
    via_relay: Any,  # noqa: F811 - the fixture imported above
    relay: Relay,  # noqa: F811
) -> None:
    ada = await via_relay("Ada", **FAST)
    bob = await client("Bob")
    await ada.presence().set("status", "here")
    follow_ada = await bob.presence().subscribe(ada.user)
    follow_bob = await ada.presence().subscribe(bob.user)
    assert follow_ada.state == {"status": "here"} and follow_bob.available
    watch_ada = follow_ada.events.subscribe()
    watch_bob = follow_bob.events.subscribe()
    relay.cut()
    gone = await next_event(watch_ada, "availability_changed")
    assert not gone.available and follow_ada.state == {}
    await ada.presence().set("status", "back soon")  # offline: kept here
    await bob.presence().set("mood", "waiting")
    relay.go_online()
    back = await next_event(watch_ada, "availability_changed", wait=20)
    assert back.available
    shared = await next_event(watch_ada, "state_set")
    assert shared.state == {"status": "back soon"} == follow_ada.state
    missed = await next_event(watch_bob, "state_set")
    assert missed.state == {"mood": "waiting"} and follow_bob.state == {"mood": "waiting"}
    await bob.presence().set("mood", "happy")
    assert (await next_event(watch_bob, "state_set")).state == {"mood": "happy"}
