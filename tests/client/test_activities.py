"""Activities through the Python client's public API, against the real server and rc.12."""

from __future__ import annotations

from typing import Any

import pytest

from convergence_jupyter.client import (
    ActivityAutoCreate,
    ActivityEvent,
    ActivityLeftError,
    ActivityNotFoundError,
    AlreadyJoinedError,
    PermissionDeniedError,
)
from tests.client import rc12
from tests.client.accounts import PASSWORD, add_users
from tests.client.conftest import ClientFactory
from tests.client.test_reconnect import FAST, Relay, relay, via_relay  # noqa: F401 (fixtures)
from tests.e2e import collab
from tests.e2e.harness import anonymous

WAIT = 10.0


async def next_event(events: Any, kind: str, wait: float = WAIT, **match: Any) -> ActivityEvent:
    """The next event of ``kind`` whose attributes equal ``match`` (others are skipped)."""
    while True:
        event: ActivityEvent = await events.next(wait)
        if event.kind == kind and all(getattr(event, k) == v for k, v in match.items()):
            return event


async def test_join_state_events_and_leave(client: ClientFactory) -> None:
    ada = await client("Ada")
    bob = await client("Bob")
    mine = await ada.activities().join("doc", "a1", {"cursor": 1}, auto_create=True)
    assert mine.joined and mine.state == {"cursor": 1}
    assert [(p.session_id, p.state, p.local) for p in mine.participants()] == [
        (ada.session_id, {"cursor": 1}, True)
    ]
    watch = mine.events.subscribe()
    theirs = await bob.activities().join("doc", "a1", {"cursor": 2})
    assert {p.user.display_name: p.state for p in theirs.participants()} == {
        "Ada": {"cursor": 1},
        "Bob": {"cursor": 2},
    }
    joined = await next_event(watch, "joined")
    assert (joined.session_id, joined.user, joined.state) == (
        bob.session_id,
        bob.user,
        {"cursor": 2},
    )

    seen = theirs.events.subscribe()
    local: list[ActivityEvent] = []
    mine.events.on(local.append)
    mine.set_state("sel", [1, 2])
    mine.set_state({"colour": "red", "n": 2.5})
    mine.remove_state("cursor")
    assert mine.state == {"sel": [1, 2], "colour": "red", "n": 2.5}
    assert [(e.kind, e.key, e.local) for e in local] == [
        ("state_set", "sel", True),
        ("state_set", "colour", True),
        ("state_set", "n", True),
        ("state_removed", "cursor", True),
    ]
    event = await next_event(seen, "state_set", key="sel")
    assert (event.value, event.user, event.local) == ([1, 2], ada.user, False)
    await next_event(seen, "state_removed", key="cursor")
    assert theirs.participant(ada.session_id).state == mine.state  # type: ignore[union-attr]

    mine.clear_state()
    await next_event(seen, "state_cleared", session_id=ada.session_id)
    assert theirs.participant(ada.session_id).state == {}  # type: ignore[union-attr]

    await theirs.leave()
    assert not theirs.joined and not bob.activities().is_joined("doc", "a1")
    left = await next_event(watch, "left")
    assert left.session_id == bob.session_id
    assert [p.session_id for p in mine.participants()] == [ada.session_id]
    with pytest.raises(ActivityLeftError):
        theirs.set_state("x", 1)
    # Without joining: who is there now.
    outside = await bob.activities().participants("doc", "a1")
    assert [(p.user.display_name, p.local) for p in outside] == [("Ada", False)]


async def test_lurkers_see_everyone_and_nobody_sees_them(client: ClientFactory) -> None:
    ada = await client("Ada")
    lurker = await client("Lurker")
    mine = await ada.activities().join(
        "doc",
        "lurk",
        {"here": True},
        auto_create=ActivityAutoCreate(
            world_permissions=("join", "lurk", "set_state", "view_state")
        ),
    )
    watch = mine.events.subscribe()
    hidden = await lurker.activities().join("doc", "lurk", lurk=True)
    assert hidden.lurking and hidden.state == {}
    assert [p.session_id for p in hidden.participants()] == [ada.session_id]
    with pytest.raises(ActivityLeftError):
        hidden.set_state("x", 1)
    seen = hidden.events.subscribe()
    mine.set_state("cursor", 4)
    assert (await next_event(seen, "state_set")).value == 4
    await hidden.leave()
    mine.set_state("cursor", 5)
    await ada.server_time()  # a round trip: any event about the lurker would have come by now
    kinds = []
    while not watch.queue.empty():
        kinds.append(watch.queue.get_nowait().kind)  # type: ignore[attr-defined]
    assert "joined" not in kinds and "left" not in kinds
    assert [p.session_id for p in mine.participants()] == [ada.session_id]


