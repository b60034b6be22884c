"""Outbound accounting of a connection: bytes count as outstanding until their write is flushed,
a failed write still releases them, and a client that stops reading is dropped (the write path
uses done-callbacks rather than a task per frame; this guards that behaviour, not its speed)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from convergence_jupyter.realtime.connection import ClientConnection, State
from convergence_jupyter.realtime.limits import ConnectionLimits


@dataclass
class _FakeServer:
    limits: ConnectionLimits
    tracked: set[object] = field(default_factory=set)

    def track(self, connection: object) -> None:
        self.tracked.add(connection)

    def untrack(self, connection: object) -> None:
        self.tracked.discard(connection)


@dataclass
class _HeldTransport:
    """Every write stays pending until the test resolves it."""

    writes: list[asyncio.Future[None]] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)

    def write(self, frame: bytes) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.writes.append(future)
        return future

    def close(self, code: int, reason: str) -> None:
        self.closed.append(code)


def _connection(limit: int) -> tuple[ClientConnection, _HeldTransport]:
    transport = _HeldTransport()
    server = _FakeServer(ConnectionLimits(max_outbound_bytes=limit, handshake_timeout=60))
    connection = ClientConnection(server, transport, namespace="n", domain_name="d")  # type: ignore[arg-type]
    return connection, transport


async def _settle() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


async def test_flushed_and_failed_writes_release_their_bytes() -> None:
    connection, transport = _connection(limit=1000)
    connection.send_error("x", "a" * 100)
    connection.send_error("x", "b" * 100)
    assert len(transport.writes) == 2
    held = connection._outstanding_bytes
    assert held > 200
    transport.writes[0].set_result(None)
    await _settle()
    assert 0 < connection._outstanding_bytes < held
    transport.writes[1].set_exception(ConnectionResetError("gone"))
    await _settle()
    assert connection._outstanding_bytes == 0
    assert transport.closed == []
    connection.transport_closed()
    await _settle()


async def test_a_client_that_does_not_read_is_dropped() -> None:
    connection, transport = _connection(limit=300)
    connection.send_error("x", "a" * 100)
    connection.send_error("x", "b" * 100)
    assert transport.closed == []
    connection.send_error("x", "c" * 100)
    assert transport.closed == [1008]
    assert connection.state is State.CLOSED
    for write in transport.writes:
        write.set_result(None)
    await _settle()
