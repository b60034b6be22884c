"""The Binder recipe, built without Docker: a fresh venv, the repository as Binder copies it,
``pip install -r binder/requirements.txt`` and ``binder/postBuild`` exactly as repo2docker runs
them, then ``jupyter lab`` from that venv (which reads the config postBuild installed).

One build per session (the venv dominates the time); the steps' logs are kept in the test's
temp dir and printed when a step fails.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return f"<{path} missing>"


def copy_repository(target: Path) -> None:
    """The files a clone has (tracked, plus new files not ignored, from the working tree), and
    the JupyterLab extension's build when there is one, so pip does not rebuild it with npm:
    the rest of the install is what Binder does."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in listed:
        if not raw:
            continue
        source = REPO_ROOT / os.fsdecode(raw)
        if not source.is_file():
            continue  # deleted in the working tree
        destination = target / os.fsdecode(raw)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)
    prebuilt = REPO_ROOT / "labextension" / "prebuilt"
    if (prebuilt / "static" / "style.js").exists():
        shutil.copytree(prebuilt, target / "labextension" / "prebuilt", dirs_exist_ok=True)


@dataclass
class BinderEnv:
    """The built environment: ``repo`` (Binder's working and home directory), ``venv``."""

    root: Path
    repo: Path
    venv: Path
    build_seconds: float

    def env(self) -> dict[str, str]:
        """Binder's process environment: its Python first on PATH, home in the repository;
        nothing of ours (no PYTHONPATH, no Jupyter dirs of the test machine)."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("JUPYTER", "PYTHON", "VIRTUAL_ENV", "CONVERGENCE_"))
        }
        env.update(
            PATH=f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
            VIRTUAL_ENV=str(self.venv),
            HOME=str(self.root / "home"),
            JUPYTER_RUNTIME_DIR=str(self.root / "runtime"),
            PYTHONUNBUFFERED="1",
        )
        return env


def _step(command: list[str], env: BinderEnv, log: Path, timeout: float) -> None:
    started = time.monotonic()
    # Installing without precompiling bytecode installs the same files, faster; Python
    # compiles on first import instead.
    step_env = {**env.env(), "PIP_NO_COMPILE": "1"}
    with log.open("ab") as out:
        done = subprocess.run(
            command,
            cwd=env.repo,
            env=step_env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    if done.returncode != 0:
        pytest.fail(f"binder step {command} failed ({done.returncode}):\n{_tail(log)}")
    print(f"binder step {' '.join(command[-3:])}: {time.monotonic() - started:.1f}s")


@pytest.fixture(scope="session")
def binder_env(tmp_path_factory: pytest.TempPathFactory) -> BinderEnv:
    root = tmp_path_factory.mktemp("binder")
    (root / "home").mkdir()
    repo = root / "repo"
    started = time.monotonic()
    copy_repository(repo)
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    env = BinderEnv(root, repo, venv, 0.0)
    log = root / "build.log"
    # repo2docker's two steps, in its order (its pip adds --no-cache-dir; the test keeps the
    # cache so a second run is cheaper).
    _step([str(venv / "bin" / "pip"), "install", "-r", "binder/requirements.txt"], env, log, 900)
    _step(["./binder/postBuild"], env, log, 300)
    env.build_seconds = time.monotonic() - started
    print(f"binder environment built in {env.build_seconds:.1f}s ({log})")
    return env


@dataclass
class BinderServer:
    url: str
    token: str
    log_path: Path
    proc: subprocess.Popen[bytes]


@pytest.fixture(scope="session")
def binder_server(binder_env: BinderEnv) -> Iterator[BinderServer]:
    """``jupyter lab`` as Binder starts it (from the repository's root, the Binder venv's
    config), on a free local port with a known token."""
    port, token = _free_port(), secrets.token_hex(16)
    log_path = binder_env.root / "jupyter-lab.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [
                str(binder_env.venv / "bin" / "jupyter"),
                "lab",
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={token}",
                "--ServerApp.allow_root=True",
                "--LabApp.news_url=None",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            ],
            cwd=binder_env.repo,
            env=binder_env.env(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            pytest.fail(f"jupyter lab exited early:\n{_tail(log_path)}")
        try:
            with urllib.request.urlopen(f"{url}api/status?token={token}", timeout=2) as reply:
                if reply.status == 200:
                    break
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            proc.terminate()
            pytest.fail(f"jupyter lab did not start:\n{_tail(log_path)}")
        time.sleep(0.3)
    server = BinderServer(url, token, log_path, proc)
    yield server
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


# The scenario runs its own asyncio loop (asyncio.run); pytest-jupyter's autouse loop and
# server-cleanup fixtures are not needed here (the server is a subprocess).
@pytest.fixture
def jp_asyncio_loop() -> Iterator[None]:
    yield None


@pytest.fixture(autouse=True)
def jp_server_cleanup() -> Iterator[None]:
    yield
