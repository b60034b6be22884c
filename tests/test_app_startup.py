"""A failed start fails: ``jupyter convergence`` exits with one line; inside ``jupyter server``
the rest of Jupyter keeps serving and ``/ready`` says why Convergence is not ready."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from convergence_jupyter.rest.health import Readiness
from convergence_jupyter.store.database import Database
from tests.database_backends import BACKENDS
from tests.database_backends import database_url as backend_url

BIN = Path(sys.executable).parent
PREFIX = "jupyter convergence: cannot start: "


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from backend_url(request, tmp_path, "c.db")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(tmp_path / "jcfg"),
        JUPYTER_DATA_DIR=str(tmp_path / "jdata"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "jrun"),
        JUPYTER_PLATFORM_DIRS="1",
    )
    return env


def _command(app: str, tmp_path: Path, port: int, *options: str) -> list[str]:
    launch = [str(BIN / "jupyter"), app]
    if app == "server":
        launch.append("--ServerApp.jpserver_extensions={'convergence_jupyter': True}")
    command = [
        *launch,
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={tmp_path}",
        "--IdentityProvider.token=secret",
        *options,
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    return command


def _standalone_fails(tmp_path: Path, *options: str) -> str:
    """Run ``jupyter convergence``; it must exit non-zero with exactly one reason line."""
    port = _free_port()
    result = subprocess.run(
        _command("convergence", tmp_path, port, *options),
        capture_output=True,
        text=True,
        timeout=180,
        env=_env(tmp_path),
        cwd=tmp_path,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    lines = [line for line in result.stderr.splitlines() if line.startswith(PREFIX)]
    assert len(lines) == 1, output
    assert "Traceback" not in output, output
    assert result.stderr.rstrip().splitlines()[-1] == lines[0], "the reason is the last line"
    return lines[0][len(PREFIX) :]


def test_old_schema_without_auto_upgrade_exits_with_what_to_run(
    tmp_path: Path, db_url: str
) -> None:
    reason = _standalone_fails(
        tmp_path, f"--ConvergenceApp.database_url={db_url}", "--ConvergenceApp.auto_upgrade=False"
    )
    assert "schema revision (empty)" in reason
    assert "convergence-jupyter db upgrade" in reason


def test_unreachable_postgresql_exits(tmp_path: Path) -> None:
    url = f"postgresql://nobody:hunter2@127.0.0.1:{_free_port()}/nothing"
    reason = _standalone_fails(tmp_path, f"--ConvergenceApp.database_url={url}")
    assert reason.startswith("cannot use the database postgresql://nobody:***@127.0.0.1:")
    assert "hunter2" not in reason
    assert "ConvergenceApp.database_url" in reason


def test_unwritable_sqlite_path_exits(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    url = f"sqlite:///{blocker / 'sub' / 'c.db'}"
    reason = _standalone_fails(tmp_path, f"--ConvergenceApp.database_url={url}")
    assert reason.startswith(f"cannot use the database {url}"), reason


def _refusing_database(tmp_path: Path) -> str:
    """A migrated SQLite database that refuses the start hook's write (a new domain)."""
    url = f"sqlite:///{tmp_path / 'refusing.db'}"
    subprocess.run(
        [str(BIN / "convergence-jupyter"), "--database-url", url, "db", "upgrade"],
        check=True,
        timeout=120,
        capture_output=True,
    )
    with sqlite3.connect(tmp_path / "refusing.db") as conn:
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON domains "
            "BEGIN SELECT RAISE(ABORT, 'no new domains here'); END"
        )
    return url


def test_failure_in_the_start_hook_exits_too(tmp_path: Path) -> None:
    """The default domain is prepared after the server listens: failing there still exits."""
    url = _refusing_database(tmp_path)
    reason = _standalone_fails(tmp_path, f"--ConvergenceApp.database_url={url}")
    assert reason.startswith("preparing the default domain failed: no new domains here"), reason


