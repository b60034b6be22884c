"""``send_encoded``: a pre-encoded frame leaves byte for byte, after the identities of the
sessions it mentions (the identity-cache rule), in order with ``send``, and not once closed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from convergence_jupyter.domain.users import DomainUser, DomainUserId, UserType
from convergence_jupyter.protocol.envelope import encode
from convergence_jupyter.protocol.schema import core_pb2, model_pb2
from convergence_jupyter.protocol.schema.message_pb2 import ConvergenceMessage
from convergence_jupyter.realtime.connection import ClientConnection, State
from convergence_jupyter.realtime.limits import ConnectionLimits


@dataclass
class _FakeServer:
    limits: ConnectionLimits

    def track(self, connection: object) -> None:
        return None

    def untrack(self, connection: object) -> None:
        return None


@dataclass
class _Directory:
    users: dict[str, DomainUser]

    def get(self, session_id: str) -> DomainUser | None:
        return self.users.get(session_id)


@dataclass
class _Runtime:
    directory: _Directory


@dataclass
class _RecordingTransport:
    frames: list[bytes] = field(default_factory=list)

    def write(self, frame: bytes) -> None:
        self.frames.append(frame)

    def close(self, code: int, reason: str) -> None:
        return None


def _body_name(frame: bytes) -> str | None:
    return ConvergenceMessage.FromString(frame).WhichOneof("body")


async def test_encoded_frames_follow_the_identity_cache_rule_and_order() -> None:
    transport = _RecordingTransport()
    server = _FakeServer(ConnectionLimits(handshake_timeout=60))
    connection = ClientConnection(server, transport, namespace="n", domain_name="d")  # type: ignore[arg-type]
    other = DomainUser(DomainUserId(UserType.ANONYMOUS, "bob"))
    connection.runtime = _Runtime(_Directory({"s2": other}))  # type: ignore[assignment]
    connection.state = State.CONNECTED
    frame = encode(
        "remoteOperation", model_pb2.RemoteOperationMessage(resourceId=1, sessionId="s2")
    )

    connection.send_encoded(frame, mentions=["s2"])
    connection.send("ok", core_pb2.OkResponse())
    connection.send_encoded(frame, mentions=["s2"])  # already announced: only the frame

    assert [_body_name(f) for f in transport.frames] == [
        "identityCacheUpdate",
        "remoteOperation",
        "ok",
        "remoteOperation",
    ]
    assert transport.frames[1] is frame and transport.frames[3] is frame
    update = ConvergenceMessage.FromString(transport.frames[0]).identityCacheUpdate
    assert list(update.sessions) == ["s2"]

    connection.transport_closed()
    connection.send_encoded(frame)
    assert len(transport.frames) == 4
    await asyncio.sleep(0)
