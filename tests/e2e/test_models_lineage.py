"""Two tabs of ONE user lose their sockets while editing the same model: both resync, the model
stays open in both, and every op is stored exactly once (issue 14, session lineage).

Before reconnect tokens were linked to sessions, the server recognised a reconnecting client's
own committed ops by "same user, sessions gone, unbroken sequence numbers"; with two lost tabs
of one user the runs interleave, the server claimed nothing, and rc.12 closed the model when it
was handed its own ops back as remote ones. Now the ops of the token's session chain are the
client's own, whatever other sessions of the same user did meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from .conftest import ServerFactory
from .fault_proxy import FaultProxy, Rule
from .faults import BackgroundScenario, check_exactly_once, summary
from .harness import ServerProcess, password, run_scenario, unique
from .test_models_reconnect import PATH, scenario_args

pytestmark = pytest.mark.e2e

USER, PASSWORD = "two-tabs", "pw-two-tabs"


@pytest.fixture(scope="module")
def srv(module_server_factory: ServerFactory) -> ServerProcess:
    server = module_server_factory("lineage-models")
    server.cli("user", "create", USER, "--password", PASSWORD, "--display-name", "Two Tabs")
    return server


@pytest.fixture
def proxy(srv: ServerProcess) -> Iterator[FaultProxy]:
    p = FaultProxy(srv.port).start()
    yield p
    p.stop()


def _two_tabs(srv: ServerProcess, proxy: FaultProxy, seed: int, ops: int) -> dict:
    # Two tabs of one user through the proxy; a third client (another user) connects directly
    # and sees their ops live throughout.
    args = scenario_args(srv, [proxy.url(PATH), proxy.url(PATH), srv.url], seed=seed, ops=ops)
    args["auths"] = [password(USER, PASSWORD), password(USER, PASSWORD), None]
    return args


def test_two_tabs_of_one_user_cut_at_once_both_resync(
    srv: ServerProcess, proxy: FaultProxy
) -> None:
    args = _two_tabs(srv, proxy, seed=14, ops=160)
    run = BackgroundScenario("models_faults", args, timeout=90)
    try:
        # Cut both tabs together, twice, while both are submitting (counted, not timed).
        for after in (20, 90):
            deadline = time.monotonic() + 60
            while proxy.frames("c2s:operationSubmission") < after and run.proc.poll() is None:
                assert time.monotonic() < deadline, (proxy.stats, run.kill())
                time.sleep(0.01)
            proxy.cut_all(pause=0.4)
        r = run.result()
    finally:
        run.kill()
    figures = check_exactly_once(r)
    tabs = r["results"][:2]
    assert all(c["open"] for c in tabs), summary(r)
    # Each tab was cut twice and came back on new sessions of the same user.
    assert all(c["interrupted"] >= 2 and len(c["sessions"]) >= 3 for c in tabs), summary(r)
    assert figures["interruptions"] >= 4, summary(r)


def test_two_tabs_of_one_user_lose_acks_and_submissions(
    srv: ServerProcess, proxy: FaultProxy
) -> None:
    # Each rule cuts whichever tab carries the frame: committed-but-unacked ops and ops that
    # never arrived, from both tabs, interleaved in the history of the same user.
    proxy.add_rule(Rule("s2c", "operationAck", "drop", nth=8, pause=0.3))
    proxy.add_rule(Rule("c2s", "operationSubmission", "drop", nth=25, pause=0.3))
    proxy.add_rule(Rule("s2c", "operationAck", "drop", nth=45, pause=0.3))
    proxy.add_rule(Rule("c2s", "operationSubmission", "drop", nth=70, pause=0.3))
    args = _two_tabs(srv, proxy, seed=41, ops=60)
    args["modelId"] = unique("lineage-")
    r = run_scenario("models_faults", args, timeout=90)
    check_exactly_once(r)
    assert len(proxy.stats.cuts) == 4, (proxy.stats, summary(r))
    assert all(c["open"] for c in r["results"]), summary(r)
