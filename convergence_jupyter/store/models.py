"""Repositories of the model service: collections, models and snapshots, the operation log and
model/collection permissions.

Snapshots and operations are opaque JSON text here; the model service decides their shape.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite
from sqlalchemy import case, delete, func, insert, literal, select, true, update
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause

from ._sql import insert_ignore_one
from .base import utcnow
from .database import Database
from .errors import AlreadyExists, NotFound
from .model_tables import (
    CollectionRow,
    CollectionUserPermissionRow,
    ModelOperationRow,
    ModelRow,
    ModelUserPermissionRow,
)
from .workspaces import model_membership


@dataclass(frozen=True, slots=True)
class PermissionFlags:
    """Model permissions; ``create`` only means something on a collection."""

    read: bool = False
    write: bool = False
    remove: bool = False
    manage: bool = False
    create: bool = False

    @classmethod
    def all(cls) -> PermissionFlags:
        return cls(True, True, True, True, True)


@dataclass(frozen=True, slots=True)
class CollectionRecord:
    pk: int
    domain_pk: int
    collection_id: str
    description: str
    world: PermissionFlags


@dataclass(frozen=True, slots=True)
class ModelRecord:
    pk: int
    domain_pk: int
    collection_pk: int
    collection_id: str
    model_id: str
    version: int
    value_prefix: int
    created_at: datetime
    modified_at: datetime
    data: str
    override_world: bool
    world: PermissionFlags
    ephemeral: bool
    #: The version ``data`` is at when it lags behind ``version`` (the op log holds the ops
    #: after it; ``models.snapshots.current`` replays them); None: ``data`` is at ``version``.
    snapshot_version: int | None = None

    @property
    def data_version(self) -> int:
        """The version ``data`` is at."""
        return self.version if self.snapshot_version is None else self.snapshot_version


@dataclass(frozen=True, slots=True)
class OperationRecord:
    model_pk: int
    version: int
    timestamp: datetime
    session_id: str
    sequence_number: int
    user_pk: int | None
    operation: str


@dataclass(frozen=True, slots=True)
class NewOperation:
    version: int
    timestamp: datetime
    session_id: str
    sequence_number: int
    user_pk: int | None
    operation: str


@dataclass(frozen=True, slots=True)
class ReadScope:
    """What decides one user's read right on the models of one collection, as a model query
    needs it: the user's per-model grant if any, else ``collection_read`` (the user's grant on
    the collection) if any, else the model's world read when it overrides the collection's,
    else ``collection_world_read`` (the order of ``models.permissions``); workspace
    membership counts right after the per-model grant."""

    user_pk: int
    collection_read: bool | None
    collection_world_read: bool


def _readable(scope: ReadScope) -> ColumnElement[bool]:
    grant = (
        select(ModelUserPermissionRow.read)
        .where(
            ModelUserPermissionRow.model_pk == ModelRow.id,
            ModelUserPermissionRow.user_id == scope.user_pk,
        )
        .scalar_subquery()
    )
    if scope.collection_read is not None:
        fallback: ColumnElement[bool] = literal(scope.collection_read)
    else:
        fallback = case(
            (ModelRow.override_world == true(), ModelRow.world_read),
            else_=literal(scope.collection_world_read),
        )
    member, member_reads = model_membership(scope.user_pk)
    fallback = case((member, member_reads), else_=fallback)
    return func.coalesce(grant, fallback) == true()


def _collection(row: CollectionRow) -> CollectionRecord:
    return CollectionRecord(
        pk=row.id,
        domain_pk=row.domain_id,
        collection_id=row.collection_id,
        description=row.description,
        world=PermissionFlags(
            row.world_read, row.world_write, row.world_remove, row.world_manage, row.world_create
        ),
    )


def _model(row: ModelRow, collection_id: str) -> ModelRecord:
    return ModelRecord(
        pk=row.id,
        domain_pk=row.domain_id,
        collection_pk=row.collection_pk,
        collection_id=collection_id,
        model_id=row.model_id,
        version=row.version,
        value_prefix=row.value_prefix,
        created_at=row.created_at,
        modified_at=row.modified_at,
        data=row.data,
        override_world=row.override_world,
        world=PermissionFlags(row.world_read, row.world_write, row.world_remove, row.world_manage),
        ephemeral=row.ephemeral,
        snapshot_version=row.snapshot_version,
    )


def _operation(row: ModelOperationRow) -> OperationRecord:
    return OperationRecord(
        model_pk=row.model_pk,
        version=row.version,
        timestamp=row.timestamp,
        session_id=row.session_id,
        sequence_number=row.sequence_number,
        user_pk=row.user_id,
        operation=row.operation,
    )


class CollectionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, domain_pk: int, collection_id: str) -> CollectionRecord | None:
        row = await self._session.scalar(
            select(CollectionRow).where(
                CollectionRow.domain_id == domain_pk, CollectionRow.collection_id == collection_id
            )
        )
        return None if row is None else _collection(row)

    async def get_by_pk(self, pk: int) -> CollectionRecord | None:
        row = await self._session.get(CollectionRow, pk)
        return None if row is None else _collection(row)

    async def ensure(
        self, domain_pk: int, collection_id: str, world: PermissionFlags | None = None
    ) -> CollectionRecord:
        """The collection, created (race-free) with ``world`` (default: everything) if absent."""
        flags = world or PermissionFlags.all()
        await insert_ignore_one(
            self._session,
            CollectionRow.__table__,
            {
                "domain_id": domain_pk,
                "collection_id": collection_id,
                "description": "",
                "world_read": flags.read,
                "world_write": flags.write,
                "world_remove": flags.remove,
                "world_manage": flags.manage,
                "world_create": flags.create,
            },
            ["domain_id", "collection_id"],
        )
        found = await self.get(domain_pk, collection_id)
        assert found is not None
        return found

    async def set_world(self, pk: int, flags: PermissionFlags) -> None:
        await self._session.execute(
            update(CollectionRow)
            .where(CollectionRow.id == pk)
            .values(
                world_read=flags.read,
                world_write=flags.write,
                world_remove=flags.remove,
                world_manage=flags.manage,
                world_create=flags.create,
            )
        )

    async def user_permissions(self, collection_pk: int, user_pk: int) -> PermissionFlags | None:
        row = await self._session.get(CollectionUserPermissionRow, (collection_pk, user_pk))
        if row is None:
            return None
        return PermissionFlags(row.read, row.write, row.remove, row.manage, row.create)

    async def set_user_permissions(
        self, collection_pk: int, user_pk: int, flags: PermissionFlags
    ) -> None:
        await self._session.execute(
            delete(CollectionUserPermissionRow).where(
                CollectionUserPermissionRow.collection_pk == collection_pk,
                CollectionUserPermissionRow.user_id == user_pk,
            )
        )
        self._session.add(
            CollectionUserPermissionRow(
                collection_pk=collection_pk,
                user_id=user_pk,
                read=flags.read,
                write=flags.write,
                remove=flags.remove,
                manage=flags.manage,
                create=flags.create,
            )
        )
        await self._session.flush()


class ModelRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, domain_pk: int, model_id: str) -> ModelRecord | None:
        found = (
            await self._session.execute(
                select(ModelRow, CollectionRow.collection_id)
                .join(CollectionRow, CollectionRow.id == ModelRow.collection_pk)
                .where(ModelRow.domain_id == domain_pk, ModelRow.model_id == model_id)
            )
        ).first()
        return None if found is None else _model(found[0], found[1])

    async def in_collection(self, collection_pk: int) -> list[ModelRecord]:
        rows = (
            await self._session.execute(
                select(ModelRow, CollectionRow.collection_id)
                .join(CollectionRow, CollectionRow.id == ModelRow.collection_pk)
                .where(ModelRow.collection_pk == collection_pk)
                .order_by(ModelRow.id)
            )
        ).all()
        return [_model(r[0], r[1]) for r in rows]

    async def lagging(self, collection_pk: int) -> list[ModelRecord]:
        """The models of the collection whose stored snapshot lags behind their version."""
        rows = (
            await self._session.execute(
                select(ModelRow, CollectionRow.collection_id)
                .join(CollectionRow, CollectionRow.id == ModelRow.collection_pk)
                .where(
                    ModelRow.collection_pk == collection_pk,
                    ModelRow.snapshot_version.is_not(None),
                )
                .order_by(ModelRow.id)
            )
        ).all()
        return [_model(r[0], r[1]) for r in rows]

    async def query(
        self,
        collection: CollectionRecord,
        *,
        readable: ReadScope | None,
        where: Sequence[ColumnElement[bool]] = (),
        order_by: Sequence[ColumnElement[Any]] | None = None,
        limit: int | None = None,
        offset: int = 0,
        joins: Sequence[FromClause] = (),
    ) -> tuple[list[ModelRecord], int]:
        """The models of ``collection`` that ``readable`` may read (None: all) and that satisfy
        ``where``, ordered by ``order_by`` (default: creation order), the page ``offset`` /
        ``limit`` of them, and how many there are in all. The conditions are the caller's SQL
        expressions over the model columns (see ``models.query_sql``: bound values only)."""
        conditions = [ModelRow.collection_pk == collection.pk, *where]
        if readable is not None:
            conditions.append(_readable(readable))
        stmt = select(ModelRow, func.count().over().label("total")).select_from(ModelRow)
        for joined in joins:  # LATERAL subqueries over the row (see models.query_sql)
            stmt = stmt.join(joined, true())
        stmt = stmt.where(*conditions)
        stmt = stmt.order_by(*(order_by if order_by is not None else (ModelRow.id,)))
        if limit is not None:
            stmt = stmt.limit(limit)
        if offset:
            stmt = stmt.offset(offset)
        rows = (await self._session.execute(stmt)).all()
        models = [_model(r[0], collection.collection_id) for r in rows]
        if rows:
            return models, int(rows[0][1])
        if limit is None and not offset:
            return [], 0
        counted = select(func.count()).select_from(ModelRow)
        for joined in joins:
            counted = counted.join(joined, true())
        total = await self._session.scalar(counted.where(*conditions))
        return [], int(total or 0)

    async def create(
        self,
        domain_pk: int,
        collection: CollectionRecord,
        model_id: str,
        data: str,
        *,
        created_at: datetime | None = None,
        override_world: bool = False,
        world: PermissionFlags | None = None,
        ephemeral: bool = False,
    ) -> ModelRecord:
        """Insert a model at version 0. Raises :class:`AlreadyExists` for a taken id."""
        flags = world or PermissionFlags()
        now = created_at or utcnow()
        row = ModelRow(
            domain_id=domain_pk,
            collection_pk=collection.pk,
            model_id=model_id,
            version=0,
            value_prefix=1,
            created_at=now,
            modified_at=now,
            data=data,
            override_world=override_world,
            world_read=flags.read,
            world_write=flags.write,
            world_remove=flags.remove,
            world_manage=flags.manage,
            ephemeral=ephemeral,
        )
        try:
            async with self._session.begin_nested():
                self._session.add(row)
                await self._session.flush()
        except IntegrityError:
            raise AlreadyExists(f"model {model_id!r} exists") from None
        return _model(row, collection.collection_id)

    async def delete(self, pk: int) -> bool:
        result = await self._session.execute(delete(ModelRow).where(ModelRow.id == pk))
        return bool(getattr(result, "rowcount", 0))

    async def next_value_prefix(self, pk: int) -> int:
        """Increment and return the model's value-id prefix counter (one per open)."""
        await self._session.execute(
            update(ModelRow).where(ModelRow.id == pk).values(value_prefix=ModelRow.value_prefix + 1)
        )
        value = await self._session.scalar(select(ModelRow.value_prefix).where(ModelRow.id == pk))
        if value is None:
            raise NotFound(f"model {pk}")
        return int(value)

    async def append_operations(
        self, pk: int, expected_version: int, ops: Sequence[NewOperation], data: str | None
    ) -> None:
        """Append ops in the caller's transaction, with the snapshot at the last op (``data``)
        or without it (None: the stored snapshot stays where it is and now lags; the row
        records the version it is at if it did not lag before).

        The version check makes a lost update impossible: if another writer moved the model,
        this raises :class:`NotFound` and the caller's transaction rolls back.
        """
        if not ops:
            return
        last = ops[-1]
        values: dict[str, Any] = {"version": last.version, "modified_at": last.timestamp}
        if data is None:
            values["snapshot_version"] = func.coalesce(
                ModelRow.snapshot_version, literal(expected_version)
            )
        else:
            values.update(data=data, snapshot_version=None)
        result = await self._session.execute(
            update(ModelRow)
            .where(ModelRow.id == pk, ModelRow.version == expected_version)
            .values(**values)
        )
        if not getattr(result, "rowcount", 0):
            raise NotFound(f"model {pk} is not at version {expected_version}")
        await self._session.execute(
            insert(ModelOperationRow),
            [
                {
                    "model_pk": pk,
                    "version": o.version,
                    "timestamp": o.timestamp,
                    "session_id": o.session_id,
                    "sequence_number": o.sequence_number,
                    "user_id": o.user_pk,
                    "operation": o.operation,
                }
                for o in ops
            ],
        )

    async def store_snapshot(self, pk: int, version: int, data: str) -> bool:
        """Store ``data`` as the snapshot at ``version`` if the stored one is older and the op
        log reaches ``version``; False if not (already newer, or the model is gone).

        Safe from any writer at any time: the snapshot at a version is a function of the op
        log, so the newest one wins and none is ever ahead of the log.
        """
        result = await self._session.execute(
            update(ModelRow)
            .where(
                ModelRow.id == pk,
                ModelRow.snapshot_version.is_not(None),
                ModelRow.snapshot_version < version,
                ModelRow.version >= version,
            )
            .values(
                data=data,
                snapshot_version=case((ModelRow.version == version, None), else_=literal(version)),
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def operations(self, pk: int, first: int, last: int) -> list[OperationRecord]:
        """Stored operations with ``first <= version <= last``, in version order."""
        rows = await self._session.scalars(
            select(ModelOperationRow)
            .where(
                ModelOperationRow.model_pk == pk,
                ModelOperationRow.version >= first,
                ModelOperationRow.version <= last,
            )
            .order_by(ModelOperationRow.version)
        )
        return [_operation(r) for r in rows]

    async def version_at(self, pk: int, moment: datetime) -> int:
        """The model version at ``moment``: the newest op at or before it (0 if none)."""
        value = await self._session.scalar(
            select(func.max(ModelOperationRow.version)).where(
                ModelOperationRow.model_pk == pk, ModelOperationRow.timestamp <= moment
            )
        )
        return int(value or 0)

    async def set_world(
        self, pk: int, override_world: bool | None, world: PermissionFlags | None
    ) -> None:
        values: dict[str, bool] = {}
        if override_world is not None:
            values["override_world"] = override_world
        if world is not None:
            values.update(
                world_read=world.read,
                world_write=world.write,
                world_remove=world.remove,
                world_manage=world.manage,
            )
        if values:
            await self._session.execute(update(ModelRow).where(ModelRow.id == pk).values(**values))

    async def user_permissions(self, pk: int) -> dict[int, PermissionFlags]:
        rows = await self._session.scalars(
            select(ModelUserPermissionRow).where(ModelUserPermissionRow.model_pk == pk)
        )
        return {r.user_id: PermissionFlags(r.read, r.write, r.remove, r.manage) for r in rows}

    async def set_user_permissions(
        self, pk: int, grants: Iterable[tuple[int, PermissionFlags]]
    ) -> None:
        for user_pk, flags in grants:
            await self.remove_user_permissions(pk, [user_pk])
            self._session.add(
                ModelUserPermissionRow(
                    model_pk=pk,
                    user_id=user_pk,
                    read=flags.read,
                    write=flags.write,
                    remove=flags.remove,
                    manage=flags.manage,
                )
            )
        await self._session.flush()

    async def remove_user_permissions(self, pk: int, user_pks: Iterable[int] | None = None) -> None:
        """Drop the given users' grants, or every grant when ``user_pks`` is None."""
        stmt = delete(ModelUserPermissionRow).where(ModelUserPermissionRow.model_pk == pk)
        if user_pks is not None:
            stmt = stmt.where(ModelUserPermissionRow.user_id.in_(list(user_pks)))
        await self._session.execute(stmt)


# Plain SQL for the SQLite fast path; the table and column names are those of model_tables.
_SQLITE_MOVE_MODEL = (
    "UPDATE models SET version = ?, data = ?, modified_at = ?, snapshot_version = NULL"
    " WHERE id = ? AND version = ?"
)
#: The hot path: the op log only; the stored snapshot stays and the row says which version
#: it is at (``models.snapshots``).
_SQLITE_MOVE_VERSION = (
    "UPDATE models SET version = ?, modified_at = ?,"
    " snapshot_version = COALESCE(snapshot_version, ?) WHERE id = ? AND version = ?"
)
_SQLITE_INSERT_OPERATION = (
    "INSERT INTO model_operations"
    " (model_pk, version, timestamp, session_id, sequence_number, user_id, operation)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def _sqlite_timestamp(dialect: Dialect) -> Any:
    """SQLAlchemy's own bind conversion of a UTC timestamp, so stored text is identical."""
    column_type = ModelOperationRow.__table__.c.timestamp.type
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    return process if process is not None else (lambda value: value)


def _sqlite_append(
    aio: aiosqlite.Connection,
    statement: str,
    move: tuple[Any, ...],
    rows: list[tuple[Any, ...]],
) -> bool:
    """Runs on aiosqlite's worker thread: the whole transaction in one hand-off.

    The connection is in autocommit mode (see ``database._install_sqlite_hooks``), so the
    transaction is explicit; nothing is acknowledged before COMMIT returned.
    """
    conn: sqlite3.Connection = aio._conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute(statement, move).rowcount != 1:
            conn.execute("ROLLBACK")
            return False
        conn.executemany(_SQLITE_INSERT_OPERATION, rows)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return True


async def commit_operations(
    db: Database, pk: int, expected_version: int, ops: Sequence[NewOperation], data: str | None
) -> None:
    """:meth:`ModelRepository.append_operations` in a transaction of its own, committed on return
    (``data`` None: the op log only, the snapshot lags).

    On SQLite the statements (BEGIN IMMEDIATE, the versioned UPDATE of the model row, one
    executemany INSERT of the ops, COMMIT) run in ONE call on aiosqlite's worker thread instead
    of a queue hand-off per statement and cursor, which dominated the per-batch cost. Other
    databases use the ordinary session path. Raises :class:`NotFound` (nothing written) if the
    model is not at ``expected_version``.
    """
    if not ops:
        return
    if db.dialect_name != "sqlite":
        async with db.transaction() as tx:
            await ModelRepository(tx).append_operations(pk, expected_version, ops, data)
        return
    dialect = db.engine.dialect
    stamp = _sqlite_timestamp(dialect)
    last = ops[-1]
    if data is None:
        statement = _SQLITE_MOVE_VERSION
        move: tuple[Any, ...] = (
            last.version,
            stamp(last.timestamp),
            expected_version,
            pk,
            expected_version,
        )
    else:
        statement = _SQLITE_MOVE_MODEL
        move = (last.version, data, stamp(last.timestamp), pk, expected_version)
    rows = [
        (
            pk,
            o.version,
            stamp(o.timestamp),
            o.session_id,
            o.sequence_number,
            o.user_pk,
            o.operation,
        )
        for o in ops
    ]
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        aio = raw.driver_connection
        assert isinstance(aio, aiosqlite.Connection)
        # aiosqlite has no public "run this on the worker thread"; ``_execute`` is what its own
        # execute/commit use, and it serialises with every other call on this connection.
        runner: Any = aio
        moved = await runner._execute(_sqlite_append, aio, statement, move, rows)
    if not moved:
        raise NotFound(f"model {pk} is not at version {expected_version}")
