"""REST changes reach connected real rc.12 clients exactly as the realtime path would: a model
deleted while open, a model replaced while clients edit it, chat members added and removed, a
chat deleted, an activity's participants and its deletion. The REST calls are made from the
scenario itself (Node's fetch, Jupyter token auth) while the clients stay connected."""

from __future__ import annotations

import json
from typing import Any

from .collab import PW, connect, events, js, run, values, wait_for
from .harness import ServerProcess, unique

DOMAIN_PATH = "convergence/api/v1/domains/convergence/default"


def _users(admin: Any, *names: str) -> list[str]:
    made = []
    for name in names:
        username = unique(name)
        admin.create_user(username, PW)
        made.append(username)
    return made


def rest(
    server: ServerProcess, c: str, method: str, path: str, body: Any = None, save: str = ""
) -> dict[str, Any]:
    """A step that calls the REST API from client ``c``'s process: value {status, body}."""
    url = f"{server.http_url}{DOMAIN_PATH}{path}"
    payload = "undefined" if body is None else json.dumps(json.dumps(body))
    code = (
        f"const r = await fetch({json.dumps(url)}, {{method: {json.dumps(method)},"
        f" headers: {{Authorization: {json.dumps('token ' + server.token)},"
        " 'Content-Type': 'application/json'}, body: " + payload + "});"
        " const t = await r.text(); return {status: r.status, body: t ? JSON.parse(t) : null};"
    )
    return js(c, code, save=save or None)


def _open(model_id: str, data: str) -> str:
    """Open (auto-create) a model and record its lifecycle and root value events."""
    return (
        f"ctx.m = await d.models().openAutoCreate({{collection: 'docs', id: {model_id!r},"
        f" data: {data}}});"
        " for (const name of ['deleted', 'closed']) {"
        "   ctx.m.on(name, (e) => h.record('model', {name, reason: e.reason})); }"
        " ctx.m.on('permissions_changed', (e) => h.record('model', {name: e.name,"
        "   read: e.permissions.read, write: e.permissions.write}));"
        " ctx.m.root().on('value', (e) => h.record('model', {name: 'value',"
        "   user: e.user && e.user.username, userType: e.user && e.user.userType,"
        "   local: e.local, value: ctx.m.root().value()}));"
        " return ctx.m.version();"
    )


def test_delete_while_open_closes_every_client(server: ServerProcess, admin: Any) -> None:
    alice, bob = _users(admin, "alice", "bob")
    mid = unique("m-")
    steps = [
        connect("a", alice),
        connect("b", bob),
        js("a", _open(mid, "{x: 1}")),
        js("b", _open(mid, "{x: 1}")),
        rest(server, "a", "DELETE", f"/models/{mid}"),  # 4
        wait_for("a", "e.kind === 'model' && e.name === 'deleted'"),
        wait_for("b", "e.kind === 'model' && e.name === 'deleted'"),
        js("a", "return ctx.m.isOpen();"),  # 7
        js("b", "return ctx.m.isOpen();"),
        rest(server, "a", "GET", f"/models/{mid}"),  # 9
        # the realtime side agrees: the model is gone for a fresh open too
        js(
            "b",
            f"try {{ await d.models().open({mid!r}); return 'opened'; }}"
            " catch (e) { return e.code; }",
        ),
    ]
    result = run(server.url, steps)
    v = values(result)
    assert v[4]["status"] == 204, v[4]
    assert v[7] is False and v[8] is False
    assert v[9]["status"] == 404 and v[9]["body"]["status"] == 404
    assert v[10] == "model_not_found"
    for c in ("a", "b"):
        names = [e["name"] for e in events(result, c, "model")]
        assert names.count("deleted") == 1 and "closed" in names, names


