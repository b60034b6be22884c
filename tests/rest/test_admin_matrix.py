"""Nobody reaches an operation above their scope, by any route: every operation of the
registry (so new ones are covered without editing this file) is called by callers one scope
short of it, through Jupyter auth and through API keys, and must answer 403 (401 without
credentials) with a problem body, whatever the inputs."""

from __future__ import annotations

import re
from typing import Any

import pytest

from convergence_jupyter.rest.framework import Operation, RouteTable, Scope
from convergence_jupyter.rest.registry import ROUTERS

from .conftest import Api

#: Public operations (the probes) need nothing, so they have nothing to refuse.
OPERATIONS = [op for op in RouteTable(ROUTERS).operations if not op.public]
#: The Jupyter test users (see conftest) holding every scope just below the one named.
BELOW = {Scope.READ: "nobody1", Scope.WRITE: "reader1", Scope.ADMIN: "writer1"}
#: Scopes of an API key one step below.
KEY_BELOW = {Scope.WRITE: ["read"], Scope.ADMIN: ["write"]}


def _path(op: Operation) -> str:
    values = {"namespace": "convergence", "domain": "default"}
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x"), op.path)


def _variants(op: Operation) -> list[tuple[str, dict[str, str]]]:
    """The path as written, with characters the client percent-encodes, and with a query."""
    plain = _path(op)
    return [(plain, {}), (plain.replace("/x", "/x y%é", 1), {}), (plain, {"limit": "1"})]


def test_the_registry_has_admin_operations() -> None:
    assert sum(op.scope == Scope.ADMIN for op in OPERATIONS) >= 10


async def _bodies(api: Api, op: Operation, caller: dict[str, Any]) -> None:
    for path, params in _variants(op):
        for body in (None, {}, {"name": "x", "scopes": ["admin"]}):
            reply = await api(op.method, path, body=body, params=params, **caller)
            expected = 401 if caller.get("anonymous") else 403
            assert reply.status == expected, (op.operation_id, path, caller, reply.body)
            assert reply.problem["status"] == expected


async def test_jupyter_users_below_the_scope_are_refused_everywhere(api: Api) -> None:
    for op in OPERATIONS:
        await _bodies(api, op, {"user": BELOW[op.scope]})


async def test_api_keys_below_the_scope_are_refused_everywhere(api: Api) -> None:
    keys: dict[Scope, str] = {}
    for scope, granted in KEY_BELOW.items():
        created = await api(
            "POST", "/api-keys", user="admin1", body={"name": scope.value, "scopes": granted}
        )
        assert created.status == 201
        keys[scope] = created.body["key"]
    for op in OPERATIONS:
        if op.scope in keys:
            await _bodies(api, op, {"key": keys[op.scope]})


async def test_without_credentials_everything_is_401(api: Api) -> None:
    for op in OPERATIONS:
        await _bodies(api, op, {"anonymous": True})


@pytest.mark.parametrize("scope", list(KEY_BELOW))
def test_each_scope_level_is_populated(scope: Scope) -> None:
    assert any(op.scope == scope for op in OPERATIONS)
