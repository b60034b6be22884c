"""Chat with real clients: channels, private channels, rooms and direct chats; events,
history, read markers, permissions (world, user, group), restarts and dead sessions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .collab import PW, connect, events, js, mark, run, values, wait_for
from .harness import unique

REMOTE_MESSAGE = "d221"  # first bytes of an envelope carrying remoteChatMessage (538)


def _users(admin: Any, *names: str) -> list[str]:
    made = []
    for name in names:
        username = unique(name)
        admin.create_user(username, PW)
        made.append(username)
    return made


def _history(options: str = "{limit: 20}") -> str:
    return f"return (await ctx.chat.getHistory({options})).data.map(h.historyEntry);"


def _code(result: Any, index: int) -> str | None:
    entry = result["results"][index]
    assert not entry["ok"], entry
    return str(entry["code"])


def test_public_channel(server: Any, admin: Any) -> None:
    alice, bob, carol = _users(admin, "alice", "bob", "carol")
    cid = unique("chan")
    steps = [
        connect("a", alice),
        connect("b", bob),
        connect("c", carol),
        js(
            "a",
            f"return await d.chat().create({{id: {cid!r}, type: 'channel',"
            " membership: 'public', name: 'General', topic: 'talk'});",
        ),  # 3
        js(
            "a", f"ctx.chat = h.watchChat(await d.chat().get({cid!r})); return ctx.chat.isJoined();"
        ),
        js(
            "b",
            f"ctx.chat = h.watchChat(await d.chat().join({cid!r}));"
            " return h.chatInfo(ctx.chat.info());",
        ),  # 5
        wait_for("a", f"e.name === 'user_joined' && e.user === {bob!r}"),
        js("a", "return await ctx.chat.send('hello');"),  # 7
        wait_for("b", f"e.name === 'message' && e.message === 'hello' && e.user === {alice!r}"),
        js("b", "return (await ctx.chat.send('hi')).eventNumber;"),  # 9
        wait_for("a", "e.name === 'message' && e.message === 'hi'"),
        js("a", "await ctx.chat.markSeen(vars.hi);"),
        wait_for("b", f"e.name === 'events_seen' && e.user === {alice!r}"),  # 12
        js("a", "await ctx.chat.setName('Renamed'); await ctx.chat.setTopic('new topic');"),
        wait_for("b", "e.name === 'topic_changed' && e.topic === 'new topic'"),
        js("b", "await ctx.chat.setName('mine');"),  # 15 bob lacks set_chat_name
        js("a", _history()),  # 16 newest first
        js("a", _history("{forward: true, eventFilter: ['message']}")),  # 17
        js("a", _history("{startEvent: 2, forward: true, limit: 2}")),  # 18
        js("a", f"return h.chatInfo((await d.chat().get({cid!r})).info());"),  # 19
        js("b", "await ctx.chat.leave(); return ctx.chat.isJoined();"),  # 20
        wait_for("a", f"e.name === 'user_left' && e.user === {bob!r}"),
        js("a", "return (await d.chat().joined()).map(i => i.chatId);"),  # 22
        js("b", "return (await d.chat().joined()).map(i => i.chatId);"),  # 23
        js("c", f"return [...(await d.chat().exists([{cid!r}, 'nope-{cid}'])).values()];"),  # 24
        js(
            "c",
            "return (await d.chat().search({searchTerm: 'renam', searchFields: ['name']}))"
            ".data.map(i => i.chatId);",
        ),  # 25
        js("c", f"ctx.chat = await d.chat().get({cid!r}); await ctx.chat.send('x');"),  # 26
        js("c", "await d.chat().get('missing-chat-id');"),  # 27
        js("a", f"await d.chat().create({{id: {cid!r}, type: 'channel', membership: 'public'}});"),
        js("b", f"await d.chat().remove({cid!r});"),  # 29 not allowed
        js("a", f"await d.chat().remove({cid!r});"),  # 30
        js("c", f"return await d.chat().exists({cid!r});"),  # 31
    ]
    steps[9]["save"] = "hi"
    result = run(server.url, steps)
    r = result["results"]
    for i in (3, 4, 5, 7, 9, 12, 16, 17, 18, 19, 20, 22, 23, 24, 25, 30, 31):
        assert r[i]["ok"], (i, result.describe())
    assert r[3]["value"] == cid
    assert r[4]["value"] is True, "the creator of a channel is a member"
    info = r[5]["value"]
    assert info["chatType"] == "channel" and info["name"] == "General" and info["topic"] == "talk"
    assert sorted(m["user"] for m in info["members"]) == sorted([alice, bob])
    assert r[7]["value"]["eventNumber"] == 2  # 0 created, 1 bob joined, 2 hello
    assert r[9]["value"] == 3
    assert _code(result, 15) == "unauthorized"
    history = r[16]["value"]
    assert [e["type"] for e in history] == [
        "topic_changed",
        "name_changed",
        "message",
        "message",
        "user_joined",
        "created",
    ]
    assert [e["eventNumber"] for e in history] == [5, 4, 3, 2, 1, 0]
    assert history[-1]["members"] == [alice] and history[-1]["name"] == "General"
    assert [(e["user"], e["message"]) for e in r[17]["value"]] == [(alice, "hello"), (bob, "hi")]
    assert [e["eventNumber"] for e in r[18]["value"]] == [2, 3]
    info = r[19]["value"]
    assert info["name"] == "Renamed" and info["topic"] == "new topic"
    assert info["lastEventNumber"] == 5 and info["maxSeenEventNumber"] == 3
    assert r[20]["value"] is False
    assert cid in r[22]["value"] and cid not in r[23]["value"]
    assert r[24]["value"] == [True, False]
    assert r[25]["value"] == [cid]
    assert _code(result, 26) == "chat_not_joined"
    assert _code(result, 27) == "chat_not_found"
    assert _code(result, 28) == "chat_already_exists"
    assert _code(result, 29) == "unauthorized"
    assert r[31]["value"] is False


def test_private_channel_members(server: Any, admin: Any) -> None:
    alice, bob, carol = _users(admin, "alice", "bob", "carol")
    cid = unique("priv")
    steps = [
        connect("a", alice),
        connect("b", bob),
        connect("c", carol),
        js(
            "a",
            f"await d.chat().create({{id: {cid!r}, type: 'channel', membership: 'private',"
            f" members: [{bob!r}]}}); ctx.chat = h.watchChat(await d.chat().get({cid!r}));",
        ),
        js(
            "b", f"ctx.chat = h.watchChat(await d.chat().get({cid!r})); return ctx.chat.isJoined();"
        ),
        js("c", f"await d.chat().join({cid!r});"),  # 5 private: cannot join
        js("c", f"await d.chat().get({cid!r});"),  # 6 invisible to non-members
        js("a", f"await ctx.chat.add({carol!r});"),  # 7
        wait_for("b", f"e.name === 'user_added' && e.addedUser === {carol!r}"),
        js(
            "c",
            f"return h.chatInfo((await d.chat().get({cid!r})).info()).members.map(m => m.user);",
        ),
        js("a", f"await ctx.chat.add({carol!r});"),  # 10 already a member
        js("a", f"await ctx.chat.remove({alice!r});"),  # 11
        js("a", f"await ctx.chat.remove({bob!r});"),  # 12
        wait_for("b", f"e.name === 'user_removed' && e.removedUser === {bob!r}"),
        js("b", "return ctx.chat.isJoined();"),  # 14
        js("a", f"await ctx.chat.remove({bob!r});"),  # 15 no longer a member
        js("a", "await ctx.chat.add('no-such-user-xyz');"),  # 16
    ]
    result = run(server.url, steps)
    r = result["results"]
    assert r[4]["value"] is True
    assert _code(result, 5) == "unauthorized"
    assert _code(result, 6) == "chat_not_found"
    assert r[7]["ok"], r[7]
    assert sorted(r[9]["value"]) == sorted([alice, bob, carol])
    assert _code(result, 10) == "chat_already_a_member"
    assert _code(result, 11) == "cant_remove_self"
    assert r[12]["ok"], r[12]
    assert r[14]["value"] is False
    assert _code(result, 15) == "not_a_member"
    assert _code(result, 16) == "user_not_found"


def test_room_and_direct(server: Any, admin: Any) -> None:
    alice, bob = _users(admin, "alice", "bob")
    rid = unique("room")
    steps = [
        connect("a", alice),
        connect("b", bob),
        connect("b2", bob),  # bob's second session never joins the room
        js("a", f"await d.chat().create({{id: {rid!r}, type: 'room', membership: 'public'}});"),
        js("a", f"ctx.chat = h.watchChat(await d.chat().join({rid!r}));"),
        js(
            "b",
            f"ctx.chat = h.watchChat(await d.chat().join({rid!r}));"
            " return h.chatInfo(ctx.chat.info());",
        ),  # 5
        wait_for("a", f"e.name === 'user_joined' && e.user === {bob!r}"),
        js("b", "await ctx.chat.send('in the room');"),
        wait_for("a", "e.name === 'message' && e.message === 'in the room'"),
        js("b", f"await d.chat().join({rid!r});"),  # 9 already joined
        js("b", "await ctx.chat.markSeen(2);"),
        js("a", _history("{forward: true}").replace("ctx.chat", "ctx.chat")),  # 11
        {"c": "b", "op": "disconnect"},
        wait_for("a", f"e.name === 'user_left' && e.user === {bob!r}"),  # 13
        js(
            "a",
            f"return h.chatInfo((await d.chat().get({rid!r})).info()).members.map(m => m.user);",
        ),
        # direct chats: get-or-create, same chat from both sides, delivery to all sessions
        js("a", f"ctx.direct = await d.chat().direct({bob!r}); return ctx.direct.info().chatId;"),
        js("b2", "h.watchChat(d.chat()); return ctx.frameHeads.slice();"),  # 16
        js("a", "return (await ctx.direct.send('psst')).eventNumber;"),  # 17
        wait_for("b2", "e.name === 'message' && e.message === 'psst'"),
        js(
            "b2", f"ctx.chat = await d.chat().direct({alice!r}); return ctx.chat.info().chatId;"
        ),  # 19
        js("b2", _history()),  # 20
        js("b2", "await d.chat().join(vars.direct);"),  # 21 direct chats are not joined
        js("b2", "await ctx.chat.markSeen(1); return h.chatInfo(ctx.chat.info()).chatType;"),
    ]
    steps[15]["save"] = "direct"
    result = run(server.url, steps)
    r = result["results"]
    v = [e.get("value") for e in r]
    for i in (5, 11, 13, 15, 17, 19, 20, 22):
        assert r[i]["ok"], (i, result.describe())
    assert sorted(m["user"] for m in v[5]["members"]) == sorted([alice, bob])
    assert _code(result, 9) == "chat_already_joined"
    assert [e["type"] for e in v[11]] == ["created", "user_joined", "user_joined", "message"]
    assert v[14] == [alice]
    assert REMOTE_MESSAGE not in v[16], "room messages reach joined sessions only"
    assert v[17] == 1
    assert v[19] == v[15]
    assert [(e["type"], e.get("message")) for e in v[20]] == [
        ("message", "psst"),
        ("created", None),
    ]
    assert _code(result, 21) == "not_supported"
    assert v[22] == "direct"


def test_chat_permissions_world_user_group(server: Any, admin: Any) -> None:
    owner, bob, carol, dave = _users(admin, "owner", "bob", "carol", "dave")
    group = unique("grp")
    admin.create_group(group, members=(carol,))
    cid = unique("perm")
    perms = f"d.chat().permissions({cid!r})"
    steps = [
        connect("o", owner),
        connect("b", bob),
        connect("c", carol),
        connect("x", dave),
        js("o", f"await d.chat().create({{id: {cid!r}, type: 'channel', membership: 'public'}});"),
        js("o", f"await {perms}.setWorldPermissions([]);"),
        js("x", f"await d.chat().join({cid!r});"),  # 6 world: no join
        js("b", f"await d.chat().join({cid!r});"),  # 7
        js("o", f"await {perms}.addUserPermissions({{{bob!r}: ['join_chat_channel']}});"),
        js("b", f"await d.chat().join({cid!r});"),  # 9 user grant
        js("c", f"await d.chat().join({cid!r});"),  # 10
        js("o", f"await {perms}.addGroupPermissions({{{group!r}: ['join_chat_channel']}});"),
        js("c", f"await d.chat().join({cid!r});"),  # 12 group grant
        js("c", f"return [...(await {perms}.resolveSessionPermissions())].sort();"),  # 13
        js("c", f"await {perms}.getPermissions();"),  # 14 needs manage_chat_permissions
        js(
            "o",
            f"const p = await {perms}.getPermissions(); return {{world: [...p.worldPermissions],"
            " users: [...p.userPermissions.entries()].map(([u, s]) => [u.username, [...s].sort()])"
            ".sort()};",
        ),  # 15
        js("o", f"await {perms}.addWorldPermissions(['no_such_permission']);"),  # 16
    ]
    result = run(server.url, steps)
    r = result["results"]
    assert _code(result, 6) == "unauthorized"
    assert _code(result, 7) == "unauthorized"
    assert r[9]["ok"] and r[12]["ok"], result.describe()
    assert _code(result, 10) == "unauthorized"
    assert r[13]["value"] == ["join_chat_channel"]
    assert _code(result, 14) == "unauthorized"
    assert r[15]["value"]["world"] == []
    assert [bob, ["join_chat_channel"]] in r[15]["value"]["users"]
    assert _code(result, 16) == "invalid_message"


def test_history_survives_restart(
    server_factory: Callable[..., Any], admin_for: Callable[[Any], Any]
) -> None:
    srv = server_factory("chat-restart")
    (alice,) = _users(admin_for(srv), "alice")
    cid = unique("keep")
    first = [
        connect("a", alice),
        js("a", f"await d.chat().create({{id: {cid!r}, type: 'channel', membership: 'public'}});"),
        js("a", f"ctx.chat = await d.chat().get({cid!r});"),
        js(
            "a",
            "await ctx.chat.send('one'); await ctx.chat.send('two'); await ctx.chat.markSeen(2);",
        ),
    ]
    values(run(srv.url, first))
    srv.restart()
    second = [
        connect("a", alice),
        js("a", f"ctx.chat = await d.chat().get({cid!r}); return h.chatInfo(ctx.chat.info());"),
        js("a", _history("{forward: true, eventFilter: ['message']}")),
        js("a", "return (await ctx.chat.send('three')).eventNumber;"),
    ]
    v = values(run(srv.url, second))
    assert v[1]["lastEventNumber"] == 2 and v[1]["maxSeenEventNumber"] == 2
    assert [e["message"] for e in v[2]] == ["one", "two"]
    assert v[3] == 3


def test_dead_session_leaves_room(
    server_factory: Callable[..., Any], admin_for: Callable[[Any], Any]
) -> None:
    hb = server_factory(
        "chat-hb",
        extra_args=["--ConvergenceApp.ping_interval=1", "--ConvergenceApp.pong_timeout=1"],
    )
    alice, bob = _users(admin_for(hb), "alice", "bob")
    rid = unique("room")
    steps = [
        connect("a", alice),
        js("a", f"await d.chat().create({{id: {rid!r}, type: 'room', membership: 'public'}});"),
        js("a", f"ctx.chat = h.watchChat(await d.chat().join({rid!r}));"),
        connect("b", bob, protocol={"heartbeat": {"enabled": False}}),
        js("b", f"await d.chat().join({rid!r});"),
        wait_for("a", f"e.name === 'user_joined' && e.user === {bob!r}"),
        mark("a", "m"),
        {"c": "b", "op": "freeze"},
        wait_for("a", f"e.name === 'user_left' && e.user === {bob!r}", 8000, since="m"),  # 8
        js(
            "a",
            f"return h.chatInfo((await d.chat().get({rid!r})).info()).members.map(m => m.user);",
        ),
    ]
    result = run(hb.url, steps)
    v = values(result)
    assert v[8]["waitedMs"] < 4000
    assert v[9] == [alice]
    assert events(result, "a", "chat")
