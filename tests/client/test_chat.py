"""Chat through the Python client's public API, against the real server and rc.12."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from convergence_jupyter.client import (
    AlreadyExistsError,
    AlreadyJoinedError,
    ChatEvent,
    ChatMessageEvent,
    ChatNotFoundError,
    ChatNotJoinedError,
    ChatRemovedEvent,
    ChatUserAddedEvent,
    ChatUserRemovedEvent,
    LimitExceededError,
    NotSupportedError,
    PermissionDeniedError,
    UserNotFoundError,
)
from tests.client import rc12
from tests.client.accounts import PASSWORD, add_users
from tests.client.conftest import ClientFactory
from tests.client.test_reconnect import FAST, Relay, relay, via_relay  # noqa: F401 (fixtures)
from tests.e2e import collab
from tests.e2e.harness import anonymous

WAIT = 10.0


async def next_event(events: Any, kind: str, wait: float = WAIT, **match: Any) -> ChatEvent:
    """The next event of ``kind`` whose attributes equal ``match`` (others are skipped)."""
    while True:
        event: ChatEvent = await events.next(wait)
        if event.kind == kind and all(getattr(event, k) == v for k, v in match.items()):
            return event


async def test_room_messages_history_and_leave(client: ClientFactory) -> None:
    ada = await client("Ada")
    bob = await client("Bob")
    assert await ada.chat().create("lobby", name="Lobby", topic="hi") == "lobby"
    assert await ada.chat().exists("lobby") and not await ada.chat().exists("nope")
    room = await ada.chat().join("lobby")
    assert (room.id, room.type, room.membership, room.joined) == ("lobby", "room", "public", True)
    assert (room.name, room.topic) == ("Lobby", "hi")
    mine = room.events.subscribe()
    theirs = await bob.chat().join("lobby")
    assert {m.user.display_name for m in theirs.members} == {"Ada", "Bob"}
    joined = await next_event(mine, "user_joined")
    assert joined.user == bob.user
    seen = theirs.events.subscribe()

    sent = await room.send("hello")
    assert sent.local and sent.session_id == ada.session_id and sent.user == ada.user
    own = await next_event(mine, "message")
    assert isinstance(own, ChatMessageEvent)
    assert (own.message, own.local, own.session_id) == ("hello", True, ada.session_id)
    assert own.event_number == sent.event_number
    other = await next_event(seen, "message")
    assert isinstance(other, ChatMessageEvent)
    assert (other.message, other.user, other.local, other.session_id) == (
        "hello",
        ada.user,
        False,
        None,
    )
    # Concurrent sends: each comes back once, ours marked local, in event number order.
    await asyncio.gather(*(theirs.send(f"m{i}") for i in range(5)))
    numbers = []
    for _ in range(5):
        event = await next_event(seen, "message")
        assert isinstance(event, ChatMessageEvent) and event.local
        numbers.append(event.event_number)
    assert numbers == sorted(numbers) and len(set(numbers)) == 5
    assert room.last_event_number == theirs.last_event_number == numbers[-1]

    await room.set_topic("new topic")
    assert (await next_event(seen, "topic_changed")).topic == "new topic"  # type: ignore[attr-defined]
    assert theirs.topic == "new topic"

    newest = await room.history(limit=3)
    assert [getattr(e, "message", None) for e in newest] == [None, "m4", "m3"]
    oldest = await room.history(forward=True, limit=2)
    assert [e.kind for e in oldest] == ["created", "user_joined"]
    messages = await room.history(
        event_filter=["message"], start_event=sent.event_number, forward=True, limit=100
    )
    assert [e.message for e in messages] == ["hello", *(f"m{i}" for i in range(5))]  # type: ignore[attr-defined]
    assert all(not e.local for e in messages)  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="unknown chat event kinds"):
        await room.history(event_filter=["bogus"])

    await theirs.leave()
    assert not theirs.joined
    assert (await next_event(mine, "user_left")).user == bob.user
    assert [m.user for m in room.members] == [ada.user]
    with pytest.raises(ChatNotJoinedError):
        await theirs.send("gone")


async def test_channels_members_and_permissions(client: ClientFactory, jp_serverapp: Any) -> None:
    await add_users(jp_serverapp, "alice", "bob", "carol")
    alice = await client(password=("alice", PASSWORD))
    bob = await client(password=("bob", PASSWORD))
    carol = await client(password=("carol", PASSWORD))
    everything = bob.chat().events.subscribe()

    await alice.chat().create(
        "team", type="channel", membership="private", members=["bob"], name="Team"
    )
    team = await alice.chat().get("team")
    assert team.joined and {m.user.username for m in team.members} == {"alice", "bob"}
    with pytest.raises(ChatNotFoundError):
        await carol.chat().get("team")  # private chats are invisible to others
    with pytest.raises(PermissionDeniedError):
        await carol.chat().join("team")
    with pytest.raises(AlreadyExistsError):
        await alice.chat().create("team", type="channel")
    assert await alice.chat().create("team", type="channel", ignore_conflicts=True) == "team"

    # Bob hears the channel's messages without having fetched it.
    await team.send("for the team")
    pushed = await next_event(everything, "message", chat_id="team")
    assert pushed.user is not None and pushed.user.display_name == "Alice"

    carol_sees = carol.chat().events.subscribe()
    await team.add_user("carol")
    added = await next_event(carol_sees, "user_added")
    assert isinstance(added, ChatUserAddedEvent) and added.added_user.username == "carol"
    assert "carol" in {m.user.username for m in team.members}
    mine = await carol.chat().get("team")
    assert mine.joined
    with pytest.raises(AlreadyExistsError):
        await team.add_user("carol")
    with pytest.raises(UserNotFoundError):
        await team.add_user("nobody")
    with pytest.raises(PermissionDeniedError):
        await mine.set_name("Carol's")  # only the creator may rename
    with pytest.raises(PermissionDeniedError):
        await mine.remove_user("bob")
    with pytest.raises(NotSupportedError):
        await team.remove_user("alice")  # leave instead

    await mine.mark_seen(pushed.event_number)
    seen = await next_event(everything, "events_marked_seen")
    assert seen.user is not None and seen.user.username == "carol"
    members = {
        m.user.username: m.max_seen_event_number for m in (await alice.chat().get("team")).members
    }
    assert members["carol"] == pushed.event_number

    await team.remove_user("carol")
    removed = await next_event(carol_sees, "user_removed")
    assert isinstance(removed, ChatUserRemovedEvent) and removed.removed_user.username == "carol"
    assert not mine.joined
    with pytest.raises(ChatNotFoundError):
        await carol.chat().get("team")

    # Public channels can be joined and left; search finds what the user may see.
    await alice.chat().create("open", type="channel", name="Open plan", topic="all welcome")
    joined = await carol.chat().join("open")
    assert joined.joined and joined.type == "channel"
    with pytest.raises(AlreadyJoinedError):
        await carol.chat().join("open")
    found = await carol.chat().search("plan", fields=["name"])
    assert [c.id for c in found] == ["open"]
    assert {c.id for c in await bob.chat().search("")} >= {"team", "open"}
    assert {c.id for c in await carol.chat().joined()} == {"open"}
    await carol.chat().leave("open")
    assert not joined.joined

    with pytest.raises(PermissionDeniedError):
        await bob.chat().remove("team")
    await alice.chat().remove("team")
    gone = await next_event(everything, "removed", chat_id="team")
    assert isinstance(gone, ChatRemovedEvent)
    assert not await bob.chat().exists("team")


async def test_direct_chats_and_errors(client: ClientFactory, jp_serverapp: Any) -> None:
    await add_users(jp_serverapp, "dora", "emil")
    dora = await client(password=("dora", PASSWORD))
    emil = await client(password=("emil", PASSWORD))
    inbox = emil.chat().events.subscribe()
    direct = await dora.chat().direct("emil")
    assert direct.type == "direct" and direct.joined
    assert {m.user.username for m in direct.members} == {"dora", "emil"}
    assert (await emil.chat().direct(["dora"])).id == direct.id  # one chat per set of users
    await direct.send("psst")
    message = await next_event(inbox, "message", chat_id=direct.id)
    assert message.message == "psst" and not message.local  # type: ignore[attr-defined]
    with pytest.raises(NotSupportedError):
        await emil.chat().join(direct.id)
    with pytest.raises(NotSupportedError):
        await direct.leave()
    with pytest.raises(UserNotFoundError):
        await dora.chat().direct("nobody")

    for call in (
        dora.chat().get("missing"),
        dora.chat().join("missing"),
        dora.chat().remove("missing"),
    ):
        with pytest.raises(ChatNotFoundError) as caught:
            await call
        assert caught.value.code == "chat_not_found"
    await dora.chat().create("quiet")
    room = await dora.chat().get("quiet")
    assert not room.joined
    with pytest.raises(ChatNotJoinedError):
        await room.send("not joined")
    await room.join()
    with pytest.raises(LimitExceededError) as too_long:
        await room.send("x" * 70_000)
    assert too_long.value.details["limit"] < 70_000
    with pytest.raises(ValueError, match="chat type"):
        await dora.chat().create("bad", type="forum")
    # The connection survives every refusal.
    assert (await room.send("still here")).event_number > 0
    # Disposing ends the event iterators.
    iterators = [room.events.subscribe(), dora.chat().events.subscribe()]
    await dora.dispose()
    for iterator in iterators:
        assert [x async for x in iterator] == []


async def test_python_and_rc12_chat_together(client: ClientFactory, realtime_url: str) -> None:
    """A real rc.12 client and the Python client in one room: each sees the other's message."""
    ada = await client("Ada")
    await ada.chat().create("mixed", name="Mixed")
    room = await ada.chat().join("mixed")
    watch = room.events.subscribe()
    steps = [
        {"c": "js", "op": "connect", "auth": anonymous("Jay")},
        collab.js("js", "ctx.chat = h.watchChat(await d.chat().join('mixed')); return null;"),
        collab.wait_for("js", "e.name === 'message' && e.message === 'from python'", 30000),
        collab.js("js", "return (await ctx.chat.send('from js')).eventNumber;"),
        collab.js(
            "js",
            "return (await ctx.chat.getHistory({limit: 10})).data.map(h.historyEntry);",
        ),
    ]
    scenario = rc12.start(realtime_url, steps)
    joined = await rc12.meanwhile(scenario, next_event(watch, "user_joined", wait=40))
    assert joined.user is not None and joined.user.display_name == "Jay"
    await room.send("from python")
    reply = await rc12.meanwhile(scenario, next_event(watch, "message", message="from js", wait=30))
    assert reply.user == joined.user and not reply.local  # type: ignore[attr-defined]
    v = collab.values(await scenario)
    assert v[2]["user"] == ada.user.username
    assert v[3] == reply.event_number
    history = [(e["type"], e["user"], e["message"]) for e in v[4] if e["type"] == "message"]
    assert history == [
        ("message", joined.user.username, "from js"),
        ("message", ada.user.username, "from python"),
    ]