def test_replace_while_clients_edit_converges(server: ServerProcess, admin: Any) -> None:
    """The replace is one server-side op in the model's order: clients editing at the same
    time transform against it and everyone ends with the server's data and version."""
    alice, bob = _users(admin, "alice", "bob")
    mid = unique("m-")
    edit_loop = (
        "ctx.loop = (async () => { for (let i = 0; i < 40; i++) {"
        "  const t = ctx.m.root().get('text');"
        "  if (t && t.type() === 'string' && !t.isDetached()) t.insert(t.length(), 'a');"
        "  await lib.sleep(4); } })(); return true;"
    )
    settle = (
        "await ctx.loop; const end = Date.now() + 10000;"
        " while (!ctx.m.isCommitted() && Date.now() < end) await lib.sleep(20);"
        " return {version: ctx.m.version(), data: ctx.m.root().value()};"
    )
    follow = (
        "const end = Date.now() + 10000;"
        " while (ctx.m.version() < vars.a_state.version && Date.now() < end) await lib.sleep(20);"
        " return {version: ctx.m.version(), data: ctx.m.root().value()};"
    )
    steps = [
        connect("a", alice),
        connect("b", bob),
        js("a", _open(mid, "{text: 'hello', n: 1}")),
        js("b", _open(mid, "{text: 'hello', n: 1}")),
        js("a", edit_loop),
        js("b", "await lib.sleep(40); return true;"),
        rest(server, "b", "PUT", f"/models/{mid}", {"data": {"text": "fresh", "list": [1, 2]}}),
        js("a", settle, save="a_state"),  # 7
        js("b", follow),  # 8
        rest(server, "b", "GET", f"/models/{mid}"),  # 9
        rest(server, "b", "GET", f"/models/{mid}/export"),  # 10
    ]
    result = run(server.url, steps, timeout=60)
    v = values(result)
    assert v[6]["status"] == 200, v[6]
    a_state, b_state, served = v[7], v[8], v[9]["body"]
    assert a_state == b_state, (a_state, b_state)
    assert a_state["version"] == served["version"] and a_state["data"] == served["data"]
    assert served["data"]["list"] == [1, 2] and served["data"]["text"].startswith("fresh")
    assert "n" not in served["data"]
    # every edit was committed: 40 appends (those made before the replace on the old string
    # are kept in the log, those after it land on the new one), plus the replace itself
    assert served["version"] == 41, served
    assert v[10]["body"]["version"] == served["version"]
    # b saw the replace as a remote change of the REST actor (a Convergence-type user)
    remote = [e for e in events(result, "b", "model") if e["name"] == "value" and not e["local"]]
    assert remote and remote[0]["userType"] == "convergence", remote
    assert remote[0]["value"]["list"] == [1, 2]


def test_chat_members_and_delete_reach_clients(server: ServerProcess, admin: Any) -> None:
    alice, bob = _users(admin, "alice", "bob")
    cid = unique("chan")
    watch_service = (
        "d.chat().events().subscribe((e) => h.record('service', {name: e.name, chatId: e.chatId,"
        " addedUser: e.addedUser && e.addedUser.username,"
        " removedUser: e.removedUser && e.removedUser.username})); return true;"
    )
    get_chat = f"ctx.chat = h.watchChat(await d.chat().get({cid!r})); return ctx.chat.isJoined();"
    steps = [
        connect("a", alice),
        connect("b", bob),
        js("a", watch_service),
        js("b", watch_service),
        rest(
            server,
            "a",
            "POST",
            "/chats",
            {"id": cid, "type": "channel", "name": "News", "members": [{"username": alice}]},
        ),  # 4
        js("a", get_chat),
        rest(server, "a", "POST", f"/chats/{cid}/members", {"username": bob}),  # 6
        wait_for("a", f"e.kind === 'chat' && e.name === 'user_added' && e.addedUser === {bob!r}"),
        wait_for(
            "b", f"e.kind === 'service' && e.name === 'user_added' && e.addedUser === {bob!r}"
        ),
        js("b", get_chat),
        js("b", "return (await ctx.chat.send('thanks')).eventNumber;"),  # 10
        wait_for("a", "e.kind === 'chat' && e.name === 'message' && e.message === 'thanks'"),
        rest(server, "a", "DELETE", f"/chats/{cid}/members/{bob}"),  # 12
        wait_for(
            "a", f"e.kind === 'chat' && e.name === 'user_removed' && e.removedUser === {bob!r}"
        ),
        wait_for(
            "b", f"e.kind === 'chat' && e.name === 'user_removed' && e.removedUser === {bob!r}"
        ),
        rest(server, "a", "GET", f"/chats/{cid}/events?forward=true"),  # 15
        rest(server, "a", "DELETE", f"/chats/{cid}"),  # 16
        wait_for("a", f"e.kind === 'service' && e.name === 'removed' && e.chatId === {cid!r}"),
        js("a", f"return (await d.chat().exists({cid!r}));"),  # 18
    ]
    result = run(server.url, steps)
    v = values(result)
    assert v[4]["status"] == 201, v[4]
    assert v[5] is True and v[9] is True
    assert v[6]["status"] == 201 and v[12]["status"] == 204 and v[16]["status"] == 204
    added = v[7]
    assert added["user"] not in (alice, bob)  # added by the REST actor
    history = [
        (e["type"], (e["target_user"] or {}).get("username")) for e in v[15]["body"]["items"]
    ]
    assert history == [
        ("created", None),
        ("user_added", bob),
        ("message", None),
        ("user_removed", bob),
    ], history
    assert v[18] is False
    # bob's sessions got no further chat events after his removal
    after = [e for e in events(result, "b", "chat") if e["name"] == "message"]
    assert after == [] or all(e["message"] == "thanks" for e in after)


