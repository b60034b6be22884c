"""Activities over REST: list, get, create, delete, permissions, and the errors
(400/401/403/404/409 as problem details). Participants of a live activity are checked with
the real client in tests/e2e/test_rest_live.py."""

from __future__ import annotations

from typing import Any

from .conftest import Api
from .content_support import D, domain_pk, make_group, make_users, user

A = f"{D}/activities"


async def _activity(api: Api, activity_type: str, activity_id: str, **fields: Any) -> Any:
    reply = await api(
        "POST", A, user="writer1", body={"type": activity_type, "id": activity_id, **fields}
    )
    assert reply.status == 201, reply.body
    return reply.body


async def test_create_list_get_delete(api: Api, app: Any) -> None:
    await domain_pk(app)
    made = await _activity(api, "doc", "a1", ephemeral=True)
    assert made["type"] == "doc" and made["id"] == "a1" and made["ephemeral"] is True
    await _activity(api, "doc", "a2")
    await _activity(api, "board", "b1")
    listed = await api("GET", A, user="reader1")
    assert listed.status == 200 and listed.body["total"] == 3
    assert [(a["type"], a["id"]) for a in listed.body["items"]] == [
        ("board", "b1"),
        ("doc", "a1"),
        ("doc", "a2"),
    ]
    docs = await api("GET", A, user="reader1", params={"type": "doc", "limit": 1, "offset": 1})
    assert docs.body["total"] == 2 and [a["id"] for a in docs.body["items"]] == ["a2"]
    filtered = await api("GET", A, user="reader1", params={"filter": "B"})
    assert [a["id"] for a in filtered.body["items"]] == ["b1"]
    got = await api("GET", f"{A}/doc/a1", user="reader1")
    assert got.status == 200 and got.body["participants"] == []
    assert (await api("DELETE", f"{A}/doc/a1", user="reader1")).status == 403
    assert (await api("DELETE", f"{A}/doc/a1", user="writer1")).status == 204
    missing = await api("GET", f"{A}/doc/a1", user="reader1")
    assert missing.status == 404 and missing.problem
    again = await api("DELETE", f"{A}/doc/a1", user="writer1")
    assert again.status == 404 and again.problem


async def test_errors(api: Api, app: Any) -> None:
    await domain_pk(app)
    await _activity(api, "t", "x")
    dup = await api("POST", A, user="writer1", body={"type": "t", "id": "x"})
    assert dup.status == 409 and dup.problem
    bad_permission = await api(
        "POST", A, user="writer1", body={"type": "t", "id": "y", "world": ["fly"]}
    )
    assert bad_permission.status == 400 and bad_permission.problem["errors"]
    empty = await api("POST", A, user="writer1", body={"type": "", "id": "y"})
    assert empty.status == 400 and empty.problem
    ghost = await api(
        "POST",
        A,
        user="writer1",
        body={"type": "t", "id": "y", "users": [{"user": user("ghost"), "permissions": []}]},
    )
    assert ghost.status == 400 and "ghost" in ghost.problem["detail"]
    no_group = await api(
        "POST",
        A,
        user="writer1",
        body={"type": "t", "id": "y", "groups": [{"group": "nope", "permissions": ["join"]}]},
    )
    assert no_group.status == 400 and "nope" in no_group.problem["detail"]
    assert (await api("GET", f"{A}/t/y", user="reader1")).status == 404  # nothing half-made
    reader = await api("POST", A, user="reader1", body={"type": "t", "id": "z"})
    assert reader.status == 403 and reader.problem
    anonymous = await api("GET", A, anonymous=True)
    assert anonymous.status == 401 and anonymous.problem
    writer = await api("PUT", f"{A}/t/x/permissions", user="writer1", body={"world": []})
    assert writer.status == 403 and "admin" in writer.problem["detail"]


async def test_permissions(api: Api, app: Any) -> None:
    await domain_pk(app)
    await make_users(app, "alice")
    await make_group(app, "editors", "bob")
    made = await _activity(
        api,
        "t",
        "p",
        world=["join"],
        users=[{"user": user("alice"), "permissions": ["lurk", "view_state"]}],
        groups=[{"group": "editors", "permissions": ["set_state"]}],
    )
    assert made["id"] == "p"
    got = await api("GET", f"{A}/t/p/permissions", user="reader1")
    assert got.status == 200
    assert got.body["world"] == ["join"]
    by_user = {g["user"]["username"]: g["permissions"] for g in got.body["users"]}
    assert by_user["alice"] == ["lurk", "view_state"]
    # the creator (the REST actor) holds everything, as for a client's create
    assert by_user["writer1"] == sorted(
        ["join", "lurk", "view_state", "set_state", "manage", "remove"]
    )
    assert got.body["groups"] == [{"group": "editors", "permissions": ["set_state"]}]
    changed = await api(
        "PUT",
        f"{A}/t/p/permissions",
        user="admin1",
        body={
            "world": ["join", "view_state"],
            "users": [{"user": user("alice"), "permissions": []}],
        },
    )
    assert changed.status == 200, changed.body
    assert changed.body["world"] == ["join", "view_state"]
    assert changed.body["users"] == []  # replaced: alice's empty grant, the creator's gone
    assert changed.body["groups"] == [{"group": "editors", "permissions": ["set_state"]}]
    cleared = await api("PUT", f"{A}/t/p/permissions", user="admin1", body={"groups": []})
    assert cleared.body["groups"] == [] and cleared.body["world"] == ["join", "view_state"]
    missing = await api("PUT", f"{A}/t/none/permissions", user="admin1", body={})
    assert missing.status == 404 and missing.problem
    extra = await api("PUT", f"{A}/t/p/permissions", user="admin1", body={"everyone": []})
    assert extra.status == 400 and extra.problem