async def test_errors_are_typed(client: ClientFactory, jp_serverapp: Any) -> None:
    await add_users(jp_serverapp, "owner", "guest")
    owner = await client(password=("owner", PASSWORD))
    guest = await client(password=("guest", PASSWORD))
    with pytest.raises(ActivityNotFoundError):
        await owner.activities().join("doc", "missing")
    with pytest.raises(ValueError, match="lurking"):
        await owner.activities().join("doc", "missing", {"a": 1}, lurk=True)
    private = ActivityAutoCreate(world_permissions=("view_state",), user_permissions={})
    mine = await owner.activities().join("doc", "private", auto_create=private)
    with pytest.raises(AlreadyJoinedError):
        await owner.activities().join("doc", "private")
    with pytest.raises(PermissionDeniedError):
        await guest.activities().join("doc", "private")
    with pytest.raises(PermissionDeniedError):
        await guest.activities().remove("doc", "private")
    # A user granted join may come in; removal by the owner ends every joined session.
    await owner.activities().create(
        "doc", "shared", world_permissions=(), user_permissions={"guest": ["join", "set_state"]}
    )
    theirs = await guest.activities().join("doc", "shared", {"x": 1})
    ended = theirs.events.subscribe()
    await owner.activities().remove("doc", "shared")
    event = await next_event(ended, "deleted")
    assert event.local and not theirs.joined
    with pytest.raises(ActivityNotFoundError):
        await owner.activities().remove("doc", "shared")
    await mine.leave()
    await mine.leave()  # leaving twice is harmless


async def test_python_and_rc12_see_each_other(client: ClientFactory, realtime_url: str) -> None:
    """A real rc.12 client and the Python client in one activity: each sees the other's join,
    state and leave."""
    ada = await client("Ada")
    mine = await ada.activities().join("doc", "mixed", {"py": 1}, auto_create=True)
    watch = mine.events.subscribe()
    steps = [
        {"c": "js", "op": "connect", "auth": anonymous("Jay")},
        collab.js(
            "js",
            "ctx.act = h.watchActivity(await d.activities().join('doc', 'mixed', "
            "{state: {cursor: 7}})); return h.participants(ctx.act);",
        ),
        # Polls the participant's state, not the event: rc.12 may still be finishing its join
        # (before watchActivity subscribed) when the state_set arrives on a loaded machine.
        collab.js(
            "js",
            "for (const end = Date.now() + 30000; Date.now() < end; await lib.sleep(25)) {"
            " const p = ctx.act.participants().find((p) => p.state.has('from_py'));"
            " if (p) return {value: p.state.get('from_py'), user: p.user.username}; }"
            " throw new Error('no participant state from_py');",
        ),
        collab.js("js", "ctx.act.setState('from_js', {ok: true}); return null;"),
        collab.wait_for("js", "e.name === 'state_removed' && e.key === 'py'", 30000),
        collab.js("js", "const p = h.participants(ctx.act); await ctx.act.leave(); return p;"),
    ]
    scenario = rc12.start(realtime_url, steps)
    joined = await rc12.meanwhile(scenario, next_event(watch, "joined", wait=40))
    assert joined.user is not None and joined.user.display_name == "Jay"
    assert joined.state == {"cursor": 7}
    mine.set_state("from_py", "hello")
    event = await rc12.meanwhile(scenario, next_event(watch, "state_set", key="from_js", wait=30))
    assert event.value == {"ok": True} and event.session_id == joined.session_id
    mine.remove_state("py")
    await rc12.meanwhile(scenario, next_event(watch, "left", session_id=joined.session_id, wait=30))
    v = collab.values(await scenario)
    on_join = {p["user"]: p["state"] for p in v[1]}
    # rc.12 resolves its join a little after the server announced it, so Ada's first state
    # change may already be in the participants it returns.
    assert on_join[joined.user.username] == {"cursor": 7}
    assert on_join[ada.user.username] in ({"py": 1}, {"py": 1, "from_py": "hello"})
    assert len(on_join) == 2
    assert v[2]["value"] == "hello" and v[2]["user"] == ada.user.username
    assert {p["user"]: p["state"] for p in v[5]} == {
        ada.user.username: {"from_py": "hello"},
        joined.user.username: {"cursor": 7, "from_js": {"ok": True}},
    }


async def test_reconnect_rejoins_with_offline_state(
    client: ClientFactory,
    via_relay: Any,  # noqa: F811 - the fixture imported above
    relay: Relay,  # noqa: F811
) -> None:
    """A dropped session re-joins by itself: state set offline is shared then, and what the
    others did meanwhile arrives as events."""
    ada = await via_relay("Ada", **FAST)
    bob = await client("Bob")
    mine = await ada.activities().join("doc", "rc", {"cursor": 1}, auto_create=True)
    theirs = await bob.activities().join("doc", "rc", {"b": 0})
    seen = theirs.events.subscribe()
    watch = mine.events.subscribe()
    old_session = ada.session_id
    relay.cut()
    await next_event(seen, "left", session_id=old_session)
    mine.set_state("offline", True)  # kept locally while offline
    assert mine.state == {"cursor": 1, "offline": True}
    theirs.set_state("b", 2)
    relay.go_online()
    back = await next_event(seen, "joined")
    assert back.session_id == ada.session_id != old_session
    assert back.state == {"cursor": 1, "offline": True}
    changed = await next_event(watch, "state_set", key="b")
    assert changed.value == 2 and changed.session_id == bob.session_id
    assert mine.joined and mine.session_id == ada.session_id
    assert {p.session_id for p in mine.participants()} == {ada.session_id, bob.session_id}
    mine.set_state("cursor", 9)
    assert (await next_event(seen, "state_set", key="cursor")).value == 9
