"""One websocket to a Convergence domain: framing, request/response correlation, heartbeat.

Everything runs on the caller's event loop (Tornado's websocket client is asyncio based), so it
works inside ipykernel's running loop as well as under ``asyncio.run``; nothing blocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from google.protobuf.message import DecodeError, Message
from tornado.httpclient import HTTPRequest
from tornado.iostream import IOStream
from tornado.websocket import WebSocketClientConnection, WebSocketClosedError, websocket_connect

from convergence_jupyter.protocol.envelope import encode
from convergence_jupyter.protocol.schema import core_pb2
from convergence_jupyter.protocol.schema.message_pb2 import ConvergenceMessage
from convergence_jupyter.protocol.values import value_map_to_dict

from .errors import AuthenticationError, ConnectionClosedError, server_error

_log = logging.getLogger(__name__)

#: How long a disposed connection waits for the server's closing frame before it drops the
#: socket.
CLOSE_HANDSHAKE_SECONDS = 2.0

#: Handles a pushed message (no ids): ``handler(body_name, body)``.
PushHandler = Callable[[str, Any], None]
#: Answers a request the server makes of us: returns the reply's (body name, body).
ServerRequestHandler = Callable[[Any], Awaitable[tuple[str, Message]]]
#: Sees a successful response as it is read, before any later message is dispatched.
ResponseHook = Callable[[str, Any], None]


class Connection:
    """A connected socket. ``closed`` resolves (with the close reason) when it ends."""

    def __init__(
        self,
        ws: WebSocketClientConnection,
        *,
        ping_interval: float,
        pong_timeout: float,
        request_timeout: float,
    ) -> None:
        self._ws = ws
        # The socket under the websocket protocol; ``ws.close()`` lets go of the protocol.
        protocol = ws.protocol
        assert protocol is not None and protocol.stream is not None, "a connected websocket"
        self._stream: IOStream = protocol.stream
        self._ping_interval = ping_interval
        self._pong_timeout = pong_timeout
        self.request_timeout = request_timeout
        self._next_id = 0
        self._pending: dict[int, asyncio.Future[tuple[str, Any]]] = {}
        self._hooks: dict[int, ResponseHook] = {}
        self._push: dict[str, PushHandler] = {}
        self._server_requests: dict[str, ServerRequestHandler] = {}
        self._answering: set[asyncio.Task[None]] = set()
        loop = asyncio.get_running_loop()
        self._last_received = loop.time()
        self.closed: asyncio.Future[str] = loop.create_future()
        self._tasks = [
            asyncio.create_task(self._read_loop(), name="convergence-client-read"),
            asyncio.create_task(self._heartbeat(), name="convergence-client-heartbeat"),
        ]

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        ping_interval: float = 10.0,
        pong_timeout: float = 10.0,
        request_timeout: float = 30.0,
        headers: dict[str, str] | None = None,
    ) -> Connection:
        ws = await websocket_connect(
            HTTPRequest(url, headers=headers or {}, request_timeout=request_timeout)
        )
        return cls(
            ws,
            ping_interval=ping_interval,
            pong_timeout=pong_timeout,
            request_timeout=request_timeout,
        )

    # -- registration ------------------------------------------------------------------------

    def on_push(self, body_name: str, handler: PushHandler) -> None:
        self._push[body_name] = handler

    def on_server_request(self, body_name: str, handler: ServerRequestHandler) -> None:
        self._server_requests[body_name] = handler

    # -- sending -----------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return not self.closed.done()

    def send(self, body_name: str, body: Message | None = None, **ids: int) -> None:
        if not self.is_open:
            raise ConnectionClosedError("the connection is closed")
        try:
            self._ws.write_message(encode(body_name, body, **ids), binary=True)
        except WebSocketClosedError:
            self._finish("the socket closed")
            raise ConnectionClosedError("the connection is closed") from None

    async def request(
        self,
        body_name: str,
        body: Message | None = None,
        *,
        timeout: float | None = None,  # noqa: ASYNC109
        on_response: ResponseHook | None = None,
    ) -> tuple[str, Any]:
        """Send a request and wait for its response: ``(body name, body)``.

        Raises the typed :class:`ServerError` subclass when the server answers ``error``,
        ``ConnectionClosedError`` when the socket ends first, ``TimeoutError`` after ``timeout``.
        ``on_response`` is called with a successful response synchronously as it is read: the
        server may send messages about what the response creates (a model's ops) right behind
        it, and the read loop dispatches those before the awaiting caller resumes.
        """
        request_id = self._next_id
        self._next_id = (self._next_id + 1) % 2**31
        future: asyncio.Future[tuple[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        if on_response is not None:
            self._hooks[request_id] = on_response
        try:
            self.send(body_name, body, request_id=request_id)
            name, reply = await asyncio.wait_for(future, timeout or self.request_timeout)
        finally:
            self._pending.pop(request_id, None)
            self._hooks.pop(request_id, None)
        if name == "error":
            raise server_error(reply.code, reply.message, value_map_to_dict(reply.details))
        return name, reply

    # -- receiving ---------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        reason = "the server closed the connection"
        try:
            while True:
                data = await self._ws.read_message()
                if data is None:
                    # The server's close reason, when it gave one, says why (e.g. a limit).
                    reason = self._ws.close_reason or reason
                    break
                self._last_received = asyncio.get_running_loop().time()
                if isinstance(data, str):
                    continue
                try:
                    message = ConvergenceMessage.FromString(data)
                except DecodeError:
                    _log.warning("ignoring an undecodable frame from the server")
                    continue
                self._dispatch(message)
        except asyncio.CancelledError:
            reason = "the connection was disposed"
            raise
        finally:
            self._finish(reason)

    def _dispatch(self, message: ConvergenceMessage) -> None:
        name = message.WhichOneof("body")
        if name is None:
            return
        body = getattr(message, name)
        if name == "ping":
            with contextlib.suppress(ConnectionClosedError):
                self.send("pong")
            return
        if name == "pong":
            return
        if message.HasField("responseId"):
            future = self._pending.get(message.responseId.value)
            if future is not None and not future.done():
                hook = self._hooks.pop(message.responseId.value, None)
                if hook is not None and name != "error":
                    try:
                        hook(name, body)
                    except Exception as exc:
                        future.set_exception(exc)
                        return
                future.set_result((name, body))
            return
        if message.HasField("requestId"):
            task = asyncio.create_task(self._answer(name, body, message.requestId.value))
            self._answering.add(task)
            task.add_done_callback(self._answering.discard)
            return
        handler = self._push.get(name)
        if handler is None:
            _log.debug("no handler for pushed %s", name)
            return
        try:
            handler(name, body)
        except Exception:
            _log.exception("handling a pushed %s failed", name)

    async def _answer(self, name: str, body: Any, request_id: int) -> None:
        handler = self._server_requests.get(name)
        try:
            if handler is None:
                raise LookupError(f"this client does not answer {name}")
            reply_name, reply = await handler(body)
        except Exception as exc:
            reply_name, reply = "error", core_pb2.ErrorMessage(code="unknown", message=str(exc))
        with contextlib.suppress(ConnectionClosedError):
            self.send(reply_name, reply, response_id=request_id)

    async def _heartbeat(self) -> None:
        """Ping after ``ping_interval`` of silence; close after ``pong_timeout`` more, so a dead
        network is noticed even when the server's own pings cannot reach us."""
        loop = asyncio.get_running_loop()
        while self.is_open:
            idle = loop.time() - self._last_received
            if idle >= self._ping_interval + self._pong_timeout:
                self.close("no answer to pings")
                return
            if idle >= self._ping_interval:
                with contextlib.suppress(ConnectionClosedError):
                    self.send("ping")
                await asyncio.sleep(self._pong_timeout / 2)
            else:
                await asyncio.sleep(self._ping_interval - idle)

    # -- closing -----------------------------------------------------------------------------

    def _finish(self, reason: str) -> None:
        if self.closed.done():
            return
        self.closed.set_result(reason)
        with contextlib.suppress(Exception):  # a dropped socket is closed on our side too
            self._ws.close()
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ConnectionClosedError(reason))
        try:
            current = asyncio.current_task()
        except RuntimeError:  # called from synchronous code, outside the loop
            current = None
        for task in self._tasks:
            if task is not current:
                task.cancel()

    async def handshake(
        self, request: core_pb2.ConnectionRequestMessage
    ) -> core_pb2.ConnectionResponseMessage.ConnectionSuccessData:
        """Authenticate (the first message on a socket); closes the socket and raises
        :class:`AuthenticationError` when refused."""
        try:
            _, reply = await self.request("connectionRequest", request)
        except BaseException:
            self.close()
            raise
        if reply.WhichOneof("response") != "success":
            self.close()
            failure = reply.failure
            raise AuthenticationError(failure.code, failure.details, retry_ok=failure.retryOk)
        return reply.success

    def abort(self, reason: str = "the connection was aborted") -> None:
        """Drop the TCP connection without a closing handshake, as a network failure would
        (the domain then reconnects); for tests and fault drills."""
        self._stream.close()
        self._finish(reason)

    def close(self, reason: str = "the connection was disposed") -> None:
        """Close the socket now; pending requests fail with ``ConnectionClosedError``."""
        self._ws.close()
        self._finish(reason)

    async def wait_closed(self) -> None:
        """Wait for our tasks and for the socket itself: the closing handshake is given
        ``CLOSE_HANDSHAKE_SECONDS``, then the socket is dropped, so a disposed domain never
        leaves an open socket behind for the loop's shutdown (or the garbage collector)."""
        await asyncio.shield(self.closed)
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CLOSE_HANDSHAKE_SECONDS
        # Polled: the stream's one close callback belongs to Tornado's websocket protocol.
        while not self._stream.closed() and loop.time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        self._stream.close()
