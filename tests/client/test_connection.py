"""Connecting, requests, heartbeat, typed errors and dispose, through the public API."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from convergence_jupyter.client import (
    AuthenticationError,
    ConnectionClosedError,
    ModelNotFoundError,
    connect,
)
from tests.client.conftest import ClientFactory


async def test_anonymous_connect_and_server_time(client: ClientFactory) -> None:
    domain = await client("Ada")
    assert domain.connected
    assert (domain.namespace, domain.domain_id) == ("convergence", "default")
    assert domain.user.display_name == "Ada" and domain.user.user_type == "anonymous"
    assert domain.session_id and domain.reconnect_token
    now = await domain.server_time()
    assert abs((now - dt.datetime.now(dt.UTC)).total_seconds()) < 60


async def test_reconnect_token_resumes_the_same_user(client: ClientFactory) -> None:
    first = await client("Grace")
    again = await client(reconnect_token=first.reconnect_token)
    assert again.user == first.user
    assert again.session_id != first.session_id


async def test_refused_credentials_raise_authentication_error(realtime_url: str) -> None:
    with pytest.raises(AuthenticationError) as caught:
        await connect(realtime_url, password=("nobody", "wrong"))
    assert caught.value.code
    with pytest.raises(AuthenticationError):
        await connect(realtime_url, reconnect_token="not-a-token")


def test_exactly_one_credential() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        asyncio.run(connect("ws://localhost:1/x", anonymous="a", jwt="b"))


async def test_server_errors_are_typed(client: ClientFactory) -> None:
    domain = await client()
    with pytest.raises(ModelNotFoundError) as caught:
        await domain.models().open("no-such-model")
    assert caught.value.code == "model_not_found"
    # The connection survives a refused request.
    await domain.server_time()


async def test_requests_are_correlated_when_concurrent(client: ClientFactory) -> None:
    domain = await client()
    results = await asyncio.gather(
        domain.server_time(),
        domain.models().open("missing-a"),
        domain.server_time(),
        return_exceptions=True,
    )
    assert isinstance(results[0], dt.datetime) and isinstance(results[2], dt.datetime)
    assert isinstance(results[1], ModelNotFoundError)


async def test_idle_client_pings_and_stays_connected(realtime_url: str) -> None:
    domain = await connect(realtime_url, anonymous="idle", ping_interval=0.2, pong_timeout=1.0)
    try:
        await asyncio.sleep(1.5)  # several idle periods: our pings must be answered
        assert domain.connected
        await domain.server_time()
    finally:
        await domain.dispose()


async def test_dispose_fails_pending_work_and_closes(client: ClientFactory) -> None:
    domain = await client()
    await domain.dispose()
    assert not domain.connected
    with pytest.raises(ConnectionClosedError):
        await domain.server_time()
