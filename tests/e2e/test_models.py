"""The model service with the real client: auto-create, concurrent editing, convergence."""

from __future__ import annotations

import pytest

from .harness import ServerProcess, run_scenario, unique


@pytest.mark.parametrize(("clients", "seed"), [(2, 1), (3, 7)])
def test_concurrent_editing_converges(server: ServerProcess, clients: int, seed: int) -> None:
    model_id = unique("m-")
    r = run_scenario(
        "models_edit",
        {
            "url": server.url,
            "modelId": model_id,
            "collection": "docs",
            "clients": clients,
            "opsPerClient": 60,
            "maxPauseMs": 8,
            "seed": seed,
        },
        timeout=60,
    )
    assert r.get("ok"), r.describe()
    assert r["errors"] == [], r.describe()
    assert r["collaborators"][-1] == clients, r.describe()
    server_state = r["server"]
    assert server_state["version"] >= clients * 60 * 0.8
    for result in r["results"]:
        assert result["version"] == server_state["version"], r.describe()
        assert result["data"] == server_state["data"], r.describe()
