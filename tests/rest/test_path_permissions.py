"""Path-level model permissions over REST (issue 12): grants are set, listed and deleted by
admins only, bad grants are 400s, and resolving a link as a user with path restrictions on
the target gives only the part that user may read (user, group and world grants)."""

from __future__ import annotations

from typing import Any

from .conftest import Api
from .content_support import D, make_group, make_users, user

GRANTS = f"{D}/models/sheet/path-permissions"


async def _setup(api: Api, app: Any) -> None:
    await make_users(app, "alice", "bob")
    await make_group(app, "students", "alice")
    # Readers without manage (managers are never restricted by path grants).
    world = {"read": True, "write": True, "remove": False, "manage": False, "create": True}
    for collection in ("people", "docs"):
        body = {"id": collection, "world": world}
        made = await api("POST", f"{D}/collections", user="admin1", body=body)
        assert made.status == 201, made.body
    sheet = {"id": "sheet", "data": {"public": "p", "private": {"alice": "A", "bob": "B"}}}
    made = await api("POST", f"{D}/collections/people/models", user="writer1", body=sheet)
    assert made.status == 201, made.body
    doc = {"id": "d1", "data": {"of": {"$ref": {"collection": "people", "id": "sheet"}}}}
    made = await api("POST", f"{D}/collections/docs/models", user="writer1", body=doc)
    assert made.status == 201, made.body


async def test_grants_are_admin_managed_and_checked(api: Api, app: Any) -> None:
    await _setup(api, app)
    world = {"path": "/private", "subject": {"kind": "world"}, "read": False}
    refused = await api("PUT", GRANTS, user="writer1", body=world)
    assert refused.status == 403
    made = await api("PUT", GRANTS, user="admin1", body=world)
    assert made.status == 200, made.body
    again = await api("PUT", GRANTS, user="admin1", body={**world, "write": False})
    assert again.status == 200 and len(again.body["grants"]) == 1  # replaced, not added
    for bad in (
        {"path": "private", "subject": {"kind": "world"}},  # not a JSON Pointer
        {"path": "/list/0", "subject": {"kind": "world"}, "read": False},  # hides by index
        {"path": "/x", "subject": {"kind": "user", "user": user("nobody")}},
        {"path": "/x", "subject": {"kind": "user"}},
        {"path": "/x", "subject": {"kind": "group", "group": "nogroup"}},
    ):
        answer = await api("PUT", GRANTS, user="admin1", body=bad)
        assert answer.status in (400, 422), (bad, answer.body)
    listed = await api("GET", GRANTS, user="reader1")
    assert listed.status == 200
    assert listed.body["grants"] == [
        {
            "path": "/private",
            "subject": {"kind": "world", "user": None, "group": None},
            "read": False,
            "write": False,
        }
    ]
    gone = await api(
        "DELETE", GRANTS, user="admin1", body={"path": "/private", "subject": {"kind": "world"}}
    )
    assert gone.status == 200 and gone.body["grants"] == []


async def test_link_resolution_gives_a_restricted_reader_its_view(api: Api, app: Any) -> None:
    await _setup(api, app)
    for grant in (
        {"path": "/private", "subject": {"kind": "world"}, "read": False},
        {"path": "/private/alice", "subject": {"kind": "group", "group": "students"}, "read": True},
    ):
        made = await api("PUT", GRANTS, user="admin1", body=grant)
        assert made.status == 200, made.body
    resolve = f"{D}/models/d1/links/resolve"

    async def as_user(name: str | None) -> Any:
        params = {"path": "/of", **({"as_username": name} if name else {})}
        answer = await api("GET", resolve, user="reader1", params=params)
        assert answer.status == 200, answer.body
        return answer.body["data"]

    assert await as_user(None) == {"public": "p", "private": {"alice": "A", "bob": "B"}}
    assert await as_user("alice") == {"public": "p", "private": {"alice": "A"}}
    assert await as_user("bob") == {"public": "p"}
