"""kill -9 of the server while real clients write: after the restart every acknowledged op is
present exactly once (issue 3, reliability-lessons T3).

Three real clients edit one model without pause; each logs every op the moment the client
processes its ack (real or replayed). At a random moment the server process group gets
SIGKILL; before the restart the test reads the database the dead process left: every op
acked so far must be in the stored snapshot exactly once, the op log must run 1..version
without a gap, and SQLite's ``PRAGMA integrity_check`` must say ok. The clients reconnect
on their own (reconnect token) and resync, several cycles in a row; at the end every op
any client made, acked or not, is in the model exactly once and all clients agree.

CONVERGENCE_E2E_KILL_CYCLES sets the number of kills (default 5).
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest

from .conftest import ServerFactory
from .faults import (
    BackgroundScenario,
    check_acked_present,
    check_exactly_once,
    kill9,
    node_log,
    read_store,
)
from .harness import unique

pytestmark = pytest.mark.e2e

CYCLES = int(os.environ.get("CONVERGENCE_E2E_KILL_CYCLES", "5"))


def ack_count(log: Path) -> int:
    try:
        return log.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def wait_for_acks(log: Path, run: BackgroundScenario, at_least: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while ack_count(log) < at_least:
        if run.proc.poll() is not None:
            raise AssertionError(run.result().describe())
        if time.monotonic() > deadline:
            raise AssertionError(f"fewer than {at_least} acks within {timeout}s\n{run.kill()}")
        time.sleep(0.2)


def test_kill9_loses_no_acknowledged_op(server_factory: ServerFactory, tmp_path: Path) -> None:
    srv = server_factory("kill9")
    seed = random.randrange(1 << 30)
    rnd = random.Random(seed)
    model_id = unique("k9-")
    acks = tmp_path / "acks.jsonl"
    stop = tmp_path / "stop"
    run = BackgroundScenario(
        "models_faults",
        {
            "urls": [srv.url] * 3,
            "checkerUrl": srv.url,
            "modelId": model_id,
            "collection": "durability",
            "opsPerClient": 100000,
            "pauseMs": 50,
            "seed": seed,
            "stopFile": str(stop),
            "ackLog": str(acks),
            "settleMs": 30000,
            "reconnectIntervals": [0.2, 0.3, 0.5],
        },
        timeout=60 + 12 * CYCLES,
    )
    checked = []
    try:
        wait_for_acks(acks, run, 1, 30)
        for _ in range(CYCLES):
            time.sleep(rnd.uniform(0.5, 2.5))
            acked = node_log(acks)  # all acked before the kill below
            kill9(srv)
            check_acked_present(read_store(srv.database_url, model_id), acked)
            checked.append(len(acked))
            srv.start()
            wait_for_acks(acks, run, len(acked) + 1, 30)  # writing again after the restart
        stop.touch()
        r = run.result()
    finally:
        run.kill()
    assert [killed for _, killed in srv.stops] == [True] * CYCLES
    figures = check_exactly_once(r)
    final = node_log(acks)
    assert len(final) == figures["acked"], (len(final), figures)
    check_acked_present(read_store(srv.database_url, model_id), final)
    print(f"kill -9 seed={seed} cycles={CYCLES} acked-before-kill={checked} figures={figures}")
