"""Model links over REST (issue 12): links and backlinks follow creation and every change;
resolving gives the target's data only to a reader who may read it (403 otherwise, no data);
the collection's policy decides what deleting a linked-to model does: nullify (default),
refuse (409, nothing deleted) or cascade."""

from __future__ import annotations

from typing import Any

from .conftest import Api
from .content_support import D, make_users, user


def ref(collection: str, model_id: str) -> dict[str, Any]:
    return {"$ref": {"collection": collection, "id": model_id}}


async def _setup(api: Api, app: Any) -> None:
    await make_users(app, "alice", "bob")
    for collection in ("people", "docs"):
        made = await api("POST", f"{D}/collections", user="admin1", body={"id": collection})
        assert made.status == 201, made.body
    secret = {
        "id": "carol",
        "data": {"name": "Carol", "salary": 1},
        "override_collection": True,
        "world": {"read": False, "write": False, "remove": False, "manage": False},
        "users": [
            {
                "user": user("bob"),
                "permissions": {"read": True, "write": False, "remove": False, "manage": False},
            }
        ],
    }
    for body in ({"id": "dave", "data": {"name": "Dave"}}, secret):
        made = await api("POST", f"{D}/collections/people/models", user="writer1", body=body)
        assert made.status == 201, made.body
    doc = {
        "id": "d1",
        "data": {
            "author": ref("people", "dave"),
            "reviewers": [ref("people", "carol"), {"$ref": "not a link"}],
            "a/b": {"x": ref("people", "dave")},
        },
    }
    made = await api("POST", f"{D}/collections/docs/models", user="writer1", body=doc)
    assert made.status == 201, made.body


async def test_links_backlinks_and_resolve(api: Api, app: Any) -> None:
    await _setup(api, app)
    links = await api("GET", f"{D}/models/d1/links", user="reader1")
    assert links.status == 200
    assert links.body["links"] == [
        {"path": "/author", "collection": "people", "id": "dave"},
        {"path": "/a~1b/x", "collection": "people", "id": "dave"},
        {"path": "/reviewers/0", "collection": "people", "id": "carol"},
    ]
    back = await api("GET", f"{D}/models/dave/backlinks", user="reader1")
    assert back.body["backlinks"] == [
        {"model_id": "d1", "collection": "docs", "path": "/author"},
        {"model_id": "d1", "collection": "docs", "path": "/a~1b/x"},
    ]

    # A change (a server op, as a client's) re-indexes: paths shift, links come and go.
    changed = await api(
        "PUT",
        f"{D}/models/d1",
        user="writer1",
        body={"data": {"reviewers": [{"n": 1}, ref("people", "carol"), ref("people", "dave")]}},
    )
    assert changed.status == 200, changed.body
    links = await api("GET", f"{D}/models/d1/links", user="reader1")
    assert links.body["links"] == [
        {"path": "/reviewers/1", "collection": "people", "id": "carol"},
        {"path": "/reviewers/2", "collection": "people", "id": "dave"},
    ]

    path = f"{D}/models/d1/links/resolve"
    as_admin = await api("GET", path, user="reader1", params={"path": "/reviewers/1"})
    assert as_admin.status == 200, as_admin.body
    assert as_admin.body["data"] == {"name": "Carol", "salary": 1}
    as_bob = await api(
        "GET", path, user="reader1", params={"path": "/reviewers/1", "as_username": "bob"}
    )
    assert as_bob.status == 200 and as_bob.body["data"]["name"] == "Carol"
    as_alice = await api(
        "GET", path, user="reader1", params={"path": "/reviewers/1", "as_username": "alice"}
    )
    assert as_alice.status == 403
    assert "unauthorized" in as_alice.problem["detail"]
    assert "Carol" not in str(as_alice.body) and "salary" not in str(as_alice.body)
    open_one = await api(
        "GET", path, user="reader1", params={"path": "/reviewers/2", "as_username": "alice"}
    )
    assert open_one.status == 200 and open_one.body["data"] == {"name": "Dave"}
    none = await api("GET", path, user="reader1", params={"path": "/reviewers/0"})
    assert none.status == 404


async def test_delete_policies(api: Api, app: Any) -> None:
    await _setup(api, app)
    policy = f"{D}/collections/people/link-policy"
    assert (await api("GET", policy, user="reader1")).body == {"policy": "nullify"}
    assert (await api("PUT", policy, user="writer1", body={"policy": "refuse"})).status == 403
    bad = await api("PUT", policy, user="admin1", body={"policy": "explode"})
    assert bad.status == 400

    # refuse: 409, nothing deleted.
    assert (await api("PUT", policy, user="admin1", body={"policy": "refuse"})).status == 200
    refused = await api("DELETE", f"{D}/models/dave", user="writer1")
    assert refused.status == 409
    assert "d1 at /author" in refused.problem["detail"]
    assert (await api("GET", f"{D}/models/dave", user="reader1")).status == 200

    # nullify (default): the links become null in the linking model, by an op.
    assert (await api("PUT", policy, user="admin1", body={"policy": "nullify"})).status == 200
    deleted = await api("DELETE", f"{D}/models/dave", user="writer1")
    assert deleted.status == 204
    doc = (await api("GET", f"{D}/models/d1", user="reader1")).body
    assert doc["version"] == 1
    assert doc["data"]["author"] is None and doc["data"]["a/b"] == {"x": None}
    assert doc["data"]["reviewers"][0] == ref("people", "carol")
    assert (await api("GET", f"{D}/models/dave/backlinks", user="reader1")).status == 404
    links = await api("GET", f"{D}/models/d1/links", user="reader1")
    assert [k["id"] for k in links.body["links"]] == ["carol"]

    # cascade: the linking model goes too.
    assert (await api("PUT", policy, user="admin1", body={"policy": "cascade"})).status == 200
    assert (await api("DELETE", f"{D}/models/carol", user="writer1")).status == 204
    assert (await api("GET", f"{D}/models/d1", user="reader1")).status == 404


async def test_cascade_follows_chains_and_cycles_and_a_refusal_stops_it_all(
    api: Api, app: Any
) -> None:
    """a <-> b in a cascade collection, c (refuse collection) linked from b: deleting c is
    refused; deleting a takes b (cycle, once); a self-link is no obstacle."""
    for collection in ("loop", "strict"):
        assert (
            await api("POST", f"{D}/collections", user="admin1", body={"id": collection})
        ).status == 201
    await api("PUT", f"{D}/collections/loop/link-policy", user="admin1", body={"policy": "cascade"})
    await api(
        "PUT", f"{D}/collections/strict/link-policy", user="admin1", body={"policy": "refuse"}
    )
    models = [
        ("strict", "c", {"me": ref("strict", "c")}),
        ("loop", "a", {"next": ref("loop", "b")}),
        ("loop", "b", {"next": ref("loop", "a"), "keep": ref("strict", "c")}),
    ]
    for collection, model_id, data in models:
        made = await api(
            "POST",
            f"{D}/collections/{collection}/models",
            user="writer1",
            body={"id": model_id, "data": data},
        )
        assert made.status == 201, made.body
    refused = await api("DELETE", f"{D}/models/c", user="writer1")
    assert refused.status == 409 and "b at /keep" in refused.problem["detail"]
    assert (await api("DELETE", f"{D}/models/a", user="writer1")).status == 204
    for model_id in ("a", "b"):
        assert (await api("GET", f"{D}/models/{model_id}", user="reader1")).status == 404
    # b is gone, so only c's own link is left: the refuse policy no longer blocks.
    assert (await api("DELETE", f"{D}/models/c", user="writer1")).status == 204
