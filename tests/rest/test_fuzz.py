"""Schemathesis against a live ``jupyter convergence`` server: for every operation of the
generated OpenAPI document, up to 200 generated requests (valid and invalid inputs; fewer on
PostgreSQL, see ``EXAMPLES``), with an admin API key. No response may be a 5xx, and every
response must match its documented status codes, content type and schema. Runs on SQLite, and
on PostgreSQL when configured.

The server is a subprocess: schemathesis calls it synchronously, which would block an
in-process server's event loop.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks
from schemathesis.specs.openapi import checks as openapi_checks

from convergence_jupyter.rest.framework import RouteTable
from convergence_jupyter.rest.registry import ROUTERS
from tests.database_backends import BACKENDS, database_url

from .live_server import TOKEN_HEADERS, serve

#: Cases per operation: 200 on SQLite (the gate); 50 on PostgreSQL, which runs the same code
#: down to the store, to keep the suite's time in bounds. ``CONVERGENCE_FUZZ_EXAMPLES`` sets both.
EXAMPLES = {"sqlite": 200, "postgres": 50}
OVERRIDE = os.environ.get("CONVERGENCE_FUZZ_EXAMPLES")
CASES: Counter[str] = Counter()
CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]


@pytest.fixture(scope="module", params=BACKENDS)
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """``{"url", "key", "examples"}``: a running server, an admin API key for it and the
    number of cases per operation."""
    tmp_path = tmp_path_factory.mktemp("fuzz")
    urls = database_url(request, tmp_path)
    with serve(next(urls), tmp_path) as base:
        created = httpx.post(
            f"{base}/convergence/api/v1/api-keys",
            headers=TOKEN_HEADERS,
            json={"name": "fuzz", "scopes": ["admin"]},
            timeout=30,
        )
        assert created.status_code == 201, created.text
        yield {
            "url": base,
            "key": created.json()["key"],
            "examples": OVERRIDE or str(EXAMPLES[request.param]),
        }
    for _ in urls:  # drops the PostgreSQL schema
        pass


@pytest.fixture(scope="module")
def live_schema(live_server: dict[str, str]) -> Any:
    return schemathesis.openapi.from_url(f"{live_server['url']}/convergence/api/v1/openapi.json")


def _operation(live_schema: Any, operation_id: str) -> Any:
    for result in live_schema.get_all_operations():
        operation = result.ok()
        if operation.definition.raw.get("operationId") == operation_id:
            return operation
    raise AssertionError(f"{operation_id} is not in the served document")


@pytest.mark.parametrize("operation_id", [op.operation_id for op in RouteTable(ROUTERS).operations])
def test_no_server_errors_and_responses_match_the_schema(
    operation_id: str, live_server: dict[str, str], live_schema: Any
) -> None:
    """Valid and invalid inputs (schemathesis' positive and negative generation) mixed."""
    operation = _operation(live_schema, operation_id)
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )
    base_url = f"{live_server['url']}/convergence/api/v1"
    headers = {"Authorization": f"Bearer {live_server['key']}"}
    # One keep-alive connection: a new one per case costs far more than the request.
    http = requests.Session()

    @settings(
        max_examples=int(live_server["examples"]),
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case=cases)
    def fuzz(case: Any) -> None:
        CASES[operation_id] += 1
        case.call_and_validate(
            base_url=base_url, session=http, headers=headers, checks=CHECKS, timeout=30
        )

    with http:
        fuzz()


def test_report_cases_per_operation() -> None:
    """Prints how many cases each operation got (hypothesis stops early once an operation's
    input space is exhausted, e.g. an operation without parameters)."""
    if not CASES:
        pytest.skip("the fuzz test did not run")
    for label, count in sorted(CASES.items()):
        print(f"{count:6d}  {label}")
    print(f"{sum(CASES.values()):6d}  cases over {len(CASES)} operations")
