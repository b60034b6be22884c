"""Fixtures for the end-to-end tests (real client in Node against our server as a subprocess).

Environment:
  CONVERGENCE_TEST_POSTGRES_URL  also run every e2e test against this PostgreSQL database
                                 (each server gets a fresh schema, dropped afterwards)
  CONVERGENCE_E2E_DEBUG=1        turn on the client's debug logging (protocol SND/RCV) in the
                                 node scenarios; it shows up in failure messages
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .harness import (
    JS_PACKAGE_DIR,
    PostgresSchema,
    RsaKey,
    ServerProcess,
    run_cli,
    run_cli_batch,
    sqlite_url,
    unique,
)

POSTGRES_URL = os.environ.get("CONVERGENCE_TEST_POSTGRES_URL")

#: Servers created by fixtures and not yet torn down; their log tails go into failure reports.
_LIVE_SERVERS: list[ServerProcess] = []
#: Every server of the session, for the summary of server-side errors.
_ALL_SERVERS: list[ServerProcess] = []


# --------------------------------------------------------------------------------------
# Node and the client
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """``tests/js/node_modules`` with the real client; ``npm ci`` once if it is missing."""
    if shutil.which("node") is None:
        pytest.skip("e2e: node is not installed (the real client runs in Node.js)")
    client = JS_PACKAGE_DIR / "node_modules" / "@convergence" / "convergence"
    ws = JS_PACKAGE_DIR / "node_modules" / "ws"
    if not (client.is_dir() and ws.is_dir()):
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip(
                "e2e: tests/js/node_modules is missing and npm is not installed to create it"
            )
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=JS_PACKAGE_DIR,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0 or not client.is_dir():
            pytest.fail(
                f"e2e: `npm ci` in {JS_PACKAGE_DIR} failed ({result.returncode})\n"
                f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
    return JS_PACKAGE_DIR / "node_modules"


# --------------------------------------------------------------------------------------
# Databases and servers
# --------------------------------------------------------------------------------------

_BACKENDS = ["sqlite"] + (
    [pytest.param("postgres", marks=pytest.mark.postgres)] if POSTGRES_URL else []
)


@pytest.fixture(scope="session", params=_BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


class DatabaseFactory:
    """Fresh, empty databases of the session's backend; cleaned up at the end."""

    def __init__(self, backend: str, base_dir: Path) -> None:
        self.backend = backend
        self.base_dir = base_dir
        self._schemas: list[PostgresSchema] = []

    def __call__(self, workdir: Path) -> str:
        if self.backend == "postgres":
            assert POSTGRES_URL
            schema = PostgresSchema(POSTGRES_URL)
            self._schemas.append(schema)
            return schema.create()
        return sqlite_url(workdir / "convergence.db")

    def cleanup(self) -> None:
        for schema in self._schemas:
            schema.drop()


