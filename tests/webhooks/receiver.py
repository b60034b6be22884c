"""A real HTTP receiver for web hook tests: a tornado server on 127.0.0.1 in its own thread.

It records every request (path, headers, raw body, arrival time), answers with what the test
chose (status, body, delay), and can go *down* (its listening socket closed, so connections
are refused) and come back on the same port. Signatures are checked here with ``hmac`` and
``hashlib`` directly, not with the server's own ``webhooks.signing``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.web import Application, RequestHandler


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)

    def signature_valid(self, secret: str, tolerance: float = 300) -> bool:
        """Check ``X-Convergence-Signature: t=..,v1=..`` = HMAC-SHA256(secret, "t." + body)."""
        header = self.headers.get("X-Convergence-Signature", "")
        parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        if "t" not in parts or "v1" not in parts:
            return False
        if abs(time.time() - int(parts["t"])) > tolerance:
            return False
        expected = hmac.new(
            secret.encode(), parts["t"].encode() + b"." + self.body, hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest(expected, parts["v1"])


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"{}"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


Responder = Callable[[Received], Answer]


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.respond: Responder = lambda request: Answer()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: HTTPServer | None = None
        self._ready = threading.Event()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port: int = s.getsockname()[1]
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(10)
        self.up()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    # -- control (from the test thread) -------------------------------------------------------

    def _call(self, fn: Callable[[], Any]) -> Any:
        assert self._loop is not None

        async def run() -> Any:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(10)

    def up(self) -> None:
        """Listen (again) on the same port."""

        def start() -> None:
            if self._server is None:
                self._server = HTTPServer(Application([(r"/.*", _Handler, {"receiver": self})]))
                self._server.listen(self.port, "127.0.0.1", reuse_port=False)

        self._call(start)

    def down(self) -> None:
        """Stop listening and drop open connections: new requests are refused."""

        async def stop() -> None:
            if self._server is not None:
                self._server.stop()
                await self._server.close_all_connections()
                self._server = None

        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)

    def close(self) -> None:
        self.down()
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    # -- what arrived -------------------------------------------------------------------------

    def record(self, request: Received) -> None:
        with self._lock:
            self.requests.append(request)

    def received(self, path: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if path is None or r.path == path]

    def wait_for(
        self, predicate: Callable[[list[Received]], bool], timeout: float = 20.0
    ) -> list[Received]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.received()
            if predicate(found):
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"receiver: condition not met in {timeout}s; got {found}")
            time.sleep(0.05)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()


class _Handler(RequestHandler):
    def initialize(self, receiver: Receiver) -> None:
        self.receiver = receiver

    async def post(self) -> None:
        request = Received(
            self.request.path, dict(self.request.headers), self.request.body, time.time()
        )
        self.receiver.record(request)
        answer = self.receiver.respond(request)
        if answer.delay:
            await asyncio.sleep(answer.delay)
        self.set_status(answer.status)
        for name, value in answer.headers.items():
            self.set_header(name, value)
        self.finish(answer.body)

    async def get(self) -> None:
        await self.post()
