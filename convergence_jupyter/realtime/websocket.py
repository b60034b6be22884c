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
import struct
from typing import Any

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import JupyterHandler
from tornado import websocket
from tornado.iostream import StreamClosedError

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
            CoalescingTransport(self),
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


def binary_frame_header(length: int) -> bytes:
    """The RFC 6455 header of one final, unmasked, uncompressed binary frame (server side)."""
    if length < 126:
        return bytes((0x82, length))
    if length <= 0xFFFF:
        return struct.pack("!BBH", 0x82, 126, length)
    return struct.pack("!BBQ", 0x82, 127, length)


class CoalescingTransport:
    """Frames written to one socket during one event-loop turn leave in ONE stream write.

    Each message is still its own websocket frame (the client expects one envelope per frame);
    only the socket writes are joined. ``write_message`` would cost a frame header, a write
    syscall and an extra task per frame: a broadcast of a batch of k ops to one connection is
    k frames, now one write (issue 3, bench/README.md). Compression is off for this handler,
    so the frames need no RSV1 bit.
    """

    def __init__(self, handler: websocket.WebSocketHandler) -> None:
        self._handler = handler
        self._loop = asyncio.get_running_loop()
        self._parts: list[bytes] = []
        self._flushed: asyncio.Future[None] | None = None

    def write(self, frame: bytes) -> asyncio.Future[None]:
        """Queue one frame; the future completes when this turn's joined write is flushed."""
        connection = self._handler.ws_connection
        if connection is None or connection.is_closing():
            raise websocket.WebSocketClosedError()
        if self._flushed is None:
            self._flushed = self._loop.create_future()
            self._loop.call_soon(self.flush)
        self._parts.append(binary_frame_header(len(frame)))
        self._parts.append(frame)
        return self._flushed

    def flush(self) -> None:
        flushed, self._flushed = self._flushed, None
        parts, self._parts = self._parts, []
        if flushed is None:
            return
        connection = self._handler.ws_connection
        stream = connection.stream if connection is not None else None
        if stream is None or connection is None or connection.is_closing():
            flushed.set_exception(websocket.WebSocketClosedError())
            return
        try:
            written = stream.write(b"".join(parts))
        except StreamClosedError:
            flushed.set_exception(websocket.WebSocketClosedError())
            return
        written.add_done_callback(lambda done: _settle(done, flushed))

    def close(self, code: int, reason: str) -> None:
        self.flush()  # what was written before the close goes out before the close frame
        self._handler.close(code, reason)


def _settle(source: asyncio.Future[None], target: asyncio.Future[None]) -> None:
    if target.done():
        return
    if source.cancelled() or source.exception() is not None:
        target.set_exception(websocket.WebSocketClosedError())
    else:
        target.set_result(None)
