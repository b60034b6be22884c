"""Ping/pong both ways, and dropping clients that stop answering."""

from __future__ import annotations

import asyncio

from tests.realtime.conftest import LIMITS, ClientFactory


async def test_ping_gets_pong(open_client: ClientFactory) -> None:
    client = await open_client()
    await client.connect_anonymously()
    client.send("ping")
    bodies = []
    while (message := await client.recv()) is not None:
        bodies.append(message.WhichOneof("body"))
        if bodies[-1] == "pong":
            break
    assert bodies[-1] == "pong"


async def test_answering_client_stays_connected(open_client: ClientFactory) -> None:
    client = await open_client()
    await client.connect_anonymously()
    deadline = asyncio.get_running_loop().time() + 4 * (
        LIMITS["ping_interval"] + LIMITS["pong_timeout"]
    )
    while asyncio.get_running_loop().time() < deadline:
        assert await client.round_trip_ok()
        await asyncio.sleep(0.2)


async def test_silent_client_is_pinged_then_dropped(open_client: ClientFactory) -> None:
    client = await open_client(answer_pings=False)
    await client.connect_anonymously()
    bodies = []
    while (message := await client.recv(timeout=5)) is not None:
        bodies.append(message.WhichOneof("body"))
    assert "ping" in bodies
    assert client.ws.close_code == 1008
