"""A client whose socket drops mid-stream reconnects and resyncs: no op lost, none duplicated
(issue 3, reliability-lessons T4).

Real clients with auto-reconnect edit one model through the fault proxy, which cuts a
connection (a) before an op reaches the server, (b) after the server committed it but before
the ack reaches the client, (c) just after the ack; the clients keep editing while offline.
Also a double reconnect before the resubmitted ops are acked, and a resync against a
restarted server. At the end every marker every client inserted is in the stored model
exactly once, the version equals the number of ops, and all clients equal a fresh open.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from .conftest import ServerFactory
from .fault_proxy import Action, Direction, FaultProxy, Rule
from .faults import BackgroundScenario, check_exactly_once, summary
from .harness import ServerProcess, run_scenario, unique

pytestmark = pytest.mark.e2e

PATH = "/convergence/realtime/convergence/default"


@pytest.fixture(scope="module")
def srv(module_server_factory: ServerFactory) -> ServerProcess:
    return module_server_factory("reconnect-models")


@pytest.fixture
def proxy(srv: ServerProcess) -> Iterator[FaultProxy]:
    p = FaultProxy(srv.port).start()
    yield p
    p.stop()


def scenario_args(srv: ServerProcess, urls: list[str], seed: int, ops: int = 40) -> dict:
    return {
        "urls": urls,
        "checkerUrl": srv.url,
        "modelId": unique("rc-"),
        "collection": "faults",
        "opsPerClient": ops,
        "pauseMs": 12,
        "seed": seed,
        "settleMs": 20000,
    }


# Rules are stateful (they count frames): build fresh ones for every test.
CUTS: dict[str, tuple[Direction, str, Action]] = {
    # (a) the op never reaches the server: it is resent after the resync.
    "before_op": ("c2s", "operationSubmission", "drop"),
    # (b) committed, ack lost: the resync acknowledges it; nothing is resent twice.
    "before_ack": ("s2c", "operationAck", "drop"),
    # (c) the ack arrived, the connection dies right after.
    "after_ack": ("s2c", "operationAck", "after"),
}


@pytest.mark.parametrize("cut", sorted(CUTS))
def test_cut_connection_resyncs_exactly_once(
    srv: ServerProcess, proxy: FaultProxy, cut: str
) -> None:
    direction, body, action = CUTS[cut]
    for nth in (6, 30):
        proxy.add_rule(Rule(direction, body, action, nth=nth, pause=0.3))
    # Two clients through the proxy, one direct (sees the others' ops live throughout).
    urls = [proxy.url(PATH), proxy.url(PATH), srv.url]
    r = run_scenario("models_faults", scenario_args(srv, urls, seed=len(cut)), timeout=60)
    figures = check_exactly_once(r)
    assert len(proxy.stats.cuts) == 2, (proxy.stats, summary(r))
    assert figures["interruptions"] >= 2, summary(r)


def test_double_reconnect_before_the_resubmission_is_acked(
    srv: ServerProcess, proxy: FaultProxy
) -> None:
    # Cut 1 loses an ack (ops stay in flight, more are made offline); after the reconnect the
    # client resends them and completes its resync; cut 2 kills that connection right after
    # (the resent ops reach the server, their acks do not); the second resync must recognise
    # them as the client's own.
    proxy.add_rule(Rule("s2c", "operationAck", "drop", nth=6, pause=0.3))
    proxy.add_rule(Rule("c2s", "modelResyncClientComplete", "after", nth=1, pause=0.3))
    urls = [proxy.url(PATH), srv.url]
    r = run_scenario("models_faults", scenario_args(srv, urls, seed=5), timeout=60)
    check_exactly_once(r)
    assert len(proxy.stats.cuts) == 2, (proxy.stats, summary(r))


def test_resync_against_a_restarted_server(srv: ServerProcess) -> None:
    # The clients connect directly; the server is restarted (SIGTERM) under them while they
    # edit. Their reconnect tokens and the model outlive the process; in-flight and offline
    # ops come back exactly once.
    args = scenario_args(srv, [srv.url, srv.url], seed=9, ops=400)
    args["stopFile"] = str(srv.workdir / f"stop-{args['modelId']}")
    run = BackgroundScenario("models_faults", args, timeout=90)
    try:
        time.sleep(2.0)
        srv.restart()
        time.sleep(1.0)
        (srv.workdir / f"stop-{args['modelId']}").touch()
        r = run.result()
    finally:
        run.kill()
    figures = check_exactly_once(r)
    assert figures["interruptions"] >= 2, summary(r)
