"""REST for model web hooks: configure (with the SSRF allow-list refusing disallowed targets at
configuration), read, change, rotate, delete, and the delivery log with paging — against a
real receiver on 127.0.0.1, which this server's allow-list admits explicitly."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from traitlets.config import Config

from tests.rest.conftest import Api, HeaderIdentityProvider, PrefixAuthorizer
from tests.rest.content_support import domain_pk
from tests.webhooks.receiver import Receiver

D = "/domains/convergence/default"
HOOKS = D + "/collections/docs/webhooks"


@pytest.fixture
def allowed_networks() -> list[str]:
    return ["127.0.0.1/32"]


@pytest.fixture
def jp_server_config(rest_db_url: str, allowed_networks: list[str]) -> Config:
    return Config(
        {
            "ServerApp": {
                "jpserver_extensions": {"convergence_jupyter": True},
                "identity_provider_class": HeaderIdentityProvider,
                "authorizer_class": PrefixAuthorizer,
            },
            "ConvergenceApp": {
                "database_url": rest_db_url,
                "webhook_allowed_networks": allowed_networks,
            },
        }
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    try:
        yield found
    finally:
        found.close()


async def collection(api: Api, app: Any, name: str = "docs") -> None:
    await domain_pk(app)  # the default domain exists once the realtime side started
    reply = await api("POST", D + "/collections", body={"id": name})
    assert reply.status == 201, reply.body


async def new_hook(api: Api, receiver: Receiver, **fields: Any) -> dict[str, Any]:
    reply = await api("POST", HOOKS, body={"url": receiver.url(), **fields})
    assert reply.status == 201, reply.body
    assert isinstance(reply.body, dict)
    return reply.body


async def test_configure_read_change_rotate_delete(api: Api, app: Any, receiver: Receiver) -> None:
    await collection(api, app)
    created = await new_hook(api, receiver, events=["init", "save"], debounce_seconds=1.5)
    hook_id, secret = created["id"], created["secret"]
    assert len(secret) >= 40 and created["secret_hint"] == secret[-4:]
    assert created["events"] == ["init", "save"] and created["debounce_seconds"] == 1.5
    assert created["collection"] == "docs" and created["url"] == receiver.url()

    got = await api("GET", f"{HOOKS}/{hook_id}")
    assert got.status == 200 and "secret" not in got.body
    assert got.body["secret_hint"] == secret[-4:]

    listed = await api("GET", HOOKS)
    assert listed.body["total"] == 1 and [h["id"] for h in listed.body["items"]] == [hook_id]
    everywhere = await api("GET", D + "/webhooks")
    assert everywhere.body["total"] == 1

    changed = await api("PATCH", f"{HOOKS}/{hook_id}", body={"events": ["save"], "max_attempts": 3})
    assert changed.status == 200, changed.body
    assert changed.body["events"] == ["save"] and changed.body["max_attempts"] == 3
    assert changed.body["debounce_seconds"] == 1.5  # untouched

    rotated = await api("POST", f"{HOOKS}/{hook_id}/secret", body={})
    assert rotated.status == 200 and rotated.body["secret"] != secret
    chosen = await api("POST", f"{HOOKS}/{hook_id}/secret", body={"secret": "x" * 32})
    assert chosen.body["secret"] == "x" * 32

    assert (await api("DELETE", f"{HOOKS}/{hook_id}")).status == 204
    assert (await api("GET", f"{HOOKS}/{hook_id}")).problem["status"] == 404
    assert (await api("DELETE", f"{HOOKS}/{hook_id}")).status == 404


@pytest.mark.parametrize("allowed_networks", [[]])
@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:8888/hook",
        "http://127.0.0.1:8888/hook",
        "http://[::1]/hook",
        "http://192.168.0.10/hook",
    ],
)
async def test_a_hook_to_a_disallowed_address_is_refused(api: Api, app: Any, url: str) -> None:
    await collection(api, app)
    reply = await api("POST", HOOKS, body={"url": url})
    problem = reply.problem
    assert reply.status == 422, problem
    assert problem["title"] == "Web hook target not allowed"
    assert "not a public address" in problem["detail"]
    assert "webhook_allowed_networks" in problem["detail"]
    assert (await api("GET", HOOKS)).body["total"] == 0


async def test_changing_the_url_to_a_disallowed_address_is_refused(
    api: Api, app: Any, receiver: Receiver
) -> None:
    await collection(api, app)
    hook = await new_hook(api, receiver)
    for url in ("http://10.0.0.1/x", "http://169.254.169.254/", "ftp://example.com/"):
        reply = await api("PATCH", f"{HOOKS}/{hook['id']}", body={"url": url})
        assert reply.status == 422, reply.body
    got = await api("GET", f"{HOOKS}/{hook['id']}")
    assert got.body["url"] == receiver.url()


@pytest.mark.parametrize(
    "body",
    [
        {"url": "http://127.0.0.1/x", "events": []},
        {"url": "http://127.0.0.1/x", "events": ["delete"]},
        {"url": "http://127.0.0.1/x", "debounce_seconds": 0},
        {"url": "http://127.0.0.1/x", "timeout_seconds": 600},
        {"url": "http://127.0.0.1/x", "secret": "short"},
        {"url": "http://127.0.0.1/x", "colour": "blue"},
        {"events": ["save"]},
    ],
)
async def test_invalid_settings_are_400(api: Api, app: Any, body: dict[str, Any]) -> None:
    await collection(api, app)
    reply = await api("POST", HOOKS, body=body)
    assert reply.status == 400 and reply.problem["errors"], reply.body


async def test_inconsistent_settings_and_conflicts(api: Api, app: Any, receiver: Receiver) -> None:
    await collection(api, app)
    reply = await api(
        "POST", HOOKS, body={"url": receiver.url(), "debounce_seconds": 60, "max_wait_seconds": 5}
    )
    assert reply.status == 422 and "max_wait_seconds" in reply.problem["detail"]
    await new_hook(api, receiver, events=["init"])
    second = await api("POST", HOOKS, body={"url": receiver.url(), "events": ["init", "save"]})
    assert second.status == 409 and "init web hook" in second.problem["detail"]
    missing = await api("POST", D + "/collections/nope/webhooks", body={"url": receiver.url()})
    assert missing.status == 404 and missing.problem
    assert (await api("GET", f"{HOOKS}/0123abcd")).status == 404
    assert (await api("GET", "/domains/convergence/nope/webhooks")).status == 404


async def test_web_hooks_need_the_admin_scope(api: Api, app: Any, receiver: Receiver) -> None:
    await collection(api, app)
    hook = await new_hook(api, receiver)
    for user in ("writer1", "reader1", "nobody1"):
        for method, path, body in (
            ("GET", HOOKS, None),
            ("GET", D + "/webhooks", None),
            ("POST", HOOKS, {"url": receiver.url()}),
            ("GET", f"{HOOKS}/{hook['id']}", None),
            ("PATCH", f"{HOOKS}/{hook['id']}", {"enabled": False}),
            ("POST", f"{HOOKS}/{hook['id']}/secret", {}),
            ("GET", f"{HOOKS}/{hook['id']}/deliveries", None),
            ("DELETE", f"{HOOKS}/{hook['id']}", None),
        ):
            reply = await api(method, path, user=user, body=body)
            assert reply.status == 403, (user, method, path, reply.body)
    assert (await api("GET", HOOKS, anonymous=True)).status == 401
    assert (await api("GET", f"{HOOKS}/{hook['id']}")).body["enabled"] is True


async def test_the_delivery_log_pages_newest_first(api: Api, app: Any, receiver: Receiver) -> None:
    await collection(api, app)
    hook = await new_hook(api, receiver, debounce_seconds=0.05)
    created = await api("POST", D + "/collections/docs/models", body={"id": "m1", "data": {}})
    assert created.status == 201, created.body
    for n in range(3):
        reply = await api("PUT", D + "/models/m1", body={"data": {"n": n}})
        assert reply.status == 200, reply.body
        await asyncio.to_thread(receiver.wait_for, lambda rs, k=n: len(rs) == k + 1)
    deliveries = f"{HOOKS}/{hook['id']}/deliveries"
    deadline = time.monotonic() + 10
    while True:
        page = (await api("GET", deliveries, params={"status": "succeeded"})).body
        if page["total"] == 3 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    assert page["total"] == 3, page
    first = (await api("GET", deliveries, params={"limit": 2})).body
    rest = (await api("GET", deliveries, params={"limit": 2, "offset": 2})).body
    assert (first["total"], first["limit"], len(first["items"]), len(rest["items"])) == (3, 2, 2, 1)
    versions = [d["version"] for d in first["items"] + rest["items"]]
    assert versions == [3, 2, 1]
    entry = first["items"][0]
    assert entry["event"] == "save" and entry["model_id"] == "m1" and entry["attempts"] == 1
    assert entry["status"] == "succeeded" and entry["response_status"] == 200
    assert entry["id"] == receiver.received()[-1].headers["X-Convergence-Delivery"]
    assert receiver.received()[-1].signature_valid(hook["secret"])
    assert receiver.received()[-1].json()["model"]["data"] == {"n": 2.0}
    only_init = (await api("GET", deliveries, params={"event": "init"})).body
    assert only_init["total"] == 0
    bad = await api("GET", deliveries, params={"status": "exploded"})
    assert bad.status == 400
