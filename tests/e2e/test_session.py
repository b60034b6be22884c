"""Session-level behaviour with the real client: heartbeat and server time."""

from __future__ import annotations

import pytest

from .harness import anonymous, run_scenario

pytestmark = pytest.mark.e2e


def test_heartbeat_keeps_connection_alive(server):
    # The client pings after 0.3 s without incoming traffic and aborts (close 4006) if
    # nothing arrives within 0.6 s more: only a server that answers every ping survives.
    r = run_scenario(
        "heartbeat",
        {
            "url": server.url,
            "auth": anonymous("Heart Beat"),
            "pingInterval": 0.3,
            "pongTimeout": 0.6,
            "durationMs": 2000,
        },
    )
    assert r["ok"], r.describe()
    assert r["connectedAtEnd"] is True, r.describe()
    assert r["sessionIdAfter"] == r["sessionIdBefore"], r.describe()
    names = [e["name"] for e in r["events"]]
    assert "interrupted" not in names, r.describe()
    assert "disconnected" not in names, r.describe()
    wire = r["wire"]
    assert wire["sockets"] == 1, r.describe()
    assert wire["pingsSent"] >= 3, r.describe()
    assert wire["pongsReceived"] >= wire["pingsSent"] - 1, r.describe()
    assert r["serverTimeOk"] is True, r.describe()


def test_server_time_is_close_to_local_time(server):
    r = run_scenario("server_time", {"url": server.url, "auth": anonymous("Clock")})
    assert r["ok"], r.describe()
    assert r["isDate"] is True
    midpoint = (r["localBeforeMs"] + r["localAfterMs"]) / 2
    assert abs(r["serverTimeMs"] - midpoint) < 5000, r.describe()
