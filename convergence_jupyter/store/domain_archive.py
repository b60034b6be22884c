"""A domain's rows as portable records: read from a consistent snapshot, load into an empty domain.

A record is a JSON-ready dict holding every column of one row except its surrogate keys. A
foreign key becomes the *natural key* of the row it points to (a user is ``[user_type,
username]``, a group its ``group_id``, a model its ``model_id`` ...), so an archive does not
depend on the primary keys of the database it came from and loads into SQLite or PostgreSQL
alike. Timestamps are ISO 8601 strings in UTC; stored JSON text (model snapshots, operations)
is carried as the exact text, so the loaded data is byte for byte the data that was read.

What is carried (:data:`SECTIONS`, in dependency order) and what is left out on purpose
(:data:`EXCLUDED`, with the reason) covers every table of the schema; a test keeps it that way,
so a new table forces a decision here.

Loading keeps every value, with one exception: ids that are unique across the whole server
rather than per domain (a web hook's public id) are renewed when the target already uses them,
which only happens when a copy is loaded next to its original in one database.

Security: user records carry password *hashes* (scrypt, as ``auth/`` stores them): an archive
lets its holder attempt offline guessing, and web hook records carry their signing secrets,
so protect an archive like the database itself.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Table, delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.types import TypeDecorator

from . import tables as _tables  # noqa: F401  (every table registered in the metadata)
from .base import Base
from .chats import direct_key
from .database import _READONLY_OPTION, Database
from .errors import AlreadyExists, NotFound, StoreError

#: Rows fetched per round trip while streaming, and rows per INSERT batch while loading.
BATCH = 500


class ArchiveError(StoreError):
    """An archive record that cannot be loaded (unknown field, wrong type, dangling key)."""


@dataclass(frozen=True, slots=True)
class Ref:
    """A foreign-key column carried as the natural key of the row it points to."""

    column: str
    field: str
    kind: str


@dataclass(frozen=True, slots=True)
class Section:
    """One table's part of an archive.

    ``key``/``natural``: the rows of this table are targets of references of kind ``key``,
    named by the values of the ``natural`` columns. ``parent`` scopes a table without a
    ``domain_id`` column to the domain through that (column, parent section) pair.
    """

    name: str
    table: str
    refs: tuple[Ref, ...] = ()
    key: str | None = None
    natural: tuple[str, ...] = ()
    parent: tuple[str, str] | None = None
    order_by: tuple[str, ...] = ()
    server_wide: bool = False
    #: Server-wide unique public ids (not per domain): loading a copy next to the original in
    #: one database gives the copy new ones (random hex, as the service makes them).
    renew_on_clash: tuple[str, ...] = ()


_USER = "user"

SECTIONS: tuple[Section, ...] = (
    Section("jwt_key", "jwt_keys", order_by=("key_id",)),
    Section("user", "users", key=_USER, natural=("user_type", "username"), order_by=("id",)),
    Section("group", "user_groups", key="group", natural=("group_id",), order_by=("group_id",)),
    Section(
        "group_member",
        "group_members",
        refs=(Ref("user_group_id", "group", "group"), Ref("user_id", "user", _USER)),
        parent=("user_group_id", "user_groups"),
        order_by=("user_group_id", "user_id"),
    ),
    Section(
        "collection",
        "model_collections",
        key="collection",
        natural=("collection_id",),
        order_by=("collection_id",),
    ),
    Section(
        "collection_permission",
        "collection_user_permissions",
        refs=(Ref("collection_pk", "collection", "collection"), Ref("user_id", "user", _USER)),
        parent=("collection_pk", "model_collections"),
        order_by=("collection_pk", "user_id"),
    ),
    Section(
        "collection_schema",
        "collection_schemas",
        refs=(Ref("collection_pk", "collection", "collection"),),
        parent=("collection_pk", "model_collections"),
        order_by=("collection_pk",),
    ),
    Section(
        "collection_link_policy",
        "collection_link_policies",
        refs=(Ref("collection_pk", "collection", "collection"),),
        parent=("collection_pk", "model_collections"),
        order_by=("collection_pk",),
    ),
    Section(
        "webhook",
        "webhooks",
        refs=(Ref("collection_pk", "collection", "collection"),),
        order_by=("id",),
        renew_on_clash=("hook_id",),
    ),
    Section(
        "model",
        "models",
        refs=(Ref("collection_pk", "collection", "collection"),),
        key="model",
        natural=("model_id",),
        order_by=("id",),
    ),
    Section(
        "model_permission",
        "model_user_permissions",
        refs=(Ref("model_pk", "model", "model"), Ref("user_id", "user", _USER)),
        parent=("model_pk", "models"),
        order_by=("model_pk", "user_id"),
    ),
    Section(
        "model_path_grant",
        "model_path_grants",
        refs=(
            Ref("model_pk", "model", "model"),
            Ref("user_id", "user", _USER),
            Ref("group_pk", "group", "group"),
        ),
        parent=("model_pk", "models"),
        order_by=("model_pk", "id"),
    ),
    Section(
        "model_link",
        "model_links",
        refs=(Ref("source_pk", "source", "model"),),
        order_by=("source_pk", "path"),
    ),
    Section(
        "operation",
        "model_operations",
        refs=(Ref("model_pk", "model", "model"), Ref("user_id", "user", _USER)),
        parent=("model_pk", "models"),
        order_by=("model_pk", "version"),
    ),
    Section(
        "activity",
        "activities",
        key="activity",
        natural=("activity_type", "activity_id"),
        order_by=("id",),
    ),
    Section("chat", "chats", key="chat", natural=("chat_id",), order_by=("id",)),
    Section(
        "chat_member",
        "chat_members",
        refs=(Ref("chat_pk", "chat", "chat"), Ref("user_id", "user", _USER)),
        parent=("chat_pk", "chats"),
        order_by=("chat_pk", "user_id"),
    ),
    Section(
        "chat_event",
        "chat_events",
        refs=(
            Ref("chat_pk", "chat", "chat"),
            Ref("user_id", "user", _USER),
            Ref("target_user_id", "target_user", _USER),
        ),
        parent=("chat_pk", "chats"),
        order_by=("chat_pk", "event_number"),
    ),
    Section(
        "grant",
        "permission_grants",
        refs=(
            Ref("chat_pk", "chat", "chat"),
            Ref("activity_pk", "activity", "activity"),
            Ref("user_id", "user", _USER),
            Ref("group_pk", "group", "group"),
        ),
        order_by=("id",),
    ),
    Section("workspace_type", "workspace_types", order_by=("type_id",)),
    Section(
        "workspace",
        "workspaces",
        key="workspace",
        natural=("workspace_id",),
        order_by=("id",),
    ),
    Section(
        "workspace_part",
        "workspace_parts",
        refs=(
            Ref("workspace_pk", "workspace", "workspace"),
            Ref("model_pk", "model", "model"),
            Ref("chat_pk", "chat", "chat"),
            Ref("activity_pk", "activity", "activity"),
        ),
        parent=("workspace_pk", "workspaces"),
        order_by=("workspace_pk", "id"),
    ),
    Section(
        "workspace_member",
        "workspace_members",
        refs=(
            Ref("workspace_pk", "workspace", "workspace"),
            Ref("user_id", "user", _USER),
            Ref("group_pk", "group", "group"),
        ),
        parent=("workspace_pk", "workspaces"),
        order_by=("workspace_pk", "id"),
    ),
    Section(
        "notebook_legacy_id",
        "notebook_legacy_ids",
        order_by=("path",),
        server_wide=True,
    ),
)

#: Tables an archive leaves out, and why.
EXCLUDED: Mapping[str, str] = {
    "domains": "carried in the archive header (settings of the one exported domain)",
    "sessions": "a log of past connections, not data; only the highest session id is carried "
    "so that the target never hands out an id that stored operations already name",
    "reconnect_tokens": "live credentials that expire within a day; clients log in again",
    "server_secrets": "server-wide secrets (the login bridge's signing key) stay with their "
    "server; the target server creates its own",
    "session_lineage": "which sessions were one client: bookkeeping of live connections",
    "reconnect_token_origins": "belongs to reconnect tokens, which are not carried",
    "api_keys": "credentials of Jupyter users (not domain users), server-wide; their owners "
    "create new keys on the target",
    "webhook_deliveries": "a log of past deliveries; the hooks themselves are carried",
}

_BY_NAME = {s.name: s for s in SECTIONS}
_POSITION = {s.name: i for i, s in enumerate(SECTIONS)}


def _table(section: Section) -> Table:
    return Base.metadata.tables[section.table]


def _surrogate(table: Table) -> Column[Any] | None:
    """The integer ``id`` primary key that an archive drops (None for composite keys)."""
    pk = list(table.primary_key.columns)
    if len(pk) == 1 and pk[0].name == "id":
        return pk[0]
    return None


@functools.cache
def _plain_columns(section: Section) -> list[Column[Any]]:
    """Columns carried as values: not the surrogate key, not domain_id, not references."""
    table = _table(section)
    skip = {r.column for r in section.refs} | {"domain_id"}
    surrogate = _surrogate(table)
    if surrogate is not None:
        skip.add(surrogate.name)
    if section.name == "chat":
        skip.add("direct_key")  # re-derived from the members' new pks (see _load_chat)
    return [c for c in table.columns if c.name not in skip]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _key(value: Any) -> Any:
    """A natural key as JSON carries it: one value, or a list for composite keys."""
    return list(value) if isinstance(value, tuple) else value


def _lookup_key(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


# -- reading ----------------------------------------------------------------------------------


@dataclass
class DomainSnapshot:
    """One domain as seen by one consistent read transaction.

    ``counts`` is known before the first record is read (for progress bars and the archive
    trailer); :meth:`records` streams ``(section name, record)`` pairs in dependency order.
    """

    domain: dict[str, Any]
    counts: dict[str, int]
    max_session_id: int
    _conn: AsyncConnection
    _domain_pk: int
    _keys: dict[str, dict[int, Any]] = field(default_factory=dict)

    def _scope(self, section: Section) -> Any:
        table = _table(section)
        if section.server_wide:
            return None
        if section.parent is not None:
            column, parent_name = section.parent
            parent = Base.metadata.tables[parent_name]
            return table.c[column].in_(
                select(parent.c.id).where(parent.c.domain_id == self._domain_pk)
            )
        return table.c.domain_id == self._domain_pk

    def _select(self, section: Section) -> Any:
        table = _table(section)
        stmt = select(table)
        scope = self._scope(section)
        if scope is not None:
            stmt = stmt.where(scope)
        return stmt.order_by(*(table.c[c] for c in section.order_by))

    async def _count(self, section: Section) -> int:
        table = _table(section)
        stmt = select(func.count()).select_from(table)
        scope = self._scope(section)
        if scope is not None:
            stmt = stmt.where(scope)
        return int((await self._conn.execute(stmt)).scalar_one())

    async def records(self) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        for section in SECTIONS:
            table = _table(section)
            plain = _plain_columns(section)
            surrogate = _surrogate(table)
            if section.key is not None:
                self._keys[section.key] = {}
            result = await self._conn.stream(
                self._select(section).execution_options(yield_per=BATCH)
            )
            async for part in result.mappings().partitions(BATCH):
                for row in part:
                    yield section.name, self._record(section, plain, surrogate, row)

    def _record(
        self,
        section: Section,
        plain: Sequence[Column[Any]],
        surrogate: Column[Any] | None,
        row: Mapping[Any, Any],
    ) -> dict[str, Any]:
        record = {c.name: _encode(row[c.name]) for c in plain}
        for ref in section.refs:
            pk = row[ref.column]
            record[ref.field] = None if pk is None else _key(self._keys[ref.kind][pk])
        if section.key is not None and surrogate is not None:
            natural = tuple(row[c] for c in section.natural)
            self._keys[section.key][row[surrogate.name]] = (
                natural if len(natural) > 1 else natural[0]
            )
        _EXPORT_HOOKS.get(section.name, _no_hook)(self, row, record)
        return record

    # Helpers for the hooks: users by old pk.
    def user_key(self, pk: int) -> Any:
        return _key(self._keys[_USER][pk])


def _no_hook(snapshot: DomainSnapshot, row: Mapping[Any, Any], record: dict[str, Any]) -> None:
    return None


def _export_chat(snapshot: DomainSnapshot, row: Mapping[Any, Any], record: dict[str, Any]) -> None:
    # A direct chat is unique by a hash of its member pks, which change in the target; the
    # archive says whose pks the hash was made of (the members at creation).
    record["direct"] = row["direct_key"] is not None


def _export_chat_event(
    snapshot: DomainSnapshot, row: Mapping[Any, Any], record: dict[str, Any]
) -> None:
    # The created event lists member pks inside its JSON: carry them as user keys.
    if row["data"]:
        data = json.loads(row["data"])
        if isinstance(data.get("members"), list):
            data["members"] = [snapshot.user_key(pk) for pk in data["members"]]
            record["data"] = json.dumps(data)


_EXPORT_HOOKS: dict[str, Callable[[DomainSnapshot, Mapping[Any, Any], dict[str, Any]], None]] = {
    "chat": _export_chat,
    "chat_event": _export_chat_event,
}


@asynccontextmanager
async def read_domain(db: Database, namespace: str, name: str) -> AsyncIterator[DomainSnapshot]:
    """A consistent snapshot of one domain (REPEATABLE READ on PostgreSQL, one read
    transaction on SQLite), so models, their operations and chat events agree even while a
    server keeps writing. Raises :class:`NotFound` for an unknown domain."""
    domains = Base.metadata.tables["domains"]
    sessions = Base.metadata.tables["sessions"]
    async with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execution_options(isolation_level="REPEATABLE READ")
        else:
            await conn.execution_options(**{_READONLY_OPTION: True})
        async with conn.begin():
            row = (
                (
                    await conn.execute(
                        select(domains).where(
                            domains.c.namespace == namespace, domains.c.name == name
                        )
                    )
                )
                .mappings()
                .first()
            )
            if row is None:
                raise NotFound(f"domain {namespace}/{name}")
            domain = {c.name: _encode(row[c.name]) for c in domains.columns if c.name != "id"}
            max_session = max(
                int((await conn.execute(select(func.max(sessions.c.id)))).scalar_one() or 0),
                await _session_high_water(conn),
            )
            snapshot = DomainSnapshot(
                domain=domain,
                counts={},
                max_session_id=max_session,
                _conn=conn,
                _domain_pk=int(row["id"]),
            )
            for section in SECTIONS:
                snapshot.counts[section.name] = await snapshot._count(section)
            yield snapshot


# -- loading ----------------------------------------------------------------------------------


@functools.cache
def _python_type(column: Column[Any]) -> type[Any]:
    column_type: Any = column.type
    # A TypeDecorator (UtcDateTime) reports ``object``; the type it decorates knows better.
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl
    python_type: type[Any] = column_type.python_type
    return python_type


def _check_value(column: Column[Any], value: Any, where: str) -> Any:
    """Validate one value against its column's type (SQLite would store anything) and decode
    timestamps; raises :class:`ArchiveError` with the field's name."""
    if value is None:
        if not column.nullable:
            raise ArchiveError(f"{where}: {column.name} must not be null")
        return None
    expected = _python_type(column)
    if expected is datetime:
        if not isinstance(value, str):
            raise ArchiveError(f"{where}: {column.name} must be an ISO 8601 timestamp")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ArchiveError(f"{where}: {column.name} is not an ISO 8601 timestamp") from None
        if parsed.tzinfo is None:
            raise ArchiveError(f"{where}: {column.name} has no time zone")
        return parsed
    if expected is bool:
        ok = isinstance(value, bool)
    elif expected is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, expected)
    if not ok:
        raise ArchiveError(f"{where}: {column.name} must be {expected.__name__}")
    return value


