"""A minimal protocol-level test client: it sends any frame, even ones a real client never would."""

from __future__ import annotations

import asyncio
from typing import Any

from google.protobuf.message import Message
from tornado.websocket import WebSocketClientConnection

from convergence_jupyter.protocol.envelope import encode
from convergence_jupyter.protocol.schema import core_pb2
from convergence_jupyter.protocol.schema.message_pb2 import ConvergenceMessage


class ProtocolClient:
    """Wraps a Tornado websocket; answers server pings unless told to stay silent."""

    def __init__(self, ws: WebSocketClientConnection, *, answer_pings: bool = True) -> None:
        self.ws = ws
        self.answer_pings = answer_pings
        self._next_id = 0

    def send_raw(self, data: bytes | str) -> None:
        self.ws.write_message(data, binary=isinstance(data, bytes))

    def send(
        self,
        body_name: str | None,
        body: Message | None = None,
        *,
        request_id: int | None = None,
        response_id: int | None = None,
    ) -> None:
        if body_name is not None:
            self.send_raw(encode(body_name, body, request_id=request_id, response_id=response_id))
            return
        # No body at all: a frame no codec of ours would produce, built by hand.
        envelope = ConvergenceMessage()
        if request_id is not None:
            envelope.requestId.value = request_id
            envelope.requestId.SetInParent()
        if response_id is not None:
            envelope.responseId.value = response_id
            envelope.responseId.SetInParent()
        self.send_raw(envelope.SerializeToString())

    async def recv(self, timeout: float = 5.0) -> ConvergenceMessage | None:  # noqa: ASYNC109
        """The next non-ping frame, or None once the server closed the socket."""
        while True:
            data = await asyncio.wait_for(self.ws.read_message(), timeout)
            if data is None:
                return None
            assert isinstance(data, bytes), "the server must only send binary frames"
            message = ConvergenceMessage.FromString(data)
            if message.WhichOneof("body") == "ping":
                if self.answer_pings:
                    self.send("pong")
                    continue
            return message

    async def request(self, body_name: str, body: Message | None = None) -> ConvergenceMessage:
        request_id = self._next_id
        self._next_id += 1
        self.send(body_name, body, request_id=request_id)
        while True:
            message = await self.recv()
            assert message is not None, f"closed while waiting for the reply to {body_name}"
            if message.HasField("responseId") and message.responseId.value == request_id:
                return message

    async def connect_anonymously(self, name: str = "tester") -> ConvergenceMessage:
        request = core_pb2.ConnectionRequestMessage(client="python-tests", clientVersion="0")
        request.anonymous.displayName.value = name
        reply = await self.request("connectionRequest", request)
        assert reply.connectionResponse.WhichOneof("response") == "success", reply
        return reply

    async def expect_closed(self, timeout: float = 5.0) -> int | None:  # noqa: ASYNC109
        """Drain until the server closes; returns the close code."""
        while await self.recv(timeout) is not None:
            pass
        return self.ws.close_code

    async def round_trip_ok(self) -> bool:
        """A cheap request proving the connection still works."""
        reply = await self.request("serverTimeRequest", core_pb2.GetServerTimeRequestMessage())
        return reply.WhichOneof("body") == "serverTimeResponse"

    def close(self) -> None:
        self.ws.close()


def body_of(message: ConvergenceMessage) -> Any:
    name = message.WhichOneof("body")
    return name, getattr(message, name) if name else None
