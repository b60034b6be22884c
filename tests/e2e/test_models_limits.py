"""Per-session model limits with the real rc.12 client (issue 14): clear errors, only the
offender's model is closed, nothing of a refused op is stored, others edit on."""

from __future__ import annotations

import pytest

from .conftest import ServerFactory
from .harness import ServerProcess, run_scenario, unique

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def srv(module_server_factory: ServerFactory) -> ServerProcess:
    return module_server_factory(
        "limits",
        extra_args=(
            "--ConvergenceApp.max_open_models_per_session=2",
            "--ConvergenceApp.max_references_per_model=2",
            "--ConvergenceApp.max_string_length=40",
        ),
    )


def test_limits_refuse_with_a_reason_and_leave_others_editing(srv: ServerProcess) -> None:
    r = run_scenario(
        "models_limits",
        {"url": srv.url, "modelId": unique("lim-"), "collection": "limits", "tooLong": 41},
        timeout=60,
    )
    assert r.get("ok"), (r, r.stderr[-3000:])
    assert r["third"] == "too_many_open_models", r
    assert r["stringReason"] and "the limit is 40" in r["stringReason"], r
    # The refused insert was not stored; b's increment was.
    assert r["afterString"] == {"version": 1, "data": {"text": "hi", "n": 1}}, r
    assert r["bOpen"] and r["bStillOpen"], r
    assert r["referenceReason"] and "(limit 2)" in r["referenceReason"], r
    assert r["bData"] == {"text": "hi", "n": 2}, r
