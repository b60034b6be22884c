"""An in-test TCP fault proxy for websocket connections (reliability-lessons T4).

It sits on 127.0.0.1 between real clients and the server, forwards whole websocket frames
and, when a rule fires, cuts the connection at a precise point of the protocol: before a
client frame reaches the server, or after the server wrote a frame but before (or just after)
the client receives it. Rules match frames by the ``ConvergenceMessage`` body name, so a test
can say "drop the 3rd ``operationAck`` and cut". After a cut the proxy can refuse new
connections for a while, so the clients keep editing offline.

The proxy runs its own asyncio loop in a daemon thread; the tests stay synchronous.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from dataclasses import dataclass, field
from typing import Literal

from convergence_jupyter.protocol.schema.message_pb2 import ConvergenceMessage

Direction = Literal["c2s", "s2c"]
#: "drop": the matching frame is lost and the connection cut; "after": it is delivered first.
Action = Literal["drop", "after"]


def body_name(payload: bytes) -> str | None:
    """The envelope body of a binary frame (None for pings, garbage or no body)."""
    message = ConvergenceMessage()
    try:
        message.ParseFromString(payload)
    except Exception:
        return None
    return message.WhichOneof("body")


@dataclass
class Rule:
    direction: Direction
    body: str
    action: Action
    #: Fire on the nth matching frame counted from when the rule was added (1 = the next).
    nth: int = 1
    #: Refuse new connections for this long after the cut.
    pause: float = 0.0
    seen: int = 0
    fired: bool = False


@dataclass
class Stats:
    connections: int = 0
    refused: int = 0
    cuts: list[str] = field(default_factory=list)
    frames: dict[str, int] = field(default_factory=dict)


class _FrameReader:
    """Splits one direction of a websocket stream into (raw bytes, body name) units.

    The HTTP upgrade head is passed through as one unit; then each frame is one unit.
    """

    def __init__(self, masked: bool) -> None:
        self._buf = bytearray()
        self._in_head = True
        self._masked = masked

    def feed(self, data: bytes) -> list[tuple[bytes, str | None]]:
        self._buf += data
        out: list[tuple[bytes, str | None]] = []
        while True:
            if self._in_head:
                end = self._buf.find(b"\r\n\r\n")
                if end < 0:
                    return out
                out.append((bytes(self._buf[: end + 4]), None))
                del self._buf[: end + 4]
                self._in_head = False
                continue
            frame = self._next_frame()
            if frame is None:
                return out
            out.append(frame)

    def _next_frame(self) -> tuple[bytes, str | None] | None:
        buf = self._buf
        if len(buf) < 2:
            return None
        opcode = buf[0] & 0x0F
        masked = bool(buf[1] & 0x80)
        length = buf[1] & 0x7F
        pos = 2
        if length == 126:
            if len(buf) < 4:
                return None
            length = int.from_bytes(buf[2:4], "big")
            pos = 4
        elif length == 127:
            if len(buf) < 10:
                return None
            length = int.from_bytes(buf[2:10], "big")
            pos = 10
        key = b""
        if masked:
            if len(buf) < pos + 4:
                return None
            key = bytes(buf[pos : pos + 4])
            pos += 4
        if len(buf) < pos + length:
            return None
        raw = bytes(buf[: pos + length])
        payload = bytes(buf[pos : pos + length])
        del buf[: pos + length]
        if masked:
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        # Only unfragmented binary frames carry envelopes (the client never fragments).
        name = body_name(payload) if opcode == 0x2 else None
        return raw, name


class FaultProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.stats = Stats()
        self._rules: list[Rule] = []
        self._lock = threading.Lock()
        self._refuse_until = 0.0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._pipes: set[_Pipe] = set()

    # -- control (from the test thread) ---------------------------------------------------

    def start(self) -> FaultProxy:
        self._thread.start()
        self.port = self._call(self._listen())
        return self

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._call(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def add_rule(self, rule: Rule) -> Rule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def cut_all(self, pause: float = 0.0) -> None:
        """Cut every live connection now (both directions)."""
        with self._lock:
            self._refuse_until = max(self._refuse_until, time.monotonic() + pause)
        self._call(self._cut_all())

    def frames(self, name: str) -> int:
        with self._lock:
            return self.stats.frames.get(name, 0)

    def _call(self, coro):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    # -- inside the loop -------------------------------------------------------------------

    async def _listen(self) -> int:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        await self._cut_all()

    async def _cut_all(self) -> None:
        for pipe in list(self._pipes):
            pipe.cut("cut_all")

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self._lock:
            refuse = time.monotonic() < self._refuse_until
            if refuse:
                self.stats.refused += 1
            else:
                self.stats.connections += 1
        if refuse:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        pipe = _Pipe(self, writer, up_writer)
        self._pipes.add(pipe)
        try:
            await asyncio.gather(
                pipe.pump(reader, up_writer, "c2s"),
                pipe.pump(up_reader, writer, "s2c"),
            )
        finally:
            self._pipes.discard(pipe)
            pipe.cut(None)

    def _decide(self, direction: Direction, name: str | None) -> Rule | None:
        """Count the frame; return the rule it fires, if any."""
        if name is None:
            return None
        with self._lock:
            key = f"{direction}:{name}"
            self.stats.frames[key] = self.stats.frames.get(key, 0) + 1
            for rule in self._rules:
                if rule.fired or rule.direction != direction or rule.body != name:
                    continue
                rule.seen += 1
                if rule.seen >= rule.nth:
                    rule.fired = True
                    self.stats.cuts.append(f"{rule.action} {direction} {name} #{rule.seen}")
                    self._refuse_until = max(self._refuse_until, time.monotonic() + rule.pause)
                    return rule
        return None


class _Pipe:
    """One proxied connection: client side and server side."""

    def __init__(
        self, proxy: FaultProxy, client: asyncio.StreamWriter, server: asyncio.StreamWriter
    ) -> None:
        self._proxy = proxy
        self._client = client
        self._server = server
        self.closed = False

    def cut(self, why: str | None) -> None:
        if self.closed:
            return
        self.closed = True
        # abort(): no FIN handshake, pending bytes are discarded (like a dropped network).
        for writer in (self._client, self._server):
            writer.transport.abort()

    async def pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, direction: Direction
    ) -> None:
        frames = _FrameReader(masked=direction == "c2s")
        while not self.closed:
            try:
                data = await reader.read(65536)
            except (ConnectionError, OSError):
                data = b""
            if not data:
                break
            for raw, name in frames.feed(data):
                rule = self._proxy._decide(direction, name)
                if rule is not None and rule.action == "drop":
                    with contextlib.suppress(ConnectionError, OSError):
                        await writer.drain()  # what went before the frame still arrives
                    self.cut("drop")
                    return
                writer.write(raw)
                if rule is not None:  # "after": let the frame out, then cut
                    with contextlib.suppress(ConnectionError, OSError):
                        await writer.drain()
                    await asyncio.sleep(0.05)
                    self.cut("after")
                    return
            with contextlib.suppress(ConnectionError, OSError):
                await writer.drain()
        self.cut(None)
