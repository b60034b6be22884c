"""Reconnecting after the server process restarted (same port, same database).

One server is prepared, clients connect, the server is restarted once (module fixture), and
the tests then check the different ways of coming back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from .harness import (
    InteractiveClient,
    ServerProcess,
    anonymous,
    connect,
    password,
    reconnect_token,
)

pytestmark = pytest.mark.e2e

AUTO_RECONNECT = {"reconnect": {"autoReconnect": True, "reconnectIntervals": [0.25]}}


@dataclass
class Restarted:
    server: ServerProcess
    live: InteractiveClient
    live_before: dict[str, Any]
    anonymous_before: dict[str, Any]
    password_before: dict[str, Any]


@pytest.fixture(scope="module")
def restarted(module_server_factory, tmp_path_factory):
    srv = module_server_factory("restart")
    srv.cli("user", "create", "restart-user", "--password", "pw-restart", "--display-name", "R U")

    live = InteractiveClient(tmp_path_factory.mktemp("node") / "live-client.log")
    try:
        live_before = live.send(
            "connect", url=srv.url, auth=anonymous("Live Client"), options=AUTO_RECONNECT
        )
        assert live_before["ok"], live_before.describe()

        anon = connect(srv.url, anonymous("Token Holder"))
        assert anon["ok"], anon.describe()
        pw = connect(srv.url, password("restart-user", "pw-restart"))
        assert pw["ok"], pw.describe()

        srv.restart()
        # Stopped cleanly by SIGTERM while a client was connected (no SIGKILL needed).
        assert srv.stops == [(0, False)], (srv.stops, srv.log_tail())
        assert srv.starts == 2
        yield Restarted(srv, live, live_before["session"], anon["session"], pw["session"])
    finally:
        live.close()


@pytest.mark.parametrize("who", ["anonymous", "password"])
def test_reconnect_with_token_after_restart(restarted, who):
    before = restarted.anonymous_before if who == "anonymous" else restarted.password_before
    assert before["reconnectToken"]
    r = connect(restarted.server.url, reconnect_token(before["reconnectToken"]))
    assert r["ok"], r.describe()
    after = r["session"]
    assert after["connected"] is True
    assert after["user"]["username"] == before["user"]["username"]
    assert after["user"]["userType"] == before["user"]["userType"]
    assert after["user"]["displayName"] == before["user"]["displayName"]
    assert after["sessionId"] != before["sessionId"], r.describe()
    assert after["reconnectToken"], r.describe()

    # The token stays usable: a second reconnect works too, with yet another session.
    again = connect(restarted.server.url, reconnect_token(before["reconnectToken"]))
    assert again["ok"], again.describe()
    assert again["session"]["user"]["username"] == before["user"]["username"]
    assert again["session"]["sessionId"] not in (before["sessionId"], after["sessionId"])


def test_connected_client_auto_reconnects_after_restart(restarted):
    before = restarted.live_before
    r = restarted.live.send(
        "waitConnected", notSessionId=before["sessionId"], timeoutMs=20000, timeout=25
    )
    assert r["ok"], r.describe()
    assert r["session"]["user"]["username"] == before["user"]["username"]
    assert r["session"]["user"]["displayName"] == "Live Client"
    assert r["session"]["sessionId"] != before["sessionId"]
    names = [e["name"] for e in r["events"]]
    assert "interrupted" in names, r.describe()
    assert names.index("connected", names.index("interrupted")) > 0, r.describe()
    # The re-established connection carries requests.
    t = restarted.live.send("serverTime")
    assert t["ok"], t.describe()


def test_invalid_reconnect_token_is_authentication_failed(server):
    r = connect(server.url, reconnect_token("this-token-was-never-issued-0123"))
    assert not r["ok"], r.describe()
    assert r["code"] == "authentication_failed", r.describe()


def test_reconnect_token_while_original_session_is_live(server, tmp_path):
    with InteractiveClient(tmp_path / "live.log") as live:
        first = live.send("connect", url=server.url, auth=anonymous("Twice"))
        assert first["ok"], first.describe()
        session = first["session"]
        second = connect(server.url, reconnect_token(session["reconnectToken"]))
        assert second["ok"], second.describe()
        assert second["session"]["user"]["username"] == session["user"]["username"]
        assert second["session"]["sessionId"] != session["sessionId"]
        # The first connection is unaffected.
        still = live.send("serverTime")
        assert still["ok"], still.describe()
        state = live.send("session")
        assert state["session"]["connected"] is True
        assert state["session"]["sessionId"] == session["sessionId"]


def test_reconnect_token_survives_a_crash(server_factory):
    srv = server_factory("crash")
    first = connect(srv.url, anonymous("Crash Survivor"))
    assert first["ok"], first.describe()
    srv.kill()
    srv.start()
    r = connect(srv.url, reconnect_token(first["session"]["reconnectToken"]))
    assert r["ok"], r.describe()
    assert r["session"]["user"]["username"] == first["session"]["user"]["username"]
    assert r["session"]["sessionId"] != first["session"]["sessionId"]
