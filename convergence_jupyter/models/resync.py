"""Which replayed ops a reconnecting client made itself, and how to hand them back.

The rc.12 client cannot take its own ops back as replayed ``remoteOperation``s: its
"synthetic ack" for a replayed op of its own session passes sequence number 0 to its
concurrency control, which then throws ("Acknowledgement did not meet expected sequence
number of N: 0") and closes the model; a replayed own op under another session id (its
resubmission went out on an intermediate session) is applied a second time. So the server
acknowledges them with real ``operationAck``s, which the client takes at any point of a resync.

One more client quirk shapes the plan: only a replayed ``remoteOperation`` (not an ack) makes
the client notice that it reached the resync version. Own ops at the very end of the replay
are therefore not replayed: the version we announce stops before them, the client resends
them, and the server answers each resend with the ack of the already committed op (the
(client, sequence number) de-duplication of P2).

A client's own ops are recognised by session lineage (issue 14): the ops committed by the
sessions this client went through before, i.e. the sessions opened with its reconnect token
(``SessionHandle.lineage``). Other sessions of the same user (another tab) are other clients:
their ops are replayed as remote ops like anyone else's, so two tabs of one user that lost
their sockets together both resync exactly.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ReplayOp:
    """A stored op as the replay needs it."""

    version: int
    operation: str
    session_id: str
    timestamp: datetime
    sequence_number: int
    user_pk: int | None


@dataclass(frozen=True, slots=True)
class ReplayPlan:
    #: The ``currentVersion`` told to the client: the replay ends there.
    reply_version: int
    #: Ops up to ``reply_version`` in order; True marks the client's own (sent as acks).
    replay: list[tuple[ReplayOp, bool]]
    #: The client's own ops after ``reply_version``: acked when the client resends them.
    trailing: list[ReplayOp]


def plan_replay(since: int, ops: Sequence[ReplayOp], lineage: Collection[str]) -> ReplayPlan:
    """Plan the replay of ``ops`` (versions since+1 ... current, in order) to a client that last
    saw version ``since`` and whose earlier sessions are ``lineage``. Server ops (sequence
    number 0) are never a client's own."""
    mine = {o.version for o in ops if o.sequence_number > 0 and o.session_id in lineage}
    reply_version = max((o.version for o in ops if o.version not in mine), default=since)
    return ReplayPlan(
        reply_version=reply_version,
        replay=[(o, o.version in mine) for o in ops if o.version <= reply_version],
        trailing=[o for o in ops if o.version > reply_version],
    )
