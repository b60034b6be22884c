"""Our transforms against the rc.12 client's own functions, and replicas against each other.

1. Agreement: thousands of random valid pairs, every one of the 51 type pairs, through both
   implementations: outputs must be identical (or both must refuse). This includes the client's
   quirks, the Splice/Splice "PrecededBy" bug among them, because the client computes ``s'``
   itself and the server's ``c'`` has to fit it.
2. Convergence: a simulated server (ours: preprocess, transform along the client's state path,
   ``normalize_incoming``, apply) with several simulated clients that handle remote ops exactly as
   the real client does (its own transform through its in-flight ops). All replicas must end equal.
   A control run without ``normalize_incoming`` must diverge, showing the bug is real and the
   normalisation is what removes it.
"""

from __future__ import annotations

import os
import random
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import pytest

from convergence_jupyter.ot import operations as o
from convergence_jupyter.ot.apply import apply, preprocess
from convergence_jupyter.ot.errors import InvalidOperationError
from convergence_jupyter.ot.normalize import normalize_incoming
from convergence_jupyter.ot.references import ReferenceType, ReferenceValue, transform_reference
from convergence_jupyter.ot.transform import transform
from convergence_jupyter.ot.tree import ModelTree
from convergence_jupyter.ot.values import (
    ArrayValue,
    DoubleValue,
    ObjectValue,
    StringValue,
)

from .generators import (
    Chooser,
    Ids,
    RandomChooser,
    apply_leniently,
    concurrent_pair,
    op_sequence,
    same_type_pairs,
)
from .oracle import ClientOracle, OracleError

PAIRS_PER_TYPE_PAIR = int(os.environ.get("OT_ORACLE_PAIRS", "120"))


@pytest.mark.parametrize("s_type,c_type", same_type_pairs(), ids=lambda t: t.__name__)
def test_transform_agrees_with_client(
    client_oracle: ClientOracle, s_type: type[Any], c_type: type[Any]
) -> None:
    ch = RandomChooser(random.Random(f"{s_type.__name__}/{c_type.__name__}"))
    cases = [concurrent_pair(ch, s_type, c_type)[1:] for _ in range(PAIRS_PER_TYPE_PAIR)]
    # Same-id pairs the generator never makes on one state: add them to compare the refusals too.
    cases += [(s, c.replace(id=s.id)) for s, c in cases[:5]]
    theirs = client_oracle.transform_many(cases)
    disagreements = []
    for (s, c), expected in zip(cases, theirs, strict=True):
        try:
            ours: tuple[o.Operation, o.Operation] | OracleError = transform(s, c)
        except InvalidOperationError as error:
            ours = OracleError(str(error))
        if isinstance(expected, OracleError) or isinstance(ours, OracleError):
            if type(ours) is not type(expected):
                disagreements.append((s, c, ours, expected))
        elif ours != expected:
            disagreements.append((s, c, ours, expected))
    assert disagreements == []


def test_compound_transform_agrees_with_client(client_oracle: ClientOracle) -> None:
    ch = RandomChooser(random.Random("compound"))
    cases = []
    for _ in range(300):
        tree = _mixed_tree(ch)
        s = o.CompoundOperation(tuple(op_sequence(ch, tree, Ids("s"), 3, MIXED_TARGETS)))
        c = o.CompoundOperation(tuple(op_sequence(ch, tree, Ids("c"), 3, MIXED_TARGETS)))
        cases.append((s, c))
        cases.append((s, c.ops[0]))
        cases.append((s.ops[0], c))
    theirs = client_oracle.transform_many(cases)
    assert [transform(s, c) for s, c in cases] == theirs


def test_reference_transform_matches_client_where_client_is_right(
    client_oracle: ClientOracle,
) -> None:
    """The client moves every index, even those before the splice (its ``index >= index``
    bug). At or after the splice point the two agree; before it the server keeps the index."""
    rng = random.Random("refs")
    items, ours = [], []
    for _ in range(500):
        splice = o.StringSplice(
            id="x",
            index=rng.randint(0, 10),
            delete_count=rng.randint(0, 4),
            insert_value="ab"[: rng.randint(0, 2)],
        )
        indices = [rng.randint(0, 15) for _ in range(3)]
        items.append((splice, {"type": "index", "valueId": "x", "values": indices}))
        ours.append(
            transform_reference(splice, ReferenceValue(ReferenceType.INDEX, "x", tuple(indices)))
        )
    theirs = client_oracle.transform_references(items)
    for (splice, ref), mine, their in zip(items, ours, theirs, strict=True):
        assert mine is not None
        for before, m, t in zip(ref["values"], mine.values, their["values"], strict=True):
            if before >= splice.index:
                assert m == t
            else:
                assert m == before
    cleared = client_oracle.transform_references(
        [
            (
                o.StringSet(id="x", value="new"),
                {"type": "range", "valueId": "x", "values": [{"start": 0, "end": 1}]},
            )
        ]
    )
    assert cleared == [None]
    assert (
        transform_reference(
            o.StringSet(id="x", value="n"), ReferenceValue(ReferenceType.RANGE, "x", ((0, 1),))
        )
        is None
    )


# --- replicas ---------------------------------------------------------------------------------

MIXED_TARGETS = ("text", "list", "map", "count")


def _mixed_tree(ch: Chooser) -> ModelTree:
    return ModelTree(
        ObjectValue(
            "root",
            {
                "text": StringValue("text", "".join(ch.text(6) for _ in range(3)) or "abc"),
                "list": ArrayValue("list", [DoubleValue(f"e{i}", float(i)) for i in range(3)]),
                "map": ObjectValue("map", {"a": StringValue("ma", "x")}),
                "count": DoubleValue("count", 0.0),
            },
        )
    )


