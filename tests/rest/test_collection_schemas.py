"""Collection schemas over REST (issue 12): set, get and remove a collection's JSON Schema;
setting one reports the models that do not conform; creation, import and replacement of
models are held to it (422 naming the path and the keyword, nothing written); an invalid
schema is 400."""

from __future__ import annotations

from typing import Any

from .conftest import Api
from .content_support import D, domain_pk

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["title"],
    "properties": {"title": {"type": "string", "maxLength": 5}, "n": {"maximum": 3}},
    "additionalProperties": False,
}


async def test_set_get_report_and_enforce(api: Api, app: Any) -> None:
    await domain_pk(app)
    await api("POST", f"{D}/collections", user="admin1", body={"id": "docs"})
    for model_id, data in [("ok", {"title": "hi"}), ("long", {"title": "too long"}), ("x", {})]:
        made = await api(
            "POST",
            f"{D}/collections/docs/models",
            user="writer1",
            body={"id": model_id, "data": data},
        )
        assert made.status == 201
    empty = await api("GET", f"{D}/collections/docs/schema", user="reader1")
    assert empty.status == 200 and empty.body == {"json_schema": None}
    writer = await api(
        "PUT", f"{D}/collections/docs/schema", user="writer1", body={"json_schema": SCHEMA}
    )
    assert writer.status == 403
    changed = await api(
        "PUT", f"{D}/collections/docs/schema", user="admin1", body={"json_schema": SCHEMA}
    )
    assert changed.status == 200, changed.body
    assert changed.body["json_schema"] == SCHEMA
    report = {n["model_id"]: n["violation"] for n in changed.body["non_conforming"]}
    assert report == {
        "long": {"path": "/title", "keyword": "maxLength", "message": "'too long' is too long"},
        "x": {"path": "/", "keyword": "required", "message": "'title' is a required property"},
    }
    got = await api("GET", f"{D}/collections/docs/schema", user="reader1")
    assert got.body == {"json_schema": SCHEMA}

    refused = await api(
        "POST",
        f"{D}/collections/docs/models",
        user="writer1",
        body={"id": "bad", "data": {"title": 1}},
    )
    assert refused.status == 422
    assert "'/title' (type)" in refused.problem["detail"]
    assert refused.problem["errors"][0]["loc"] == ["data", "title"]
    assert refused.problem["errors"][0]["type"] == "schema.type"
    assert (await api("GET", f"{D}/models/bad", user="reader1")).status == 404

    replaced = await api(
        "PUT", f"{D}/models/ok", user="writer1", body={"data": {"title": "hi", "n": 4}}
    )
    assert replaced.status == 422 and "'/n' (maximum)" in replaced.problem["detail"]
    assert (await api("GET", f"{D}/models/ok", user="reader1")).body["data"] == {"title": "hi"}
    fine = await api(
        "PUT", f"{D}/models/ok", user="writer1", body={"data": {"title": "yo", "n": 2}}
    )
    assert fine.status == 200 and fine.body["version"] == 1

    removed = await api("DELETE", f"{D}/collections/docs/schema", user="admin1")
    assert removed.status == 200 and removed.body == {"json_schema": None, "non_conforming": []}
    free = await api(
        "POST",
        f"{D}/collections/docs/models",
        user="writer1",
        body={"id": "bad", "data": {"title": 1}},
    )
    assert free.status == 201


async def test_invalid_schemas_are_refused(api: Api, app: Any) -> None:
    await domain_pk(app)
    await api("POST", f"{D}/collections", user="admin1", body={"id": "docs"})
    for schema, words in [
        ({"type": "nonsense"}, "not a draft 2020-12 schema"),
        ({"$ref": "#/$defs/missing"}, "unresolvable $ref"),
        ({"properties": {"a": {"minLength": -1}}}, "/properties/a/minLength"),
    ]:
        bad = await api(
            "PUT", f"{D}/collections/docs/schema", user="admin1", body={"json_schema": schema}
        )
        assert bad.status == 400 and words in bad.problem["detail"], bad.problem
    assert (await api("GET", f"{D}/collections/docs/schema", user="reader1")).body == {
        "json_schema": None
    }
    missing = await api("GET", f"{D}/collections/nope/schema", user="reader1")
    assert missing.status == 404
