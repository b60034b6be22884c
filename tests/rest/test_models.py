"""Models over REST: create, list, get, replace, delete, permissions, export/import, and the
errors (400/401/403/404/409 as problem details). Live effects on real clients are in
tests/e2e/test_rest_live.py."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from convergence_jupyter import ot
from convergence_jupyter.models.persistence import snapshot_from_json, snapshot_to_json
from convergence_jupyter.rest.models import ModelExport, plain_tree

from .conftest import Api
from .content_support import (
    D,
    domain_pk,
    make_users,
    user,
)


async def _create(api: Api, model_id: str, data: Any, collection: str = "docs") -> Any:
    reply = await api(
        "POST",
        f"{D}/collections/{collection}/models",
        user="writer1",
        body={"id": model_id, "data": data},
    )
    assert reply.status == 201, reply.body
    return reply.body


async def test_create_get_list_and_page(api: Api, app: Any) -> None:
    await domain_pk(app)
    created = await _create(api, "m1", {"title": "hello", "n": 3, "tags": ["a", None, True]})
    assert created["version"] == 0 and created["collection"] == "docs"
    assert created["data"] == {"title": "hello", "n": 3.0, "tags": ["a", None, True]}
    for i in range(2, 6):
        await _create(api, f"m{i}", {"i": i})
    await _create(api, "other", {})
    got = await api("GET", f"{D}/models/m1", user="reader1")
    assert got.status == 200
    assert got.body["data"] == created["data"] and got.body["open_sessions"] == 0
    page = await api(
        "GET", f"{D}/collections/docs/models", user="reader1", params={"offset": 1, "limit": 2}
    )
    assert page.status == 200
    assert page.body["total"] == 6 and [m["id"] for m in page.body["items"]] == ["m2", "m3"]
    filtered = await api(
        "GET", f"{D}/collections/docs/models", user="reader1", params={"filter": "M"}
    )
    assert filtered.body["total"] == 5


async def test_create_errors(api: Api, app: Any) -> None:
    await domain_pk(app)
    await _create(api, "dup", {})
    again = await api(
        "POST", f"{D}/collections/docs/models", user="writer1", body={"id": "dup", "data": {}}
    )
    assert again.status == 409 and "dup" in again.problem["detail"]
    extra = await api(
        "POST", f"{D}/collections/docs/models", user="writer1", body={"id": "x", "bogus": 1}
    )
    assert extra.status == 400 and extra.problem["errors"][0]["loc"][:2] == ["body", "bogus"]
    not_object = await api(
        "POST", f"{D}/collections/docs/models", user="writer1", body={"data": [1, 2]}
    )
    assert not_object.status == 400 and not_object.problem
    bad_date = await api(
        "POST",
        f"{D}/collections/docs/models",
        user="writer1",
        body={"data": {"d": {"$$convergence_type": "date", "date": "soon"}}},
    )
    assert bad_date.status == 400 and "not valid" in bad_date.problem["detail"]
    reader = await api("POST", f"{D}/collections/docs/models", user="reader1", body={"data": {}})
    assert reader.status == 403 and reader.problem
    nobody = await api("GET", f"{D}/models/dup", anonymous=True)
    assert nobody.status == 401 and nobody.problem
    no_domain = await api("GET", "/domains/convergence/nope/models/dup", user="reader1")
    assert no_domain.status == 404 and no_domain.problem
    unknown_user = await api(
        "POST",
        f"{D}/collections/docs/models",
        user="writer1",
        body={"data": {}, "users": [{"user": user("ghost"), "permissions": {"read": True}}]},
    )
    assert unknown_user.status == 400 and "ghost" in unknown_user.problem["detail"]


async def test_missing_collection_follows_the_auto_create_setting(api: Api, app: Any) -> None:
    await domain_pk(app)
    off = await api("PUT", f"{D}/collection-settings", user="admin1", body={"auto_create": False})
    assert off.status == 200 and off.body == {"auto_create": False}
    refused = await api("POST", f"{D}/collections/fresh/models", user="writer1", body={"data": {}})
    assert refused.status == 404 and "automatically" in refused.problem["detail"]
    await api("PUT", f"{D}/collection-settings", user="admin1", body={"auto_create": True})
    made = await api("POST", f"{D}/collections/fresh/models", user="writer1", body={"data": {}})
    assert made.status == 201 and made.body["id"]  # a generated id
    listed = await api("GET", f"{D}/collections/fresh/models", user="reader1")
    assert listed.body["total"] == 1 and listed.body["items"][0]["id"] == made.body["id"]


async def test_replace_moves_the_version_and_checks_expected_version(api: Api, app: Any) -> None:
    await domain_pk(app)
    await _create(api, "r", {"a": 1, "b": "x"})
    replaced = await api(
        "PUT", f"{D}/models/r", user="writer1", body={"data": {"c": [1, 2]}, "expected_version": 0}
    )
    assert replaced.status == 200, replaced.body
    assert replaced.body["version"] == 1 and replaced.body["data"] == {"c": [1.0, 2.0]}
    stale = await api(
        "PUT", f"{D}/models/r", user="writer1", body={"data": {}, "expected_version": 0}
    )
    assert stale.status == 409 and "version 1" in stale.problem["detail"]
    again = await api("PUT", f"{D}/models/r", user="writer1", body={"data": {"d": True}})
    assert again.body["version"] == 2
    got = await api("GET", f"{D}/models/r", user="reader1")
    assert got.body["data"] == {"d": True} and got.body["version"] == 2
    missing = await api("PUT", f"{D}/models/nope", user="writer1", body={"data": {}})
    assert missing.status == 404 and missing.problem
    reader = await api("PUT", f"{D}/models/r", user="reader1", body={"data": {}})
    assert reader.status == 403 and reader.problem
    invalid = await api("PUT", f"{D}/models/r", user="writer1", body={"expected_version": -1})
    assert invalid.status == 400 and {e["loc"][1] for e in invalid.problem["errors"]} == {
        "data",
        "expected_version",
    }


async def test_delete(api: Api, app: Any) -> None:
    await domain_pk(app)
    await _create(api, "gone", {})
    assert (await api("DELETE", f"{D}/models/gone", user="reader1")).status == 403
    deleted = await api("DELETE", f"{D}/models/gone", user="writer1")
    assert deleted.status == 204 and deleted.body is None
    assert (await api("GET", f"{D}/models/gone", user="reader1")).status == 404
    again = await api("DELETE", f"{D}/models/gone", user="writer1")
    assert again.status == 404 and again.problem


async def test_permissions_get_and_set(api: Api, app: Any) -> None:
    await domain_pk(app)
    await make_users(app, "alice", "bob")
    await _create(api, "p", {})
    initial = await api("GET", f"{D}/models/p/permissions", user="reader1")
    assert initial.status == 200
    assert initial.body == {
        "override_collection": False,
        "world": {"read": False, "write": False, "remove": False, "manage": False},
        "users": [],
    }
    change = {
        "override_collection": True,
        "world": {"read": True},
        "users": [
            {"user": user("alice"), "permissions": {"read": True, "write": True}},
            {"user": user("bob"), "permissions": {"read": True}},
        ],
    }
    writer = await api("PATCH", f"{D}/models/p/permissions", user="writer1", body=change)
    assert writer.status == 403 and "admin" in writer.problem["detail"]
    done = await api("PATCH", f"{D}/models/p/permissions", user="admin1", body=change)
    assert done.status == 200, done.body
    assert done.body["override_collection"] is True and done.body["world"]["read"] is True
    assert [g["user"]["username"] for g in done.body["users"]] == ["alice", "bob"]
    assert done.body["users"][0]["permissions"]["write"] is True
    removed = await api(
        "PATCH", f"{D}/models/p/permissions", user="admin1", body={"remove_users": [user("bob")]}
    )
    assert [g["user"]["username"] for g in removed.body["users"]] == ["alice"]
    assert removed.body["override_collection"] is True  # untouched fields stay
    replaced = await api(
        "PATCH",
        f"{D}/models/p/permissions",
        user="admin1",
        body={"replace_users": True, "users": [{"user": user("bob"), "permissions": {}}]},
    )
    assert [g["user"]["username"] for g in replaced.body["users"]] == ["bob"]
    unknown = await api(
        "PATCH", f"{D}/models/p/permissions", user="admin1", body={"remove_users": [user("x")]}
    )
    assert unknown.status == 400 and unknown.problem
    missing = await api("GET", f"{D}/models/none/permissions", user="reader1")
    assert missing.status == 404 and missing.problem


async def test_export_delete_import_gives_the_same_model(api: Api, app: Any) -> None:
    await domain_pk(app)
    await make_users(app, "alice")
    data = {"s": "text", "d": {"$$convergence_type": "date", "date": 1_700_000_000_000}}
    await _create(api, "e", data)
    await api("PUT", f"{D}/models/e", user="writer1", body={"data": {**data, "more": [1]}})
    await api(
        "PATCH",
        f"{D}/models/e/permissions",
        user="admin1",
        body={"users": [{"user": user("alice"), "permissions": {"manage": True}}]},
    )
    exported = await api("GET", f"{D}/models/e/export", user="reader1")
    assert exported.status == 200
    doc = exported.body
    assert doc["format"] == "convergence-jupyter/model@1" and doc["version"] == 1
    ModelExport.model_validate(doc)  # the documented format is what is served
    import_path = f"{D}/models/import"
    conflict = await api("POST", import_path, user="admin1", body=doc)
    assert conflict.status == 409 and conflict.problem
    writer = await api("POST", import_path, user="writer1", body=doc)
    assert writer.status == 403 and writer.problem
    assert (await api("DELETE", f"{D}/models/e", user="writer1")).status == 204
    imported = await api("POST", import_path, user="admin1", body=doc)
    assert imported.status == 201, imported.body
    again = await api("GET", f"{D}/models/e/export", user="reader1")
    assert again.body == doc
    renamed = {**doc, "id": "e2", "collection": "new-collection"}
    assert (await api("POST", import_path, user="admin1", body=renamed)).status == 201
    assert (await api("GET", f"{D}/collections/new-collection", user="reader1")).status == 200
    naive = {**doc, "id": "e3", "created_time": "2026-01-01T00:00:00"}
    refused = await api("POST", import_path, user="admin1", body=naive)
    assert refused.status == 400 and refused.problem["errors"][0]["loc"][1] == "created_time"


# -- the data conversion the REST API uses, as a property ---------------------------------------

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(st.dictionaries(st.text(max_size=6), _json, max_size=5))
def test_plain_data_survives_the_stored_snapshot(data: dict[str, Any]) -> None:
    """What createModel/replaceModel store is what getModel/exportModel give back."""
    stored = snapshot_to_json(plain_tree(data))
    back = ot.to_plain(snapshot_from_json(stored))
    assert json.dumps(back, sort_keys=True) == json.dumps(
        json.loads(json.dumps(data)), sort_keys=True
    )


async def test_versions_beyond_what_clients_can_count_are_400(api: Api, app: Any) -> None:
    """Found by the API fuzzer: a huge version overflowed the database column (500)."""
    await domain_pk(app)
    doc = {"id": "big", "collection": "docs", "version": 2**80, "data": {}}
    huge = await api("POST", f"{D}/models/import", user="admin1", body=doc)
    assert huge.status == 400 and huge.problem["errors"][0]["loc"] == ["body", "version"]
    top = await api("POST", f"{D}/models/import", user="admin1", body={**doc, "version": 2**53 - 1})
    assert top.status == 201 and top.body["version"] == 2**53 - 1


async def test_data_is_held_to_the_limits_clients_have(api: Api, app: Any) -> None:
    """Create, replace and import refuse data past max_string_length (default 1 Mi code
    points), as a client's create is refused; nothing is written."""
    await domain_pk(app)
    await _create(api, "small", {"s": "ok"})
    too_long = {"s": "x" * (1024 * 1024 + 1)}
    create = await api(
        "POST", f"{D}/collections/docs/models", user="writer1", body={"id": "l", "data": too_long}
    )
    assert create.status == 400 and "limit" in create.problem["detail"]
    replace = await api("PUT", f"{D}/models/small", user="writer1", body={"data": too_long})
    assert replace.status == 400 and "limit" in replace.problem["detail"]
    doc = {"id": "l", "collection": "docs", "data": too_long}
    imported = await api("POST", f"{D}/models/import", user="admin1", body=doc)
    assert imported.status == 400 and "limit" in imported.problem["detail"]
    got = await api("GET", f"{D}/models/small", user="reader1")
    assert got.body["version"] == 0 and got.body["data"] == {"s": "ok"}
    assert (await api("GET", f"{D}/models/l", user="reader1")).status == 404
