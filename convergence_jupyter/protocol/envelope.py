"""The ``ConvergenceMessage`` envelope: decoding one binary frame, encoding one reply.

The rc.12 client distinguishes requests, responses and plain messages by which of the two id
wrappers is present (``requestId`` / ``responseId``), so the codec classifies every body and
rejects frames whose ids contradict their body. A present wrapper with value 0 is still present:
``Int32Value`` fields are messages, and we always set them with ``SetInParent``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from google.protobuf.message import DecodeError, Message

from convergence_jupyter.protocol.schema.message_pb2 import ConvergenceMessage
from convergence_jupyter.protocol.wellformed import malformed_value

BODY_ONEOF = "body"


class MessageKind(enum.Enum):
    """How a body may travel: it decides which id wrapper must accompany it."""

    REQUEST = "request"
    RESPONSE = "response"
    NORMAL = "normal"
    HEARTBEAT = "heartbeat"


#: Bodies a client sends as plain messages (no ids).
CLIENT_NORMAL_BODIES = frozenset(
    {
        "operationSubmission",
        "shareReference",
        "setReference",
        "clearReference",
        "unshareReference",
        "modelResyncClientComplete",
        "activityUpdateState",
        "presenceSetState",
        "presenceRemoveState",
        "presenceClearState",
        "presenceUnsubscribe",
    }
)

#: Bodies a client sends as replies to the server's own requests.
CLIENT_RESPONSE_BODIES = frozenset({"modelAutoCreateConfigResponse", "error", "ok"})

#: Client bodies that are requests although their names do not end in "Request".
_IRREGULAR_CLIENT_REQUESTS = frozenset({"modelOfflineSubscriptionChange"})

#: Requests only the server sends; a client answering them uses the matching response body.
_SERVER_ONLY_REQUESTS = frozenset({"modelAutoCreateConfigRequest"})

#: Every body name the envelope can carry, in field order.
ALL_BODIES: tuple[str, ...] = tuple(
    f.name for f in ConvergenceMessage.DESCRIPTOR.oneofs_by_name[BODY_ONEOF].fields
)


def client_body_kind(body: str) -> MessageKind:
    """Classify a body as the client is allowed to send it."""
    if body in ("ping", "pong"):
        return MessageKind.HEARTBEAT
    if body in CLIENT_NORMAL_BODIES:
        return MessageKind.NORMAL
    if body in CLIENT_RESPONSE_BODIES:
        return MessageKind.RESPONSE
    if body.endswith("Request") or body in _IRREGULAR_CLIENT_REQUESTS:
        return MessageKind.REQUEST
    # Server-to-client bodies (acks, remote events, responses): a client may never send them.
    return MessageKind.NORMAL


def is_client_body(body: str) -> bool:
    """True when a client may legitimately send this body at all."""
    if body in ("ping", "pong") or body in CLIENT_NORMAL_BODIES or body in CLIENT_RESPONSE_BODIES:
        return True
    if body in _SERVER_ONLY_REQUESTS:
        return False
    return body.endswith("Request") or body in _IRREGULAR_CLIENT_REQUESTS


class ProtocolError(Exception):
    """A frame that breaks the wire rules; the sender gets ``code`` and is usually disconnected."""

    def __init__(self, code: str, message: str, *, request_id: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """One decoded client frame."""

    body_name: str
    body: Message
    kind: MessageKind
    request_id: int | None
    response_id: int | None


def decode_client_frame(data: bytes) -> IncomingMessage:
    """Decode and validate one binary frame sent by a client.

    Raises :class:`ProtocolError` with ``invalid_message`` for anything a compatible client would
    never send: undecodable bytes, an empty or server-only body, or ids that contradict the body.
    """
    envelope = ConvergenceMessage()
    try:
        envelope.ParseFromString(data)
    except (DecodeError, RecursionError) as exc:
        raise ProtocolError(
            "invalid_message", f"the frame is not a ConvergenceMessage: {exc}"
        ) from exc
    request_id = envelope.requestId.value if envelope.HasField("requestId") else None
    response_id = envelope.responseId.value if envelope.HasField("responseId") else None
    body_name = envelope.WhichOneof(BODY_ONEOF)
    if body_name is None:
        raise ProtocolError(
            "invalid_message",
            "the message has no body this server understands",
            request_id=request_id,
        )
    if not is_client_body(body_name):
        raise ProtocolError(
            "invalid_message",
            f"'{body_name}' is sent by servers, not clients",
            request_id=request_id,
        )
    kind = client_body_kind(body_name)
    expected = {
        MessageKind.REQUEST: (True, False),
        MessageKind.RESPONSE: (False, True),
        MessageKind.NORMAL: (False, False),
        MessageKind.HEARTBEAT: (False, False),
    }[kind]
    if (request_id is not None, response_id is not None) != expected:
        raise ProtocolError(
            "invalid_message",
            f"'{body_name}' is a {kind.value} message and must "
            + ("carry a requestId" if kind is MessageKind.REQUEST else "")
            + ("carry a responseId" if kind is MessageKind.RESPONSE else "")
            + ("carry no ids" if kind in (MessageKind.NORMAL, MessageKind.HEARTBEAT) else ""),
            request_id=request_id,
        )
    body = getattr(envelope, body_name)
    malformed = malformed_value(body)
    if malformed is not None:
        raise ProtocolError(
            "invalid_message",
            f"'{body_name}' carries a value the protocol does not allow: {malformed}",
            request_id=request_id,
        )
    return IncomingMessage(
        body_name=body_name,
        body=body,
        kind=kind,
        request_id=request_id,
        response_id=response_id,
    )


def encode(
    body_name: str,
    body: Message | None = None,
    *,
    request_id: int | None = None,
    response_id: int | None = None,
) -> bytes:
    """Serialize one server frame. ``body`` may be omitted for empty bodies such as ``pong``."""
    envelope = ConvergenceMessage()
    if request_id is not None:
        envelope.requestId.value = request_id
        envelope.requestId.SetInParent()
    if response_id is not None:
        envelope.responseId.value = response_id
        envelope.responseId.SetInParent()
    target = getattr(envelope, body_name)
    if body is None:
        target.SetInParent()
    else:
        target.CopyFrom(body)
        target.SetInParent()
    return envelope.SerializeToString()