class DomainLoader:
    """Loads archive records into a domain that has no data yet, inside the caller's
    transaction (so a failure anywhere leaves the target untouched).

    Records must come in :data:`SECTIONS` order (as :meth:`DomainSnapshot.records` yields
    them): a reference can only name a row loaded before it.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._domain_pk: int | None = None
        self._keys: dict[str, dict[Any, int]] = {}
        self._pending: list[dict[str, Any]] = []
        self._pending_section: Section | None = None
        self._position = -1
        self._direct_chats: list[int] = []
        self.counts: dict[str, int] = {s.name: 0 for s in SECTIONS}

    async def start(self, namespace: str, name: str, settings: Mapping[str, Any]) -> int:
        """Create the target domain (or take an existing one that holds nothing) with the
        archived settings; raises :class:`AlreadyExists` if it holds data."""
        domains = Base.metadata.tables["domains"]
        values = self._row_values(
            [c for c in domains.columns if c.name not in ("id", "namespace", "name")],
            {k: v for k, v in settings.items() if k not in ("namespace", "name")},
            "domain",
        )
        found = await self._session.scalar(
            select(domains.c.id).where(domains.c.namespace == namespace, domains.c.name == name)
        )
        if found is None:
            pk = await self._session.scalar(
                insert(domains)
                .values(namespace=namespace, name=name, **values)
                .returning(domains.c.id)
            )
            assert pk is not None
        else:
            pk = int(found)
            for section in SECTIONS:
                if section.server_wide:
                    continue
                table = _table(section)
                if "domain_id" not in table.c or section.name == "grant":
                    continue  # grants: below
                used = await self._session.scalar(
                    select(func.count()).select_from(table).where(table.c.domain_id == pk)
                )
                if used:
                    raise AlreadyExists(
                        f"domain {namespace}/{name} already holds data ({section.table}); "
                        "import only into an empty domain"
                    )
            # Without chats and activities, the only grants left are the domain-wide defaults
            # a new domain starts with; the archive brings the source's own.
            grants = Base.metadata.tables["permission_grants"]
            await self._session.execute(delete(grants).where(grants.c.domain_id == pk))
            await self._session.execute(update(domains).where(domains.c.id == pk).values(**values))
        self._domain_pk = int(pk)
        return self._domain_pk

    def _row_values(
        self, columns: Sequence[Column[Any]], record: Mapping[str, Any], where: str
    ) -> dict[str, Any]:
        known = {c.name for c in columns}
        unknown = set(record) - known
        if unknown:
            raise ArchiveError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for column in columns:
            if column.name in record:
                values[column.name] = _check_value(column, record[column.name], where)
            elif not column.nullable and column.default is None:
                raise ArchiveError(f"{where}: missing field {column.name}")
        return values

    async def add(self, section_name: str, record: Mapping[str, Any], where: str = "") -> None:
        """Queue one record; batches are written as they fill up."""
        if self._domain_pk is None:
            raise RuntimeError("call start() first")
        section = _BY_NAME.get(section_name)
        if section is None:
            raise ArchiveError(f"{where or section_name}: unknown record type {section_name!r}")
        position = _POSITION[section_name]
        if position < self._position:
            raise ArchiveError(f"{where or section_name}: {section_name} records out of order")
        if section is not self._pending_section:
            await self.flush()
            self._pending_section = section
            self._position = position
        self._pending.append(self._prepare(section, record, where or section_name))
        if len(self._pending) >= BATCH:
            await self.flush()

    def _resolve(self, ref: Ref, value: Any, where: str) -> int:
        pk = self._keys.get(ref.kind, {}).get(_lookup_key(value))
        if pk is None:
            raise ArchiveError(f"{where}: {ref.field} {value!r} is not in the archive")
        return pk

    def _prepare(self, section: Section, record: Mapping[str, Any], where: str) -> dict[str, Any]:
        record = dict(record)
        direct = record.pop("direct", None) if section.name == "chat" else None
        refs = {r.field: r for r in section.refs}
        plain = {k: v for k, v in record.items() if k not in refs}
        values = self._row_values(_plain_columns(section), plain, where)
        for field_name, ref in refs.items():
            value = record.get(field_name)
            column = _table(section).c[ref.column]
            if value is None:
                if not column.nullable:
                    raise ArchiveError(f"{where}: {field_name} is required")
                values[ref.column] = None
            else:
                values[ref.column] = self._resolve(ref, value, where)
        table = _table(section)
        if "domain_id" in table.c:
            values["domain_id"] = self._domain_pk
        if section.name == "chat":
            values["direct_key"] = None
            if direct is not None and not isinstance(direct, bool):
                raise ArchiveError(f"{where}: direct must be a boolean")
            values["_direct"] = bool(direct)
        if section.name == "chat_event" and values.get("data"):
            try:
                data = json.loads(values["data"])
            except ValueError:
                raise ArchiveError(f"{where}: data is not JSON") from None
            if isinstance(data, dict) and isinstance(data.get("members"), list):
                member = Ref("data", "data.members", _USER)
                data["members"] = [self._resolve(member, m, where) for m in data["members"]]
                values["data"] = json.dumps(data)
        return values

    async def flush(self) -> None:
        section, rows = self._pending_section, self._pending
        if section is None or not rows:
            return
        self._pending = []
        table = _table(section)
        direct_flags = [bool(r.pop("_direct", False)) for r in rows]
        for column in section.renew_on_clash:
            taken = set(
                await self._session.scalars(
                    select(table.c[column]).where(table.c[column].in_([r[column] for r in rows]))
                )
            )
            for row in rows:
                if row[column] in taken:
                    row[column] = uuid.uuid4().hex
        try:
            if section.server_wide:
                await self._session.execute(_insert_missing(self._session, table), rows)
            elif section.key is not None:
                natural = [table.c[c] for c in section.natural]
                result = await self._session.execute(
                    insert(table).returning(table.c.id, *natural), rows
                )
                keys = self._keys.setdefault(section.key, {})
                for pk, *values in result:
                    keys[tuple(values) if len(values) > 1 else values[0]] = pk
            else:
                await self._session.execute(insert(table), rows)
        except IntegrityError as exc:
            raise AlreadyExists(
                f"{section.name} records clash with each other or with rows already in the "
                f"database: {exc.orig}"
            ) from None
        if section.name == "chat" and any(direct_flags):
            self._direct_chats.extend(
                self._keys["chat"][r["chat_id"]]
                for r, flag in zip(rows, direct_flags, strict=True)
                if flag
            )
        self.counts[section.name] += len(rows)

    async def finish(self, max_session_id: int) -> dict[str, int]:
        """Write what is queued, derive direct-chat keys and keep new session ids above
        ``max_session_id``. Returns the number of records loaded per section."""
        await self.flush()
        await self._set_direct_keys()
        await _raise_session_ids(self._session, max_session_id)
        return dict(self.counts)

    async def _set_direct_keys(self) -> None:
        """A direct chat's key hashes the pks of its members at creation, as its created
        event lists them (the members now, if that event is missing)."""
        chats = Base.metadata.tables["chats"]
        events = Base.metadata.tables["chat_events"]
        members = Base.metadata.tables["chat_members"]
        for chat_pk in self._direct_chats:
            data = await self._session.scalar(
                select(events.c.data).where(
                    events.c.chat_pk == chat_pk, events.c.event_type == "created"
                )
            )
            pks: list[int] | None = None
            if data:
                parsed = json.loads(data)
                if isinstance(parsed, dict) and isinstance(parsed.get("members"), list):
                    pks = [int(pk) for pk in parsed["members"]]
            if pks is None:
                pks = list(
                    await self._session.scalars(
                        select(members.c.user_id).where(members.c.chat_pk == chat_pk)
                    )
                )
            await self._session.execute(
                update(chats).where(chats.c.id == chat_pk).values(direct_key=direct_key(pks))
            )


def _insert_missing(session: AsyncSession, table: Table) -> Any:
    """INSERT that keeps rows already present (server-wide tables are merged, not replaced)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


