"""A domain's JWT keys through the REST API: register, show, change, remove; bad PEMs."""

from __future__ import annotations

from functools import cache

from convergence_jupyter.auth.keys import generate_private_key_pem, public_key_pem

from .conftest import Api

KEYS = "/domains/convergence/default/jwt-keys"


@cache
def _pem(n: int) -> str:
    return public_key_pem(generate_private_key_pem())


async def test_register_change_and_remove(api: Api) -> None:
    created = await api(
        "POST", KEYS, user="admin1", body={"key_id": "app", "public_key_pem": _pem(1)}
    )
    assert created.status == 201, created.body
    assert created.body["enabled"] is True and created.body["public_key_pem"] == _pem(1)
    changed = await api(
        "PATCH",
        f"{KEYS}/app",
        user="admin1",
        body={"enabled": False, "description": "old", "public_key_pem": _pem(2)},
    )
    assert changed.status == 200
    assert (changed.body["enabled"], changed.body["description"]) == (False, "old")
    assert changed.body["public_key_pem"] == _pem(2)
    listed = await api("GET", KEYS, user="admin1")
    # The login bridge registers its own key at start.
    assert [k["key_id"] for k in listed.body["items"]] == ["app", "jupyter-login-bridge"]
    assert listed.body["total"] == 2
    assert (await api("GET", f"{KEYS}/app", user="admin1")).body["description"] == "old"
    assert (await api("DELETE", f"{KEYS}/app", user="admin1")).status == 204
    assert (await api("GET", f"{KEYS}/app", user="admin1")).status == 404


async def test_problems(api: Api) -> None:
    body = {"key_id": "k", "public_key_pem": _pem(1)}
    assert (await api("POST", KEYS, user="admin1", body=body)).status == 201
    dup = await api("POST", KEYS, user="admin1", body=body)
    assert dup.status == 409 and dup.problem
    garbage = await api(
        "POST", KEYS, user="admin1", body={"key_id": "g", "public_key_pem": "not a key"}
    )
    assert garbage.status == 400 and "PEM" in garbage.problem["detail"]
    private = await api(
        "POST",
        KEYS,
        user="admin1",
        body={"key_id": "p", "public_key_pem": generate_private_key_pem()},
    )
    assert private.status == 400 and private.problem
    assert (await api("DELETE", f"{KEYS}/nope", user="admin1")).status == 404
    assert (await api("GET", KEYS, anonymous=True)).status == 401
    denied = await api("GET", KEYS, user="writer1")
    assert denied.status == 403 and denied.problem
