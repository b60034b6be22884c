"""The extension is installed, enabled and served both standalone and inside JupyterLab."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from tornado.websocket import websocket_connect

from convergence_jupyter.protocol.schema import core_pb2
from tests.realtime.protocol_client import ProtocolClient

BIN = Path(sys.executable).parent


def _jupyter() -> str:
    found = shutil.which("jupyter", path=str(BIN)) or shutil.which("jupyter")
    if found is None:
        pytest.skip("the jupyter command is not installed")
    return found


def test_extension_is_listed_as_enabled() -> None:
    result = subprocess.run(
        [_jupyter(), "server", "extension", "list"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    listing = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    assert re.search(r"convergence_jupyter\s+enabled", listing), listing
    assert "convergence_jupyter 0." in listing or "OK" in listing


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serve(app: str, tmp_path: Path, *options: str) -> Iterator[int]:
    port = _free_port()
    command = [
        _jupyter(),
        app,
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={tmp_path}",
        "--IdentityProvider.token=secret",
        f"--ConvergenceApp.database_url=sqlite:///{tmp_path / 'c.db'}",
        "--ConvergenceApp.anonymous_auth=True",
        *options,
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None:
                    break
                time.sleep(0.2)
        else:
            pytest.fail("the server did not start:\n" + (tmp_path / "server.log").read_text())
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(params=["convergence", "lab"])
def running_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[int]:
    """`jupyter convergence` (standalone) or `jupyter lab` with the extension enabled."""
    with _serve(request.param, tmp_path) as port:
        yield port


def test_without_auto_upgrade_an_old_schema_is_refused_until_upgraded(tmp_path: Path) -> None:
    with _serve("convergence", tmp_path, "--ConvergenceApp.auto_upgrade=False"):
        time.sleep(1)
    assert "convergence-jupyter db upgrade" in (tmp_path / "server.log").read_text()
    subprocess.run(
        [
            str(BIN / "convergence-jupyter"),
            "--database-url",
            f"sqlite:///{tmp_path / 'c.db'}",
            "db",
            "upgrade",
        ],
        check=True,
        timeout=120,
    )
    with _serve("convergence", tmp_path, "--ConvergenceApp.auto_upgrade=False"):
        time.sleep(1)
    assert "SchemaOutOfDate" not in (tmp_path / "server.log").read_text()


async def test_realtime_endpoint_is_served(running_app: int) -> None:
    url = f"ws://127.0.0.1:{running_app}/convergence/realtime/convergence/default"
    client = ProtocolClient(await websocket_connect(url))
    try:
        await client.connect_anonymously("app-test")
        reply = await client.request("serverTimeRequest", core_pb2.GetServerTimeRequestMessage())
        assert reply.WhichOneof("body") == "serverTimeResponse"
    finally:
        client.close()
