"""A real ``jupyter lab`` with convergence-jupyter and its labextension, as a subprocess."""

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
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
LABEXT_DIR = REPO_ROOT / "labextension"
PREBUILT = LABEXT_DIR / "prebuilt"
EXTENSION_NAME = "convergence-jupyter"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tail(path: Path, lines: int = 80) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return f"<{path} missing>"


STAMP = PREBUILT / ".sources-sha256"


def labextension_hash() -> str:
    """The hash of the labextension's build inputs, as set-up computes it."""
    script = REPO_ROOT / "scripts" / "labextension_hash.sh"
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def prebuilt_is_stale() -> bool:
    """True when labextension/prebuilt is missing or was built from other sources (its stamp,
    written by every build, differs from the sources' hash)."""
    if not (PREBUILT / "package.json").exists() or not STAMP.exists():
        return True
    return STAMP.read_text().strip() != labextension_hash()


def build_labextension() -> None:
    """``npm ci`` (if needed) and the production build, as ``pip install`` would run them."""
    npm = shutil.which("npm")
    assert npm is not None
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    if not (LABEXT_DIR / "node_modules" / "@jupyterlab" / "builder").is_dir():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=LABEXT_DIR, env=env, check=True, timeout=900
        )
    sources = labextension_hash()
    subprocess.run([npm, "run", "build:prod"], cwd=LABEXT_DIR, env=env, check=True, timeout=900)
    STAMP.write_text(sources + "\n")


@dataclass
class LabServer:
    """``jupyter lab`` on a free port, token users, a temp root dir.

    ``alice`` and ``bob`` may do anything; ``carol`` may read files but not write them.
    """

    workdir: Path
    port: int = field(default_factory=free_port)
    tokens: dict[str, str] = field(
        default_factory=lambda: {name: secrets.token_hex(16) for name in ("alice", "bob", "carol")}
    )
    startup_timeout: float = 90.0

    def __post_init__(self) -> None:
        self.root_dir = self.workdir / "root"
        self.root_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / "jupyter-lab.log"
        self.proc: subprocess.Popen[bytes] | None = None
        jdir = self.workdir / "jupyter"
        self.config_dir = jdir / "config"
        self.data_dir = jdir / "data"
        self.path_dir = jdir / "path"
        for d in (self.config_dir, self.data_dir, self.path_dir / "labextensions"):
            d.mkdir(parents=True, exist_ok=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def lab_url(self, user: str, path: str = "") -> str:
        return f"{self.base_url}lab/tree/{path}?token={self.tokens[user]}&reset"

    def _write_config(self) -> None:
        by_token = {token: user for user, token in self.tokens.items()}
        (self.config_dir / "jupyter_server_config.py").write_text(
            "from identity_provider import ReadOnlyUsersAuthorizer, TokenUsersIdentityProvider\n"
            "c.ServerApp.identity_provider_class = TokenUsersIdentityProvider\n"
            "c.ServerApp.authorizer_class = ReadOnlyUsersAuthorizer\n"
            "c.ReadOnlyUsersAuthorizer.read_only_users = ['carol']\n"
            # The server token (which JupyterLab also puts in its pages) names nobody: a
            # page's API calls are then identified by the login cookie of its user.
            f"c.TokenUsersIdentityProvider.token = {secrets.token_hex(16)!r}\n"
            f"c.TokenUsersIdentityProvider.user_tokens = {by_token!r}\n"
        )
        # No "receive Jupyter news?" toast over the page.
        settings = self.workdir / "jupyter" / "lab-settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True, exist_ok=True)
        (settings / "notification.jupyterlab-settings").write_text(
            '{"fetchNews": "false", "checkForUpdates": false}'
        )
        # The repo's fresh build wins over an installed copy (first labextensions dir wins).
        if PREBUILT.is_dir():
            link = self.path_dir / "labextensions" / EXTENSION_NAME
            if not link.exists():
                link.symlink_to(PREBUILT, target_is_directory=True)

    def command(self) -> list[str]:
        jupyter = Path(sys.executable).parent / "jupyter"
        return [
            str(jupyter) if jupyter.exists() else "jupyter",
            "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            "--ServerApp.allow_root=True",
            f"--ServerApp.root_dir={self.root_dir}",
            f"--ConvergenceApp.database_url=sqlite:///{self.workdir / 'convergence.db'}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            JUPYTER_CONFIG_DIR=str(self.config_dir),
            JUPYTER_DATA_DIR=str(self.data_dir),
            JUPYTER_RUNTIME_DIR=str(self.workdir / "jupyter" / "runtime"),
            JUPYTER_PATH=str(self.path_dir),
            JUPYTERLAB_SETTINGS_DIR=str(self.workdir / "jupyter" / "lab-settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(self.workdir / "jupyter" / "lab-workspaces"),
            PYTHONPATH=os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
            PYTHONUNBUFFERED="1",
        )
        return env

    def start(self) -> None:
        self._write_config()
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env(),
                cwd=self.workdir,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited early\n{tail(self.log_path)}")
            try:
                url = f"{self.base_url}api/status?token={self.tokens['alice']}"
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"jupyter lab did not start in time\n{tail(self.log_path)}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
