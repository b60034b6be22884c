"""Activities with real clients: join/leave/state, lurkers, auto-create, ephemeral, delete,
permissions (world, user, group) and force-leave; dead sessions leave."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .collab import PW, connect, events, js, mark, run, sleep, values, wait_for
from .harness import unique


def _users(admin: Any, *names: str) -> list[str]:
    made = []
    for name in names:
        username = unique(name)
        admin.create_user(username, PW)
        made.append(username)
    return made


def _join(aid: str, options: str = "{autoCreate: {}}") -> str:
    return (
        f"ctx.act = h.watchActivity(await d.activities().join('doc', {aid!r}, {options}));"
        " return h.participants(ctx.act);"
    )


WORLD = "['join', 'lurk', 'set_state', 'view_state']"
PARTICIPANTS = "return h.participants(ctx.act).map(p => [p.user, p.state]);"


def test_join_state_lurk_leave(server: Any, admin: Any) -> None:
    alice, bob, carol = _users(admin, "alice", "bob", "carol")
    aid = unique("act")
    steps = [
        connect("a", alice),
        connect("b", bob),
        connect("l", carol),
        js("a", _join(aid, f"{{state: {{cursor: 1}}, autoCreate: {{worldPermissions: {WORLD}}}}}")),
        js("b", _join(aid, "{state: {cursor: 2}}")),  # 4
        wait_for("a", f"e.name === 'session_joined' && e.user === {bob!r}"),
        js("l", _join(aid, "{lurk: true}")),  # 6
        sleep(300),
        js("a", "ctx.act.setState('sel', [1, 2]);"),
        wait_for("b", "e.name === 'state_set' && e.key === 'sel'"),
        wait_for("l", "e.name === 'state_set' && e.key === 'sel'"),
        js("a", "ctx.act.removeState('cursor');"),
        wait_for("b", "e.name === 'state_removed' && e.key === 'cursor'"),
        js("b", PARTICIPANTS),  # 13
        js("a", "ctx.act.clearState();"),
        wait_for("b", "e.name === 'state_cleared'"),
        js("b", "await ctx.act.leave();"),
        wait_for("a", f"e.name === 'session_left' && e.user === {bob!r}"),
        wait_for("l", f"e.name === 'session_left' && e.user === {bob!r}"),
        js("l", "await ctx.act.leave();"),
        sleep(300),
        js("a", PARTICIPANTS),  # 21
        js("b", "return d.activities().isJoined('doc', " + repr(aid) + ");"),  # 22
    ]
    result = run(server.url, steps)
    v = values(result)
    assert [p["user"] for p in v[3]] == [alice]
    assert v[3][0]["state"] == {"cursor": 1}
    assert sorted((p["user"], p["state"]["cursor"]) for p in v[4]) == [(alice, 1), (bob, 2)]
    # The lurker sees both participants; nobody sees the lurker.
    assert sorted(p["user"] for p in v[6]) == sorted([alice, bob])
    assert sorted(v[13], key=lambda p: p[0]) == sorted(
        [[alice, {"sel": [1, 2]}], [bob, {"cursor": 2}]], key=lambda p: p[0]
    )
    assert v[21] == [[alice, {}]]
    assert v[22] is False
    for c in ("a", "b"):
        seen = {e.get("user") for e in events(result, c, "activity") if not e.get("local")}
        assert carol not in seen, (c, events(result, c))


def test_missing_activity_ephemeral_and_bad_input(server: Any, admin: Any) -> None:
    (alice,) = _users(admin, "alice")
    missing, eph = unique("missing"), unique("eph")
    steps = [
        connect("a", alice),
        js("a", f"await d.activities().join('doc', {missing!r});"),  # 1
        js(
            "a",
            f"ctx.act = await d.activities().join('doc', {eph!r},"
            " {autoCreate: {ephemeral: true}}); return ctx.act.isEphemeral();",
        ),  # 2
        js("a", "await ctx.act.leave();"),
        js("a", f"await d.activities().join('doc2', {eph!r});"),  # 4: gone with its last session
        js("a", "await d.activities().join('', 'x');"),  # 5
        js("a", "await d.activities().join('doc', '');"),  # 6
        js("a", "return (await d.serverTime()) instanceof Date;"),  # 7: still fine
    ]
    result = run(server.url, steps)
    r = result["results"]
    assert r[1]["ok"] is False and r[1]["code"] == "activity_not_found", r[1]
    assert r[2] == {"ok": True, "value": True}
    assert r[4]["ok"] is False and r[4]["code"] == "activity_not_found", r[4]
    assert r[5]["ok"] is False and r[5]["code"] == "invalid_activity_type", r[5]
    assert r[6]["ok"] is False and r[6]["code"] == "invalid_activity_id", r[6]
    assert r[7] == {"ok": True, "value": True}


def test_permissions_world_user_group_and_force_leave(server: Any, admin: Any) -> None:
    owner, bob, carol, dave = _users(admin, "owner", "bob", "carol", "dave")
    group = unique("grp")
    admin.create_group(group, members=(carol,))
    aid = unique("act")
    # Group grants go through the permission manager: rc.12 encodes groupPermissions of
    # create() wrongly (a bare array where PermissionsList is expected).
    create = (
        f"await d.activities().create({{activityType: 'doc', activityId: {aid!r},"
        f" worldPermissions: [], userPermissions: {{{bob!r}: ['join']}}}});"
    )
    steps = [
        connect("o", owner),
        connect("b", bob),
        connect("c", carol),
        connect("x", dave),
        connect("b2", bob),
        connect("x2", dave),
        js("o", create),  # 6
        js("o", create),  # 7 already exists
        js("x", f"await d.activities().join('doc', {aid!r});"),  # 8 world: nothing
        # A refused join poisons later joins of that activity in the same rc.12 client
        # (ActivityService deletes the failed entry by id, not by type/id): use other sessions.
        js("b2", f"await d.activities().join('doc', {aid!r}, {{lurk: true}});"),  # 9 no lurk
        js("o", _join(aid, "{state: {k: 1}}")),  # 10 creator: everything
        js(
            "o",
            f"await ctx.act.permissions().addGroupPermissions("
            f"{{{group!r}: ['join', 'lurk', 'view_state']}});",
        ),  # 11
        js("b", _join(aid, "{}")),  # 12 user: join ok
        js("c", _join(aid, "{lurk: true}")),  # 13 group: lurk ok
        js("b", PARTICIPANTS),  # 14 bob has no view_state: empty states
        js("c", PARTICIPANTS),  # 15 carol has view_state
        js("o", "return [...(await ctx.act.permissions().resolveSessionPermissions())].sort();"),
        js("b", "return [...(await ctx.act.permissions().resolveSessionPermissions())].sort();"),
        js("b", "await ctx.act.permissions().getPermissions();"),  # 18 needs manage
        js("x", f"await d.activities().remove({aid!r}, 'doc');"),  # 19 needs remove
        js("o", f"await ctx.act.permissions().removeUserPermissions({{{bob!r}: ['join']}});"),
        wait_for("b", "e.name === 'force_leave'"),  # 21
        js("o", f"await ctx.act.permissions().removeGroupPermissions({{{group!r}: ['lurk']}});"),
        wait_for("c", "e.name === 'force_leave'"),  # 23
        js("o", "await ctx.act.permissions().addWorldPermissions(['join']);"),
        js("x2", _join(aid, "{}")),  # 25 world now allows
        js(
            "o",
            "const p = await ctx.act.permissions().getPermissions();"
            " return {world: [...p.worldPermissions].sort(),"
            " groups: [...p.groupPermissions.entries()].map(([g, s]) => [g, [...s].sort()])};",
        ),  # 26
        js("o", f"await d.activities().remove({aid!r}, 'doc');"),  # 27
        wait_for("x2", "e.name === 'deleted'"),  # 28
    ]
    result = run(server.url, steps)
    r = result["results"]
    assert r[6]["ok"], r[6]
    assert r[7]["code"] == "activity_already_exists", r[7]
    assert r[8]["code"] == "unauthorized", r[8]
    assert r[9]["code"] == "unauthorized", r[9]
    assert r[10]["ok"] and r[11]["ok"] and r[12]["ok"] and r[13]["ok"], result.describe()
    assert all(state == {} for _, state in r[14]["value"]), r[14]
    assert [owner, {"k": 1}] in r[15]["value"], r[15]
    assert r[16]["value"] == sorted(["join", "lurk", "view_state", "set_state", "manage", "remove"])
    assert r[17]["value"] == ["join"]
    assert r[18]["code"] == "unauthorized", r[18]
    assert r[19]["code"] == "unauthorized", r[19]
    assert r[21]["ok"] and r[23]["ok"], result.describe()
    assert r[25]["ok"], r[25]
    expected = {"world": ["join"], "groups": [[group, ["join", "view_state"]]]}
    assert r[26].get("value") == expected, r[26]
    assert r[27]["ok"] and r[28]["ok"], result.describe()


def test_dead_session_leaves_activity(
    server_factory: Callable[..., Any], admin_for: Callable[[Any], Any]
) -> None:
    hb = server_factory(
        "activity-hb",
        extra_args=["--ConvergenceApp.ping_interval=1", "--ConvergenceApp.pong_timeout=1"],
    )
    alice, bob = _users(admin_for(hb), "alice", "bob")
    aid = unique("act")
    steps = [
        connect("a", alice),
        js("a", _join(aid)),
        connect("b", bob, protocol={"heartbeat": {"enabled": False}}),
        js("b", _join(aid)),
        wait_for("a", "e.name === 'session_joined'"),
        mark("a", "m"),
        {"c": "b", "op": "freeze"},
        wait_for("a", f"e.name === 'session_left' && e.user === {bob!r}", 8000, since="m"),  # 7
        js("a", PARTICIPANTS),  # 8
    ]
    v = values(run(hb.url, steps))
    assert v[7]["waitedMs"] < 4000
    assert v[8] == [[alice, {}]]
