"""The checked-in ``*_pb2.py`` modules are exactly what scripts/generate_protocol.py produces."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "convergence_jupyter" / "protocol" / "schema"


def test_generated_modules_are_fresh(tmp_path: Path) -> None:
    if importlib.util.find_spec("grpc_tools") is None:
        pytest.skip("grpcio-tools is needed to regenerate the protocol modules")
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "generate_protocol.py"), str(tmp_path)],
        check=True,
        cwd=REPO,
        timeout=120,
    )
    generated = sorted((tmp_path / "convergence_jupyter/protocol/schema").glob("*_pb2.py*"))
    assert generated, "the generator produced nothing"
    for fresh in generated:
        checked_in = SCHEMA / fresh.name
        assert checked_in.exists(), f"{fresh.name} is missing; run scripts/generate_protocol.py"
        assert checked_in.read_text() == fresh.read_text(), (
            f"{fresh.name} is stale; run scripts/generate_protocol.py"
        )
