"""Issue 14 with the real rc.12 client: per-connection rate limits, per-session bounds, the
domain-wide chat-creation permission set through the CLI, eviction from rooms on revocation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .collab import PW, connect, events, js, run, wait_for
from .harness import unique

LIMITS = [
    "--ConvergenceApp.chat_rate_limit=0.01",
    "--ConvergenceApp.chat_burst_limit=3",
    "--ConvergenceApp.max_chat_rooms_per_session=1",
    "--ConvergenceApp.max_chat_message_length=20",
    "--ConvergenceApp.max_activities_per_session=1",
    "--ConvergenceApp.op_rate_limit=0.01",
    "--ConvergenceApp.op_burst_limit=50",
]

#: Resolves once the client's domain reports a disconnect; keeps the socket's close frame.
DISCONNECTED = (
    "ctx.gone = new Promise((resolve) => d.on('disconnected', () => resolve(true)));"
    " ctx.ws.on('close', (code, reason) => { ctx.closed = [code, reason.toString()]; });"
    " return true;"
)


def _users(admin: Any, *names: str) -> list[str]:
    made = [unique(name) for name in names]
    with admin.batch() as batch:
        for username in made:
            batch.create_user(username, PW)
    return made


def _code(result: Any, index: int) -> str:
    entry = result["results"][index]
    assert not entry["ok"], (index, entry)
    return str(entry["code"])


def test_rate_limits_and_session_bounds(
    server_factory: Callable[..., Any], admin_for: Callable[[Any], Any]
) -> None:
    srv = server_factory("limits", extra_args=LIMITS)
    alice, bob = _users(admin_for(srv), "alice", "bob")
    r1, r2, mid = unique("room"), unique("room"), unique("model")
    open_model = (
        f"ctx.m = await d.models().openAutoCreate({{collection: 'limits', id: {mid!r},"
        " data: {text: ''}}); return ctx.m.version();"
    )
    steps = [
        connect("a", alice),
        connect("b", bob),
        js("a", f"await d.chat().create({{id: {r1!r}, type: 'room', membership: 'public'}});"),
        js("a", f"await d.chat().create({{id: {r2!r}, type: 'room', membership: 'public'}});"),
        js("a", f"ctx.r1 = await d.chat().join({r1!r}); return ctx.r1.isJoined();"),  # 4
        js("a", f"await d.chat().join({r2!r});"),  # 5 one room per session
        js("a", "await ctx.r1.send('x'.repeat(21));"),  # 6 too long (spends a token)
        js(
            "a",
            "const all = await Promise.allSettled(['m1', 'm2', 'm3'].map((m) => ctx.r1.send(m)));"
            " return all.map((r) => r.status === 'fulfilled' ? 'ok' : r.reason.code);",
        ),  # 7 two tokens left of the burst of 3
        js("b", f"ctx.r1 = await d.chat().join({r1!r}); await ctx.r1.send('bob is fine');"),  # 8
        js("a", "await d.activities().join('doc', 'one', {autoCreate: {}});"),  # 9
        js("a", "await d.activities().join('doc', 'two', {autoCreate: {}});"),  # 10 one only
        js("a", open_model),  # 11
        js("b", open_model),  # 12
        js("a", DISCONNECTED),
        js(
            "a",
            "for (let i = 0; i < 200; i++) ctx.m.elementAt('text').insert(0, 'x');"
            " const gone = await Promise.race([ctx.gone, lib.sleep(10000).then(() => false)]);"
            " return [gone, ctx.closed];",
        ),  # 14 flooding operations: disconnected
        js(
            "b",
            "ctx.m.elementAt('text').insert(0, 'b');"
            " await new Promise((resolve) => ctx.m.once('committed', resolve));"
            " return ctx.m.elementAt('text').value().length;",
        ),  # 15 the other editor keeps working
    ]
    result = run(srv.url, steps, timeout=90)
    r = result["results"]
    for i in (2, 3, 4, 8, 9, 11, 12, 15):
        assert r[i]["ok"], (i, result.describe())
    assert _code(result, 5) == "limit_exceeded"
    assert _code(result, 6) == "limit_exceeded"
    assert sorted(r[7]["value"]) == ["ok", "ok", "rate_limited"], r[7]
    assert _code(result, 10) == "limit_exceeded"
    gone, (close_code, reason) = r[14]["value"]
    assert gone is True, "the flooding client was disconnected"
    assert close_code == 1008 and "model operations per second" in reason, r[14]
    # bob's edit plus what alice's burst got acknowledged before she was cut off
    assert 1 <= r[15]["value"] <= 51, r[15]


def test_chat_creation_permission_and_room_eviction(
    server_factory: Callable[..., Any], admin_for: Callable[[Any], Any]
) -> None:
    srv = server_factory("chat-perms")
    admin = admin_for(srv)
    alice, bob = _users(admin, "alice", "bob")
    admin("domain", "permissions", "revoke", "create_chat_channel", "--world")
    admin("domain", "permissions", "grant", "create_chat_channel", "--user", alice)
    listing = admin("domain", "permissions", "list").stdout
    assert listing == f"world\t-\nuser {alice}\tcreate_chat_channel\n"
    rid, cid = unique("room"), unique("chan")
    perms = f"d.chat().permissions({rid!r})"
    steps = [
        connect("a", alice),
        connect("b", bob),
        connect("b2", bob),
        js("b", f"await d.chat().create({{id: {cid!r}, type: 'channel', membership: 'public'}});"),
        js("b", f"return (await d.chat().direct({alice!r})).info().chatType;"),  # 4 not gated
        js("a", f"await d.chat().create({{id: {rid!r}, type: 'room', membership: 'public'}});"),
        js("a", f"ctx.chat = h.watchChat(await d.chat().join({rid!r}));"),
        js("b", f"ctx.chat = h.watchChat(await d.chat().join({rid!r}));"),  # 7
        js("b2", f"ctx.chat = h.watchChat(await d.chat().join({rid!r}));"),
        wait_for("a", f"e.name === 'user_joined' && e.user === {bob!r}"),
        js("a", f"await {perms}.removeWorldPermissions(['join_chat_channel']);"),  # 10
        wait_for("b", f"e.name === 'user_left' && e.user === {bob!r}"),  # 11
        wait_for("b2", f"e.name === 'user_left' && e.user === {bob!r}"),
        wait_for("a", f"e.name === 'user_left' && e.user === {bob!r}"),
        js("b", "return ctx.chat.isJoined();"),  # 14
        js("b2", "return ctx.chat.isJoined();"),
        js("b", "await ctx.chat.send('still here?');"),  # 16
        js("b", f"await d.chat().join({rid!r});"),  # 17
        js("a", "await ctx.chat.send('alone'); return ctx.chat.isJoined();"),  # 18
        js(
            "a",
            f"return h.chatInfo((await d.chat().get({rid!r})).info()).members.map(m => m.user);",
        ),  # 19
    ]
    result = run(srv.url, steps)
    r = result["results"]
    for i in (4, 5, 6, 7, 8, 10, 11, 14, 18, 19):
        assert r[i]["ok"], (i, result.describe())
    assert _code(result, 3) == "unauthorized"
    assert r[4]["value"] == "direct"
    assert r[14]["value"] is False and r[15]["value"] is False, "both of bob's tabs left"
    assert _code(result, 16) == "chat_not_joined"
    assert _code(result, 17) == "unauthorized"
    assert r[18]["value"] is True
    assert r[19]["value"] == [alice]
    assert not [
        e for e in events(result, "b", "chat") if e["name"] == "message" and e["message"] == "alone"
    ], "an evicted session hears nothing more from the room"
    admin("domain", "permissions", "grant", "create_chat_channel", "--world")
    again = run(
        srv.url,
        [
            connect("b", bob),
            js(
                "b",
                f"await d.chat().create({{id: {unique('c')!r}, type: 'channel',"
                " membership: 'public'});",
            ),
        ],
    )
    assert again["results"][1]["ok"], again.describe()
