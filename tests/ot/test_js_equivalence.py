"""The Python client's concurrency control against the rc.12 client's own, event by event.

``test_differential_against_client.py`` compares ``ot.transform`` with the client's transformation
functions pair by pair. This compares what the *Python client* does with them:
``convergence_jupyter.client.concurrency.ClientConcurrencyControl`` against rc.12's internal
``ClientConcurrencyControl`` (reached by ``client_cc_oracle.js``, which evaluates the installed
bundle with an epilogue that returns its classes). Hypothesis draws a session: local ops valid on
the client's view, batches (remote ops arrive in the middle of them too), remote ops and compound
remote ops valid on the server's state at the client's version, and acks in order. Both sides
replay it; after every event the transformed remote op, what was sent (sequence number, context
version, op), the in-flight ops, the pending batch and the context version must be identical, or
both must refuse.

Not compared: the context version rc.12 rewrites into in-flight ops it transforms (bookkeeping on
ops already sent, never on the wire again) and rc.12's refusal of an empty batch (the Python
``model.batch()`` sends nothing instead; the generator never completes an empty batch).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convergence_jupyter.client.concurrency import ClientConcurrencyControl
from convergence_jupyter.ot import operations as o
from convergence_jupyter.ot.errors import InvalidOperationError

from .generators import (
    FAMILY,
    Chooser,
    DrawChooser,
    Ids,
    apply_leniently,
    base_tree,
    op_on,
    op_sequence,
    possible_ops,
    target,
)
from .oracle import BUNDLE, HERE, op_from_json, op_to_json, oracle_unavailable_reason

EXAMPLES = int(os.environ.get("OT_CC_EXAMPLES", "200"))
FAMILIES = sorted(set(FAMILY.values()))


class ConcurrencyOracle:
    """rc.12's ClientConcurrencyControl in one Node process, one session script per line."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            ["node", str(HERE / "client_cc_oracle.js"), str(BUNDLE)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def run(self, context_version: int, script: list[dict[str, Any]]) -> list[dict[str, Any]]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(json.dumps({"contextVersion": context_version, "script": script}))
        self._proc.stdin.write("\n")
        self._proc.stdin.flush()
        reply = json.loads(self._proc.stdout.readline())
        assert "error" not in reply, reply["error"]
        steps: list[dict[str, Any]] = reply["steps"]
        return steps

    def close(self) -> None:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.close()
        self._proc.wait(timeout=10)
        self._proc.stdout.close()


@pytest.fixture(scope="module")
def cc_oracle() -> Iterator[ConcurrencyOracle]:
    reason = oracle_unavailable_reason()
    if reason is not None:
        pytest.skip(f"client oracle unavailable: {reason}")
    oracle = ConcurrencyOracle()
    yield oracle
    oracle.close()


def _ops(items: list[Any]) -> list[o.Operation]:
    return [op_from_json(x) for x in items]


def _snapshot(cc: ClientConcurrencyControl, **extra: Any) -> dict[str, Any]:
    batch = cc._batch or []
    return {
        "version": cc.context_version,
        "inflight": [(f.sequence_number, f.op) for f in cc.in_flight],
        "batch": list(batch),
        **extra,
    }


def _theirs(step: dict[str, Any]) -> dict[str, Any]:
    if "error" in step:
        return {"error": True}
    out: dict[str, Any] = {
        "version": step["version"],
        "inflight": [(seq, op_from_json(op)) for seq, op in step["inflight"]],
        "batch": _ops(step["batch"]),
    }
    if "sent" in step:
        seq, cv, op = step["sent"]
        out["sent"] = (seq, cv, op_from_json(op))
    if "remote" in step:
        out["remote"] = op_from_json(step["remote"])
    return out


def _local_op(ch: Chooser, tree: Any, ids: Ids) -> o.DiscreteOperation | None:
    tgt = tree.get("v")
    return None if tgt is None else op_on(ch, ch.pick(possible_ops(tgt)), tgt, ids)


def _session(ch: Chooser) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
    """Draw a session and replay it on the Python side: (start version, script, snapshots)."""
    tgt = target(ch, ch.pick(FAMILIES), Ids("base"))
    local, server = base_tree(tgt), base_tree(tgt)
    start = ch.integer(0, 5)
    cc = ClientConcurrencyControl(start)
    mine, theirs = Ids("c"), Ids("r")
    script: list[dict[str, Any]] = []
    ours: list[dict[str, Any]] = []
    batch_size = 0
    for _ in range(ch.integer(1, 14)):
        kind = ch.pick(["local", "local", "remote", "remote", "ack", "batch"])
        try:
            if kind == "local":
                op = _local_op(ch, local, mine)
                if op is None:
                    continue
                apply_leniently(local, op)
                out = cc.local(op)
                batch_size += cc.batch_in_progress
                script.append({"k": "local", "op": op_to_json(op)})
                sent = (
                    {}
                    if out is None
                    else {"sent": (out.sequence_number, out.context_version, out.op)}
                )
                ours.append(_snapshot(cc, **sent))
            elif kind == "batch" and not cc.batch_in_progress:
                cc.start_batch()
                batch_size = 0
                script.append({"k": "start"})
                ours.append(_snapshot(cc))
            elif kind == "batch" and batch_size > 0:
                out = cc.complete_batch()
                assert out is not None
                script.append({"k": "complete"})
                ours.append(_snapshot(cc, sent=(out.sequence_number, out.context_version, out.op)))
            elif kind == "remote":
                if ch.chance(25):
                    parts = op_sequence(ch, server, theirs, ch.integer(1, 3))
                    remote: o.Operation | None = (
                        o.CompoundOperation(tuple(parts)) if parts else None
                    )
                else:
                    remote = _local_op(ch, server, theirs)
                if remote is None:
                    continue
                version = cc.context_version
                script.append({"k": "remote", "version": version, "op": op_to_json(remote)})
                applied = cc.remote(version, remote)
                apply_leniently(server, remote)
                ours.append(_snapshot(cc, remote=applied))
                apply_leniently(local, applied)
            elif kind == "ack" and cc.in_flight:
                first = cc.in_flight[0]
                script.append(
                    {"k": "ack", "version": cc.context_version, "seq": first.sequence_number}
                )
                cc.acknowledge(cc.context_version, first.sequence_number)
                ours.append(_snapshot(cc))
                apply_leniently(server, first.op)
        except InvalidOperationError:
            # Our side refused (or a lenient replay found the views apart): rc.12 must refuse
            # the same event; the session ends there.
            if len(ours) < len(script):
                ours.append({"error": True})
                break
            # The event itself was fine; only a later replay on a scratch view failed.
            continue
    return start, script, ours


@settings(max_examples=EXAMPLES, deadline=None)
@given(data=st.data())
def test_client_concurrency_control_matches_rc12(
    cc_oracle: ConcurrencyOracle, data: st.DataObject
) -> None:
    start, script, ours = _session(DrawChooser(data.draw))
    theirs = [_theirs(step) for step in cc_oracle.run(start, script)]
    assert len(theirs) == len(ours)
    for index, (mine, expected) in enumerate(zip(ours, theirs, strict=True)):
        assert mine == expected, (index, script[index])
