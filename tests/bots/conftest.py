"""A Jupyter server with the extension (pytest-jupyter) whose kernels are real ipykernels
started through jupyter_server's own session API, so each kernel gets its token as it would in
JupyterLab. Users are named by a test header; ``reader*`` may read files but not write them."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_core.utils import ensure_async
from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.identity import IdentityProvider, User
from jupyter_server.utils import url_path_join
from tornado import web
from traitlets.config import Config

USER_HEADER = "X-Test-User"
KERNEL_TIMEOUT = 90.0


class HeaderIdentityProvider(IdentityProvider):
    """Token-authenticated as usual; the test header then names the user."""

    async def get_user(self, handler: web.RequestHandler) -> User | None:  # type: ignore[override]
        user = await ensure_async(super().get_user(handler))
        name = handler.request.headers.get(USER_HEADER)
        if user is None or not name:
            return user
        return User(username=name, name=name, display_name=name.title())


class ReaderAuthorizer(Authorizer):
    """``reader*`` may read contents but not write them; everything else is allowed."""

    def is_authorized(
        self, handler: web.RequestHandler, user: User, action: str, resource: str
    ) -> bool:
        return not (
            resource == "contents" and action == "write" and user.username.startswith("reader")
        )


@pytest.fixture
def token_ttl() -> float:
    """The kernel token TTL of the server (a module overrides it to test expiry)."""
    return 3600.0


@pytest.fixture
def jp_server_config(tmp_path: Path, token_ttl: float) -> Config:
    return Config(
        {
            "ServerApp": {
                "jpserver_extensions": {"convergence_jupyter": True},
                "identity_provider_class": HeaderIdentityProvider,
                "authorizer_class": ReaderAuthorizer,
            },
            "ConvergenceApp": {
                "database_url": f"sqlite:///{tmp_path / 'convergence.db'}",
                "notebook_autosave_delay": 0.3,
                "notebook_poll_interval": 0.2,
                "kernel_token_ttl": token_ttl,
            },
        }
    )


@pytest.fixture
def app(jp_serverapp: Any) -> Any:
    (found,) = jp_serverapp.extension_manager.extension_apps["convergence_jupyter"]
    return found


def write_notebook(root: Path, name: str, sources: list[str]) -> str:
    nb = nbformat.v4.new_notebook()
    nb.nbformat_minor = 5
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    for i, source in enumerate(sources):
        cell = nbformat.v4.new_code_cell(source)
        cell["id"] = f"cell{i}"
        nb.cells.append(cell)
    (root / name).write_text(nbformat.writes(nb), encoding="utf-8")
    return name


@dataclass
class RunningKernel:
    """A kernel of a notebook session, with a client to run code in it."""

    kernel_id: str
    path: str
    client: Any
    serverapp: Any

    async def run(self, code: str, timeout: float = KERNEL_TIMEOUT) -> str:  # noqa: ASYNC109
        """Execute ``code``; returns its stdout and results; raises on an error in the kernel."""
        texts: list[str] = []
        errors: list[str] = []

        def hook(msg: dict[str, Any]) -> None:
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                texts.append(content["text"])
            elif kind in ("execute_result", "display_data"):
                texts.append(content["data"].get("text/plain", "") + "\n")
            elif kind == "error":
                errors.append(f"{content['ename']}: {content['evalue']}")

        reply = await self.client.execute_interactive(code, timeout=timeout, output_hook=hook)
        if errors or reply["content"]["status"] != "ok":
            raise AssertionError(f"the kernel failed: {errors or reply['content']}")
        return "".join(texts)

    async def token(self) -> str:
        """The token the server put in the kernel's environment (read inside the kernel)."""
        out = await self.run("import os; print(os.environ['CONVERGENCE_KERNEL_TOKEN'])")
        return out.strip()

    async def environment(self) -> dict[str, str]:
        out = await self.run(
            "import os, json; print(json.dumps({k: v for k, v in os.environ.items() "
            "if k.startswith('CONVERGENCE_')}))"
        )
        data: dict[str, str] = json.loads(out)
        return data


