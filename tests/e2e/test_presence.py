"""Presence with real clients: availability, per-user state, subscriptions, dead sessions."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .collab import PW, connect, events, js, mark, run, sleep, values, wait_for
from .harness import unique

# First two bytes of an envelope whose body is the given field (tag varint), see collab.js.
STATE_SET = "9a19"  # presenceStateSet (403)
STATE_REMOVED = "a219"  # presenceStateRemoved (404)
STATE_CLEARED = "aa19"  # presenceStateCleared (405)
AVAILABILITY = "b219"  # presenceAvailabilityChanged (406)
PRESENCE_PUSHES = {STATE_SET, STATE_REMOVED, STATE_CLEARED, AVAILABILITY}


def _users(admin: Any, *names: str) -> list[str]:
    made = []
    for name in names:
        username = unique(name)
        admin.create_user(username, PW)
        made.append(username)
    return made


def test_availability_state_and_subscribers(server: Any, admin: Any) -> None:
    alice, bob, carol = _users(admin, "alice", "bob", "carol")
    subscribe = (
        f"ctx.sub = h.watchPresence(await d.presence().subscribe({bob!r}));"
        " return {available: ctx.sub.available, state: Object.fromEntries(ctx.sub.state)};"
    )
    steps = [
        connect("a", alice),
        js("a", subscribe),  # 1: bob is offline
        connect("c", carol),
        connect("b", bob),
        wait_for("a", f"e.name === 'availability_changed' && e.user === {bob!r} && e.available"),
        js("b", "d.presence().setState({x: 1, y: 'two', z: [3]});"),  # 5: three keys at once
        wait_for("a", "e.name === 'state_set'"),
        js("a", "return Object.fromEntries(ctx.sub.state);"),  # 7
        js("b", "d.presence().removeState('x');"),
        wait_for("a", "e.name === 'state_removed'"),
        connect("b2", bob),  # 10: a second session of bob gets the shared state on connect
        js("b2", "return Object.fromEntries(d.presence().state());"),  # 11
        js(
            "a",
            f"const p = await d.presence().presence({bob!r});"
            " return {available: p.available, state: Object.fromEntries(p.state)};",
        ),  # 12
        js("b2", "d.presence().clearState();"),
        wait_for("a", "e.name === 'state_cleared'"),
        js("a", "return Object.fromEntries(ctx.sub.state);"),  # 15
        {"c": "b", "op": "disconnect"},
        sleep(500),
        js("a", "return ctx.sub.available;"),  # 18: bob still has b2
        {"c": "b2", "op": "disconnect"},
        wait_for("a", f"e.name === 'availability_changed' && e.user === {bob!r} && !e.available"),
        js(
            "a",
            f"const p = await d.presence().presence(['{unique('ghost')}', {bob!r}]);"
            " return p.map(x => [x.available, x.state.size]);",
        ),  # 21
    ]
    result = run(server.url, steps)
    v = values(result)
    assert v[1] == {"available": False, "state": {}}
    assert v[7] == {"x": 1, "y": "two", "z": [3]}, "a multi-key update keeps every key"
    assert v[11] == {"y": "two", "z": [3]}
    assert v[12] == {"available": True, "state": {"y": "two", "z": [3]}}
    assert v[15] == {}
    assert v[18] is True
    assert v[21] == [[False, 0], [False, 0]]
    availability = [
        e for e in events(result, "a", "presence") if e["name"] == "availability_changed"
    ]
    assert result["frameHeads"]["a"].count(AVAILABILITY) == 2, result["frameHeads"]["a"]
    # (a third "false" is the client's own doing when a itself disconnects at the end)
    assert [e["available"] for e in availability[:2]] == [True, False], json.dumps(availability)
    # Carol never subscribed to bob: not one presence push reached her.
    assert not PRESENCE_PUSHES & set(result["frameHeads"]["c"]), result["frameHeads"]["c"]
    assert STATE_SET in result["frameHeads"]["a"]


def test_unsubscribe_stops_updates(server: Any, admin: Any) -> None:
    alice, bob = _users(admin, "alice", "bob")
    steps = [
        connect("a", alice),
        connect("b", bob),
        js("a", f"ctx.sub = h.watchPresence(await d.presence().subscribe({bob!r}));"),
        js("b", "d.presence().setState('k', 1);"),
        wait_for("a", "e.name === 'state_set'"),
        js("a", "ctx.sub.unsubscribe(); ctx.heads = ctx.frameHeads.length;"),
        sleep(300),
        js("b", "d.presence().setState('k', 2);"),
        sleep(500),
        js("a", "return ctx.frameHeads.slice(ctx.heads);"),
    ]
    v = values(run(server.url, steps))
    assert STATE_SET not in v[-1]


def test_dead_session_goes_offline_within_heartbeat_timeout(
    server_factory: Callable[..., Any], admin_for: Callable[[Any], Any]
) -> None:
    hb = server_factory(
        "presence-hb",
        extra_args=["--ConvergenceApp.ping_interval=1", "--ConvergenceApp.pong_timeout=1"],
    )
    admin = admin_for(hb)
    alice, bob = _users(admin, "alice", "bob")
    quiet = {"protocol": {"heartbeat": {"enabled": False}}}
    offline = "e.name === 'availability_changed' && !e.available"
    online = "e.name === 'availability_changed' && e.available"
    steps = [
        connect("a", alice),
        js("a", f"h.watchPresence(await d.presence().subscribe({bob!r}));"),
        connect("b", bob, **quiet),
        wait_for("a", online),
        {"c": "b", "op": "freeze"},  # 4: silent, never closed: only the heartbeat can tell
        wait_for("a", offline, timeout_ms=8000),  # 5
        mark("a", "m"),
        connect("k", bob),
        wait_for("a", online, since="m"),
        mark("a", "m2"),
        {"c": "k", "op": "terminate"},  # 10: TCP gone without a close frame
        wait_for("a", offline, since="m2"),  # 11
    ]
    result = run(hb.url, steps)
    v = values(result)
    # ping 1 s + pong timeout 1 s, checked 4 times a period: offline in well under 4 s.
    assert v[5]["waitedMs"] < 4000, v[5]
    assert v[11]["waitedMs"] < 2000, v[11]
