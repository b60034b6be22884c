"""``convergence-jupyter api ...`` against a live server (``jupyter convergence`` as a
subprocess) with API keys minted by ``convergence-jupyter api-key create`` on its database;
and ``export`` of that database while the server runs, imported elsewhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from database_backends import BACKENDS, PG_ENV, postgres_schema

from convergence_jupyter.admin.exit_codes import ExitCode
from convergence_jupyter.cli import main
from tests.e2e.harness import ServerProcess


@dataclass
class Live:
    server: ServerProcess
    admin_key: str
    read_key: str

    @property
    def url(self) -> str:
        return self.server.http_url


def cli(
    database_url: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real entry point in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "convergence_jupyter.cli", "--database-url", database_url, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )


def _mint(database_url: str, name: str, *scopes: str) -> str:
    flags = [x for s in scopes for x in ("--scope", s)]
    done = cli(
        database_url,
        "--output",
        "json",
        "api-key",
        "create",
        "--owner",
        "ops",
        "--name",
        name,
        *flags,
    )
    assert done.returncode == 0, done.stderr
    created = json.loads(done.stdout)
    assert created["key"].startswith("cvk_") and created["owner"] == "ops"
    return str(created["key"])


@pytest.fixture(scope="module", params=BACKENDS)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    workdir = tmp_path_factory.mktemp("cli-live")
    with ExitStack() as stack:
        if request.param == "sqlite":
            database_url = f"sqlite:///{workdir / 'convergence.db'}"
        else:
            base = os.environ.get(PG_ENV)
            if not base:
                pytest.skip(f"PostgreSQL tests need {PG_ENV}")
            database_url = stack.enter_context(postgres_schema(base, prefix="cj_cli"))
        server = ServerProcess("cli", workdir, database_url, anonymous_auth=None)
        server.start()
        stack.callback(server.stop)
        yield Live(
            server, _mint(database_url, "admin", "admin"), _mint(database_url, "read", "read")
        )


def _call(
    live: Live, capsys: pytest.CaptureFixture[str], *argv: str, key: str | None = None
) -> tuple[int, Any, str]:
    """``main(argv)`` in this process (the server is another one); (exit code, JSON, stderr)."""
    code = main(["--output", "json", *argv, "--url", live.url, "--api-key", key or live.admin_key])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err


def test_remote_commands_end_to_end(live: Live, capsys: pytest.CaptureFixture[str]) -> None:
    # the installed entry point, configured from the environment
    done = cli(
        live.server.database_url,
        "--output",
        "json",
        "api",
        "server",
        "get-server-info",
        env={"CONVERGENCE_URL": live.url, "CONVERGENCE_API_KEY": live.admin_key},
    )
    assert done.returncode == 0, done.stderr
    assert isinstance(json.loads(done.stdout), dict)

    zoe = '{"username": "zoe", "display_name": "Zoë", "password": "a-long-password"}'
    code, user, _ = _call(live, capsys, "api", "users", "create-user", "--data", zoe)
    assert code == ExitCode.OK and user["username"] == "zoe"
    code, problem, err = _call(live, capsys, "api", "users", "create-user", "--data", zoe)
    assert code == ExitCode.CONFLICT and problem["status"] == 409 and "409" in err
    code, page, _ = _call(live, capsys, "api", "users", "list-users", "--search", "zo")
    assert code == ExitCode.OK and [u["username"] for u in page["items"]] == ["zoe"]

    code, problem, err = _call(
        live, capsys, "api", "users", "create-user", "--data", '{"username": 5}'
    )
    assert code == ExitCode.USAGE and problem["status"] == 400
    assert "body.username" in err  # the pydantic error list is shown

    code, _, _ = _call(
        live, capsys, "api", "collections", "create-collection", "--data", '{"id": "docs"}'
    )
    assert code == ExitCode.OK
    code, model, _ = _call(
        live,
        capsys,
        "api",
        "models",
        "create-model",
        "--collection-id",
        "docs",
        "--data",
        '{"id": "m/1", "data": {"title": "hello"}}',
    )
    assert code == ExitCode.OK
    code, model, _ = _call(live, capsys, "api", "models", "get-model", "--model-id", "m/1")
    assert code == ExitCode.OK and model["data"] == {"title": "hello"}

    # a read key reads but cannot delete; a wrong key gets nowhere
    code, _, _ = _call(
        live, capsys, "api", "models", "get-model", "--model-id", "m/1", key=live.read_key
    )
    assert code == ExitCode.OK
    code, problem, _ = _call(
        live, capsys, "api", "models", "delete-model", "--model-id", "m/1", key=live.read_key
    )
    assert code == ExitCode.DENIED and problem["status"] == 403
    code, problem, _ = _call(
        live,
        capsys,
        "api",
        "models",
        "get-model",
        "--model-id",
        "m/1",
        key="cvk_0000000000000000_nope",
    )
    assert code == ExitCode.DENIED and problem["status"] == 401

    code, body, _ = _call(live, capsys, "api", "models", "delete-model", "--model-id", "m/1")
    assert code == ExitCode.OK and body is None
    code, problem, _ = _call(live, capsys, "api", "models", "get-model", "--model-id", "m/1")
    assert code == ExitCode.NOT_FOUND and problem["status"] == 404

    code, _, _ = _call(
        live,
        capsys,
        "api",
        "chats",
        "create-chat",
        "--data",
        '{"id": "lobby", "type": "room", "name": "Lobby"}',
    )
    assert code == ExitCode.OK
    code, history, _ = _call(live, capsys, "api", "chats", "get-chat-history", "--chat-id", "lobby")
    assert code == ExitCode.OK and history["total"] >= 1


def test_text_output_is_a_table(live: Live, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["api", "api-keys", "list-api-keys", "--url", live.url, "--api-key", live.admin_key]
    )
    out, _ = capsys.readouterr()
    assert code == ExitCode.OK
    assert "key_id" in out.splitlines()[0] and "admin" in out and "read" in out


def test_export_while_serving_then_import_elsewhere(live: Live, tmp_path: Path) -> None:
    archive = tmp_path / "live.jsonl.gz"
    done = cli(
        live.server.database_url, "--output", "json", "export", str(archive), "--progress", "always"
    )
    assert done.returncode == 0, done.stderr
    exported = json.loads(done.stdout)
    assert exported["counts"]["user"] >= 1
    assert "export convergence/default" in done.stderr  # the progress bar went to stderr
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    done = cli(target, "--output", "json", "import", str(archive))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["counts"] == exported["counts"]
    again = cli(target, "import", str(archive))
    assert again.returncode == ExitCode.CONFLICT and "already holds data" in again.stderr
    users = cli(target, "--output", "json", "user", "list")
    assert "zoe" in {u["username"] for u in json.loads(users.stdout)}
