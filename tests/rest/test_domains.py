"""Domains through the REST API: list, create, settings, status, delete; problems."""

from __future__ import annotations

from .conftest import Api

DEFAULT = "/domains/convergence/default"


async def test_the_default_domain_is_listed_and_shown(api: Api) -> None:
    listed = await api("GET", "/domains", user="reader1")
    assert listed.status == 200
    assert [(d["namespace"], d["name"]) for d in listed.body["items"]] == [
        ("convergence", "default")
    ]
    assert listed.body["total"] == 1
    shown = await api("GET", DEFAULT, user="reader1")
    assert shown.status == 200 and shown.body["status"] == "online"


async def test_create_change_and_delete_a_domain(api: Api) -> None:
    created = await api(
        "POST",
        "/domains",
        user="admin1",
        body={"namespace": "acme", "name": "docs", "display_name": "Docs", "anonymous_auth": True},
    )
    assert created.status == 201, created.body
    assert created.body["display_name"] == "Docs" and created.body["anonymous_auth"] is True
    changed = await api(
        "PATCH",
        "/domains/acme/docs",
        user="admin1",
        body={"reconnect_token_minutes": 5, "auto_create_collections": False},
    )
    assert changed.status == 200
    assert changed.body["reconnect_token_minutes"] == 5
    assert changed.body["auto_create_collections"] is False
    assert changed.body["display_name"] == "Docs"  # untouched
    page = await api("GET", "/domains", user="reader1", params={"limit": "1", "offset": "0"})
    assert page.body["total"] == 2 and len(page.body["items"]) == 1
    assert (await api("DELETE", "/domains/acme/docs", user="admin1")).status == 204
    gone = await api("GET", "/domains/acme/docs", user="admin1")
    assert gone.status == 404 and gone.problem


async def test_status_is_set_and_reported(api: Api) -> None:
    report = await api("GET", f"{DEFAULT}/status", user="reader1")
    assert report.status == 200 and report.body["status"] == "online"
    assert report.body["connected_sessions"] == 0
    changed = await api("PUT", f"{DEFAULT}/status", user="admin1", body={"status": "maintenance"})
    assert changed.status == 200 and changed.body["status"] == "maintenance"
    assert (await api("GET", DEFAULT, user="reader1")).body["status"] == "maintenance"
    bad = await api("PUT", f"{DEFAULT}/status", user="admin1", body={"status": "asleep"})
    assert bad.status == 400 and bad.problem["errors"][0]["loc"] == ["body", "status"]


async def test_problems(api: Api) -> None:
    dup = await api(
        "POST", "/domains", user="admin1", body={"namespace": "convergence", "name": "default"}
    )
    assert dup.status == 409 and dup.problem
    bad = await api("POST", "/domains", user="admin1", body={"namespace": "a b", "name": "x"})
    assert bad.status == 400 and bad.problem["errors"][0]["loc"] == ["body", "namespace"]
    zero = await api("PATCH", DEFAULT, user="admin1", body={"reconnect_token_minutes": 0})
    assert zero.status == 400 and zero.problem
    missing = await api("PATCH", "/domains/no/such", user="admin1", body={})
    assert missing.status == 404 and missing.problem
    assert (await api("GET", "/domains", anonymous=True)).status == 401
    denied = await api("PATCH", DEFAULT, user="writer1", body={"anonymous_auth": True})
    assert denied.status == 403 and "admin" in denied.problem["detail"]
    assert (await api("GET", DEFAULT, user="admin1")).body["anonymous_auth"] is False
