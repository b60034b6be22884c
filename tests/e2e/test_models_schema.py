"""Collection schemas with the real rc.12 client (issue 12): the schema is set over REST; a
client's op that breaks it is refused and that client's model is closed with the reason
(JSON path and keyword), while a second rc.12 client keeps editing; nothing of the refused op
is stored."""

from __future__ import annotations

import json

import pytest

from .harness import ServerProcess, http_request, run_scenario, unique

pytestmark = pytest.mark.e2e

DOMAIN_PATH = "convergence/api/v1/domains/convergence/default"
SCHEMA = {
    "type": "object",
    "required": ["title"],
    "properties": {
        "title": {"type": "string", "pattern": "^[A-Za-z ]*$"},
        "count": {"type": "number", "minimum": 0, "maximum": 10},
    },
}


def _rest(server: ServerProcess, method: str, path: str, body: object) -> tuple[int | None, str]:
    return http_request(
        f"{server.http_url}{DOMAIN_PATH}{path}",
        method=method,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"token {server.token}", "Content-Type": "application/json"},
        timeout=20,
    )


def test_a_violating_op_closes_the_senders_model_and_others_edit_on(
    server: ServerProcess,
) -> None:
    collection = unique("schema-")
    status, text = _rest(server, "POST", "/collections", {"id": collection})
    assert status == 201, text
    status, text = _rest(
        server, "PUT", f"/collections/{collection}/schema", {"json_schema": SCHEMA}
    )
    assert status == 200 and json.loads(text)["non_conforming"] == [], text
    r = run_scenario(
        "models_schema",
        {"url": server.url, "modelId": unique("sch-"), "collection": collection},
        timeout=90,
    )
    assert r.get("ok"), (r, r.stderr[-3000:])
    assert r["reason"] and "'/count' (maximum)" in r["reason"], r
    assert r["bOpen"] and r["bData"] == {"title": "ZYXHello", "count": 8}, r
    # a's op took no version: b's six ops are versions 1..6.
    assert r["stored"] == {"version": 6, "data": {"title": "ZYXHello", "count": 8}}, r
    assert r["bReason"] and "'/title' (pattern)" in r["bReason"], r
    assert r["cData"] == {"title": "CZYXHello", "count": 8}, r
