"""Client concurrency control, the way the rc.12 JavaScript client does it.

Local ops are applied at once and sent at once (pipelined: several may be in flight, each
carrying the context version it was made in; the server never transforms a session's ops
against each other). A remote op arrives at our context version; it is transformed against
every in-flight op and then every op of an unfinished batch, always as
``ot.transform(remote, local)``: the remote op is earlier in the server's total order, exactly
the ``(history, incoming)`` order the server uses. The transformed local ops replace the queued
ones (their context version moves past the remote op, as rc.12 does, so that a resend after a
reconnect carries the version the op now reads at); the transformed remote op is what we apply.
An ack removes the first in-flight op and advances the context version.

"In flight" means "not yet acknowledged": while the connection is down the queue keeps
growing, and after the resync every op still in it is sent again (``models.py``). Pure: no
I/O, so it can be tested pair by pair.
"""

from __future__ import annotations

from dataclasses import dataclass

from convergence_jupyter import ot


class ConcurrencyError(RuntimeError):
    """The server's stream contradicts our state (a version or sequence out of order)."""


@dataclass(frozen=True, slots=True)
class OutgoingOperation:
    sequence_number: int
    context_version: int
    op: ot.Operation


class ClientConcurrencyControl:
    def __init__(self, context_version: int, last_sequence_number: int = 0) -> None:
        self.context_version = context_version
        self.last_sequence_number = last_sequence_number
        self.in_flight: list[OutgoingOperation] = []
        self._batch: list[ot.DiscreteOperation] | None = None

    # -- local ops ---------------------------------------------------------------------------

    @property
    def batch_in_progress(self) -> bool:
        return self._batch is not None

    def start_batch(self) -> None:
        if self._batch is not None:
            raise RuntimeError("a batch is already in progress")
        self._batch = []

    def complete_batch(self) -> OutgoingOperation | None:
        """End the batch; its ops travel as one compound op (None when it was empty)."""
        if self._batch is None:
            raise RuntimeError("no batch in progress")
        ops, self._batch = self._batch, None
        if not ops:
            return None
        return self._queue(ot.CompoundOperation(tuple(ops)))

    def local(self, op: ot.DiscreteOperation) -> OutgoingOperation | None:
        """Record an op already applied locally; returns what to send (None inside a batch)."""
        if self._batch is not None:
            self._batch.append(op)
            return None
        return self._queue(op)

    def _queue(self, op: ot.Operation) -> OutgoingOperation:
        self.last_sequence_number += 1
        outgoing = OutgoingOperation(self.last_sequence_number, self.context_version, op)
        self.in_flight.append(outgoing)
        return outgoing

    @property
    def committed(self) -> bool:
        """True when the server has acknowledged every local op (and no batch holds any)."""
        return not self.in_flight and not self._batch

    # -- server stream -----------------------------------------------------------------------

    def acknowledge(self, version: int, sequence_number: int) -> OutgoingOperation:
        if not self.in_flight:
            raise ConcurrencyError("an acknowledgement without an operation in flight")
        if version != self.context_version:
            raise ConcurrencyError(
                f"acknowledged version {version}, expected {self.context_version}"
            )
        first = self.in_flight[0]
        if first.sequence_number != sequence_number:
            raise ConcurrencyError(
                f"acknowledged sequence {sequence_number}, expected {first.sequence_number}"
            )
        self.in_flight.pop(0)
        self.context_version += 1
        return first

    def remote(self, context_version: int, op: ot.Operation) -> ot.Operation:
        """A remote op, transformed so it applies on top of our local (unacknowledged) state."""
        if context_version != self.context_version:
            raise ConcurrencyError(
                f"remote operation at version {context_version}, expected {self.context_version}"
            )
        for index, outgoing in enumerate(self.in_flight):
            op, local = ot.transform(op, outgoing.op)
            self.in_flight[index] = OutgoingOperation(
                outgoing.sequence_number, context_version + 1, local
            )
        if self._batch:
            for index, pending in enumerate(self._batch):
                op, local = ot.transform(op, pending)
                assert not isinstance(local, ot.CompoundOperation)
                self._batch[index] = local
        self.context_version += 1
        return op

    def local_view(self) -> list[ot.Operation]:
        """Our ops the server has not acknowledged (the batch's too), oldest first: what a
        remote reference, which is in the server's coordinates, must be moved through."""
        return [o.op for o in self.in_flight] + list(self._batch or ())
