"""Collections over REST: CRUD, default permissions, the auto-create setting, and the errors
(400/401/403/404/409 as problem details)."""

from __future__ import annotations

from typing import Any

from .conftest import Api
from .content_support import (
    D,
    domain_pk,
    make_users,
    user,
)

FULL = {"read": True, "write": True, "remove": True, "manage": True, "create": True}
NONE = {"read": False, "write": False, "remove": False, "manage": False, "create": False}


async def test_crud(api: Api, app: Any) -> None:
    await domain_pk(app)
    made = await api(
        "POST", f"{D}/collections", user="admin1", body={"id": "docs", "description": "d"}
    )
    assert made.status == 201, made.body
    assert made.body == {"id": "docs", "description": "d", "world": FULL}
    locked = await api(
        "POST", f"{D}/collections", user="admin1", body={"id": "locked", "world": {"read": True}}
    )
    assert locked.body["world"] == {**NONE, "read": True}
    listed = await api("GET", f"{D}/collections", user="reader1", params={"limit": 1})
    assert listed.status == 200
    assert listed.body["total"] == 2 and [c["id"] for c in listed.body["items"]] == ["docs"]
    assert listed.body["limit"] == 1
    filtered = await api("GET", f"{D}/collections", user="reader1", params={"filter": "LOCK"})
    assert [c["id"] for c in filtered.body["items"]] == ["locked"]
    changed = await api(
        "PATCH", f"{D}/collections/docs", user="admin1", body={"description": "new"}
    )
    assert changed.status == 200 and changed.body["description"] == "new"
    got = await api("GET", f"{D}/collections/docs", user="reader1")
    assert got.body["description"] == "new"
    created = await api("POST", f"{D}/collections/docs/models", user="writer1", body={"data": {}})
    assert created.status == 201
    deleted = await api("DELETE", f"{D}/collections/docs", user="admin1")
    assert deleted.status == 204
    assert (await api("GET", f"{D}/collections/docs", user="reader1")).status == 404
    gone = await api("GET", f"{D}/models/{created.body['id']}", user="reader1")
    assert gone.status == 404  # its models went with it


async def test_errors(api: Api, app: Any) -> None:
    await domain_pk(app)
    await api("POST", f"{D}/collections", user="admin1", body={"id": "c"})
    dup = await api("POST", f"{D}/collections", user="admin1", body={"id": "c"})
    assert dup.status == 409 and "c" in dup.problem["detail"]
    writer = await api("POST", f"{D}/collections", user="writer1", body={"id": "w"})
    assert writer.status == 403 and "admin" in writer.problem["detail"]
    for method, path in [
        ("PATCH", f"{D}/collections/c"),
        ("DELETE", f"{D}/collections/c"),
        ("PATCH", f"{D}/collections/c/permissions"),
        ("PUT", f"{D}/collection-settings"),
    ]:
        refused = await api(method, path, user="writer1", body={})
        assert refused.status == 403, (method, path, refused.body)
        assert refused.problem
    empty_id = await api("POST", f"{D}/collections", user="admin1", body={"id": ""})
    assert empty_id.status == 400 and empty_id.problem["errors"]
    long_id = await api("POST", f"{D}/collections", user="admin1", body={"id": "x" * 256})
    assert long_id.status == 400 and long_id.problem
    bad_flag = await api(
        "POST", f"{D}/collections", user="admin1", body={"id": "b", "world": {"fly": True}}
    )
    assert bad_flag.status == 400 and bad_flag.problem
    bad_page = await api("GET", f"{D}/collections", user="reader1", params={"limit": 0})
    assert bad_page.status == 400 and bad_page.problem["errors"][0]["loc"] == ["query", "limit"]
    missing = await api("GET", f"{D}/collections/none", user="reader1")
    assert missing.status == 404 and missing.problem
    missing_delete = await api("DELETE", f"{D}/collections/none", user="admin1")
    assert missing_delete.status == 404 and missing_delete.problem
    anonymous = await api("GET", f"{D}/collections", anonymous=True)
    assert anonymous.status == 401 and anonymous.problem
    nobody = await api("GET", f"{D}/collections", user="nobody1")
    assert nobody.status == 403 and nobody.problem
    no_domain = await api("GET", "/domains/convergence/nope/collections", user="reader1")
    assert no_domain.status == 404 and no_domain.problem


async def test_default_permissions(api: Api, app: Any) -> None:
    await domain_pk(app)
    await make_users(app, "alice", "bob")
    await api("POST", f"{D}/collections", user="admin1", body={"id": "c"})
    initial = await api("GET", f"{D}/collections/c/permissions", user="reader1")
    assert initial.body == {"world": FULL, "users": []}
    changed = await api(
        "PATCH",
        f"{D}/collections/c/permissions",
        user="admin1",
        body={
            "world": {"read": True},
            "users": [
                {"user": user("alice"), "permissions": FULL},
                {"user": user("bob"), "permissions": {"read": True, "create": True}},
            ],
        },
    )
    assert changed.status == 200, changed.body
    assert changed.body["world"] == {**NONE, "read": True}
    assert [(g["user"]["username"], g["permissions"]["create"]) for g in changed.body["users"]] == [
        ("alice", True),
        ("bob", True),
    ]
    removed = await api(
        "PATCH",
        f"{D}/collections/c/permissions",
        user="admin1",
        body={"remove_users": [user("alice")]},
    )
    assert [g["user"]["username"] for g in removed.body["users"]] == ["bob"]
    assert removed.body["world"]["read"] is True  # untouched
    cleared = await api(
        "PATCH", f"{D}/collections/c/permissions", user="admin1", body={"replace_users": True}
    )
    assert cleared.body["users"] == []
    unknown = await api(
        "PATCH",
        f"{D}/collections/c/permissions",
        user="admin1",
        body={"users": [{"user": user("ghost"), "permissions": FULL}]},
    )
    assert unknown.status == 400 and "ghost" in unknown.problem["detail"]
    missing = await api("GET", f"{D}/collections/none/permissions", user="reader1")
    assert missing.status == 404 and missing.problem


async def test_auto_create_setting(api: Api, app: Any) -> None:
    await domain_pk(app)
    got = await api("GET", f"{D}/collection-settings", user="reader1")
    assert got.status == 200 and got.body == {"auto_create": True}
    off = await api("PUT", f"{D}/collection-settings", user="admin1", body={"auto_create": False})
    assert off.body == {"auto_create": False}
    assert (await api("GET", f"{D}/collection-settings", user="reader1")).body == {
        "auto_create": False
    }
    bad = await api("PUT", f"{D}/collection-settings", user="admin1", body={"auto_create": "x"})
    assert bad.status == 400 and bad.problem
    missing = await api("PUT", f"{D}/collection-settings", user="admin1", body={})
    assert missing.status == 400 and missing.problem
