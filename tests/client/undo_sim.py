"""An in-process simulation of clients and a server over the pure OT core, for undo properties.

Clients do what ``RealTimeModel`` does (apply at once, ``ClientConcurrencyControl``, preprocess
remote ops) and feed an ``UndoHistory`` as ``UndoManager`` does; the server does what the live
model does (preprocess, ``ServerConcurrencyControl``, preprocess again, normalise, apply) and
serialises everything into one order. Messages travel in FIFO queues that the test drains in
whatever interleaving it draws.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from convergence_jupyter import ot
from convergence_jupyter.client.concurrency import ClientConcurrencyControl
from convergence_jupyter.client.undo_history import UndoHistory
from convergence_jupyter.models.concurrency import ServerConcurrencyControl
from convergence_jupyter.ot import operations as o
from convergence_jupyter.ot.values import deep_copy
from tests.ot.generators import Ids


@dataclass
class SimClient:
    name: str
    tree: ot.ModelTree
    cc: ClientConcurrencyControl = field(default_factory=lambda: ClientConcurrencyControl(0))
    up: deque[tuple[int, int, ot.Operation]] = field(default_factory=deque)
    down: deque[tuple[str, int, Any]] = field(default_factory=deque)
    now: float = 0.0

    def __post_init__(self) -> None:
        self.ids = Ids(self.name)
        self.history = UndoHistory(Ids(f"{self.name}u"), typing_window=1.0)

    def plain(self) -> Any:
        return ot.to_plain(self.tree.root)

    # -- local edits ---------------------------------------------------------------------------

    def edit(self, op: o.DiscreteOperation, group: Hashable | None = None) -> None:
        """One op, sent on its own (``group``: the step it belongs to, None: typing rules)."""
        applied = ot.apply(self.tree, op)
        outgoing = self.cc.local(op)
        self.history.record_local(applied, now=self.now, group=group)
        if outgoing is not None:
            self.up.append((outgoing.sequence_number, outgoing.context_version, outgoing.op))

    def start_batch(self) -> None:
        self.cc.start_batch()

    def end_batch(self) -> None:
        outgoing = self.cc.complete_batch()
        if outgoing is not None:
            self.up.append((outgoing.sequence_number, outgoing.context_version, outgoing.op))

    def _submit(self, op: o.CompoundOperation) -> None:
        if len(op.ops) == 1:
            self.edit(op.ops[0])
            return
        self.start_batch()
        for part in op.ops:
            self.edit(part)
        self.end_batch()

    def undo(self) -> bool:
        return self.history.undo(self.tree, self._submit)

    def redo(self) -> bool:
        return self.history.redo(self.tree, self._submit)

    # -- server stream -------------------------------------------------------------------------

    def receive(self) -> None:
        kind, version, payload = self.down.popleft()
        if kind == "ack":
            self.cc.acknowledge(version, payload)
            return
        op = self.cc.remote(version, payload)
        op = ot.preprocess(self.tree, op)
        applied = ot.apply(self.tree, op)
        self.history.record_other(ot.as_operation(applied))


class SimServer:
    def __init__(self, root: ot.ObjectValue, names: list[str]) -> None:
        self.tree = ot.ModelTree(deep_copy(root))  # type: ignore[arg-type]
        self.cc = ServerConcurrencyControl(0)
        self.clients = {n: SimClient(n, ot.ModelTree(deep_copy(root))) for n in names}  # type: ignore[arg-type]
        for name in names:
            self.cc.track(name)

    def deliver_up(self, name: str) -> None:
        """The server takes the next op of ``name``'s queue."""
        sender = self.clients[name]
        sequence_number, context_version, op = sender.up.popleft()
        op = ot.preprocess(self.tree, op)
        transformed = self.cc.transform(name, context_version, op)
        final = ot.normalize_incoming(ot.preprocess(self.tree, transformed.op))
        ot.apply(self.tree, final)
        version = self.cc.commit(transformed, final)
        sender.down.append(("ack", version - 1, sequence_number))
        for other in self.clients.values():
            if other is not sender:
                other.down.append(("op", version - 1, final))

    def step(self, name: str, up: bool) -> bool:
        """Deliver one message to or from ``name`` if there is one."""
        client = self.clients[name]
        if up and client.up:
            self.deliver_up(name)
            return True
        if not up and client.down:
            client.receive()
            return True
        return False

    def flush(self) -> None:
        busy = True
        while busy:
            busy = False
            for name in self.clients:
                busy |= self.step(name, True) | self.step(name, False)

    def assert_converged(self) -> None:
        for client in self.clients.values():
            assert client.tree == self.tree, client.name
