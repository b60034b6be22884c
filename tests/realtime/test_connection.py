"""The handshake as the rc.12 client expects it: ids, identity cache, failures, origins."""

from __future__ import annotations

import pytest
from tornado.httpclient import HTTPClientError

from convergence_jupyter.protocol.schema import core_pb2
from tests.realtime.conftest import ClientFactory


async def test_connection_response_echoes_request_id_and_announces_nothing_yet(
    open_client: ClientFactory,
) -> None:
    client = await open_client()
    request = core_pb2.ConnectionRequestMessage(client="t", clientVersion="0")
    request.anonymous.displayName.value = "Ada"
    client.send("connectionRequest", request, request_id=0)
    response = await client.recv()
    assert response is not None
    assert response.HasField("responseId") and response.responseId.value == 0
    success = response.connectionResponse.success
    assert success.namespace == "convergence" and success.domainId == "default"
    assert success.user.displayName.value == "Ada"
    assert success.user.userId.userType == core_pb2.Anonymous
    assert success.sessionId and len(success.reconnectToken) >= 32
    # No identityCacheUpdate before the client asks for anything: rc.12 with offline storage
    # opens its store only after this response and an update before that kills its identity
    # cache. The first frame naming the session announces it (``announce``).
    client.send("serverTimeRequest", core_pb2.GetServerTimeRequestMessage(), request_id=1)
    reply = await client.recv()
    assert reply is not None and reply.WhichOneof("body") == "serverTimeResponse"


async def test_session_ids_are_distinct(open_client: ClientFactory) -> None:
    ids = set()
    for _ in range(3):
        client = await open_client()
        reply = await client.connect_anonymously()
        ids.add(reply.connectionResponse.success.sessionId)
    assert len(ids) == 3


async def test_unknown_domain_is_reported_in_the_response(open_client: ClientFactory) -> None:
    client = await open_client("convergence", "realtime", "convergence", "nowhere")
    request = core_pb2.ConnectionRequestMessage()
    request.anonymous.SetInParent()
    reply = await client.request("connectionRequest", request)
    failure = reply.connectionResponse.failure
    assert failure.code == "domain_not_found" and not failure.retryOk
    assert await client.expect_closed() is not None


async def test_missing_auth_method(open_client: ClientFactory) -> None:
    client = await open_client()
    reply = await client.request("connectionRequest", core_pb2.ConnectionRequestMessage())
    assert reply.connectionResponse.failure.code == "invalid_auth_method"


async def test_wrong_password(open_client: ClientFactory) -> None:
    client = await open_client()
    request = core_pb2.ConnectionRequestMessage()
    request.password.username = "nobody"
    request.password.password = "guess"
    reply = await client.request("connectionRequest", request)
    assert reply.connectionResponse.failure.code == "authentication_failed"


async def test_bad_reconnect_token(open_client: ClientFactory) -> None:
    client = await open_client()
    request = core_pb2.ConnectionRequestMessage()
    request.reconnect.token = "not-a-token"
    reply = await client.request("connectionRequest", request)
    assert reply.connectionResponse.failure.code == "authentication_failed"


async def test_reconnect_token_gives_same_user_new_session(open_client: ClientFactory) -> None:
    first = await open_client()
    success = (await first.connect_anonymously("Ada")).connectionResponse.success
    second = await open_client()
    request = core_pb2.ConnectionRequestMessage()
    request.reconnect.token = success.reconnectToken
    again = (await second.request("connectionRequest", request)).connectionResponse.success
    assert again.user.userId == success.user.userId
    assert again.sessionId != success.sessionId
    assert again.reconnectToken == success.reconnectToken


async def test_foreign_origin_is_refused(open_client: ClientFactory) -> None:
    with pytest.raises(HTTPClientError) as refused:
        await open_client(headers={"Origin": "https://evil.example"})
    assert refused.value.code == 403


async def test_same_origin_is_accepted(open_client: ClientFactory, jp_http_port: int) -> None:
    client = await open_client(headers={"Origin": f"http://localhost:{jp_http_port}"})
    await client.connect_anonymously()
    assert await client.round_trip_ok()
