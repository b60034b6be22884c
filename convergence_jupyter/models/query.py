"""Model queries (protocol §6.4): parse, then filter, order and page in the database, with the
Python evaluator here as the reference semantics.

The text is parsed by :mod:`query_grammar` into a :mod:`query_ast` tree. :mod:`query_sql`
compiles what SQL can decide *exactly as this module would*; what it cannot (arithmetic,
field-to-field comparisons, names the JSON path syntax cannot carry) stays a residual condition
evaluated here on the rows the database already narrowed down, and when ordering cannot be
compiled the whole ordering and paging happen here. The database sees bound parameters only
(see :mod:`query_sql` for why client text cannot become SQL). Should the database refuse a
document (PostgreSQL's jsonb has no ``\\u0000``) the query is answered by
:func:`run_query_python`, the old load-everything path, which is also the tests' oracle.

The semantics are those of :mod:`query_eval`.
"""

from __future__ import annotations

import json
from typing import Any

from google.protobuf import json_format
from sqlalchemy.exc import DataError
from sqlalchemy.ext.asyncio import AsyncSession

from convergence_jupyter.domain.session import SessionHandle
from convergence_jupyter.domain.users import UserType
from convergence_jupyter.models import wire
from convergence_jupyter.models.permissions import resolve_model_permissions
from convergence_jupyter.models.query_ast import Query
from convergence_jupyter.models.query_eval import (
    MAX_RESULTS,
    Meta,
    QueryDate,
    evaluate,
    matches,
    page_window,
    plain_from_snapshot,
    project,
    wire_plain,
)
from convergence_jupyter.models.query_grammar import (
    MAX_PATH_SEGMENTS,
    MAX_QUERY_LENGTH,
    QueryError,
    parse_query,
)
from convergence_jupyter.models.query_sql import compile_query
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.models import (
    CollectionRecord,
    CollectionRepository,
    ModelRecord,
    ModelRepository,
    ReadScope,
)

__all__ = [
    "MAX_PATH_SEGMENTS",
    "MAX_QUERY_LENGTH",
    "MAX_RESULTS",
    "QueryDate",
    "QueryError",
    "evaluate",
    "parse_query",
    "project",
    "run_query",
    "run_query_python",
]

# --- running a query ----------------------------------------------------------------------------


def _meta(model: ModelRecord) -> Meta:
    # The version of the data judged (the stored snapshot's; see ModelService.flush_snapshots).
    return {"id": model.model_id, "version": model.data_version}


def _reply(
    query: Query, page: list[tuple[ModelRecord, Any]], total: int
) -> pb.ModelsQueryResponseMessage:
    reply = pb.ModelsQueryResponseMessage(offset=query.offset or 0, totalResults=total)
    for model, data in page:
        result = reply.models.add(
            collectionId=model.collection_id,
            modelId=model.model_id,
            createdTime=wire.datetime_to_timestamp(model.created_at),
            modifiedTime=wire.datetime_to_timestamp(model.modified_at),
            version=model.data_version,
        )
        result.data.SetInParent()
        json_format.ParseDict(wire_plain(project(query, data)), result.data)
    return reply


def _plain(model: ModelRecord) -> Any:
    return plain_from_snapshot(json.loads(model.data))


async def _read_scope(
    tx: AsyncSession, collection: CollectionRecord, session: SessionHandle
) -> ReadScope | None:
    """How ``resolve_model_permissions`` decides read for this user, as data for one query."""
    if session.user.user_id.user_type is UserType.CONVERGENCE:
        return None
    grant = await CollectionRepository(tx).user_permissions(collection.pk, session.user_pk)
    return ReadScope(
        user_pk=session.user_pk,
        collection_read=None if grant is None else grant.read,
        collection_world_read=collection.world.read,
    )


async def run_query(
    db: Database, domain_pk: int, session: SessionHandle, text: str
) -> pb.ModelsQueryResponseMessage:
    query = parse_query(text)
    plan = compile_query(query, db.dialect_name)
    try:
        async with db.transaction(readonly=True) as tx:
            collection = await CollectionRepository(tx).get(domain_pk, query.collection)
            if collection is None:
                return _reply(query, [], 0)
            scope = await _read_scope(tx, collection, session)
            start, count = page_window(query)
            paged = plan.exact
            models, total = await ModelRepository(tx).query(
                collection,
                readable=scope,
                where=plan.where,
                order_by=plan.order_by,
                limit=count if paged else None,
                offset=start if paged else 0,
                joins=plan.joins,
            )
    except DataError:
        # A document the database cannot read as JSON (PostgreSQL: a "\u0000" in a string).
        return await run_query_python(db, domain_pk, session, text)
    if paged:
        return _reply(query, [(m, _plain(m)) for m in models], total)
    rows = [(m, _plain(m)) for m in models]
    if plan.order_by is not None:
        # Already in order: only the residual condition and paging are left.
        selected = [r for r in rows if matches(plan.residual, r[1], _meta(r[0]))]
        return _reply(query, selected[start : start + count], len(selected))
    page, total = evaluate(query, rows, _meta, condition=plan.residual)
    return _reply(query, page, total)


async def run_query_python(
    db: Database, domain_pk: int, session: SessionHandle, text: str
) -> pb.ModelsQueryResponseMessage:
    """The previous path: every snapshot of the collection loaded and judged here."""
    query = parse_query(text)
    rows: list[tuple[ModelRecord, Any]] = []
    async with db.transaction(readonly=True) as tx:
        collection = await CollectionRepository(tx).get(domain_pk, query.collection)
        if collection is not None:
            for model in await ModelRepository(tx).in_collection(collection.pk):
                perms = await resolve_model_permissions(
                    tx, model, collection, session.user, session.user_pk
                )
                if perms.read:
                    rows.append((model, _plain(model)))
    page, total = evaluate(query, rows, _meta)
    return _reply(query, page, total)
