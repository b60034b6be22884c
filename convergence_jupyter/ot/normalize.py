"""Keeping the rc.12 client's one non-convergent string transform out of reach.

The client's Splice/Splice function shifts a delete+insert splice ``s`` that lies wholly after a
delete+insert splice ``c`` by ``|s.insert|`` where it should use ``|c.insert|`` ("PrecededBy").
Clients run that function with ``s`` = an op from the server's history and ``c`` = their own
in-flight op, so the server cannot repair the result: it can only make sure that no
delete+insert splice is ever in history. Every other string pair of the client converges, and
transforms never turn an insert or a remove into a delete+insert splice, so this is enough.

Use: transform the incoming op against history exactly as the client would (with its splice
intact, so that both sides compute the same branched path), then call ``normalize_incoming`` on
the result and apply, store and broadcast that. The submitter only gets an ack, so it never
sees the rewrite; everyone else receives "remove, then insert" as one compound op, which has
the same effect. Do not normalise before transforming: a remove+insert pair transforms some
concurrent inserts differently from the splice it came from, and the submitter's own client
transforms against the splice.
"""

from __future__ import annotations

from . import operations as ops


def split_splice(op: ops.StringSplice) -> tuple[ops.StringSplice, ...]:
    """A delete+insert splice as (remove, insert) at the same index; anything else unchanged."""
    if op.no_op or op.delete_count == 0 or op.insert_value == "":
        return (op,)
    return (
        op.replace(insert_value=""),
        op.replace(delete_count=0),
    )


def normalize_incoming(op: ops.Operation) -> ops.Operation:
    """``op`` with every delete+insert splice split in two; a compound op is flattened.

    Call on the op after it has been transformed against history, before apply/store/broadcast.
    Idempotent; returns ``op`` itself when nothing needed splitting.
    """
    parts = op.ops if isinstance(op, ops.CompoundOperation) else (op,)
    split: list[ops.DiscreteOperation] = []
    for part in parts:
        split.extend(split_splice(part) if isinstance(part, ops.StringSplice) else (part,))
    if len(split) == len(parts):
        return op
    return ops.CompoundOperation(tuple(split))
