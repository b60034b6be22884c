"""Bad input closes the offending connection with a clear error; other clients keep working."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from convergence_jupyter.protocol.schema import core_pb2, model_pb2
from tests.realtime.conftest import LIMITS, ClientFactory, connected_bystander
from tests.realtime.protocol_client import ProtocolClient

Attack = Callable[[ProtocolClient], Awaitable[None]]


async def _text_frame(client: ProtocolClient) -> None:
    client.send_raw("hello")


async def _oversized_frame(client: ProtocolClient) -> None:
    client.send_raw(b"\x00" * (int(LIMITS["max_frame_bytes"]) + 1))


async def _malformed_protobuf(client: ProtocolClient) -> None:
    client.send_raw(b"\xff\xff\xff\xff\x0f")


async def _before_connection_request(client: ProtocolClient) -> None:
    client.send("serverTimeRequest", core_pb2.GetServerTimeRequestMessage(), request_id=0)


async def _second_connection_request(client: ProtocolClient) -> None:
    await client.connect_anonymously("twice")
    client.send("connectionRequest", core_pb2.ConnectionRequestMessage(), request_id=7)


async def _empty_body(client: ProtocolClient) -> None:
    await client.connect_anonymously()
    client.send(None, request_id=3)


async def _server_only_body(client: ProtocolClient) -> None:
    await client.connect_anonymously()
    client.send("operationAck", model_pb2.OperationAcknowledgementMessage())


async def _request_without_id(client: ProtocolClient) -> None:
    await client.connect_anonymously()
    client.send("serverTimeRequest", core_pb2.GetServerTimeRequestMessage())


async def _flood_before_auth(client: ProtocolClient) -> None:
    for _ in range(int(LIMITS["pre_auth_max_messages"]) + 1):
        client.send("ping")


async def _deeply_nested_value(client: ProtocolClient) -> None:
    await client.connect_anonymously()
    # 10,000 nested arrays: far beyond protobuf's recursion limit.
    nested = b""
    for _ in range(10_000):
        nested = b"\x12" + _varint(len(nested)) + nested
    client.send_raw(nested)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


@pytest.mark.parametrize(
    ("attack", "expected_code"),
    [
        (_text_frame, "invalid_message"),
        (_oversized_frame, None),  # Tornado refuses it at the framing layer (close 1009)
        (_malformed_protobuf, "invalid_message"),
        (_before_connection_request, "invalid_message"),
        (_second_connection_request, "invalid_message"),
        (_empty_body, "invalid_message"),
        (_server_only_body, "invalid_message"),
        (_request_without_id, "invalid_message"),
        (_flood_before_auth, "invalid_message"),
        (_deeply_nested_value, "invalid_message"),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)).strip("_"),
)
async def test_offender_is_told_and_closed_bystander_unaffected(
    open_client: ClientFactory,
    attack: Attack,
    expected_code: str | None,
) -> None:
    bystander = await connected_bystander(open_client)
    offender = await open_client()
    await attack(offender)
    errors = []
    while (message := await offender.recv()) is not None:
        if message.WhichOneof("body") == "error":
            errors.append(message.error.code)
    if expected_code is None:
        assert offender.ws.close_code == 1009
    else:
        assert expected_code in errors
        assert offender.ws.close_code == 1008 or offender.ws.close_code == 1003
    assert await bystander.round_trip_ok()


async def test_oversized_frame_close_code(open_client: ClientFactory) -> None:
    client = await open_client()
    client.send_raw(b"\x00" * (int(LIMITS["max_frame_bytes"]) + 1))
    assert await client.expect_closed() == 1009


async def test_text_frame_close_code(open_client: ClientFactory) -> None:
    client = await open_client()
    client.send_raw("text")
    assert await client.expect_closed() == 1003


async def test_missing_handshake_times_out(open_client: ClientFactory) -> None:
    client = await open_client()
    assert await client.expect_closed(timeout=LIMITS["handshake_timeout"] + 3) == 1008


async def test_unknown_body_for_unbuilt_subsystem_answers_not_supported(
    open_client: ClientFactory,
) -> None:
    client = await open_client()
    await client.connect_anonymously()
    request = model_pb2.ModelOfflineSubscriptionChangeRequestMessage()
    reply = await client.request("modelOfflineSubscriptionChange", request)
    name = reply.WhichOneof("body")
    # Either a real answer (once offline sync exists) or a clear refusal; never silence.
    assert name in ("ok", "error")
    if name == "error":
        assert reply.error.code == "not_supported"
    assert await client.round_trip_ok()