StartKernel = Callable[..., Awaitable[RunningKernel]]


@pytest.fixture
def start_kernel(
    jp_fetch: Any, jp_serverapp: Any, http_server_client: Any, io_loop: Any
) -> Iterator[StartKernel]:
    """``await start_kernel(path, user="ada")``: a Jupyter session (as JupyterLab creates one
    when it opens a notebook) with a real python3 kernel, and a client connected to it."""
    started: list[RunningKernel] = []

    async def start(path: str, user: str = "ada") -> RunningKernel:
        response = await jp_fetch(
            "api",
            "sessions",
            method="POST",
            body=json.dumps(
                {"path": path, "name": path, "type": "notebook", "kernel": {"name": "python3"}}
            ),
            headers={USER_HEADER: user},
        )
        kernel_id = json.loads(response.body)["kernel"]["id"]
        manager = jp_serverapp.kernel_manager.get_kernel(kernel_id)
        client = manager.client()
        client.start_channels()
        await client.wait_for_ready(timeout=KERNEL_TIMEOUT)
        kernel = RunningKernel(kernel_id, path, client, jp_serverapp)
        started.append(kernel)
        return kernel

    yield start

    async def stop() -> None:
        for kernel in started:
            kernel.client.stop_channels()
            if kernel.kernel_id in jp_serverapp.kernel_manager:
                await jp_serverapp.kernel_manager.shutdown_kernel(kernel.kernel_id, now=True)

    io_loop.run_sync(stop)


@pytest.fixture
def realtime_url(jp_http_port: int, jp_base_url: str) -> str:
    path = url_path_join(jp_base_url, "convergence", "realtime", "convergence", "default")
    return f"ws://localhost:{jp_http_port}{path}"


@pytest.fixture
def server_url(jp_http_port: int, jp_base_url: str) -> str:
    return f"http://localhost:{jp_http_port}{jp_base_url}"


@dataclass
class Human:
    """A person in the notebook through the Python client, as JupyterLab's session does it:
    the notebook session endpoint's JWT, the model, the activity and the chat room."""

    domain: Any
    model: Any
    activity: Any
    chat: Any
    info: dict[str, Any]

    def bots(self) -> list[Any]:
        return [p for p in self.activity.participants() if p.user.username.startswith("bot:")]

    def cells(self) -> list[dict[str, Any]]:
        cells: list[dict[str, Any]] = self.model.value()["cells"]
        return cells

    async def close(self) -> None:
        await self.domain.dispose()


JoinHuman = Callable[..., Awaitable[Human]]


@pytest.fixture
def human(jp_fetch: Any, http_server_client: Any, io_loop: Any) -> Iterator[JoinHuman]:
    from convergence_jupyter.client import connect

    joined: list[Human] = []

    async def join(path: str, user: str = "ada") -> Human:
        response = await jp_fetch(
            "convergence/api/v1/notebooks",
            "session",
            method="POST",
            body=json.dumps({"path": path}),
            headers={USER_HEADER: user},
        )
        info = json.loads(response.body)
        domain = await connect(info["realtimeUrl"], jwt=info["jwt"])
        model = await domain.models().open(info["modelId"])
        state = {
            "user": {"name": user, "displayName": user.title(), "color": "#e6194b"},
            "cellId": None,
            "cursor": None,
        }
        activity = await domain.activities().join(
            info["activityType"], info["activityId"], state=state
        )
        chat = await domain.chat().join(info["chatId"])
        person = Human(domain, model, activity, chat, info)
        joined.append(person)
        return person

    yield join
    for person in joined:
        io_loop.run_sync(person.close)


async def eventually(predicate: Callable[[], Any], within: float = 20.0, message: str = "") -> Any:
    """Polls ``predicate`` on the loop until it is truthy (a loaded machine is slow)."""
    import asyncio

    deadline = asyncio.get_running_loop().time() + within
    last: Any = None
    while asyncio.get_running_loop().time() < deadline:
        last = predicate()
        if last:
            return last
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out: {message} (last: {last!r})")