@dataclass
class SimClient:
    """A client replica that handles acks and remote ops the way the rc.12 client does."""

    name: str
    tree: ModelTree
    version: int
    ids: Ids
    inflight: list[o.Operation] = field(default_factory=list)
    inbox: deque[tuple[str, o.Operation | None]] = field(default_factory=deque)
    outbox: deque[tuple[int, o.Operation]] = field(default_factory=deque)


@dataclass
class SimServer:
    """Our server side, reduced to its OT core (ServerConcurrencyControl, §4.4)."""

    tree: ModelTree
    normalize: bool
    history: list[tuple[str, o.Operation]] = field(default_factory=list)
    # per client: (context version, branched path [(version, op)])
    states: dict[str, tuple[int, list[tuple[int, o.Operation]]]] = field(default_factory=dict)

    def receive(self, client: str, context: int, op: o.Operation) -> o.Operation:
        last_context, branched = self.states[client]
        assert last_context <= context <= len(self.history)
        path = [(v, h) for v, h in branched if v >= context]
        start = max(context, path[-1][0] + 1 if path else context)
        path += [
            (v, h) for v, (origin, h) in enumerate(self.history[start:], start) if origin != client
        ]
        op = preprocess(self.tree, op)
        new_path = []
        for v, h in path:
            h, op = transform(h, op)
            new_path.append((v, h))
        if self.normalize:
            op = normalize_incoming(op)
        apply(self.tree, op)
        self.history.append((client, op))
        self.states[client] = (context, new_path)
        return op


def _run_replicas(oracle: ClientOracle, seed: int, *, normalize: bool, steps: int = 60) -> bool:
    """One random session; True when every replica ends equal to the server.

    A replica that cannot even apply what it computed (the JavaScript client would silently
    produce some other text) counts as diverged.
    """
    try:
        return _session(oracle, seed, normalize=normalize, steps=steps)
    except InvalidOperationError:
        return False


def _session(oracle: ClientOracle, seed: int, *, normalize: bool, steps: int) -> bool:
    rng = random.Random(seed)
    ch = RandomChooser(rng)
    initial = _mixed_tree(ch)
    server = SimServer(initial.copy(), normalize)
    clients = [SimClient(f"c{i}", initial.copy(), 0, Ids(f"c{i}")) for i in range(3)]
    for client in clients:
        server.states[client.name] = (0, [])

    def deliver_to_server(client: SimClient) -> None:
        context, op = client.outbox.popleft()
        broadcast = server.receive(client.name, context, op)
        for other in clients:
            other.inbox.append(("ack", None) if other is client else ("op", broadcast))

    def deliver_to_client(client: SimClient) -> None:
        kind, op = client.inbox.popleft()
        if kind == "ack":
            client.inflight.pop(0)
        else:
            assert op is not None
            s, client.inflight = oracle.transform_inflight(op, client.inflight)
            apply_leniently(client.tree, s)
        client.version += 1

    for _ in range(steps):
        client = rng.choice(clients)
        action = rng.choice((0, 0, 1, 2))
        if action == 0:
            # Lean on strings: that is where the client's functions are fragile.
            targets = ("text",) if rng.random() < 0.6 else MIXED_TARGETS
            ops = op_sequence(ch, client.tree, client.ids, rng.choice((1, 1, 1, 2)), targets)
            if not ops:
                continue
            op: o.Operation = ops[0] if len(ops) == 1 else o.CompoundOperation(tuple(ops))
            apply(client.tree, op)
            client.inflight.append(op)
            client.outbox.append((client.version, op))
        elif action == 1 and client.outbox:
            deliver_to_server(client)
        elif action == 2 and client.inbox:
            deliver_to_client(client)
    while any(c.outbox or c.inbox for c in clients):
        for client in clients:
            if client.outbox:
                deliver_to_server(client)
            if client.inbox:
                deliver_to_client(client)
    return all(client.tree == server.tree for client in clients)


REPLICA_SEEDS = int(os.environ.get("OT_REPLICA_SEEDS", "400"))


def test_replicas_converge_with_the_real_client_functions(client_oracle: ClientOracle) -> None:
    diverged = [
        seed
        for seed in range(REPLICA_SEEDS)
        if not _run_replicas(client_oracle, seed, normalize=True)
    ]
    assert diverged == []


def test_without_normalisation_the_client_bug_diverges(client_oracle: ClientOracle) -> None:
    """Control: the same sessions without ``normalize_incoming`` do diverge (PrecededBy)."""
    diverged = [
        seed
        for seed in range(REPLICA_SEEDS)
        if not _run_replicas(client_oracle, seed, normalize=False)
    ]
    assert diverged, "expected the unnormalised server to diverge from the rc.12 client"


@pytest.mark.long
@pytest.mark.usefixtures("long_run")
def test_long_replica_sessions_converge(client_oracle: ClientOracle) -> None:
    seeds = range(10_000, 10_000 + int(os.environ.get("OT_REPLICA_LONG_SEEDS", "5000")))
    assert [s for s in seeds if not _run_replicas(client_oracle, s, normalize=True)] == []


@pytest.mark.long
@pytest.mark.usefixtures("long_run")
@pytest.mark.parametrize("s_type,c_type", same_type_pairs(), ids=lambda t: t.__name__)
def test_long_transform_agreement(
    client_oracle: ClientOracle, s_type: type[Any], c_type: type[Any]
) -> None:
    ch = RandomChooser(random.Random(f"long/{s_type.__name__}/{c_type.__name__}"))
    cases = [concurrent_pair(ch, s_type, c_type)[1:] for _ in range(5000)]
    assert [transform(s, c) for s, c in cases] == client_oracle.transform_many(cases)