async def _session_high_water(conn: AsyncConnection) -> int:
    """The highest session id ever handed out, also when those rows are gone (or were never
    here: an imported domain's operations name the source's sessions)."""
    if conn.dialect.name == "postgresql":
        value = (
            await conn.execute(
                text(
                    "SELECT pg_sequence_last_value("
                    "pg_get_serial_sequence('sessions', 'id')::regclass)"
                )
            )
        ).scalar_one()
    else:
        value = (
            await conn.execute(text("SELECT seq FROM sqlite_sequence WHERE name = 'sessions'"))
        ).scalar()
    return int(value or 0)


async def _raise_session_ids(session: AsyncSession, floor: int) -> None:
    """Make the next session id larger than ``floor``: stored operations name their session,
    and operations are de-duplicated by (session, sequence number)."""
    if floor <= 0:
        return
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('sessions', 'id'),"
                " GREATEST(:floor, (SELECT COALESCE(MAX(id), 0) FROM sessions)))"
            ),
            {"floor": floor},
        )
        return
    # SQLite AUTOINCREMENT keeps its high-water mark in sqlite_sequence.
    current = await session.scalar(text("SELECT seq FROM sqlite_sequence WHERE name = 'sessions'"))
    if current is None:
        await session.execute(
            text("INSERT INTO sqlite_sequence (name, seq) VALUES ('sessions', :floor)"),
            {"floor": floor},
        )
    elif int(current) < floor:
        await session.execute(
            text("UPDATE sqlite_sequence SET seq = :floor WHERE name = 'sessions'"),
            {"floor": floor},
        )
