"""The OpenAPI 3.1 document, generated from the route table and the pydantic schemas.

Never edit a copy by hand: every path, parameter and schema comes from the registered
operations, so the document cannot drift from what the handler enforces. Pydantic emits JSON
Schema 2020-12, which is OpenAPI 3.1's schema dialect, so schemas are used as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from convergence_jupyter import __version__
from convergence_jupyter.rest.framework import Operation, Problem, RouteTable, Scope

REF = "#/components/schemas/{model}"
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_ERRORS = {
    400: "The request is not valid (path, query or body); `errors` lists what.",
    401: "No valid credentials: log in to Jupyter or send `Authorization: Bearer <api key>`.",
    403: "The caller lacks the scope this operation needs.",
    404: "No such resource (or no such route).",
    405: "The path exists, with other methods.",
    409: "The request conflicts with the stored data (e.g. a name already taken).",
    500: "A server fault; the body never carries details.",
}


def _parameters(model: type[BaseModel], where: str, defs: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    defs.update(schema.pop("$defs", {}))
    required = set(schema.get("required", ()))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        param: dict[str, Any] = {
            "name": name,
            "in": where,
            "required": where == "path" or name in required,
            "schema": prop,
        }
        if description:
            param["description"] = description
        if where == "query" and prop.get("type") == "array":
            param["style"], param["explode"] = "form", True
        params.append(param)
    return params


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _operation(op: Operation, schemas: Mapping[Any, Any]) -> dict[str, Any]:
    defs: dict[str, Any] = {}
    doc: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "x-convergence-scope": op.scope.value,
    }
    needs = "Needs no credentials." if op.public else f"Needs the `{op.scope.value}` scope."
    doc["description"] = f"{op.description}\n\n{needs}" if op.description else needs
    if op.public:
        doc["security"] = []
        del doc["x-convergence-scope"]
    parameters: list[dict[str, Any]] = []
    if op.path_model is not None:
        parameters += _parameters(op.path_model, "path", defs)
    if op.query is not None:
        parameters += _parameters(op.query, "query", defs)
    if parameters:
        doc["parameters"] = parameters
    if op.body is not None:
        doc["requestBody"] = {
            "required": True,
            "content": _json(schemas[(op.body, "validation")]),
        }
    responses: dict[str, Any] = {}
    if op.response is None:
        responses[str(op.status)] = {"description": "Done; no content."}
    else:
        responses[str(op.status)] = {
            "description": "Success.",
            "content": _json(schemas[(op.response, "serialization")]),
        }
    for status, model in op.responses.items():
        responses[str(status)] = {
            "description": (model.__doc__ or model.__name__).strip().splitlines()[0],
            "content": _json(schemas[(model, "serialization")]),
        }
    statuses = [400, 405, 500] if op.public else [400, 401, 403, 405, 500]
    if op.path_params or op.method != "GET":
        statuses.append(404)
    if op.method in ("POST", "PUT", "PATCH", "DELETE"):
        statuses.append(409)
    for status in sorted(statuses):
        responses[str(status)] = {
            "description": _ERRORS[status],
            "content": {"application/problem+json": {"schema": _PROBLEM_REF}},
        }
    doc["responses"] = responses
    doc["_defs"] = defs
    return doc


def build_openapi(routes: RouteTable, *, server_url: str = "/convergence/api/v1") -> dict[str, Any]:
    """The whole document; ``server_url`` is where the API is mounted (base_url included)."""
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(Problem, "serialization")]
    for op in routes.operations:
        if op.body is not None:
            wanted.append((op.body, "validation"))
        if op.response is not None:
            wanted.append((op.response, "serialization"))
        wanted.extend((model, "serialization") for model in op.responses.values())
    unique = list(dict.fromkeys(wanted))
    mapping, top = models_json_schema(unique, ref_template=REF)
    components: dict[str, Any] = dict(top.get("$defs", {}))
    paths: dict[str, dict[str, Any]] = {}
    tags: dict[str, str] = {}
    for op in routes.operations:
        doc = _operation(op, mapping)
        components.update(doc.pop("_defs"))
        paths.setdefault(op.path, {})[op.method.lower()] = doc
        tags.setdefault(op.tag, "")
    security: list[dict[str, list[str]]] = [
        {"apiKey": []},
        {"jupyterToken": []},
        {"jupyterCookie": []},
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Convergence (Jupyter) REST API",
            "version": __version__,
            "description": (
                "Administration and integration API of the Convergence real-time "
                "collaboration server. Errors are RFC 9457 problem details; lists are paged "
                "with `offset`/`limit`. Scopes: "
                + ", ".join(f"`{s.value}`" for s in Scope)
                + " (each implies the ones before)."
            ),
        },
        "servers": [{"url": server_url}],
        "security": security,
        "tags": [{"name": name} for name in tags],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A user API key (`cvk_...`), created at `POST /api-keys`.",
                },
                "jupyterToken": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "Jupyter's server token: `Authorization: token <token>`.",
                },
                "jupyterCookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "_xsrf",
                    "description": (
                        "Jupyter's login cookie; writes also need the `X-XSRFToken` header "
                        "matching the `_xsrf` cookie."
                    ),
                },
            },
        },
    }


__all__ = ["build_openapi"]
