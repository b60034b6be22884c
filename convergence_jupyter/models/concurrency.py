"""Server concurrency control (protocol §4.4): bring each incoming op from its sender's context
version up to the current version.

Per tracked session we keep its last context version and its *branched state path*: history
ops of other sessions already transformed against this session's earlier ops. A session's own
ops are never transformed against each other, which is what makes pipelining (several
submissions with one context version) work. Pure and synchronous; the live model serialises
calls and commits.

Memory is bounded (issue 14): history is normally kept back to the oldest context version of
any tracked session, but a session that only reads never tells us what it has seen, so its
context version stays at its open. Past ``max_history`` entries the oldest are dropped anyway;
a session that later submits (or sets a reference) from a context older than what is kept gets
a :class:`ConcurrencyError` naming the bound, and the model is force-closed for it alone (the
client reopens it). A reader that has caught up submits from a recent version and never
notices the bound.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from convergence_jupyter import ot

T = TypeVar("T")


class ConcurrencyError(ValueError):
    """The submission's context version cannot be served (from the future, or too old)."""


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """An op in the total order; ``version`` is the version it produced (applied at version-1)."""

    version: int
    session_id: str
    op: ot.Operation


@dataclass(slots=True)
class ClientState:
    context_version: int
    #: Everything up to this version is in the session's context (set by a resync).
    floor: int
    branched: list[HistoryEntry] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Transformed:
    """An incoming op brought up to date, not yet committed."""

    session_id: str
    context_version: int
    op: ot.Operation
    branched: list[HistoryEntry]


class ServerConcurrencyControl:
    def __init__(self, version: int, *, max_history: int = 0) -> None:
        """``max_history``: most history entries kept in memory (0: no bound)."""
        self.version = version
        self.max_history = max_history
        self._history: list[HistoryEntry] = []
        self._clients: dict[str, ClientState] = {}

    # -- tracking ----------------------------------------------------------------------------

    def track(self, session_id: str, *, resync: bool = False) -> None:
        """Start tracking a session at the current version (open, or the start of a resync:
        then older context versions are clamped, since the client has replayed up to here)."""
        self._clients[session_id] = ClientState(
            context_version=self.version, floor=self.version if resync else 0
        )

    def untrack(self, session_id: str) -> None:
        self._clients.pop(session_id, None)
        self._prune()

    def is_tracked(self, session_id: str) -> bool:
        return session_id in self._clients

    @property
    def history_size(self) -> int:
        return len(self._history)

    # -- operations --------------------------------------------------------------------------

    def transform(self, session_id: str, context_version: int, op: ot.Operation) -> Transformed:
        """``op`` transformed against every concurrent op; raises on bad versions or pairs."""
        state, cv = self._check(session_id, context_version)
        path = self._path(session_id, state, cv)
        new_branch: list[HistoryEntry] = []
        for entry in path:
            h_prime, op = ot.transform(entry.op, op)
            new_branch.append(HistoryEntry(entry.version, entry.session_id, h_prime))
        return Transformed(session_id, cv, op, new_branch)

    def commit(self, transformed: Transformed, applied_op: ot.Operation) -> int:
        """Record ``applied_op`` (what was applied and broadcast) as the next version."""
        self.version += 1
        self._history.append(HistoryEntry(self.version, transformed.session_id, applied_op))
        state = self._clients.get(transformed.session_id)
        if state is not None:
            state.context_version = transformed.context_version
            state.branched = transformed.branched
        self._prune()
        return self.version

    def transform_reference(
        self,
        session_id: str,
        context_version: int,
        value: T,
        step: Callable[[ot.Operation, T], T | None],
    ) -> T | None:
        """A reference from ``context_version`` brought up to now along the same state path."""
        state, cv = self._check(session_id, context_version, allow_older=True)
        current: T | None = value
        for entry in self._path(session_id, state, cv):
            if current is None:
                return None
            current = step(entry.op, current)
        return current

    # -- internals ---------------------------------------------------------------------------

    def _check(
        self, session_id: str, context_version: int, *, allow_older: bool = False
    ) -> tuple[ClientState, int]:
        state = self._clients.get(session_id)
        if state is None:
            raise ConcurrencyError(f"session {session_id} is not tracked")
        if context_version > self.version:
            raise ConcurrencyError(
                f"context version {context_version} is ahead of the model ({self.version})"
            )
        cv = max(context_version, state.floor)
        if cv < state.context_version and not allow_older:
            raise ConcurrencyError(
                f"context version {context_version} went back (last {state.context_version})"
            )
        first_kept = self._history[0].version if self._history else self.version + 1
        if cv + 1 < first_kept and cv < self.version:
            raise ConcurrencyError(
                f"context version {context_version} is too old: the server keeps only the"
                f" operations after version {first_kept - 1} (at most {self.max_history});"
                " reopen the model"
            )
        return state, cv

    def _path(self, session_id: str, state: ClientState, cv: int) -> list[HistoryEntry]:
        path = [e for e in state.branched if e.version > cv]
        start = max(cv, state.branched[-1].version if state.branched else cv)
        if self._history:
            offset = self._history[0].version
            for entry in self._history[max(0, start + 1 - offset) :]:
                if entry.session_id != session_id:
                    path.append(entry)
        return path

    def _prune(self) -> None:
        """Forget history every tracked session has in its context."""
        if not self._clients:
            self._history.clear()
            return
        oldest = min(max(s.context_version, s.floor) for s in self._clients.values())
        drop = 0
        while drop < len(self._history) and self._history[drop].version <= oldest:
            drop += 1
        if self.max_history and len(self._history) - drop > self.max_history:
            # A session that never submits pins history at its open: cut it loose (see above).
            drop = len(self._history) - self.max_history
        if drop:
            del self._history[:drop]
        for state in self._clients.values():
            floor = max(state.context_version, state.floor)
            if state.branched and state.branched[0].version <= floor:
                state.branched = [e for e in state.branched if e.version > floor]
