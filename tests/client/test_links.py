"""Model links from the Python client (issue 12 part 3): a model's links read from the local
view, resolving a link by opening its target as the user (an unreadable target is refused, and
none of its data arrives), and the server's index (links, backlinks) through ``RestClient``."""

from __future__ import annotations

import json
from typing import Any

import pytest

from convergence_jupyter.client import Backlink, Link, RestClient, RestError, ServerError

from .accounts import PASSWORD, add_users
from .conftest import ClientFactory

NO_ACCESS = {"read": False, "write": False, "remove": False, "manage": False}


def ref(collection: str, model_id: str) -> dict[str, Any]:
    return {"$ref": {"collection": collection, "id": model_id}}


async def _api_key(jp_fetch: Any) -> str:
    reply = await jp_fetch(
        "convergence",
        "api",
        "v1",
        "api-keys",
        method="POST",
        body=json.dumps({"name": "links-test", "scopes": ["admin"]}),
    )
    return str(json.loads(reply.body)["key"])


async def _rest(jp_fetch: Any, realtime_url: str) -> RestClient:
    rest = RestClient.for_realtime_url(realtime_url, await _api_key(jp_fetch))
    for collection in ("people", "docs"):
        await rest.request("POST", "/collections", {"id": collection})
    await rest.request("POST", "/collections/people/models", {"id": "dave", "data": {"n": "D"}})
    secret = {
        "id": "carol",
        "data": {"salary": 1},
        "override_collection": True,
        "world": NO_ACCESS,
    }
    await rest.request("POST", "/collections/people/models", secret)
    doc = {
        "id": "d1",
        "data": {"author": ref("people", "dave"), "reviewers": [ref("people", "carol")]},
    }
    await rest.request("POST", "/collections/docs/models", doc)
    return rest


async def test_links_resolve_and_backlinks(
    client: ClientFactory, jp_serverapp: Any, jp_fetch: Any, realtime_url: str
) -> None:
    await add_users(jp_serverapp, "alice")
    rest = await _rest(jp_fetch, realtime_url)
    alice = await client(password=("alice", PASSWORD))
    models = alice.models()
    d1 = await models.open("d1")
    assert d1.links() == [
        Link("/author", "people", "dave"),
        Link("/reviewers/0", "people", "carol"),
    ]

    dave = await models.resolve_link(d1, "/author")
    assert (dave.id, dave.collection, dave.value()) == ("dave", "people", {"n": "D"})
    with pytest.raises(ServerError) as refused:
        await models.resolve_link(d1, "/reviewers/0")
    assert refused.value.code == "unauthorized"
    assert [m.id for m in models.open_models()] == ["d1", "dave"]
    with pytest.raises(LookupError):
        await models.resolve_link(d1, "/nothing")

    # A local edit counts at once; the server's index follows the commit.
    d1.root().set("editor", ref("people", "dave"))
    assert Link("/editor", "people", "dave") in d1.links()
    await d1.committed()
    assert await rest.links("d1") == sorted(d1.links())
    assert await rest.backlinks("dave") == [
        Backlink("docs", "d1", "/author"),
        Backlink("docs", "d1", "/editor"),
    ]
    assert await rest.backlinks("carol") == [Backlink("docs", "d1", "/reviewers/0")]

    # The link points at a model of another collection than the one it names.
    d1.root().set("wrong", ref("docs", "dave"))
    with pytest.raises(LookupError, match="is in collection 'people'"):
        await models.resolve_link(d1, "/wrong")
    assert not dave.closed  # it was open before, so it stays open
    assert await models.resolve_link(d1, "/author") is dave
    await dave.close()
    with pytest.raises(LookupError):
        await models.resolve_link(d1, "/wrong")
    assert [m.id for m in models.open_models()] == ["d1"]  # opened for the check, closed again


async def test_rest_client_errors(jp_fetch: Any, realtime_url: str) -> None:
    rest = RestClient.for_realtime_url(realtime_url, await _api_key(jp_fetch))
    with pytest.raises(RestError) as missing:
        await rest.backlinks("no-such-model")
    assert missing.value.status == 404
    assert "no-such-model" in missing.value.detail
    bad_key = RestClient.for_realtime_url(realtime_url, "cvk_0000000000000000_" + "x" * 43)
    with pytest.raises(RestError) as refused:
        await bad_key.links("d1")
    assert refused.value.status == 401


def test_rest_base_from_a_realtime_url() -> None:
    rest = RestClient.for_realtime_url("wss://h:1/base/convergence/realtime/ns/dom", "k")
    assert rest._base == "https://h:1/base/convergence/api/v1"
    assert rest._domain_path == "/domains/ns/dom"
    with pytest.raises(ValueError, match="not a realtime URL"):
        RestClient.for_realtime_url("ws://h/convergence/realtime/only-namespace", "k")
