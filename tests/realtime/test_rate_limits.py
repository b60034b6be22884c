"""Per-connection token buckets: chat messages over the limit are refused, a connection flooding
model operations is disconnected with the reason; nobody else is affected."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from traitlets.config import Config

from convergence_jupyter.protocol.schema import chat_pb2, model_pb2
from convergence_jupyter.realtime.limits import RateLimit, TokenBucket
from tests.realtime.conftest import LIMITS, ClientFactory, connected_bystander

OPS_BURST = 10
CHAT_BURST = 3


@pytest.fixture
def jp_server_config(tmp_path: Path) -> Config:
    """Tiny buckets with a negligible refill: the counts below are exact."""
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"convergence_jupyter": True}},
            "ConvergenceApp": {
                "database_url": f"sqlite:///{tmp_path / 'convergence.db'}",
                "anonymous_auth": True,
                "max_frame_bytes": LIMITS["max_frame_bytes"],
                "op_rate_limit": 0.01,
                "op_burst_limit": OPS_BURST,
                "chat_rate_limit": 0.01,
                "chat_burst_limit": CHAT_BURST,
            },
        }
    )


def _op(resource_id: int) -> model_pb2.OperationSubmissionMessage:
    return model_pb2.OperationSubmissionMessage(resourceId=resource_id, sequenceNumber=0)


async def test_chat_messages_over_the_limit_are_refused_others_unaffected(
    open_client: ClientFactory,
) -> None:
    bystander = await connected_bystander(open_client)
    chatter = await open_client()
    await chatter.connect_anonymously("chatter")
    publish = chat_pb2.PublishChatRequestMessage(chatId="no-such-chat", message="hi")
    codes = [
        (await chatter.request("publishChatMessageRequest", publish)).error.code
        for _ in range(2 * CHAT_BURST - 1)
    ]
    # Within the burst the service answers (here: no such chat); past it, the bucket does.
    assert codes == ["chat_not_found"] * CHAT_BURST + ["rate_limited"] * (CHAT_BURST - 1)
    refused = await chatter.request("publishChatMessageRequest", publish)
    assert "chat messages per second" in refused.error.message
    assert await chatter.round_trip_ok(), "a refused chat message does not cost the connection"
    other = await bystander.request("publishChatMessageRequest", publish)
    assert other.error.code == "chat_not_found", "the bystander has its own bucket"
    # A burst's worth of refusals in a row, and one more: a flood, so the sender goes.
    chatter.send("publishChatMessageRequest", publish, request_id=10_000)
    reasons = []
    while (message := await chatter.recv()) is not None:
        if message.WhichOneof("body") == "error":
            reasons.append((message.error.code, message.error.message))
    assert chatter.ws.close_code == 1008
    assert reasons[-1][0] == "rate_limited" and "disconnected after" in reasons[-1][1]
    assert await bystander.round_trip_ok()
    other = await bystander.request("publishChatMessageRequest", publish)
    assert other.error.code == "chat_not_found"


async def test_a_connection_flooding_operations_is_disconnected(
    open_client: ClientFactory,
) -> None:
    bystander = await connected_bystander(open_client)
    flooder = await open_client()
    await flooder.connect_anonymously("flooder")
    for _ in range(OPS_BURST):
        flooder.send("operationSubmission", _op(99))
    errors: list[str] = []
    while len(errors) < OPS_BURST:
        message = await flooder.recv()
        assert message is not None, errors
        if message.WhichOneof("body") == "error":
            errors.append(message.error.code)
    assert errors == ["unknown_resource_id"] * OPS_BURST, "within the burst: handled as usual"
    assert await flooder.round_trip_ok()
    flooder.send("operationSubmission", _op(99))
    reasons = []
    while (message := await flooder.recv()) is not None:
        if message.WhichOneof("body") == "error":
            reasons.append((message.error.code, message.error.message))
    assert flooder.ws.close_code == 1008
    assert reasons[-1][0] == "rate_limited" and "model operations per second" in reasons[-1][1]
    assert "model operations" in (flooder.ws.close_reason or "")
    assert await bystander.round_trip_ok()
    for _ in range(OPS_BURST):
        bystander.send("operationSubmission", _op(98))
    while (message := await bystander.recv()) is not None:
        if message.WhichOneof("body") == "error":
            break
    assert message is not None and message.error.code == "unknown_resource_id"


@given(
    rate=st.floats(min_value=0.5, max_value=1000),
    burst=st.integers(min_value=1, max_value=100),
    gaps=st.lists(st.floats(min_value=0, max_value=2), max_size=300),
)
def test_a_bucket_never_admits_more_than_burst_plus_refill(
    rate: float, burst: int, gaps: list[float]
) -> None:
    bucket = TokenBucket(RateLimit(rate, burst), now=0.0)
    now, admitted = 0.0, 0
    for gap in gaps:
        now += gap
        admitted += bucket.take(now)
        assert admitted <= burst + rate * now + 1e-6
        assert bucket.retry_after() >= 0


@given(rate=st.floats(min_value=1, max_value=1000), burst=st.integers(min_value=1, max_value=50))
def test_a_sender_within_the_rate_is_never_refused(rate: float, burst: int) -> None:
    bucket = TokenBucket(RateLimit(rate, burst), now=0.0)
    assert all(bucket.take(i / rate) for i in range(500))


def test_a_rate_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="rate > 0"):
        RateLimit(0, 1)
    with pytest.raises(ValueError, match="burst >= 1"):
        RateLimit(1, 0)