@pytest.mark.parametrize(
    ("option", "named"),
    [
        ("--ConvergenceApp.sqlite_synchronous=SOMETIMES", "sqlite_synchronous"),
        ("--ConvergenceApp.database_url=mysql://db/x", "mysql"),
        ("--ConvergenceApp.op_rate_limit=-1", "op_rate_limit"),
    ],
)
def test_bad_config_exits(tmp_path: Path, option: str, named: str) -> None:
    reason = _standalone_fails(
        tmp_path, f"--ConvergenceApp.database_url=sqlite:///{tmp_path / 'c.db'}", option
    )
    assert reason.startswith("bad configuration: ") and named in reason, reason
    assert not (tmp_path / "c.db").exists() or "mysql" in option, "nothing was served or created"


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@contextmanager
def _jupyter_server(tmp_path: Path, *options: str, app: str = "server") -> Iterator[str]:
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        _command(app, tmp_path, port, *options),
        stdout=log,
        stderr=subprocess.STDOUT,
        env=_env(tmp_path),
        cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "server.log").read_text()
            try:
                if _get(f"{base}api/status?token=secret")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("no answer:\n" + (tmp_path / "server.log").read_text())
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _ready(base: str) -> tuple[int, dict[str, object]]:
    deadline = time.monotonic() + 30
    while True:  # the start hook runs just after the server starts answering
        status, body = _get(f"{base}convergence/api/v1/ready")
        parsed = json.loads(body)
        if parsed.get("reason") != "the extension is still starting" or time.monotonic() > deadline:
            return status, parsed
        time.sleep(0.2)


@pytest.mark.parametrize("app", ["server", "lab"])
def test_failed_extension_inside_jupyter_reports_not_ready(tmp_path: Path, app: str) -> None:
    with _jupyter_server(
        tmp_path,
        f"--ConvergenceApp.database_url=sqlite:///{tmp_path / 'c.db'}",
        "--ConvergenceApp.auto_upgrade=False",
        app=app,
    ) as base:
        assert _get(f"{base}api/status?token=secret")[0] == 200, "Jupyter keeps serving"
        assert _get(f"{base}convergence/api/v1/health") == (200, '{"status": "ok"}')
        status, body = _ready(base)
        assert status == 503 and body["ready"] is False
        assert "convergence-jupyter db upgrade" in str(body["reason"])
        status, text = _get(f"{base}convergence/realtime/convergence/default")
        assert status == 503 and "db upgrade" in json.loads(text)["reason"], "not a 404"
    log = (tmp_path / "server.log").read_text()
    assert any(
        line.startswith("[E ") and "Convergence cannot start" in line for line in log.splitlines()
    ), log


def test_failure_in_the_start_hook_inside_jupyter_is_not_ready(tmp_path: Path) -> None:
    url = _refusing_database(tmp_path)
    with _jupyter_server(tmp_path, f"--ConvergenceApp.database_url={url}") as base:
        status, body = _ready(base)
        assert status == 503 and "no new domains here" in str(body["reason"]), body
        assert _get(f"{base}api/status?token=secret")[0] == 200


def test_healthy_server_is_ready(tmp_path: Path, db_url: str) -> None:
    with _jupyter_server(tmp_path, f"--ConvergenceApp.database_url={db_url}") as base:
        assert _get(f"{base}convergence/api/v1/health")[0] == 200
        assert _ready(base) == (200, {"ready": True, "database": "ok"})


async def test_ready_says_why_when_the_database_stops_answering() -> None:
    """A database that goes away after start: /ready's check fails without blocking."""
    database = Database.from_url(f"postgresql://nobody@127.0.0.1:{_free_port()}/gone")
    try:
        readiness = Readiness(
            failure=lambda: None, started=lambda: True, ping_database=database.ping
        )
        reason = await readiness.reason()
        assert reason is not None and reason.startswith("the database does not answer: ")
        assert "refused" in reason.lower()
        starting = Readiness(failure=lambda: None, started=lambda: False, ping_database=None)
        assert await starting.reason() == "the extension is still starting"
    finally:
        await database.close()