@pytest.fixture(scope="session")
def database_factory(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(backend, tmp_path_factory.mktemp(f"db-{backend}"))
    yield factory
    factory.cleanup()


class ServerFactory:
    """Creates (and at teardown stops) standalone servers, each with its own database."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory, databases: DatabaseFactory):
        self._tmp = tmp_path_factory
        self._databases = databases
        self.servers: list[ServerProcess] = []

    def __call__(self, name: str = "server", *, start: bool = True, **kwargs: Any) -> ServerProcess:
        workdir = self._tmp.mktemp(f"e2e-{name}")
        database_url = kwargs.pop("database_url", None) or self._databases(workdir)
        server = ServerProcess(name=name, workdir=workdir, database_url=database_url, **kwargs)
        self.servers.append(server)
        _LIVE_SERVERS.append(server)
        _ALL_SERVERS.append(server)
        if start:
            server.start()
        return server

    def stop_all(self) -> None:
        errors = []
        for server in self.servers:
            try:
                server.stop()
            except Exception as e:  # keep stopping the others
                errors.append(f"{server.name}: {e!r}")
            if server in _LIVE_SERVERS:
                _LIVE_SERVERS.remove(server)
        if errors:
            raise RuntimeError("failed to stop servers: " + "; ".join(errors))


@pytest.fixture
def server_factory(
    node_modules: Path, tmp_path_factory: pytest.TempPathFactory, database_factory: DatabaseFactory
) -> Iterator[ServerFactory]:
    """A factory for servers private to one test (for tests that reconfigure or restart)."""
    factory = ServerFactory(tmp_path_factory, database_factory)
    yield factory
    factory.stop_all()


@pytest.fixture(scope="module")
def module_server_factory(
    node_modules: Path, tmp_path_factory: pytest.TempPathFactory, database_factory: DatabaseFactory
) -> Iterator[ServerFactory]:
    """Like ``server_factory`` but shared by the tests of one module."""
    factory = ServerFactory(tmp_path_factory, database_factory)
    yield factory
    factory.stop_all()


@pytest.fixture(scope="session")
def _session_servers(
    node_modules: Path, tmp_path_factory: pytest.TempPathFactory, database_factory: DatabaseFactory
) -> Iterator[ServerFactory]:
    factory = ServerFactory(tmp_path_factory, database_factory)
    yield factory
    factory.stop_all()


@pytest.fixture(scope="session")
def server(_session_servers: ServerFactory) -> ServerProcess:
    """The shared server (anonymous auth on). Tests must not reconfigure or stop it."""
    return _session_servers("shared")


@pytest.fixture(scope="session")
def variant_server(_session_servers: ServerFactory) -> ServerProcess:
    """A second shared server with every start option away from its default: a base_url,
    another default namespace/domain, and anonymous auth off."""
    return _session_servers(
        "variant",
        base_url="/jupyter/user/ada/",
        namespace="acme",
        domain="main",
        anonymous_auth=False,
    )


# --------------------------------------------------------------------------------------
# Admin CLI and JWT helpers
# --------------------------------------------------------------------------------------


class Admin:
    """The admin CLI bound to one server's database (and optionally one other domain)."""

    def __init__(
        self, server: ServerProcess, namespace: str | None = None, domain: str | None = None
    ) -> None:
        self.server = server
        self.namespace = namespace
        self.domain = domain

    def in_domain(self, namespace: str, domain: str) -> Admin:
        return Admin(self.server, namespace, domain)

    def _scope(self) -> list[str]:
        scope: list[str] = []
        if self.namespace is not None:
            scope += ["--namespace", self.namespace]
        if self.domain is not None:
            scope += ["--domain", self.domain]
        return scope

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run_cli(
            self.server.database_url, *self._scope(), *args, check=check, cwd=self.server.workdir
        )

    def batch(self) -> AdminBatch:
        """Collect commands (same methods as Admin) and run them in one process on exit."""
        return AdminBatch(self)

    def run(self, *args: str) -> None:
        self(*args)

    def create_user(
        self,
        username: str,
        password: str,
        *,
        display_name: str | None = None,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> None:
        args = ["user", "create", username, "--password", password]
        for flag, value in (
            ("--display-name", display_name),
            ("--email", email),
            ("--first-name", first_name),
            ("--last-name", last_name),
        ):
            if value is not None:
                args += [flag, value]
        self.run(*args)

    def create_group(
        self, group_id: str, *, description: str | None = None, members: tuple[str, ...] = ()
    ) -> None:
        args = ["group", "create", group_id]
        if description is not None:
            args += ["--description", description]
        for member in members:
            args += ["--member", member]
        self.run(*args)

    def add_jwt_key(self, key: RsaKey) -> None:
        self.run("jwt-key", "add", key.key_id, "--public-key-file", str(key.public_key_file))

    def anonymous_auth(self, enabled: bool) -> None:
        self.run("domain", "configure", "--anonymous-auth", "on" if enabled else "off")


class AdminBatch(Admin):
    """``with admin.batch() as b: b.create_user(...); b.create_group(...)``: one process."""

    def __init__(self, admin: Admin) -> None:
        super().__init__(admin.server, admin.namespace, admin.domain)
        self.commands: list[list[str]] = []

    def run(self, *args: str) -> None:
        self.commands.append([*self._scope(), *args])

    def __enter__(self) -> AdminBatch:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None and self.commands:
            run_cli_batch(self.server.database_url, self.commands, cwd=self.server.workdir)


@pytest.fixture
def admin_for() -> Callable[[ServerProcess], Admin]:
    return Admin


@pytest.fixture(scope="session")
def admin(server: ServerProcess) -> Admin:
    """The admin CLI on the shared server's database."""
    return Admin(server)


@pytest.fixture(scope="session")
def rsa_key_factory(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., RsaKey]:
    directory = tmp_path_factory.mktemp("keys")

    def make(key_id: str | None = None) -> RsaKey:
        return RsaKey(directory, key_id or unique("key-"))

    return make


@pytest.fixture(scope="session")
def jwt_key(admin: Admin, rsa_key_factory: Callable[..., RsaKey]) -> RsaKey:
    """An RSA key registered (``jwt-key add``) on the shared server's domain."""
    key = rsa_key_factory()
    admin.add_jwt_key(key)
    return key


# --------------------------------------------------------------------------------------
# Marking and reporting
# --------------------------------------------------------------------------------------

_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/e2e is an e2e test (``-m e2e`` / ``-m "not e2e"``)."""
    for item in items:
        if _HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _servers_used_by(item: pytest.Item) -> list[ServerProcess]:
    found: list[ServerProcess] = []

    def add(server: ServerProcess) -> None:
        if server not in found:
            found.append(server)

    for value in getattr(item, "funcargs", {}).values():
        if isinstance(value, ServerProcess):
            add(value)
        elif isinstance(value, ServerFactory):
            for server in value.servers:
                add(server)
        elif isinstance(getattr(value, "server", None), ServerProcess):
            add(value.server)
    return found or list(_LIVE_SERVERS)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed:
        for server in _servers_used_by(item):
            report.sections.append(
                (f"server {server.name} log tail ({server.log_path})", server.log_tail())
            )
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """List server-side tracebacks and error lines, even when every test passed."""
    found = [(server, server.log_problems()) for server in _ALL_SERVERS]
    found = [(server, problems) for server, problems in found if problems]
    if not found:
        return
    terminalreporter.section("e2e: errors in server logs")
    for server, problems in found:
        terminalreporter.write_line(f"--- server {server.name} ({server.log_path})")
        for problem in problems[:5]:
            terminalreporter.write_line(problem)
        if len(problems) > 5:
            terminalreporter.write_line(f"... and {len(problems) - 5} more")
