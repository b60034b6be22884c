"""A domain's users through the REST API: search with paging, create, change, delete."""

from __future__ import annotations

from typing import Any

from convergence_jupyter.auth.passwords import verify_password
from convergence_jupyter.store.domains import DomainRepository
from convergence_jupyter.store.identity_tables import UserType
from convergence_jupyter.store.users import UserRepository

from .conftest import Api

USERS = "/domains/convergence/default/users"


async def test_create_search_change_and_delete(api: Api, app: Any) -> None:
    for name, email in (("ann", "ann@example.org"), ("bob", "bob@example.org"), ("cy", None)):
        reply = await api(
            "POST",
            USERS,
            user="admin1",
            body={"username": name, "email": email, "password": "correct horse"},
        )
        assert reply.status == 201, reply.body
        assert "password" not in reply.body
    page = await api("GET", USERS, user="reader1", params={"limit": "2"})
    assert page.status == 200
    assert [u["username"] for u in page.body["items"]] == ["ann", "bob"]
    assert page.body["total"] == 3
    found = await api("GET", USERS, user="reader1", params={"search": "EXAMPLE"})
    assert [u["username"] for u in found.body["items"]] == ["ann", "bob"]
    assert found.body["total"] == 2
    desc = await api("GET", USERS, user="reader1", params={"descending": "true"})
    assert [u["username"] for u in desc.body["items"]] == ["cy", "bob", "ann"]
    changed = await api(
        "PATCH",
        f"{USERS}/bob",
        user="admin1",
        body={
            "display_name": "Bob B.",
            "email": None,
            "disabled": True,
            "password": "new password",
        },
    )
    assert changed.status == 200, changed.body
    assert changed.body["display_name"] == "Bob B." and changed.body["email"] is None
    assert changed.body["disabled"] is True
    async with app.database.transaction(readonly=True) as session:
        domain = await DomainRepository(session).get("convergence", "default")
        assert domain is not None
        user = await UserRepository(session).get(domain.pk, UserType.NORMAL, "ann")
        assert user is not None
        stored = await UserRepository(session).get_password_hash(domain.pk, "ann")
    assert stored is not None and "correct horse" not in stored
    assert verify_password("correct horse", stored)
    assert (await api("DELETE", f"{USERS}/cy", user="admin1")).status == 204
    assert (await api("GET", f"{USERS}/cy", user="reader1")).status == 404
    again = await api("POST", USERS, user="admin1", body={"username": "cy"})
    assert again.status == 201  # a deleted user's name is free again


async def test_problems(api: Api) -> None:
    assert (await api("POST", USERS, user="admin1", body={"username": "dup"})).status == 201
    dup = await api("POST", USERS, user="admin1", body={"username": "dup"})
    assert dup.status == 409 and dup.problem
    for body in (
        {"username": ""},
        {"username": "a/b"},
        {"username": "x", "email": "nope"},
        {"username": "x", "password": "short"},
        {"username": "x", "admin": True},
    ):
        bad = await api("POST", USERS, user="admin1", body=body)
        assert bad.status == 400 and bad.problem["errors"], body
    assert (await api("GET", f"{USERS}/ghost", user="reader1")).problem["status"] == 404
    missing_domain = await api("GET", "/domains/x/y/users", user="reader1")
    assert missing_domain.status == 404 and missing_domain.problem
    assert (await api("GET", USERS, anonymous=True)).status == 401
    denied = await api("POST", USERS, user="writer1", body={"username": "w"})
    assert denied.status == 403 and denied.problem
    assert (await api("DELETE", f"{USERS}/dup", user="reader1")).status == 403
