"""The Tornado websocket handler that carries the Convergence protocol.

Security: this endpoint does not require a Jupyter login; the Convergence protocol authenticates
each connection itself (password, JWT, anonymous, reconnect token), which is what lets
non-Jupyter clients use it. Browser origins are still checked with jupyter_server's rules
(same host, ``allow_origin``/``allow_origin_pat``), so a foreign page cannot drive it. The Jupyter
login bridge, which turns a Jupyter login into a Convergence JWT, is a separate, authenticated
REST endpoint.
"""

from __future__ import annotations

import asyncio
from typing import Any

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import JupyterHandler
from tornado import websocket

from convergence_jupyter.realtime.connection import ClientConnection
from convergence_jupyter.realtime.server import RealtimeServer


class RealtimeWebSocketHandler(websocket.WebSocketHandler, JupyterHandler):
    """``{base_url}convergence/realtime/{namespace}/{domain}``: one connection per socket."""

    def initialize(self, realtime_server: RealtimeServer) -> None:
        self._realtime = realtime_server
        self._connection: ClientConnection | None = None

    @property
    def max_message_size(self) -> int:
        """Tornado closes the socket with 1009 before buffering anything larger."""
        return self._realtime.limits.max_frame_bytes

    def check_origin(self, origin_to_satisfy_tornado: str = "") -> bool:
        # Tornado's own rule would come first in the MRO; use jupyter_server's instead.
        return JupyterHandler.check_origin(self, origin_to_satisfy_tornado)

    def get_compression_options(self) -> dict[str, Any] | None:
        # No permessage-deflate: it invites decompression bombs and costs CPU on every frame.
        return None

    @allow_unauthenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        await super().get(*args, **kwargs)

    def open(self, namespace: str, domain: str) -> None:
        self.set_nodelay(True)
        self._connection = ClientConnection(
            self._realtime,
            _TornadoTransport(self),
            namespace=namespace,
            domain_name=domain,
            remote_host=self.request.remote_ip or "",
            user_agent=self.request.headers.get("User-Agent", ""),
        )

    def on_message(self, message: str | bytes) -> None:
        if self._connection is None:
            return
        if isinstance(message, bytes):
            self._connection.receive_binary(message)
        else:
            self._connection.receive_text()

    def on_close(self) -> None:
        if self._connection is not None:
            self._connection.transport_closed()


class _TornadoTransport:
    def __init__(self, handler: RealtimeWebSocketHandler) -> None:
        self._handler = handler

    def write(self, frame: bytes) -> asyncio.Future[None]:
        return self._handler.write_message(frame, binary=True)

    def close(self, code: int, reason: str) -> None:
        self._handler.close(code, reason)
