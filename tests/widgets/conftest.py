"""A Jupyter server with the extension (pytest-jupyter, SQLite, anonymous auth) and Python
clients connected to its default domain, for widgets driven by real client events."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_server.utils import url_path_join
from traitlets.config import Config

from convergence_jupyter.client import Domain, connect

ClientFactory = Callable[..., Awaitable[Domain]]
WAIT = 15.0


@pytest.fixture
def jp_server_config(tmp_path: Path) -> Config:
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"convergence_jupyter": True}},
            "ConvergenceApp": {
                "database_url": f"sqlite:///{tmp_path / 'convergence.db'}",
                "anonymous_auth": True,
            },
        }
    )


@pytest.fixture
def client(
    jp_serverapp: Any, http_server_client: Any, jp_http_port: int, jp_base_url: str, io_loop: Any
) -> Iterator[ClientFactory]:
    path = url_path_join(jp_base_url, "convergence", "realtime", "convergence", "default")
    opened: list[Domain] = []

    async def factory(name: str) -> Domain:
        domain = await connect(f"ws://localhost:{jp_http_port}{path}", anonymous=name)
        opened.append(domain)
        return domain

    yield factory
    for domain in opened:
        io_loop.run_sync(domain.dispose)


async def eventually(check: Callable[[], Any], message: str, timeout: float = WAIT) -> Any:  # noqa: ASYNC109
    """Polls ``check`` on the running loop (the widgets update from tasks on it)."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while asyncio.get_running_loop().time() < deadline:
        last = check()
        if last:
            return last
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out: {message} (last: {last!r})")
