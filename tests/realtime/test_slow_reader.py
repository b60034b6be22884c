"""T10: a client that stops reading while others edit (reliability-lessons §3).

Real sockets against the pytest-jupyter server: three writers edit one model (each op sets the
text to 64 KiB, so every broadcast is large), first alone (baseline), then while a fourth client,
a raw socket with a 4 KiB receive buffer, has the model open and never reads. Checked:

* the stalled client is disconnected once its unflushed bytes pass ``max_outbound_bytes``;
* its connection object is released (weak reference dead after GC), the writers stay connected;
* server memory returns: RSS after the drop is printed and bounded.

Ack latency p50/p99 of the writers with and without the stalled reader is printed, not asserted
(a timed assertion would wobble on a loaded machine).
"""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import struct
import time
import weakref
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.wrappers_pb2 import StringValue
from traitlets.config import Config

from convergence_jupyter import ot
from convergence_jupyter.models import wire
from convergence_jupyter.protocol.envelope import encode
from convergence_jupyter.protocol.schema import core_pb2
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.protocol.schema.message_pb2 import ConvergenceMessage
from convergence_jupyter.realtime.connection import ClientConnection
from tests.realtime.conftest import REALTIME, ClientFactory
from tests.realtime.inprocess import initial_data, realtime_of, wait_until
from tests.realtime.protocol_client import ProtocolClient

MAX_OUTBOUND = 1024 * 1024
CHUNK = 64 * 1024
OPS_PER_WRITER = 60
WRITERS = 3
MODEL = "slow-reader-model"


