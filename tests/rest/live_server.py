"""``jupyter convergence`` as a subprocess, for tests that need a real server process (several
processes on one database, or a synchronous client such as schemathesis)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

BIN = Path(sys.executable).parent
TOKEN = "live-server-token"
#: Jupyter token credentials: the default authorizer grants every scope.
TOKEN_HEADERS = {"Authorization": f"token {TOKEN}"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(database_url: str, workdir: Path) -> Iterator[str]:
    """A running server on ``database_url``; yields its base URL (``http://127.0.0.1:port``).
    Its log is ``workdir/server.log``."""
    jupyter = shutil.which("jupyter", path=str(BIN))
    if jupyter is None:
        pytest.skip("the jupyter command is not installed")
    workdir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    command = [
        jupyter,
        "convergence",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={workdir}",
        f"--IdentityProvider.token={TOKEN}",
        f"--ConvergenceApp.database_url={database_url}",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log_path = workdir / "server.log"
    log = log_path.open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/convergence/api/v1/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the server did not start:\n" + log_path.read_text())
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
