"""The REST framework against a live server: routing, authentication, scopes, validation and
problem details (RFC 9457)."""

from __future__ import annotations

from convergence_jupyter.rest.framework import Scope

from .conftest import Api


async def test_server_info_names_the_caller(api: Api) -> None:
    reply = await api("GET", "/server", user="reader1")
    assert reply.status == 200, reply.body
    assert reply.body["caller"] == {
        "username": "reader1",
        "display_name": "Reader1",
        "scopes": ["read"],
        "via": "jupyter",
        "api_key_id": None,
    }
    assert reply.body["database"] in ("sqlite", "postgresql")
    assert reply.headers["Cache-Control"] == "no-store"


async def test_admin_user_has_every_scope(api: Api) -> None:
    reply = await api("GET", "/server", user="admin1")
    assert reply.body["caller"]["scopes"] == [s.value for s in Scope]


async def test_unknown_route_is_a_404_problem(api: Api) -> None:
    reply = await api("GET", "/no/such/thing", user="admin1")
    assert reply.status == 404
    assert reply.problem["title"] == "Not Found"


async def test_wrong_method_is_a_405_problem_with_allow(api: Api) -> None:
    reply = await api("DELETE", "/server", user="admin1")
    assert reply.status == 405
    assert reply.problem
    assert reply.headers["Allow"] == "GET"


async def test_no_credentials_is_a_401_problem(api: Api) -> None:
    reply = await api("GET", "/server", anonymous=True)
    assert reply.status == 401
    assert reply.problem["detail"]
    assert reply.headers["WWW-Authenticate"].startswith("Bearer"), reply.body


async def test_unauthenticated_write_is_401_not_an_xsrf_page(api: Api) -> None:
    reply = await api("POST", "/api-keys", anonymous=True, body={"name": "x"})
    assert reply.status == 401
    assert reply.problem


async def test_a_user_without_read_is_refused_with_403(api: Api) -> None:
    reply = await api("GET", "/server", user="nobody1")
    assert reply.status == 403
    assert "read" in reply.problem["detail"]


async def test_unknown_bearer_key_is_401(api: Api) -> None:
    reply = await api("GET", "/server", key="cvk_0123456789abcdef_" + "A" * 43)
    assert reply.status == 401
    assert reply.problem
