"""Model links with the real rc.12 client (issue 12): deleting a linked-to model of a
"nullify" collection nulls the link in a model other clients have open (an ordinary remote op
they apply, the deleter included, who edits on), and deleting one of a "refuse" collection
fails with the server's reason."""

from __future__ import annotations

import json

import pytest

from .harness import ServerProcess, http_request, run_scenario, unique

pytestmark = pytest.mark.e2e

DOMAIN_PATH = "convergence/api/v1/domains/convergence/default"


def _rest(
    server: ServerProcess, method: str, path: str, body: object = None
) -> tuple[int | None, str]:
    return http_request(
        f"{server.http_url}{DOMAIN_PATH}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {server.token}", "Content-Type": "application/json"},
        timeout=20,
    )


def test_nullify_reaches_open_clients_and_refuse_fails_the_delete(
    server: ServerProcess,
) -> None:
    docs, null_coll, refuse_coll = unique("docs-"), unique("null-"), unique("refuse-")
    for collection in (docs, null_coll, refuse_coll):
        status, text = _rest(server, "POST", "/collections", {"id": collection})
        assert status == 201, text
    status, text = _rest(
        server, "PUT", f"/collections/{refuse_coll}/link-policy", {"policy": "refuse"}
    )
    assert status == 200, text
    model_id = unique("lnk-")
    r = run_scenario(
        "models_links",
        {
            "url": server.url,
            "modelId": model_id,
            "docs": docs,
            "nullColl": null_coll,
            "refuseColl": refuse_coll,
        },
        timeout=90,
    )
    assert r.get("ok"), (r, r.stderr[-3000:])
    two = {"$ref": {"collection": refuse_coll, "id": f"{model_id}-t2"}}
    assert r["aData"] == {"one": None, "two": two}, r
    assert r["aVersion"] == 1, r
    assert r["bOpen"] and r["bData"] == {"one": None, "two": two}, r
    assert r["aAfter"] == {"one": None, "two": two, "after": 1}, r
    assert r["refused"] and "cannot be deleted" in r["refused"], r
    status, text = _rest(server, "GET", f"/models/{model_id}/links")
    assert status == 200, text
    assert json.loads(text)["links"] == [{"path": "/two", **two["$ref"]}], text
