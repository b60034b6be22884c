"""The Tornado transport joins the frames of one event-loop turn into one socket write; each
message must still arrive as its own intact binary frame, in order, and a close must not
overtake frames written before it. Guards behaviour, not speed."""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass, field
from typing import Any

import pytest
from tornado.iostream import StreamClosedError
from tornado.websocket import WebSocketClosedError

from convergence_jupyter.realtime.websocket import CoalescingTransport, binary_frame_header


def parse_frames(data: bytes) -> list[bytes]:
    """A minimal RFC 6455 reader for unmasked server frames; asserts FIN and binary opcode."""
    out = []
    i = 0
    while i < len(data):
        assert data[i] == 0x82
        length = data[i + 1]
        i += 2
        if length == 126:
            (length,) = struct.unpack("!H", data[i : i + 2])
            i += 2
        elif length == 127:
            (length,) = struct.unpack("!Q", data[i : i + 8])
            i += 8
        out.append(data[i : i + length])
        i += length
    return out


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_frame_header_lengths(size: int) -> None:
    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
    assert parse_frames(binary_frame_header(len(payload)) + payload) == [payload]


@dataclass
class _Stream:
    writes: list[bytes] = field(default_factory=list)
    fail: bool = False

    def write(self, data: bytes) -> asyncio.Future[None]:
        if self.fail:
            raise StreamClosedError()
        self.writes.append(data)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


@dataclass
class _Protocol:
    stream: _Stream
    closing: bool = False

    def is_closing(self) -> bool:
        return self.closing


@dataclass
class _Handler:
    ws_connection: _Protocol | None
    events: list[Any] = field(default_factory=list)

    def close(self, code: int, reason: str) -> None:
        assert self.ws_connection is not None
        self.events.append(("close", code, list(self.ws_connection.stream.writes)))


def _transport() -> tuple[CoalescingTransport, _Handler]:
    handler = _Handler(_Protocol(_Stream()))
    return CoalescingTransport(handler), handler  # type: ignore[arg-type]


async def test_frames_of_one_turn_leave_in_one_write_in_order() -> None:
    transport, handler = _transport()
    assert handler.ws_connection is not None
    frames = [b"a", b"b" * 200, b"c" * 70000]
    futures = [transport.write(f) for f in frames]
    assert handler.ws_connection.stream.writes == []  # nothing before the turn ends
    await asyncio.gather(*futures)
    assert len(handler.ws_connection.stream.writes) == 1
    assert parse_frames(handler.ws_connection.stream.writes[0]) == frames
    await transport.write(b"d")
    assert parse_frames(handler.ws_connection.stream.writes[1]) == [b"d"]


async def test_close_flushes_what_was_written_before_it() -> None:
    transport, handler = _transport()
    pending = transport.write(b"error frame")
    transport.close(1008, "bye")
    assert handler.events[0][0] == "close"
    assert [parse_frames(w) for w in handler.events[0][2]] == [[b"error frame"]]
    await pending


async def test_closed_sockets_fail_the_writes() -> None:
    transport, handler = _transport()
    assert handler.ws_connection is not None
    handler.ws_connection.stream.fail = True
    pending = transport.write(b"x")
    with pytest.raises(WebSocketClosedError):
        await pending
    handler.ws_connection.closing = True
    with pytest.raises(WebSocketClosedError):
        transport.write(b"y")
