"""Model history for the client's HistoricalModel: the current data, applied ops with old
values (so it can play backwards as well as forwards), and the version at a moment."""

from __future__ import annotations

from datetime import datetime

from convergence_jupyter.models import wire
from convergence_jupyter.models.persistence import snapshot_from_json
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.models import ModelRecord, ModelRepository

#: Most operations returned by one historicalOperationsRequest.
MAX_OPERATIONS = 10_000


def data_response(model: ModelRecord) -> pb.HistoricalDataResponseMessage:
    return pb.HistoricalDataResponseMessage(
        collectionId=model.collection_id,
        data=wire.object_to_wire(snapshot_from_json(model.data)),
        version=model.version,
        createdTime=wire.datetime_to_timestamp(model.created_at),
        modifiedTime=wire.datetime_to_timestamp(model.modified_at),
    )


async def operations_response(
    db: Database, model: ModelRecord, first: int, last: int
) -> tuple[pb.HistoricalOperationsResponseMessage, list[str]]:
    """Ops with ``first <= version <= last`` (inclusive, clamped) and the sessions they name."""
    # The rc.12 client, playing back to version 0, asks for [0, n] and drops the first entry
    # (it only wants its timestamp); we answer with a stand-in "version 0" entry.
    want_zero = first <= 0
    first = max(1, first)
    last = min(last, model.version, first + MAX_OPERATIONS - 1)
    reply = pb.HistoricalOperationsResponseMessage()
    sessions: list[str] = []
    if last < first:
        return reply, sessions
    async with db.transaction(readonly=True) as tx:
        ops = await ModelRepository(tx).operations(model.pk, first, last)
    if want_zero and ops:
        reply.operations.add(
            modelId=model.model_id,
            version=0,
            timestamp=wire.datetime_to_timestamp(model.created_at),
            sessionId=ops[0].session_id,
            operation=wire.applied_wire_from_json(ops[0].operation),
        )
    for o in ops:
        reply.operations.add(
            modelId=model.model_id,
            version=o.version,
            timestamp=wire.datetime_to_timestamp(o.timestamp),
            sessionId=o.session_id,
            operation=wire.applied_wire_from_json(o.operation),
        )
        if o.session_id not in sessions:
            sessions.append(o.session_id)
    return reply, sessions


async def version_at(db: Database, model: ModelRecord, moment: datetime) -> int:
    async with db.transaction(readonly=True) as tx:
        return await ModelRepository(tx).version_at(model.pk, moment)
