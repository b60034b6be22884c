"""Connected sessions through the REST API: listed from the live runtime, disconnected."""

from __future__ import annotations

from typing import Any

from jupyter_server.utils import url_path_join
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from tests.realtime.protocol_client import ProtocolClient

from .conftest import Api

BASE = "/domains/convergence/default"


async def _connect(jp_http_port: int, jp_base_url: str, name: str) -> tuple[ProtocolClient, str]:
    path = url_path_join(jp_base_url, "convergence/realtime/convergence/default")
    ws = await websocket_connect(HTTPRequest(f"ws://localhost:{jp_http_port}{path}"))
    client = ProtocolClient(ws)
    reply = await client.connect_anonymously(name)
    return client, reply.connectionResponse.success.sessionId


async def test_list_and_disconnect(api: Api, jp_http_port: int, jp_base_url: str) -> None:
    opened = await api("PATCH", BASE, user="admin1", body={"anonymous_auth": True})
    assert opened.status == 200
    first, first_id = await _connect(jp_http_port, jp_base_url, "Ann")
    second, second_id = await _connect(jp_http_port, jp_base_url, "Bob")
    try:
        listed = await api("GET", f"{BASE}/sessions", user="admin1")
        assert listed.status == 200, listed.body
        items: list[dict[str, Any]] = listed.body["items"]
        assert [s["session_id"] for s in items] == [first_id, second_id]
        assert [s["display_name"] for s in items] == ["Ann", "Bob"]
        assert {s["user_type"] for s in items} == {"anonymous"}
        assert items[0]["client"] == "python-tests" and items[0]["connected_at"]
        status = await api("GET", f"{BASE}/status", user="reader1")
        assert status.body["connected_sessions"] == 2 and status.body["loaded"] is True
        busy = await api("DELETE", BASE, user="admin1")
        assert busy.status == 409 and busy.problem
        only = await api(
            "GET", f"{BASE}/sessions", user="admin1", params={"username": items[1]["username"]}
        )
        assert [s["session_id"] for s in only.body["items"]] == [second_id]
        cut = await api("DELETE", f"{BASE}/sessions/{first_id}", user="admin1")
        assert cut.status == 204
        assert await first.expect_closed() is not None
        assert await second.round_trip_ok()
        after = await api("GET", f"{BASE}/sessions", user="admin1")
        assert [s["session_id"] for s in after.body["items"]] == [second_id]
    finally:
        first.close()
        second.close()


async def test_problems(api: Api) -> None:
    missing = await api("DELETE", f"{BASE}/sessions/zzz", user="admin1")
    assert missing.status == 404 and missing.problem
    assert (await api("GET", "/domains/no/such/sessions", user="admin1")).status == 404
    assert (await api("GET", f"{BASE}/sessions", anonymous=True)).status == 401
    denied = await api("GET", f"{BASE}/sessions", user="writer1")
    assert denied.status == 403 and denied.problem
    bad = await api("GET", f"{BASE}/sessions", user="admin1", params={"limit": "x"})
    assert bad.status == 400 and bad.problem["errors"][0]["loc"] == ["query", "limit"]
