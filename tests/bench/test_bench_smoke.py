"""Keeps bench/ from rotting: every workload of bench/run.py runs once, tiny, against our
server only, through the same code paths as a real run. No timing assertions: a benchmark is
measured, not tested (see bench/README.md)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.database_backends import PG_ENV

REPO = Path(__file__).resolve().parents[2]
JS_MODULES = REPO / "tests" / "js" / "node_modules"


def _load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", REPO / "bench" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def bench(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    if shutil.which("node") is None:
        pytest.skip("bench smoke: node is not installed (the load generators run on Node.js)")
    needed = ("@convergence/convergence", "ws", "protobufjs")
    if not all((JS_MODULES / name).is_dir() for name in needed):
        pytest.skip("bench smoke: tests/js/node_modules is missing (npm ci in tests/js)")
    module = _load_bench()
    # The real client, ws and protobufjs from tests/js; no npm install, no ShareDB.
    monkeypatch.setattr(module, "NODE_DIR", JS_MODULES.parent)
    monkeypatch.setattr(module, "WORK", tmp_path)
    return module


@pytest.mark.timeout(120)
def test_every_workload_runs_against_our_server(bench: ModuleType) -> None:
    plan = bench.Plan(
        seconds=0.5,
        warmup_ms=100,
        w1_clients=(2,),
        w2_clients=(3,),
        fanout_seconds=0.3,
        docs=10,
        history_ops=30,
        history_max_seconds=20,
        typists=3,
    )
    with bench.fresh_server("ours", "smoke") as server:  # one server for all, to stay quick
        results = {name: run("ours", plan, server) for name, run in bench.WORKLOADS.items()}
    (w1,) = results["W1"]
    assert w1["ops"] > 0 and w1["converged"] is True
    (w2,) = results["W2"]
    assert w2["ops"] > 0 and w2["ack_ms"]["p99"] is not None
    assert "server_cpu_s_per_10k_ops" in w2
    w3 = results["W3"]
    assert w3["ops"] > 0 and w3["converged"] is True and w3["clients"] == 3
    w4 = results["W4"]
    assert w4["sent"] > 0 and w4["delivered_to_all"] == w4["sent"]
    assert results["W5"]["open"] == 10 + 20 and "kb_per_doc" in results["W5"]
    assert results["W6"]["ops"] == 30 and "delta_mb" in results["W6"]
    table = bench.rows({"targets": {"ours": results}})
    assert any(label.startswith("W2 proto C=3") for label, *_ in table)
    assert any(label.startswith("W3 typing 3x4/s: ack p99") for label, *_ in table)


@pytest.mark.timeout(120)
def test_our_server_on_postgres(bench: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    """Target ``ours-pg``: the same server on a fresh PostgreSQL schema, dropped afterwards."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"bench on PostgreSQL needs {PG_ENV}")
    monkeypatch.setattr(bench, "POSTGRES_URL", url)
    plan = bench.Plan(0.5, 100, (2,), (3,), 0.3, 10, 30, 20, typists=3)
    (w2,) = bench.w2("ours-pg", plan)
    assert w2["ops"] > 0 and w2["ack_ms"]["p99"] is not None
    table = bench.rows({"targets": {"ours-pg": {"W2": [w2]}}}, "ours-pg")
    assert any(label.startswith("W2 proto C=3: ops/s") for label, *_ in table)
