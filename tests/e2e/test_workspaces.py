"""Workspaces with the real rc.12 client (issue 12): members — a user, and a user through a
group — open the workspace's notebook, edit it, join its activity and its chat room; a
non-member is refused on each with an ordinary permission error. Removing the group closes
the model, the activity and the room for its user and refuses them afterwards; deleting the
workspace closes the parts for the remaining member and removes them all."""

from __future__ import annotations

import json
from typing import Any

from .collab import PW, connect, events, js, run, values, wait_for
from .harness import ServerProcess, unique

DOMAIN_PATH = "convergence/api/v1/domains/convergence/default"


def rest(server: ServerProcess, c: str, method: str, path: str, body: Any = None) -> dict[str, Any]:
    """A step that calls the REST API from client ``c``'s process: value {status, body}."""
    url = f"{server.http_url}{DOMAIN_PATH}{path}"
    payload = "undefined" if body is None else json.dumps(json.dumps(body))
    return js(
        c,
        f"const r = await fetch({json.dumps(url)}, {{method: {json.dumps(method)},"
        f" headers: {{Authorization: {json.dumps('token ' + server.token)},"
        " 'Content-Type': 'application/json'}, body: " + payload + "});"
        " const t = await r.text(); return {status: r.status, body: t ? JSON.parse(t) : null};",
    )


def _open(model_id: str) -> str:
    return (
        f"ctx.m = await d.models().open({model_id!r});"
        " for (const name of ['deleted', 'closed']) {"
        "   ctx.m.on(name, (e) => h.record('model', {name})); }"
        " return {data: ctx.m.root().value(), write: ctx.m.permissions().write};"
    )


def _attempt(body: str) -> str:
    return f"try {{ {body} return 'allowed'; }} catch (e) {{ return e.code; }}"


def test_members_use_every_part_and_non_members_are_refused(
    server: ServerProcess, admin: Any
) -> None:
    alice, bob, carol = (unique(n) for n in ("alice", "bob", "carol"))
    for name in (alice, bob, carol):
        admin.create_user(name, PW)
    ws, group = unique("ws"), unique("team")
    model, activity, room = f"{ws}.notebook.main", f"{ws}.project", f"{ws}.chat"
    join_activity = (
        f"ctx.act = h.watchActivity(await d.activities().join('notebook-project', {activity!r}));"
    )
    join_room = f"ctx.chat = h.watchChat(await d.chat().join({room!r}));"
    steps = [
        connect("a", alice),
        connect("b", bob),
        connect("c", carol),
        rest(server, "a", "POST", "/groups", {"group_id": group, "members": [carol]}),  # 3
        rest(
            server,
            "a",
            "POST",
            "/workspaces",
            {
                "id": ws,
                "type": "notebook-project",
                "items": {"notebook": ["main"]},
                "members": [{"user": {"username": alice}}, {"group": group}],
            },
        ),  # 4
        js("a", _open(model)),  # 5
        js(
            "a",
            "ctx.m.root().set('title', 'draft'); const end = Date.now() + 10000;"
            " while (!ctx.m.isCommitted() && Date.now() < end) await lib.sleep(20);"
            " return ctx.m.version();",
        ),  # 6
        js("a", join_activity + " return ctx.act.isJoined();"),  # 7
        js("a", join_room + " return (await ctx.chat.send('hello')).eventNumber;"),  # 8
        js("c", _open(model)),  # 9
        js("c", join_activity + " return ctx.act.isJoined();"),  # 10
        js("c", join_room + " return ctx.chat.isJoined();"),  # 11
        js("b", _attempt(f"await d.models().open({model!r});")),  # 12
        js("b", _attempt(f"await d.activities().join('notebook-project', {activity!r});")),  # 13
        js("b", _attempt(f"await d.chat().join({room!r});")),  # 14
        rest(server, "a", "DELETE", f"/workspaces/{ws}/members/groups/{group}"),  # 15
        wait_for("c", "e.kind === 'model' && e.name === 'closed'"),  # 16
        wait_for("c", "e.kind === 'activity' && e.name === 'force_leave'"),  # 17
        wait_for("c", f"e.kind === 'chat' && e.name === 'user_left' && e.user === {carol!r}"),
        js("c", _attempt(f"await d.models().open({model!r});")),  # 19
        js("c", _attempt(f"await d.activities().join('notebook-project', {activity!r});")),  # 20
        js("c", _attempt(f"await d.chat().join({room!r});")),  # 21
        js("a", "return [ctx.m.isOpen(), ctx.act.isJoined()];"),  # 22
        rest(server, "a", "DELETE", f"/workspaces/{ws}"),  # 23
        wait_for("a", "e.kind === 'model' && e.name === 'deleted'"),  # 24
        wait_for("a", "e.kind === 'activity' && e.name === 'deleted'"),  # 25
        js("a", _attempt(f"await d.models().open({model!r});")),  # 26
        js("a", f"return await d.chat().exists({room!r});"),  # 27
        rest(server, "a", "GET", f"/workspaces/{ws}"),  # 28
    ]
    result = run(server.url, steps, timeout=90)
    v = values(result)
    assert v[3]["status"] == 201 and v[4]["status"] == 201, (v[3], v[4])
    empty = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    assert v[5] == {"data": empty, "write": True}
    assert v[6] == 1
    assert v[7] is True and v[8] == 2  # 0 created, 1 alice joined, 2 hello
    assert v[9] == {"data": {**empty, "title": "draft"}, "write": True}
    assert v[10] is True and v[11] is True
    assert v[12:15] == ["unauthorized", "unauthorized", "unauthorized"], v[12:15]
    assert v[15]["status"] == 200, v[15]
    assert v[19:22] == ["unauthorized", "unauthorized", "unauthorized"], v[19:22]
    assert v[22] == [True, True], "the remaining member keeps every part"
    assert v[23]["status"] == 204, v[23]
    assert v[26] == "model_not_found" and v[27] is False
    assert v[28]["status"] == 404
    assert "deleted" not in [e["name"] for e in events(result, "c", "model")]
