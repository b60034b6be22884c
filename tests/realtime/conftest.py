"""A Jupyter server with the extension loaded (pytest-jupyter) and protocol-level clients."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_server.utils import url_path_join
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect
from traitlets.config import Config

from tests.realtime.protocol_client import ProtocolClient

REALTIME = ("convergence", "realtime", "convergence", "default")

#: Short timers so heartbeat and handshake tests run in about a second.
LIMITS = {
    "handshake_timeout": 1.0,
    "ping_interval": 0.4,
    "pong_timeout": 0.4,
    "pre_auth_max_messages": 20,
    "max_frame_bytes": 64 * 1024,
}


@pytest.fixture
def jp_server_config(tmp_path: Path) -> Config:
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"convergence_jupyter": True}},
            "ConvergenceApp": {
                "database_url": f"sqlite:///{tmp_path / 'convergence.db'}",
                "anonymous_auth": True,
                **LIMITS,
            },
        }
    )


ClientFactory = Callable[..., Awaitable[ProtocolClient]]


@pytest.fixture
def open_client(
    jp_serverapp: Any, http_server_client: Any, jp_http_port: int, jp_base_url: str
) -> Iterator[ClientFactory]:
    """Opens raw websocket clients to the default domain, without any Jupyter credentials
    (the protocol authenticates itself), and closes them after the test."""
    opened: list[ProtocolClient] = []

    async def factory(
        *path: str, answer_pings: bool = True, headers: dict[str, str] | None = None
    ) -> ProtocolClient:
        url = f"ws://localhost:{jp_http_port}{url_path_join(jp_base_url, *(path or REALTIME))}"
        ws = await websocket_connect(HTTPRequest(url, headers=headers or {}))
        client = ProtocolClient(ws, answer_pings=answer_pings)
        opened.append(client)
        return client

    yield factory
    for client in opened:
        client.close()


async def connected_bystander(open_client: ClientFactory) -> ProtocolClient:
    """A well-behaved, connected client that must not notice anyone else's misbehaviour."""
    client = await open_client()
    await client.connect_anonymously("bystander")
    return client