async def test_reconnect_rejoins_rooms_and_delivers_what_was_missed(
    client: ClientFactory,
    via_relay: Any,  # noqa: F811 - the fixture imported above
    relay: Relay,  # noqa: F811
) -> None:
    ada = await via_relay("Ada", **FAST)
    bob = await client("Bob")
    await bob.chat().create("rc-room")
    room = await ada.chat().join("rc-room")
    watch = room.events.subscribe()
    everything = ada.chat().events.subscribe()
    theirs = await bob.chat().join("rc-room")
    seen = theirs.events.subscribe()
    await next_event(watch, "user_joined", user=bob.user)
    relay.cut()
    await next_event(seen, "user_left", user=ada.user)  # the server saw the session go
    for text in ("while", "you were", "away"):
        await theirs.send(text)
    relay.go_online()
    await next_event(seen, "user_joined", user=ada.user, wait=20)  # the room was re-joined
    missed = [await next_event(watch, "message") for _ in range(3)]
    assert [m.message for m in missed] == ["while", "you were", "away"]  # type: ignore[attr-defined]
    assert [m.event_number for m in missed] == sorted(m.event_number for m in missed)
    assert room.joined
    await theirs.send("after")
    after = await next_event(watch, "message")
    assert after.message == "after"  # type: ignore[attr-defined]
    # Each event reached the service's stream once too.
    messages = []
    assert everything.queue.qsize() >= 4
    while not everything.queue.empty():
        event = everything.queue.get_nowait()
        if isinstance(event, ChatMessageEvent):
            messages.append(event.message)
    assert messages == ["while", "you were", "away", "after"]
    assert (await room.send("back")).local
