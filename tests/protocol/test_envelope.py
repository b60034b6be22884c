"""The envelope codec: id rules and body classification."""

from __future__ import annotations

import pytest

from convergence_jupyter.protocol.envelope import (
    ALL_BODIES,
    MessageKind,
    ProtocolError,
    client_body_kind,
    decode_client_frame,
    encode,
    is_client_body,
)
from convergence_jupyter.protocol.schema import core_pb2
from convergence_jupyter.protocol.schema.message_pb2 import ConvergenceMessage


def test_zero_response_id_is_present_on_the_wire() -> None:
    frame = encode("ok", response_id=0)
    assert frame == bytes.fromhex("12001a00")
    decoded = ConvergenceMessage.FromString(frame)
    assert decoded.HasField("responseId") and decoded.responseId.value == 0


def test_request_round_trip() -> None:
    frame = encode("serverTimeRequest", core_pb2.GetServerTimeRequestMessage(), request_id=0)
    message = decode_client_frame(frame)
    assert message.kind is MessageKind.REQUEST and message.request_id == 0


@pytest.mark.parametrize(
    ("body", "ids"),
    [
        ("serverTimeRequest", {}),
        ("serverTimeRequest", {"response_id": 1}),
        ("operationSubmission", {"request_id": 1}),
        ("modelAutoCreateConfigResponse", {}),
        ("ping", {"request_id": 1}),
    ],
)
def test_ids_contradicting_the_body_are_refused(body: str, ids: dict[str, int]) -> None:
    with pytest.raises(ProtocolError) as refused:
        decode_client_frame(encode(body, **ids))
    assert refused.value.code == "invalid_message"


def test_every_body_is_classified() -> None:
    client_bodies = [b for b in ALL_BODIES if is_client_body(b)]
    assert "modelAutoCreateConfigRequest" not in client_bodies
    assert client_body_kind("modelOfflineSubscriptionChange") is MessageKind.REQUEST
    assert client_body_kind("presenceSetState") is MessageKind.NORMAL
    assert client_body_kind("modelAutoCreateConfigResponse") is MessageKind.RESPONSE
    # Server-only bodies are never accepted from a client.
    for body in ("operationAck", "remoteOperation", "identityCacheUpdate", "chatRemoved"):
        assert not is_client_body(body)
