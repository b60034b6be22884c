"""Harness for the end-to-end tests: our server as a subprocess, the real client in Node.

Nothing here imports the server package. The server is started the way a user starts it
(``jupyter convergence ...``), administered through its CLI, and spoken to by the real
``@convergence/convergence`` client running in a Node process per scenario.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
#: The npm package holding the real client (override with CONVERGENCE_E2E_JS_ROOT).
JS_PACKAGE_DIR = Path(os.environ.get("CONVERGENCE_E2E_JS_ROOT") or REPO_ROOT / "tests" / "js")
DRIVER = HERE / "js" / "run.js"

DEFAULT_NAMESPACE = "convergence"
DEFAULT_DOMAIN = "default"

#: How much of a server or node log to show when something fails.
TAIL_LINES = 60


def tail(path: Path, lines: int = TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return f"<{path} does not exist>"
    return "\n".join(text.splitlines()[-lines:])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _jupyter_command(subcommand: str) -> list[str]:
    """``jupyter SUBCOMMAND`` from the environment of the interpreter running the tests."""
    bindir = Path(sys.executable).parent
    direct = bindir / f"jupyter-{subcommand}"
    if direct.exists():
        return [str(direct)]
    jupyter = bindir / "jupyter"
    if jupyter.exists():
        return [str(jupyter), subcommand]
    return [sys.executable, "-m", "jupyter", subcommand]


# --------------------------------------------------------------------------------------
# The server process
# --------------------------------------------------------------------------------------


class ServerStartError(RuntimeError):
    pass


@dataclass
class ServerProcess:
    """One standalone ``jupyter convergence`` server that can be stopped and started again.

    ``restart()`` keeps the port, the root directory, the token and the database, so clients
    that hold a reconnect token can come back to "the same server".
    """

    name: str
    workdir: Path
    database_url: str
    port: int = field(default_factory=free_port)
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    base_url: str = "/"
    namespace: str = DEFAULT_NAMESPACE
    domain: str = DEFAULT_DOMAIN
    #: ``None`` leaves the domain's stored setting alone (the server's default).
    anonymous_auth: bool | None = True
    extra_args: Sequence[str] = ()
    startup_timeout: float = 40.0
    #: "convergence" runs the standalone ``jupyter convergence``; "server" runs plain
    #: ``jupyter server`` with the extension enabled (and whatever else is installed).
    launcher: str = "convergence"

    def __post_init__(self) -> None:
        self.root_dir = self.workdir / "root"
        self.root_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / f"server-{self.name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        #: (exit code, needed SIGKILL) for every stop(), in order.
        self.stops: list[tuple[int | None, bool]] = []

    # -- addresses -------------------------------------------------------------------

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.base_url}"

    def realtime_url(self, namespace: str | None = None, domain: str | None = None) -> str:
        ns = namespace or self.namespace
        d = domain or self.domain
        return f"ws://127.0.0.1:{self.port}{self.base_url}convergence/realtime/{ns}/{d}"

    @property
    def url(self) -> str:
        """The realtime URL of the default domain."""
        return self.realtime_url()

    @property
    def login_bridge_url(self) -> str:
        return f"{self.http_url}convergence/api/v1/login-bridge/token"

    # -- lifecycle -------------------------------------------------------------------

    def command(self) -> list[str]:
        if self.launcher == "server":
            launch = [
                *_jupyter_command("server"),
                "--ServerApp.jpserver_extensions={'convergence_jupyter': True}",
            ]
        else:
            launch = _jupyter_command("convergence")
        return [
            *launch,
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            "--ServerApp.open_browser=False",
            f"--IdentityProvider.token={self.token}",
            *(["--ServerApp.allow_root=True"] if os.geteuid() == 0 else []),
            f"--ServerApp.root_dir={self.root_dir}",
            f"--ServerApp.base_url={self.base_url}",
            f"--ConvergenceApp.database_url={self.database_url}",
            f"--ConvergenceApp.default_namespace={self.namespace}",
            f"--ConvergenceApp.default_domain={self.domain}",
            *(
                []
                if self.anonymous_auth is None
                else [f"--ConvergenceApp.anonymous_auth={self.anonymous_auth}"]
            ),
            *self.extra_args,
        ]

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        jdir = self.workdir / "jupyter"
        env.update(
            JUPYTER_CONFIG_DIR=str(jdir / "config"),
            JUPYTER_DATA_DIR=str(jdir / "data"),
            JUPYTER_RUNTIME_DIR=str(jdir / "runtime"),
            JUPYTER_PLATFORM_DIRS="1",
            PYTHONUNBUFFERED="1",
        )
        return env

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        if self.running:
            raise RuntimeError(f"server {self.name} is already running")
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"\n===== start #{self.starts}: {' '.join(self.command())}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env(),
                cwd=self.workdir,
                start_new_session=True,
            )
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        last_error = "no attempt"
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise ServerStartError(
                    f"server {self.name} exited with {self.proc.returncode} during start-up\n"
                    f"--- {self.log_path} ---\n{tail(self.log_path)}"
                )
            status, _ = http_request(f"{self.http_url}api", timeout=1.0)
            if status == 200:
                break
            last_error = f"GET /api -> {status}"
            time.sleep(0.1)
        else:
            raise ServerStartError(
                f"server {self.name} did not answer HTTP within {self.startup_timeout}s "
                f"({last_error})\n--- {self.log_path} ---\n{tail(self.log_path)}"
            )
        # The extension must have registered its realtime route: without an Upgrade header a
        # websocket handler answers 400 (or 405), never 404.
        status, _body = http_request(self.realtime_url(), timeout=2.0)
        if status == 404:
            raise ServerStartError(
                f"server {self.name} answers HTTP but {self.realtime_url()} is 404: "
                f"is the convergence extension loaded?\n--- {self.log_path} ---\n"
                f"{tail(self.log_path)}"
            )

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout``. Returns the exit code."""
        proc = self.proc
        if proc is None:
            return None
        killed = False
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with self.log_path.open("ab") as log:
                    log.write(b"\n===== harness: no exit after SIGTERM, sending SIGKILL\n")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
                killed = True
        self.stops.append((proc.returncode, killed))
        self.proc = None
        self._wait_port_free()
        return proc.returncode

    def _wait_port_free(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                if s.connect_ex(("127.0.0.1", self.port)) != 0:
                    return
            time.sleep(0.05)

    def kill(self) -> int | None:
        """SIGKILL, like a crash: no shutdown code runs."""
        proc = self.proc
        if proc is None:
            return None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        with self.log_path.open("ab") as log:
            log.write(b"\n===== harness: killed with SIGKILL\n")
        self.stops.append((proc.returncode, True))
        self.proc = None
        self._wait_port_free()
        return proc.returncode

    def restart(self) -> None:
        """Stop the process and start a new one on the same port, token and database."""
        self.stop()
        self.start()

    def log_tail(self, lines: int = TAIL_LINES) -> str:
        return tail(self.log_path, lines)

    def log_problems(self, context: int = 12) -> list[str]:
        """Tracebacks and error-level lines in the server log (for the session summary)."""
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return []
        problems = []
        for i, line in enumerate(lines):
            if line.startswith("Traceback") or line.startswith(("[E ", "[C ")):
                if "received signal 15" in line or "Running as root" in line:
                    continue
                problems.append("\n".join(lines[i : i + context]))
        return problems

    # -- conveniences -----------------------------------------------------------------

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run_cli(self.database_url, *args, check=check, cwd=self.workdir)

    def login_bridge(self, token: str | None = "__default__") -> tuple[int, Any]:
        """POST to the login bridge. ``token=None`` sends no Jupyter credentials."""
        headers = {}
        tok = self.token if token == "__default__" else token
        if tok is not None:
            headers["Authorization"] = f"token {tok}"
        status, body = http_request(
            self.login_bridge_url, method="POST", data=b"{}", headers=headers, timeout=10
        )
        with contextlib.suppress(ValueError):
            body = json.loads(body)
        return status, body


def http_request(
    url: str,
    *,
    method: str = "GET",
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> tuple[int | None, str]:
    """Status and body; ``(None, reason)`` when nothing answered."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.read().decode(errors="replace")
    except (urllib.error.URLError, OSError) as e:
        return None, str(e)


# --------------------------------------------------------------------------------------
# Databases
# --------------------------------------------------------------------------------------


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


class PostgresSchema:
    """A throw-away schema in the database named by CONVERGENCE_TEST_POSTGRES_URL.

    The server gets the URL with ``options=-csearch_path=<schema>`` so every table it creates
    (including alembic's) lands in the fresh schema; the schema is dropped afterwards.
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.schema = f"e2e_{uuid.uuid4().hex[:12]}"

    @staticmethod
    def _libpq_url(url: str) -> str:
        scheme, rest = url.split("://", 1)
        return "postgresql://" + rest if scheme.startswith("postgres") else url

    def _execute(self, sql: str) -> None:
        import psycopg  # only needed for the PostgreSQL variant

        with psycopg.connect(self._libpq_url(self.base_url), autocommit=True) as conn:
            conn.execute(sql)

    def create(self) -> str:
        self._execute(f'CREATE SCHEMA "{self.schema}"')
        sep = "&" if "?" in self.base_url else "?"
        return f"{self.base_url}{sep}options=-csearch_path%3D{self.schema}"

    def drop(self) -> None:
        self._execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')


# --------------------------------------------------------------------------------------
# Admin CLI
# --------------------------------------------------------------------------------------


class CliError(AssertionError):
    pass


def run_cli(
    database_url: str,
    *args: str,
    check: bool = True,
    cwd: Path | None = None,
    timeout: float = 60.0,
) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "convergence_jupyter.cli", "--database-url", database_url, *args]
    result = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd, check=False
    )
    if check and result.returncode != 0:
        raise CliError(
            f"CLI failed ({result.returncode}): {' '.join(args)}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )
    return result


# Several CLI commands in one interpreter (the CLI's ``main(argv)``), to pay the import cost
# once when a fixture needs many users and groups. Stops at the first failing command.
_CLI_BATCH = """
import json, sys
from convergence_jupyter.cli import main
for argv in json.load(sys.stdin):
    try:
        rc = main(argv)
    except SystemExit as e:
        rc = e.code if isinstance(e.code, int) else 1
    if rc:
        print("failed command: " + json.dumps(argv), file=sys.stderr)
        sys.exit(rc)
"""


def run_cli_batch(
    database_url: str,
    commands: Sequence[Sequence[str]],
    *,
    cwd: Path | None = None,
    timeout: float = 120.0,
) -> subprocess.CompletedProcess[str]:
    argvs = [["--database-url", database_url, *cmd] for cmd in commands]
    result = subprocess.run(
        [sys.executable, "-c", _CLI_BATCH],
        input=json.dumps(argvs),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        check=False,
    )
    if result.returncode != 0:
        raise CliError(
            f"CLI batch failed ({result.returncode})\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )
    return result


# --------------------------------------------------------------------------------------
# JWT
# --------------------------------------------------------------------------------------


class RsaKey:
    """An RSA key pair, its public half written to a PEM file for ``jwt-key add``."""

    def __init__(self, directory: Path, key_id: str) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.key_id = key_id
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private_pem = self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self.public_pem = self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        directory.mkdir(parents=True, exist_ok=True)
        self.public_key_file = directory / f"{key_id}-{uuid.uuid4().hex[:6]}.pub.pem"
        self.public_key_file.write_bytes(self.public_pem)

    def sign(
        self,
        sub: str,
        *,
        kid: str | None = None,
        aud: str | None = "Convergence",
        expires_in: float = 300,
        algorithm: str = "RS256",
        **claims: Any,
    ) -> str:
        import jwt

        now = datetime.now(UTC)
        exp = now + timedelta(seconds=expires_in)
        payload: dict[str, Any] = {"sub": sub, "iat": now, "exp": exp}
        if aud is not None:
            payload["aud"] = aud
        payload.update({k: v for k, v in claims.items() if v is not None})
        return jwt.encode(
            payload, self.private_pem, algorithm=algorithm, headers={"kid": kid or self.key_id}
        )


# --------------------------------------------------------------------------------------
# Node scenarios
# --------------------------------------------------------------------------------------


class ScenarioResult(dict):
    """The JSON object a scenario printed, plus the process' stderr for messages."""

    stderr: str = ""
    returncode: int = 0

    def describe(self) -> str:
        body = json.dumps(dict(self), indent=1, default=str)
        return f"{body}\n--- node stderr (tail) ---\n" + "\n".join(
            self.stderr.splitlines()[-TAIL_LINES:]
        )


def _node_env() -> dict[str, str]:
    env = dict(os.environ)
    env["CONVERGENCE_E2E_JS_ROOT"] = str(JS_PACKAGE_DIR)
    return env


def node_executable() -> str | None:
    return shutil.which("node")


def run_scenario(name: str, args: dict[str, Any], timeout: float = 30.0) -> ScenarioResult:
    """Run ``node run.js NAME`` with ``args`` as JSON on stdin; return its JSON result line."""
    node = node_executable() or "node"
    args = {"timeoutMs": int((timeout - 2) * 1000), **args}
    if os.environ.get("CONVERGENCE_E2E_DEBUG"):
        args.setdefault("debug", True)
    try:
        proc = subprocess.run(
            [node, str(DRIVER), name],
            input=json.dumps(args),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_node_env(),
            cwd=HERE / "js",
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else e.stderr
        raise AssertionError(
            f"scenario {name} did not finish within {timeout}s\n{(err or '')[-4000:]}"
        ) from e
    return _parse_result(name, proc.stdout, proc.stderr, proc.returncode)


def _parse_result(name: str, stdout: str, stderr: str, returncode: int) -> ScenarioResult:
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                result = ScenarioResult(json.loads(line))
            except ValueError:
                continue
            result.stderr = stderr
            result.returncode = returncode
            return result
    raise AssertionError(
        f"scenario {name} printed no JSON result (exit {returncode})\n"
        f"--- stdout ---\n{stdout[-4000:]}\n--- stderr ---\n{stderr[-4000:]}"
    )


class InteractiveClient:
    """A long-lived Node process that keeps one real client connected across commands.

    Each ``send()`` writes one JSON command line and returns the one JSON line it answers.
    Used where the client must survive something the test does meanwhile (a server restart).
    """

    def __init__(self, log_path: Path, debug: bool = False) -> None:
        node = node_executable() or "node"
        self.log_path = log_path
        self._stderr = log_path.open("wb")
        self.proc = subprocess.Popen(
            [node, str(DRIVER), "interactive"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=_node_env(),
            cwd=HERE / "js",
            text=True,
            bufsize=1,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.debug = debug or bool(os.environ.get("CONVERGENCE_E2E_DEBUG"))

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def send(self, cmd: str, timeout: float = 20.0, **args: Any) -> ScenarioResult:
        assert self.proc.stdin is not None
        message = {"cmd": cmd, **args}
        if self.debug:
            message.setdefault("debug", True)
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"interactive client: no answer to {cmd} within {timeout}s\n"
                    f"--- node stderr ---\n{tail(self.log_path)}"
                )
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(
                    f"interactive client exited ({self.proc.poll()}) while waiting for {cmd}\n"
                    f"--- node stderr ---\n{tail(self.log_path)}"
                )
            line = line.strip()
            if line.startswith("{"):
                result = ScenarioResult(json.loads(line))
                result.stderr = tail(self.log_path)
                return result

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(Exception):
                self.send("exit", timeout=5)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(Exception):
                    stream.close()
        self._stderr.close()
        self._reader.join(timeout=5)

    def __enter__(self) -> InteractiveClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


# --------------------------------------------------------------------------------------
# Auth descriptions understood by the node driver (lib.js connect())
# --------------------------------------------------------------------------------------


def anonymous(display_name: str | None = None) -> dict[str, Any]:
    auth: dict[str, Any] = {"method": "anonymous"}
    if display_name is not None:
        auth["displayName"] = display_name
    return auth


def password(username: str, pw: str) -> dict[str, Any]:
    return {"method": "password", "username": username, "password": pw}


def jwt_auth(token: str) -> dict[str, Any]:
    return {"method": "jwt", "jwt": token}


def reconnect_token(token: str) -> dict[str, Any]:
    return {"method": "reconnect", "token": token}


def connect(url: str, auth: dict[str, Any], **args: Any) -> ScenarioResult:
    """Run the ``connect`` scenario (connect, describe the session, disconnect)."""
    return run_scenario("connect", {"url": url, "auth": auth, **args})
