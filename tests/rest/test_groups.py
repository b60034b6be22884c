"""A domain's groups through the REST API: CRUD and membership."""

from __future__ import annotations

from .conftest import Api

BASE = "/domains/convergence/default"


async def _users(api: Api, *names: str) -> None:
    for name in names:
        assert (
            await api("POST", f"{BASE}/users", user="admin1", body={"username": name})
        ).status == 201


async def test_groups_and_membership(api: Api) -> None:
    await _users(api, "ann", "bob", "cy")
    created = await api(
        "POST",
        f"{BASE}/groups",
        user="admin1",
        body={"group_id": "editors", "description": "Edit", "members": ["bob", "ann"]},
    )
    assert created.status == 201, created.body
    assert created.body == {"group_id": "editors", "description": "Edit", "members": ["ann", "bob"]}
    added = await api("PUT", f"{BASE}/groups/editors/members/cy", user="admin1")
    assert added.status == 200 and added.body["members"] == ["ann", "bob", "cy"]
    again = await api("PUT", f"{BASE}/groups/editors/members/cy", user="admin1")
    assert again.body["members"] == ["ann", "bob", "cy"]
    removed = await api("DELETE", f"{BASE}/groups/editors/members/ann", user="admin1")
    assert removed.status == 200 and removed.body["members"] == ["bob", "cy"]
    replaced = await api(
        "PATCH",
        f"{BASE}/groups/editors",
        user="admin1",
        body={"members": ["ann"], "description": "E"},
    )
    assert replaced.body == {"group_id": "editors", "description": "E", "members": ["ann"]}
    listed = await api("GET", f"{BASE}/groups", user="reader1")
    assert listed.body["total"] == 1 and listed.body["items"][0]["group_id"] == "editors"
    assert (await api("GET", f"{BASE}/groups/editors", user="reader1")).body["members"] == ["ann"]
    assert (await api("DELETE", f"{BASE}/groups/editors", user="admin1")).status == 204
    assert (await api("GET", f"{BASE}/groups/editors", user="reader1")).status == 404


async def test_problems(api: Api) -> None:
    await _users(api, "ann")
    assert (
        await api("POST", f"{BASE}/groups", user="admin1", body={"group_id": "g"})
    ).status == 201
    dup = await api("POST", f"{BASE}/groups", user="admin1", body={"group_id": "g"})
    assert dup.status == 409 and dup.problem
    unknown = await api(
        "POST", f"{BASE}/groups", user="admin1", body={"group_id": "h", "members": ["ghost"]}
    )
    assert unknown.status == 400 and "ghost" in unknown.problem["detail"]
    bad = await api("POST", f"{BASE}/groups", user="admin1", body={"group_id": ""})
    assert bad.status == 400 and bad.problem["errors"]
    not_member = await api("DELETE", f"{BASE}/groups/g/members/ann", user="admin1")
    assert not_member.status == 404 and not_member.problem
    assert (await api("PUT", f"{BASE}/groups/g/members/ghost", user="admin1")).status == 404
    assert (await api("PUT", f"{BASE}/groups/nope/members/ann", user="admin1")).status == 404
    assert (await api("GET", f"{BASE}/groups", anonymous=True)).status == 401
    denied = await api("PUT", f"{BASE}/groups/g/members/ann", user="writer1")
    assert denied.status == 403 and denied.problem