@pytest.fixture
def jp_server_config(tmp_path: Path) -> Config:
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"convergence_jupyter": True}},
            "ConvergenceApp": {
                "database_url": f"sqlite:///{tmp_path / 'slow.db'}",
                "anonymous_auth": True,
                "handshake_timeout": 60.0,
                "ping_interval": 120.0,
                "pong_timeout": 120.0,
                "max_outbound_bytes": MAX_OUTBOUND,
            },
        }
    )


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class StalledReader:
    """A websocket client on a raw socket with a tiny receive buffer that stops reading."""

    def __init__(self, port: int, path: str) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.port, self.path = port, path
        self.buffer = b""

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        self.sock.setblocking(False)
        await loop.sock_connect(self.sock, ("127.0.0.1", self.port))
        key = "dGhlIHNhbXBsZSBub25jZQ=="
        request = (
            f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        await loop.sock_sendall(self.sock, request.encode())
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += await loop.sock_recv(self.sock, 4096)
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        assert b" 101 " in head.split(b"\r\n")[0], head

    async def send(self, frame: bytes) -> None:
        mask = os.urandom(4)
        header = bytearray([0x82])
        length = len(frame)
        if length < 126:
            header.append(0x80 | length)
        elif length <= 0xFFFF:
            header += struct.pack("!BH", 0x80 | 126, length)
        else:
            header += struct.pack("!BQ", 0x80 | 127, length)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(frame))
        await asyncio.get_running_loop().sock_sendall(self.sock, bytes(header) + mask + masked)

    async def recv(self) -> ConvergenceMessage:
        loop = asyncio.get_running_loop()

        async def need(n: int) -> bytes:
            while len(self.buffer) < n:
                self.buffer += await loop.sock_recv(self.sock, 65536)
            data, self.buffer = self.buffer[:n], self.buffer[n:]
            return data

        first, second = await need(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await need(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await need(8))
        payload = await need(length)
        assert first & 0x0F == 0x2, f"opcode {first & 0x0F}"
        return ConvergenceMessage.FromString(payload)

    async def request(self, body_name: str, body: Any, request_id: int) -> ConvergenceMessage:
        await self.send(encode(body_name, body, request_id=request_id))
        while True:
            message = await self.recv()
            if message.HasField("responseId") and message.responseId.value == request_id:
                return message

    def close(self) -> None:
        self.sock.close()


async def _open(client: ProtocolClient) -> tuple[int, str, int]:
    reply = await client.request(
        "openRealTimeModelRequest",
        pb.OpenRealtimeModelRequestMessage(modelId=StringValue(value=MODEL)),
    )
    opened = reply.openRealTimeModelResponse
    text_id = wire.object_from_wire(opened.data).children["text"].id
    return opened.resourceId, text_id, opened.version


async def _write(client: ProtocolClient, ops: int, latencies: list[float]) -> None:
    resource, text_id, version = await _open(client)
    for seq in range(1, ops + 1):
        chunk = chr(ord("a") + seq % 26) * CHUNK
        op = pb.OperationSubmissionMessage(
            resourceId=resource,
            sequenceNumber=seq,
            contextVersion=version,
            operation=wire.operation_to_wire(ot.StringSet(id=text_id, value=chunk)),
        )
        started = time.perf_counter()
        client.send("operationSubmission", op)
        while True:
            message = await client.recv(30)
            assert message is not None, "a writer was disconnected"
            body = message.WhichOneof("body")
            assert body != "error", message
            if body == "remoteOperation":
                version = message.remoteOperation.contextVersion + 1
            elif body == "operationAck" and message.operationAck.sequenceNumber == seq:
                version = message.operationAck.version + 1
                break
        latencies.append(time.perf_counter() - started)
    await client.request(
        "closeRealTimeModelRequest", pb.CloseRealtimeModelRequestMessage(resourceId=resource)
    )


def _percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p50 = ordered[len(ordered) // 2]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms (n={len(ordered)})"


@pytest.mark.timeout(600)
async def test_a_reader_that_stops_is_dropped_and_others_continue(
    jp_serverapp: Any, open_client: ClientFactory, jp_http_port: int, jp_base_url: str
) -> None:
    server = realtime_of(jp_serverapp)
    creator = await open_client()
    await creator.connect_anonymously("creator")
    create = pb.CreateRealtimeModelRequestMessage(collectionId="slow", data=initial_data())
    create.modelId.value = MODEL
    created = await creator.request("createRealTimeModelRequest", create)
    assert created.WhichOneof("body") == "createRealTimeModelResponse", created

    writers = []
    for n in range(WRITERS):
        writer = await open_client()
        await writer.connect_anonymously(f"writer{n}")
        writers.append(writer)

    baseline: list[float] = []
    await asyncio.gather(*(_write(w, OPS_PER_WRITER, baseline) for w in writers))
    gc.collect()
    rss_before = rss_mib()

    path = "/".join(["", *[p.strip("/") for p in (jp_base_url, *REALTIME) if p.strip("/")]])
    stalled = StalledReader(jp_http_port, path)
    await stalled.open()
    request = core_pb2.ConnectionRequestMessage(client="stalled", clientVersion="0")
    request.anonymous.displayName.value = "stalled"
    reply = await stalled.request("connectionRequest", request, 0)
    session_id = reply.connectionResponse.success.sessionId
    assert session_id
    opened = await stalled.request(
        "openRealTimeModelRequest",
        pb.OpenRealtimeModelRequestMessage(modelId=StringValue(value=MODEL)),
        1,
    )
    assert opened.WhichOneof("body") == "openRealTimeModelResponse", opened
    connection = next(c for c in server._connections if c.session_id == session_id)
    assert isinstance(connection, ClientConnection)
    held = weakref.ref(connection)
    del connection
    # From here on the stalled client never reads again.

    stalled_phase: list[float] = []
    peak_outstanding = 0

    async def watch() -> None:
        nonlocal peak_outstanding
        while True:
            live = held()
            if live is None:
                return
            peak_outstanding = max(peak_outstanding, live._outstanding_bytes)
            del live
            await asyncio.sleep(0.01)

    watcher = asyncio.ensure_future(watch())
    await asyncio.gather(*(_write(w, OPS_PER_WRITER, stalled_phase) for w in writers))
    runtime = next(iter(server._runtimes.values()))
    await wait_until(lambda: session_id not in runtime.sessions, 30, "the stalled client dropped")
    dropped_at = time.perf_counter()

    def released() -> bool:
        gc.collect()
        return held() is None

    # Tornado gives a peer that does not answer the close handshake a few seconds before it
    # aborts the stream; only then are the handler, the connection and its buffers let go.
    await wait_until(released, 30, "the dropped connection to be released")
    released_after = time.perf_counter() - dropped_at
    watcher.cancel()
    rss_after = rss_mib()
    print(
        f"\nT10 slow reader: max_outbound_bytes {MAX_OUTBOUND} B, peak unflushed "
        f"{peak_outstanding} B; writers' ack latency without the stalled reader: "
        f"{_percentiles(baseline)}; with it: {_percentiles(stalled_phase)}; "
        f"RSS {rss_before:.1f} MiB before the stall, {rss_after:.1f} MiB after the drop; "
        f"connection released {released_after:.1f} s after the session ended"
    )
    assert peak_outstanding <= MAX_OUTBOUND + 4 * CHUNK + 65536
    for writer in writers:
        assert await writer.round_trip_ok()
    assert rss_after - rss_before < 64, "server memory did not return after the drop"
    stalled.close()
