"""The OpenAPI 3.1 document: generated from the registry, valid, complete, and served with a
browsable page whose assets come from this server."""

from __future__ import annotations

from typing import Any

from openapi_spec_validator import validate

from convergence_jupyter.rest.framework import RouteTable
from convergence_jupyter.rest.openapi import build_openapi
from convergence_jupyter.rest.registry import ROUTERS

from .conftest import Api


def test_document_validates_as_openapi_3_1() -> None:
    document = build_openapi(RouteTable(ROUTERS))
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_registered_operation_is_documented() -> None:
    routes = RouteTable(ROUTERS)
    document = build_openapi(routes)
    documented = {
        (method.upper(), path, op["operationId"], op.get("x-convergence-scope"))
        for path, item in document["paths"].items()
        for method, op in item.items()
    }
    assert documented == {
        (op.method, op.path, op.operation_id, None if op.public else op.scope.value)
        for op in routes.operations
    }
    for item in document["paths"].values():
        for op in item.values():
            if op.get("security") == []:
                assert "401" not in op["responses"], op["operationId"]
            else:
                assert "401" in op["responses"] and "403" in op["responses"], op["operationId"]


def test_the_probes_are_documented_as_public() -> None:
    paths = build_openapi(RouteTable(ROUTERS))["paths"]
    assert paths["/health"]["get"]["security"] == []
    ready = paths["/ready"]["get"]
    assert ready["security"] == [] and {"200", "503"} <= set(ready["responses"])


async def test_served_document_matches_and_names_the_mount(
    api: Api, jp_fetch: Any, jp_base_url: str
) -> None:
    reply = await api("GET", "/openapi.json", anonymous=True)
    assert reply.status == 200
    validate(reply.body)
    assert reply.body["servers"] == [{"url": jp_base_url + "convergence/api/v1"}]
    assert reply.body["paths"] == build_openapi(RouteTable(ROUTERS))["paths"]


async def test_docs_page_and_its_assets_are_served_locally(api: Api, jp_fetch: Any) -> None:
    page = await jp_fetch("convergence/api/v1/docs", headers={"Authorization": "none"})
    html = page.body.decode()
    assert "docs/ui/swagger-ui-bundle.js" in html and "http" not in html.split("<body>")[1]
    for asset in ("docs/ui/swagger-ui-bundle.js", "docs/ui/swagger-ui.css", "docs/page/init.js"):
        response = await jp_fetch("convergence/api/v1", asset, headers={"Authorization": "none"})
        assert response.code == 200 and len(response.body) > 100, asset