def test_activity_participants_and_delete(server: ServerProcess, admin: Any) -> None:
    alice, bob = _users(admin, "alice", "bob")
    aid = unique("act")
    join = (
        f"ctx.act = h.watchActivity(await d.activities().join('doc', {aid!r},"
        " {state: {cursor: 3}}));"
        " return ctx.act.session().sessionId();"
    )
    steps = [
        connect("a", alice),
        connect("b", bob),
        rest(
            server,
            "a",
            "POST",
            "/activities",
            {"type": "doc", "id": aid, "world": ["join", "view_state", "set_state"]},
        ),  # 2
        js("a", join),  # 3
        js(
            "b",
            f"ctx.act = h.watchActivity(await d.activities().join('doc', {aid!r})); return true;",
        ),
        rest(server, "a", "GET", f"/activities/doc/{aid}"),  # 5
        rest(server, "a", "DELETE", f"/activities/doc/{aid}"),  # 6
        wait_for("a", "e.kind === 'activity' && e.name === 'deleted'"),
        wait_for("b", "e.kind === 'activity' && e.name === 'deleted'"),
        rest(server, "a", "GET", f"/activities/doc/{aid}"),  # 9
    ]
    result = run(server.url, steps)
    v = values(result)
    assert v[2]["status"] == 201, v[2]
    participants = {p["user"]["username"]: p for p in v[5]["body"]["participants"]}
    assert set(participants) == {alice, bob}, v[5]
    assert participants[alice]["session_id"] == v[3]
    assert participants[alice]["state"] == {"cursor": 3}
    assert v[6]["status"] == 204 and v[9]["status"] == 404


def test_permission_changes_and_collection_delete_reach_open_clients(
    server: ServerProcess, admin: Any
) -> None:
    """Permissions set over REST re-check open sessions at once (lost read: closed; otherwise
    told the new rights); deleting the collection closes its open models as deleted."""
    alice, bob = _users(admin, "alice", "bob")
    col, mid = unique("col"), unique("m-")
    steps = [
        connect("a", alice),
        connect("b", bob),
        rest(server, "a", "POST", "/collections", {"id": col}),  # 2
        js("a", _open(mid, "{x: 1}").replace("'docs'", repr(col))),
        js("b", _open(mid, "{x: 1}").replace("'docs'", repr(col))),
        rest(
            server,
            "a",
            "PATCH",
            f"/models/{mid}/permissions",
            {
                "override_collection": True,
                "world": {"read": False},
                # drops alice's creator grant too
                "replace_users": True,
                "users": [{"user": {"username": bob}, "permissions": {"read": True}}],
            },
        ),  # 5
        wait_for("a", "e.kind === 'model' && e.name === 'closed'"),
        wait_for("b", "e.kind === 'model' && e.name === 'permissions_changed'"),
        js("b", "return [ctx.m.isOpen(), ctx.m.permissions().write];"),  # 8
        rest(server, "a", "DELETE", f"/collections/{col}"),  # 9
        wait_for("b", "e.kind === 'model' && e.name === 'deleted'"),
        rest(server, "a", "GET", f"/models/{mid}"),  # 11
    ]
    result = run(server.url, steps)
    v = values(result)
    assert v[2]["status"] == 201 and v[5]["status"] == 200, (v[2], v[5])
    assert v[8] == [True, False]
    changed = v[7]
    assert changed["read"] is True and changed["write"] is False
    assert "deleted" not in [e["name"] for e in events(result, "a", "model")]
    assert v[9]["status"] == 204 and v[11]["status"] == 404
