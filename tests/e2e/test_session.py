"""Session-level behaviour with the real client: heartbeat and server time."""

from __future__ import annotations

import pytest

from .harness import anonymous, run_scenario

pytestmark = pytest.mark.e2e


def test_heartbeat_keeps_connection_alive(server):
    # The client pings after 0.4 s without incoming traffic and aborts (close 4006) if
    # nothing arrives within 2 s more: only a server that answers every ping survives.
    # (The pong timeout leaves room for a loaded CI machine.)
    r = run_scenario(
        "heartbeat",
        {
            "url": server.url,
            "auth": anonymous("Heart Beat"),
            "pingInterval": 0.4,
            "pongTimeout": 2,
            "durationMs": 2500,
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


@pytest.fixture(scope="module")
def fast_server(module_server_factory):
    """A server with a fast heartbeat of its own and a short handshake timeout."""
    return module_server_factory(
        "fast-heartbeat",
        extra_args=(
            "--ConvergenceApp.ping_interval=0.3",
            "--ConvergenceApp.pong_timeout=1.5",
            "--ConvergenceApp.handshake_timeout=1",
        ),
    )


def test_client_answers_server_pings(fast_server):
    # The client's own heartbeat is off; the server pings after 0.3 s of silence and the
    # client's automatic pongs must keep the session alive.
    r = run_scenario(
        "heartbeat",
        {
            "url": fast_server.url,
            "auth": anonymous("Quiet Client"),
            "clientHeartbeat": False,
            "durationMs": 2000,
        },
    )
    assert r["ok"], r.describe()
    assert r["connectedAtEnd"] is True, r.describe()
    assert r["sessionIdAfter"] == r["sessionIdBefore"], r.describe()
    assert "interrupted" not in [e["name"] for e in r["events"]], r.describe()
    assert r["wire"]["pingsReceived"] >= 3, r.describe()
    assert r["wire"]["pongsSent"] >= 3, r.describe()
    assert r["wire"]["pingsSent"] == 0, r.describe()


def test_server_drops_a_client_that_stops_answering(fast_server):
    r = run_scenario(
        "heartbeat",
        {
            "url": fast_server.url,
            "auth": anonymous("Deaf Client"),
            "clientHeartbeat": False,
            "dropPongs": True,
            "durationMs": 3500,
        },
    )
    assert r["ok"], r.describe()
    assert r["connectedAtEnd"] is False, r.describe()
    names = [e["name"] for e in r["events"]]
    assert "interrupted" in names or "disconnected" in names, r.describe()
    assert r["wire"]["pongsDropped"] >= 1, r.describe()
    assert r["wire"]["closes"], r.describe()


def test_handshake_timeout_closes_a_silent_socket(fast_server):
    r = run_scenario("raw_socket", {"url": fast_server.url, "waitMs": 6000})
    assert r["ok"], r.describe()
    assert r["closed"] is not None, r.describe()
    assert 500 <= r["closed"]["afterMs"] <= 5000, r.describe()
