"""The model service: routes model messages of a domain's sessions to live models.

Owns the per-session resource ids (a connection-local handle per open model), loads models
into :class:`LiveModel` serializers on demand and unloads them when idle. Everything that must
be ordered with operations runs inside the model's serializer; permission look-ups, creation
and deletion run here against the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TypeVar

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncSession

from convergence_jupyter import ot
from convergence_jupyter.domain.errors import ServiceError
from convergence_jupyter.domain.runtime import DomainRuntime
from convergence_jupyter.domain.service import Handler, Reply, ServiceBase
from convergence_jupyter.domain.session import SessionHandle
from convergence_jupyter.identity.records import domain_user
from convergence_jupyter.identity.wire import user_id_from_wire, user_id_to_wire
from convergence_jupyter.models import history, snapshots, wire
from convergence_jupyter.models.concurrency import ConcurrencyError
from convergence_jupyter.models.lifecycle import ModelInitFailed, ModelLifecycleObserver, ModelRef
from convergence_jupyter.models.limits import ModelLimits, check_new_model, check_open_count
from convergence_jupyter.models.link_index import LinkIndexer, index_new_model, links_from_stored
from convergence_jupyter.models.link_integrity import LinkRefused, plan_delete
from convergence_jupyter.models.links import Link, nullify_operation
from convergence_jupyter.models.live_model import LiveModel, Member, ModelGone, Submission
from convergence_jupyter.models.offline import OfflineSubscriptions, base36
from convergence_jupyter.models.path_access import load_path_rules
from convergence_jupyter.models.path_permissions import PathRules
from convergence_jupyter.models.permissions import (
    CREATOR,
    may_create,
    resolve_model_permissions,
)
from convergence_jupyter.models.persistence import (
    ModelPersistence,
    snapshot_from_json,
    snapshot_to_json,
)
from convergence_jupyter.models.query import QueryError, parse_query, run_query
from convergence_jupyter.models.resync import ReplayOp
from convergence_jupyter.models.schema import CollectionSchema, SchemaViolation
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.store.collection_schemas import CollectionSchemaRepository
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.domains import DomainRepository
from convergence_jupyter.store.errors import AlreadyExists
from convergence_jupyter.store.model_links import (
    Backlink,
    LinkPolicy,
    ModelLinkRepository,
    StoredLink,
)
from convergence_jupyter.store.models import (
    CollectionRecord,
    CollectionRepository,
    ModelRecord,
    ModelRepository,
    PermissionFlags,
)
from convergence_jupyter.store.records import UserRecord
from convergence_jupyter.store.users import UserRepository

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Attempts to find a live model that is not unloading under us.
_ATTEMPTS = 5
#: A resync slower than this is logged: the client times its request out.
_SLOW_RESYNC_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class NonConforming:
    """A model that does not conform to its collection's (new) schema, and the first reason."""

    model_id: str
    violation: SchemaViolation


@dataclass(frozen=True, slots=True)
class _Access:
    model: ModelRecord
    collection: CollectionRecord
    permissions: PermissionFlags


class ModelService(ServiceBase):
    def __init__(
        self,
        runtime: DomainRuntime,
        database: Database,
        *,
        idle_seconds: float = 10.0,
        limits: ModelLimits | None = None,
        lifecycle: ModelLifecycleObserver | None = None,
    ) -> None:
        self._runtime = runtime
        self._db = database
        self._domain_pk = runtime.domain.pk
        self._idle_seconds = idle_seconds
        self._limits = limits or ModelLimits()
        #: Told about missing, changed and unloading models (web hooks); see models/lifecycle.py.
        self._lifecycle = lifecycle
        self._live: dict[str, LiveModel] = {}
        self._loading: dict[str, asyncio.Future[LiveModel | None]] = {}
        #: session id -> resource id -> model id
        self._resources: dict[str, dict[int, str]] = {}
        self._next_resource: dict[str, int] = {}
        self._closed_sessions: set[str] = set()
        #: collection pk -> (schema text, parsed schema): parsed once, not per model load.
        self._schemas: dict[int, tuple[str, CollectionSchema]] = {}
        #: Unloaded models still storing their last snapshot.
        self._unloading: set[LiveModel] = set()
        #: Collections whose models left behind by a crash were caught up (flush_snapshots).
        self._caught_up: set[str] = set()
        #: Offline subscriptions (models/offline.py), told of commits, deletions and grants.
        self.offline = OfflineSubscriptions(database, self._domain_pk, self._has_open)

    def _has_open(self, session_id: str, model_id: str) -> bool:
        return model_id in self._resources.get(session_id, {}).values()

    def handlers(self) -> Mapping[str, Handler]:
        return {
            "openRealTimeModelRequest": self._open,
            "closeRealTimeModelRequest": self._close,
            "createRealTimeModelRequest": self._create,
            "deleteRealtimeModelRequest": self._delete,
            "operationSubmission": self._operation,
            "shareReference": self._reference,
            "setReference": self._reference,
            "clearReference": self._reference,
            "unshareReference": self._reference,
            "modelResyncRequest": self._resync,
            "modelResyncClientComplete": self._resync_complete,
            "getModelPermissionsRequest": self._get_permissions,
            "setModelPermissionsRequest": self._set_permissions,
            "historicalDataRequest": self._historical_data,
            "historicalOperationsRequest": self._historical_operations,
            "modelGetVersionAtTimeRequest": self._version_at_time,
            "modelsQueryRequest": self._query,
            "modelOfflineSubscriptionChange": self.offline.change,
        }

    # -- live models -------------------------------------------------------------------------

    async def _get_live(self, model_id: str) -> LiveModel | None:
        live = self._live.get(model_id)
        if live is not None and not live.closed:
            return live
        loading = self._loading.get(model_id)
        if loading is not None:
            return await asyncio.shield(loading)
        future: asyncio.Future[LiveModel | None] = asyncio.get_running_loop().create_future()
        self._loading[model_id] = future
        try:
            async with self._db.transaction(readonly=True) as tx:
                record = await ModelRepository(tx).get(self._domain_pk, model_id)
                schema = None
                links: frozenset[Link] = frozenset()
                if record is not None:
                    schema = await self._schema_in(tx, record.collection_pk)
                    links = links_from_stored(await ModelLinkRepository(tx).links_of(record.pk))
                    # The stored snapshot plus the op tail after it (read in this transaction).
                    tree = await snapshots.current_tree(tx, record)
            result: LiveModel | None = None
            if record is not None:
                stored_version = record.snapshot_version
                if stored_version is not None:
                    record = dataclasses.replace(
                        record, data=snapshot_to_json(tree.root), snapshot_version=None
                    )
                indexer = LinkIndexer(self._db, self._domain_pk, record.pk, links)
                # Repairs an index a crash left one batch behind, before anyone can edit.
                try:
                    await indexer.committed(tree.root, [record.data])
                except Exception:
                    log.exception("model %s: the link index could not be repaired", model_id)
                result = self._make_live(record, schema, indexer, tree, stored_version)
                self._live[model_id] = result
            future.set_result(result)
            return result
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it
            raise
        finally:
            self._loading.pop(model_id, None)

    async def _schema_in(self, tx: AsyncSession, collection_pk: int) -> CollectionSchema | None:
        text = await CollectionSchemaRepository(tx).get(collection_pk)
        if text is None:
            self._schemas.pop(collection_pk, None)
            return None
        cached = self._schemas.get(collection_pk)
        if cached is not None and cached[0] == text:
            return cached[1]
        schema = CollectionSchema.from_json(text)
        self._schemas[collection_pk] = (text, schema)
        return schema

    def _make_live(
        self,
        record: ModelRecord,
        schema: CollectionSchema | None = None,
        links: LinkIndexer | None = None,
        tree: ot.ModelTree | None = None,
        stored_version: int | None = None,
    ) -> LiveModel:
        if tree is None:
            tree = ot.ModelTree(snapshot_from_json(record.data))
        pk = record.pk

        async def load_replay(first: int, last: int) -> list[ReplayOp]:
            async with self._db.transaction(readonly=True) as tx:
                ops = await ModelRepository(tx).operations(pk, first, last)
            return [
                ReplayOp(
                    o.version, o.operation, o.session_id, o.timestamp, o.sequence_number, o.user_pk
                )
                for o in ops
            ]

        return LiveModel(
            record,
            tree,
            ModelPersistence(
                self._db, pk, links or LinkIndexer(self._db, self._domain_pk, pk, frozenset())
            ),
            on_unload=self._unloaded,
            load_replay=load_replay,
            ensure_known=self._runtime.directory.ensure_known,
            on_forced=self._forget_member,
            idle_seconds=self._idle_seconds,
            limits=self._limits,
            on_committed=self._committed,
            schema=schema,
            stored_version=stored_version,
        )

    def _ref(self, collection_id: str, model_id: str) -> ModelRef:
        domain = self._runtime.domain
        return ModelRef(domain.pk, domain.namespace, domain.name, collection_id, model_id)

    def _committed(self, live: LiveModel) -> None:
        self.offline.model_changed(live.model_id)
        if self._lifecycle is not None:
            ref = self._ref(live.collection_id, live.model_id)
            self._lifecycle.model_changed(ref, live.version)

    def _unloaded(self, live: LiveModel) -> None:
        if self._live.get(live.model_id) is live:
            del self._live[live.model_id]
        # Until its last snapshot is stored, readers of the stored snapshot wait for it.
        self._unloading.add(live)
        task = asyncio.get_running_loop().create_task(self._finish_unload(live))
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        if self._lifecycle is not None:
            ref = self._ref(live.collection_id, live.model_id)
            asyncio.get_running_loop().call_soon(self._lifecycle.model_unloading, ref)

    async def _finish_unload(self, live: LiveModel) -> None:
        try:
            await live.finished()
        finally:
            self._unloading.discard(live)
            if live.lagging:
                # Its snapshot stayed behind (a failed commit or write): catch it up on demand.
                self._caught_up.discard(live.collection_id)

    async def flush_snapshots(self, collection_id: str) -> None:
        """Make the stored snapshots of ``collection_id`` hold every acknowledged op: readers
        that evaluate the stored JSON (queries, in SQL) call this first. Loaded models store
        theirs, unloading ones finish storing theirs, and (once per collection and process,
        or again after a model unloaded behind) models left behind by a crash are replayed
        from the op log and stored."""
        for live in [m for m in self._live.values() if m.collection_id == collection_id]:
            try:
                await live.flush_snapshot()
            except ModelGone:
                await live.finished()
        for live in [m for m in self._unloading if m.collection_id == collection_id]:
            await live.finished()
        if collection_id in self._caught_up:
            return
        self._caught_up.add(collection_id)
        try:
            async with self._db.transaction(readonly=True) as tx:
                collection = await CollectionRepository(tx).get(self._domain_pk, collection_id)
                repo = ModelRepository(tx)
                behind = [] if collection is None else await repo.lagging(collection.pk)
                caught = [await snapshots.current(tx, r) for r in behind]
            for old, new in zip(behind, caught, strict=True):
                async with self._db.transaction() as tx:
                    await ModelRepository(tx).store_snapshot(new.pk, old.version, new.data)
        except BaseException:
            self._caught_up.discard(collection_id)
            raise

    def _forget_member(self, member: Member) -> None:
        self._resources.get(member.session.session_id, {}).pop(member.resource_id, None)

    def _alloc_resource(self, session: SessionHandle, model_id: str) -> int:
        sid = session.session_id
        number = self._next_resource.get(sid, 0) + 1
        self._next_resource[sid] = number
        self._resources.setdefault(sid, {})[number] = model_id
        return number

    def _model_of(self, session: SessionHandle, resource_id: int) -> LiveModel:
        model_id = self._resources.get(session.session_id, {}).get(resource_id)
        live = self._live.get(model_id) if model_id is not None else None
        if live is None or live.closed:
            raise ServiceError(
                "unknown_resource_id",
                f"unknown resource id {resource_id}",
                {"resourceId": resource_id},
            )
        return live

    async def _access(self, session: SessionHandle, model_id: str) -> _Access:
        async with self._db.transaction(readonly=True) as tx:
            model = await ModelRepository(tx).get(self._domain_pk, model_id)
            if model is None:
                raise ServiceError("model_not_found", f"no model '{model_id}'", {"id": model_id})
            collection = await CollectionRepository(tx).get_by_pk(model.collection_pk)
            assert collection is not None
            perms = await resolve_model_permissions(
                tx, model, collection, session.user, session.user_pk
            )
        return _Access(model, collection, perms)

    async def _resolve_members(self, live: LiveModel) -> dict[str, PermissionFlags]:
        async with self._db.transaction(readonly=True) as tx:
            model = await ModelRepository(tx).get(self._domain_pk, live.model_id)
            if model is None:
                return {}
            collection = await CollectionRepository(tx).get_by_pk(model.collection_pk)
            assert collection is not None
            return {
                sid: await resolve_model_permissions(
                    tx, model, collection, m.session.user, m.session.user_pk
                )
                for sid, m in live.members.items()
            }

    # -- sessions ----------------------------------------------------------------------------

    async def on_session_closed(self, session: SessionHandle) -> None:
        sid = session.session_id
        self._closed_sessions.add(sid)
        self.offline.session_closed(sid)
        resources = self._resources.pop(sid, {})
        self._next_resource.pop(sid, None)
        for model_id in set(resources.values()):
            await self._leave(model_id, sid)

    async def _leave(self, model_id: str, sid: str) -> None:
        """Take a session out of a live model (if still loaded) and drop it when ephemeral."""
        live = self._live.get(model_id)
        if live is None or live.closed:
            return
        try:
            await live.call(partial(live.close, sid))
        except ModelGone:
            return
        await self._drop_if_ephemeral(live)

    async def close(self) -> None:
        await self.offline.close()
        for live in list(self._live.values()):
            live.unload()
        # Each stores its last snapshot (the op log is durable either way: this saves the
        # next load a replay).
        for live in list(self._unloading):
            with contextlib.suppress(Exception):
                await live.finished()

    # -- open / close ------------------------------------------------------------------------

    async def _open(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, pb.OpenRealtimeModelRequestMessage)
        model_id = body.modelId.value if body.HasField("modelId") else str(uuid.uuid4())
        sid = session.session_id
        if model_id in self._resources.get(sid, {}).values():
            raise ServiceError("model_already_open", f"model '{model_id}' is already open")
        check_open_count(self._limits, len(self._resources.get(sid, {})))
        for _ in range(_ATTEMPTS):
            live = await self._get_live(model_id)
            if live is None:
                if not body.HasField("autoCreateId"):
                    raise ServiceError(
                        "model_not_found", f"no model '{model_id}'", {"id": model_id}
                    )
                await self._auto_create(session, model_id, body.autoCreateId.value)
                continue
            with live.pinned():
                access = await self._access(session, model_id)
                if not access.permissions.read:
                    raise ServiceError("unauthorized", "no read permission on this model")
                rules = await self._path_rules(session, access)
                async with self._db.transaction() as tx:
                    prefix = await ModelRepository(tx).next_value_prefix(access.model.pk)
            resource_id = self._alloc_resource(session, model_id)
            perms = access.permissions
            try:
                state = await live.call(partial(live.open, session, resource_id, perms, rules))
            except ModelGone:
                self._resources.get(sid, {}).pop(resource_id, None)
                continue
            if sid in self._closed_sessions:
                live.post(partial(live.close, sid))
                raise ServiceError("unknown", "the session closed")
            session.announce(
                state.connected + state.resyncing + [r.sessionId for r in state.references]
            )
            asyncio.get_running_loop().call_soon(live.release, sid)
            reply = pb.OpenRealtimeModelResponseMessage(
                resourceId=resource_id,
                modelId=model_id,
                collection=access.collection.collection_id,
                valueIdPrefix=_base36(prefix),
                version=state.version,
                createdTime=wire.datetime_to_timestamp(state.created_at),
                modifiedTime=wire.datetime_to_timestamp(state.modified_at),
                data=state.data,
                connectedClients=state.connected,
                resyncingClients=state.resyncing,
                references=state.references,
                permissions=wire.permissions_to_wire(perms),
            )
            return "openRealTimeModelResponse", reply
        raise ServiceError("unknown", f"model '{model_id}' could not be opened; try again")

    async def _auto_create(
        self, session: SessionHandle, model_id: str, auto_create_id: int
    ) -> None:
        config = await session.request(
            "modelAutoCreateConfigRequest",
            pb.AutoCreateModelConfigRequestMessage(autoCreateId=auto_create_id),
        )
        if not isinstance(config, pb.AutoCreateModelConfigResponseMessage):
            raise ServiceError("invalid_message", "expected a modelAutoCreateConfigResponse")
        data = config.data if config.HasField("data") else None
        if self._lifecycle is not None and await self._may_create_in(session, config.collection):
            # The collection's init web hook, if any, is the system of record: its data wins.
            try:
                initial = await self._lifecycle.model_missing(
                    self._ref(config.collection, model_id)
                )
            except ModelInitFailed as exc:
                raise ServiceError("model_initialization_failed", str(exc)) from None
            if initial is not None:
                data = wire.object_to_wire(initial)
        try:
            await self._create_model(
                session,
                collection_id=config.collection,
                model_id=model_id,
                data=data,
                override_world=config.overridePermissions,
                world=config.worldPermissions if config.HasField("worldPermissions") else None,
                user_permissions=list(config.userPermissions),
                ephemeral=config.ephemeral,
            )
        except ServiceError as exc:
            if exc.code != "model_already_exists":
                raise

    async def _may_create_in(self, session: SessionHandle, collection_id: str) -> bool:
        """Whether the session may create models in this existing collection: only then is an
        init web hook asked, so nobody else can make the server call out (a missing
        collection has no hooks)."""
        if not collection_id:
            return False
        async with self._db.transaction(readonly=True) as tx:
            collection = await CollectionRepository(tx).get(self._domain_pk, collection_id)
            return collection is not None and await may_create(
                tx, collection, session.user, session.user_pk
            )

    async def _close(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, pb.CloseRealtimeModelRequestMessage)
        sid = session.session_id
        model_id = self._resources.get(sid, {}).pop(body.resourceId, None)
        if model_id is None:
            raise ServiceError("model_not_open", "that model is not open")
        await self._leave(model_id, sid)
        return "closeRealTimeModelResponse", pb.CloseRealTimeModelResponseMessage()

    async def _drop_if_ephemeral(self, live: LiveModel) -> None:
        if not live.ephemeral or live.members or live.closed:
            return
        try:
            await live.call(live.delete)
        except ModelGone:
            return
        async with self._db.transaction() as tx:
            await ModelRepository(tx).delete(live.pk)

    # -- create / delete ---------------------------------------------------------------------

    async def _create(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, pb.CreateRealtimeModelRequestMessage)
        if not body.HasField("data"):
            raise ServiceError("invalid_message", "a model needs data")
        model_id = body.modelId.value if body.HasField("modelId") else str(uuid.uuid4())
        await self._create_model(
            session,
            collection_id=body.collectionId,
            model_id=model_id,
            data=body.data,
            created_at=(
                wire.timestamp_to_datetime(body.createdTime)
                if body.HasField("createdTime")
                else None
            ),
            override_world=body.overrideWorldPermissions,
            world=body.worldPermissions if body.HasField("worldPermissions") else None,
            user_permissions=list(body.userPermissions),
        )
        return "createRealTimeModelResponse", pb.CreateRealtimeModelResponseMessage(
            modelId=model_id
        )

    async def _create_model(
        self,
        session: SessionHandle,
        *,
        collection_id: str,
        model_id: str,
        data: pb.ObjectValue | None,
        created_at: datetime | None = None,
        override_world: bool = False,
        world: pb.ModelPermissionsData | None = None,
        user_permissions: list[pb.UserModelPermissionsData] | None = None,
        ephemeral: bool = False,
    ) -> ModelRecord:
        if not collection_id:
            raise ServiceError(
                "collection_does_not_exist", "a collection id is required", {"collectionId": ""}
            )
        if not model_id or len(model_id) > 255 or len(collection_id) > 255:
            raise ServiceError("invalid_model_creation_data", "bad model or collection id")
        try:
            root = wire.object_from_wire(data) if data is not None else ot.ObjectValue("0:0")
            ot.ModelTree(root)
        except (ValueError, ot.InvalidOperationError) as exc:
            raise ServiceError("invalid_model_creation_data", str(exc)) from None
        snapshot = snapshot_to_json(root)
        check_new_model(self._limits, root, snapshot)
        async with self._db.transaction() as tx:
            collections = CollectionRepository(tx)
            collection = await collections.get(self._domain_pk, collection_id)
            if collection is None:
                domain = await DomainRepository(tx).get_by_pk(self._domain_pk)
                if domain is None or not domain.auto_create_collections:
                    raise ServiceError(
                        "collection_does_not_exist",
                        f"no collection '{collection_id}'",
                        {"collectionId": collection_id},
                    )
                collection = await collections.ensure(self._domain_pk, collection_id)
            if not await may_create(tx, collection, session.user, session.user_pk):
                raise ServiceError("unauthorized", "no permission to create models here")
            schema = await self._schema_in(tx, collection.pk)
            violation = None if schema is None else schema.validate_document(ot.to_plain(root))
            if violation is not None:
                raise ServiceError("schema_violation", str(violation), violation.as_dict())
            models = ModelRepository(tx)
            try:
                record = await models.create(
                    self._domain_pk,
                    collection,
                    model_id,
                    snapshot,
                    created_at=created_at,
                    override_world=override_world,
                    world=wire.permissions_from_wire(world) if world is not None else None,
                    ephemeral=ephemeral,
                )
            except AlreadyExists:
                raise ServiceError(
                    "model_already_exists",
                    f"model '{model_id}' already exists",
                    {"fingerprint": ""},
                ) from None
            await index_new_model(tx, self._domain_pk, record.pk, root)
            grants = [(session.user_pk, CREATOR)]
            grants += await self._user_grants(tx, user_permissions or [])
            await models.set_user_permissions(record.pk, grants)
        return record

    async def _user_grants(
        self, tx: AsyncSession, grants: list[pb.UserModelPermissionsData]
    ) -> list[tuple[int, PermissionFlags]]:
        if not grants:
            return []
        try:
            keys = [(int(g.user.userType), g.user.username) for g in grants]
        except ValueError:
            raise ServiceError("invalid_message", "bad user id") from None
        records = await UserRepository(tx).get_many(self._domain_pk, keys)
        by_key = {(int(r.user_type), r.username): r.pk for r in records}
        out = []
        for g in grants:
            pk = by_key.get((int(g.user.userType), g.user.username))
            if pk is None:
                raise ServiceError("user_not_found", f"no user '{g.user.username}'")
            out.append((pk, wire.permissions_from_wire(g.permissions)))
        return out

    async def _delete(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, pb.DeleteRealtimeModelRequestMessage)
        access = await self._access(session, body.modelId)
        if not access.permissions.remove:
            raise ServiceError("unauthorized", "no remove permission on this model")
        await self._delete_linked(body.modelId, session.session_id, session)
        return "deleteRealtimeModelResponse", pb.DeleteRealtimeModelResponseMessage()

    # -- operations and references -----------------------------------------------------------

    async def _operation(self, session: SessionHandle, body: Message) -> None:
        assert isinstance(body, pb.OperationSubmissionMessage)
        live = self._model_of(session, body.resourceId)
        try:
            op = wire.operation_from_wire(body.operation)
        except ValueError as exc:
            raise ServiceError("invalid_operation", str(exc)) from None
        try:
            live.submit(
                Submission(session.session_id, body.sequenceNumber, body.contextVersion, op)
            )
        except ModelGone:
            raise ServiceError("unknown_resource_id", "the model is no longer open") from None

    async def _reference(self, session: SessionHandle, body: Message) -> None:
        live = self._model_of(session, body.resourceId)  # type: ignore[attr-defined]
        value_id = body.valueId.value if body.HasField("valueId") else None  # type: ignore[attr-defined]
        key: str = body.key  # type: ignore[attr-defined]
        ref: ot.ReferenceValue | None = None
        version = 0
        if isinstance(body, pb.ShareReferenceMessage | pb.SetReferenceMessage):
            kind = "share" if isinstance(body, pb.ShareReferenceMessage) else "set"
            try:
                ref = wire.reference_from_wire(value_id, body.references)
            except ValueError as exc:
                raise ServiceError("invalid_message", str(exc)) from None
            version = body.version
        else:
            kind = "clear" if isinstance(body, pb.ClearReferenceMessage) else "unshare"
        sid = session.session_id
        try:
            live.post(partial(live.reference_event, sid, kind, key, value_id, ref, version))
        except ModelGone:
            raise ServiceError("unknown_resource_id", "the model is no longer open") from None

    # -- resync ------------------------------------------------------------------------------

    async def _resync(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, pb.ModelResyncRequestMessage)
        started = asyncio.get_running_loop().time()
        try:
            return await self._resync_model(session, body)
        finally:
            elapsed = asyncio.get_running_loop().time() - started
            if elapsed > _SLOW_RESYNC_SECONDS:
                # The client gives up after its request timeout (rc.12 default 10 s).
                log.warning("model %s: resync took %.1f s", body.modelId, elapsed)

    async def _resync_model(
        self, session: SessionHandle, body: pb.ModelResyncRequestMessage
    ) -> Reply:
        model_id = body.modelId
        sid = session.session_id
        if model_id in self._resources.get(sid, {}).values():
            raise ServiceError("model_already_open", f"model '{model_id}' is already open")
        check_open_count(self._limits, len(self._resources.get(sid, {})))
        for _ in range(_ATTEMPTS):
            live = await self._get_live(model_id)
            if live is None:
                raise ServiceError("model_not_found", f"no model '{model_id}'", {"id": model_id})
            with live.pinned():
                access = await self._access(session, model_id)
            if not access.permissions.read:
                raise ServiceError("unauthorized", "no read permission on this model")
            await self._no_path_rules(session, access, "resynchronised")
            resource_id = self._alloc_resource(session, model_id)
            perms = access.permissions
            since = body.contextVersion
            try:
                current = await live.call_async(
                    partial(live.start_resync, session, resource_id, perms, since)
                )
            except ModelGone:
                self._resources.get(sid, {}).pop(resource_id, None)
                continue
            except ConcurrencyError as exc:
                self._resources.get(sid, {}).pop(resource_id, None)
                raise ServiceError("unknown", str(exc)) from None
            if sid in self._closed_sessions:
                live.post(partial(live.close, sid))
                raise ServiceError("unknown", "the session closed")
            asyncio.get_running_loop().call_soon(live.release, sid)
            return "modelResyncResponse", pb.ModelResyncResponseMessage(
                resourceId=resource_id,
                currentVersion=current,
                permissions=wire.permissions_to_wire(perms),
            )
        raise ServiceError("unknown", f"model '{model_id}' could not be resynchronised")

    async def _resync_complete(self, session: SessionHandle, body: Message) -> None:
        assert isinstance(body, pb.ModelResyncClientCompleteMessage)
        live = self._model_of(session, body.resourceId)
        sid, open_after = session.session_id, body.open
        try:
            live.post(partial(live.complete_resync, sid, open_after))
        except ModelGone:
            raise ServiceError("unknown_resource_id", "the model is no longer open") from None

    # -- permissions -------------------------------------------------------------------------

    async def _get_permissions(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, pb.GetModelPermissionsRequestMessage)
        access = await self._access(session, body.modelId)
        if not access.permissions.read:
            raise ServiceError("unauthorized", "no read permission on this model")
        async with self._db.transaction(readonly=True) as tx:
            grants = await ModelRepository(tx).user_permissions(access.model.pk)
            users = UserRepository(tx)
            reply = pb.GetModelPermissionsResponseMessage(
                overridesCollection=access.model.override_world,
                worldPermissions=wire.permissions_to_wire(access.model.world),
            )
            for user_pk, flags in grants.items():
                record = await users.get_by_pk(user_pk)
                if record is None:
                    continue
                reply.userPermissions.add(
                    user=user_id_to_wire(domain_user(record).user_id),
                    permissions=wire.permissions_to_wire(flags),
                )
        return "getModelPermissionsResponse", reply

    async def _set_permissions(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, pb.SetModelPermissionsRequestMessage)
        access = await self._access(session, body.modelId)
        if not access.permissions.manage:
            raise ServiceError("unauthorized", "no manage permission on this model")
        for removed in body.removedUserPermissions:
            try:
                user_id_from_wire(removed)
            except ValueError:
                raise ServiceError("invalid_message", "bad user id") from None
        async with self._db.transaction() as tx:
            models = ModelRepository(tx)
            pk = access.model.pk
            await models.set_world(
                pk,
                body.overrideCollection.value if body.HasField("overrideCollection") else None,
                wire.permissions_from_wire(body.worldPermissions)
                if body.HasField("worldPermissions")
                else None,
            )
            if body.removeAllUserPermissionsBeforeSet:
                await models.remove_user_permissions(pk)
            if body.removedUserPermissions:
                keys = [(int(u.userType), u.username) for u in body.removedUserPermissions]
                found = await UserRepository(tx).get_many(self._domain_pk, keys)
                await models.remove_user_permissions(pk, [r.pk for r in found])
            await models.set_user_permissions(
                pk, await self._user_grants(tx, list(body.setUserPermissions))
            )
        live = self._live.get(body.modelId)
        if live is not None and not live.closed:

            async def refresh() -> None:
                resolved = await self._resolve_members(live)
                live.update_permissions(lambda m: resolved.get(m.session.session_id, m.permissions))

            try:
                await live.call_async(refresh)
            except ModelGone:
                pass
        self.offline.models_changed([body.modelId])
        return "setModelPermissionsResponse", pb.SetModelPermissionsResponseMessage()

    # -- trusted server-side access (used by notebooks/) ---------------------------------------

    @property
    def limits(self) -> ModelLimits:
        """The model size and string bounds clients are held to; server-side writers (REST)
        check new data against them before they write."""
        return self._limits

    def live_version(self, model_id: str) -> tuple[int, int] | None:
        """``(version, members)`` of a loaded model; None if it is not loaded."""
        live = self._live.get(model_id)
        if live is None or live.closed:
            return None
        return live.version, len(live.members)

    async def read_model(self, model_id: str, read: Callable[[LiveModel], T]) -> T:
        """Run ``read`` inside the model's serializer (loading the model if needed)."""
        for _ in range(_ATTEMPTS):
            live = await self._get_live(model_id)
            if live is None:
                raise ServiceError("model_not_found", f"no model '{model_id}'", {"id": model_id})
            try:
                return await live.call(partial(read, live))
            except ModelGone:
                continue
        raise ServiceError("unknown", f"model '{model_id}' could not be read; try again")

    async def submit_server_operation(
        self,
        model_id: str,
        session_id: str,
        build: Callable[[ot.ModelTree, Callable[[], str]], ot.Operation | None],
    ) -> int | None:
        """Apply the op ``build(tree, next_value_id)`` makes inside the serializer from the
        current tree, as a remote op of ``session_id`` (a server session the directory can
        resolve). New value ids use a freshly reserved prefix, so they never collide with a
        client's. Returns the new version, or None when ``build`` returned None."""
        for _ in range(_ATTEMPTS):
            live = await self._get_live(model_id)
            if live is None:
                raise ServiceError("model_not_found", f"no model '{model_id}'", {"id": model_id})
            with live.pinned():
                async with self._db.transaction() as tx:
                    prefix = _base36(await ModelRepository(tx).next_value_prefix(live.pk))
            try:
                return await live.call_async(
                    partial(_server_operation, live, session_id, build, prefix)
                )
            except ModelGone:
                continue
        raise ServiceError("unknown", f"model '{model_id}' could not be changed; try again")

    async def collection_schema(self, collection_pk: int) -> CollectionSchema | None:
        """The collection's schema, for server-side writers (REST create and import)."""
        async with self._db.transaction(readonly=True) as tx:
            return await self._schema_in(tx, collection_pk)

    async def set_collection_schema(
        self, collection: CollectionRecord, schema: CollectionSchema | None
    ) -> list[NonConforming]:
        """Store the collection's schema (None: remove it), hand it to its loaded models and
        report every model that does not conform to it. The change is not refused for them
        (their data stays as it is, their next ops are checked); the report says which ones
        need fixing, so nothing breaks silently. Loaded models are checked as they are now,
        inside their serializer, the others from their stored snapshot."""
        async with self._db.transaction() as tx:
            await CollectionSchemaRepository(tx).set(
                collection.pk, None if schema is None else schema.to_json()
            )
        if schema is None:
            self._schemas.pop(collection.pk, None)
        else:
            self._schemas[collection.pk] = (schema.to_json(), schema)
        # A load that began before the schema was stored may have read the old one: let it
        # finish, so the loop below hands the new schema to it too.
        for loading in list(self._loading.values()):
            with contextlib.suppress(Exception):
                await asyncio.shield(loading)
        report: dict[str, SchemaViolation | None] = {}
        for live in list(self._live.values()):
            if live.collection_id != collection.collection_id or live.closed:
                continue

            def install(live: LiveModel = live) -> SchemaViolation | None:
                live.schema = schema
                return (
                    None
                    if schema is None
                    else schema.validate_document(ot.to_plain(live.tree.root))
                )

            try:
                report[live.model_id] = await live.call(install)
            except ModelGone:
                continue
        if schema is None:
            return []
        async with self._db.transaction(readonly=True) as tx:
            stored = [
                await snapshots.current(tx, r)
                for r in await ModelRepository(tx).in_collection(collection.pk)
                if r.model_id not in report
            ]
        for record in stored:
            if record.model_id not in report:
                data = ot.to_plain(snapshot_from_json(record.data))
                report[record.model_id] = schema.validate_document(data)
        return [
            NonConforming(model_id, violation)
            for model_id, violation in sorted(report.items())
            if violation is not None
        ]

    async def delete_model(self, model_id: str, session_id: str) -> bool:
        """Delete a model as the server (REST): the stored rows first, then every open session
        is force-closed with the "deleted" code, exactly as after a client's delete request.
        The collection's link policy applies (see :meth:`_delete_linked`); nulled links are
        ops of ``session_id``. False if there was no such model."""
        return await self._delete_linked(model_id, session_id, None)

    async def _delete_linked(
        self, model_id: str, session_id: str, session: SessionHandle | None
    ) -> bool:
        """Delete a model with what its collection's link policy asks for (see
        ``models/link_integrity.py``): a refusal is ``model_is_linked`` and deletes nothing. A
        client (``session``) must have remove permission on every model a cascade takes; the
        server (None) may remove all. The links to null are nulled after the rows are gone, by
        one server op per linking model, as ``session_id``."""
        async with self._db.transaction() as tx:
            models = ModelRepository(tx)
            record = await models.get(self._domain_pk, model_id)
            if record is None:
                return False
            try:
                plan = await plan_delete(tx, self._domain_pk, record)
            except LinkRefused as exc:
                raise ServiceError("model_is_linked", str(exc), {"id": exc.model_id}) from None
            for other in plan.delete.values():
                if session is not None and other is not record:
                    collection = plan.collections[other.collection_pk]
                    perms = await resolve_model_permissions(
                        tx, other, collection, session.user, session.user_pk
                    )
                    if not perms.remove:
                        raise ServiceError(
                            "unauthorized",
                            f"deleting '{model_id}' also deletes '{other.model_id}' (it links "
                            "to it, cascade), which you may not remove",
                        )
                await models.delete(other.pk)
        await self.models_deleted(plan.delete)
        for source_id, targets in sorted(plan.nullify.items()):
            await self.nullify_links(source_id, session_id, targets)
        return True

    async def nullify_links(
        self, source_id: str, session_id: str, targets: set[tuple[str, str]]
    ) -> None:
        """Set every link in ``source_id`` to one of ``targets`` (collection, model id) to
        null, as a server op open clients see (the ``nullify`` delete policy)."""

        def build(tree: ot.ModelTree, next_id: Callable[[], str]) -> ot.Operation | None:
            return nullify_operation(tree.root, targets, next_id)

        try:
            await self.submit_server_operation(source_id, session_id, build)
        except (ServiceError, SchemaViolation, ot.InvalidOperationError) as exc:
            # Gone meanwhile, or its schema forbids null there: the link is left dangling.
            log.warning("model %s: links to deleted models not nulled: %s", source_id, exc)

    # -- links (issue 12) --------------------------------------------------------------------

    async def links_of(self, model: ModelRecord) -> list[StoredLink]:
        """The model's links as indexed at its last commit."""
        async with self._db.transaction(readonly=True) as tx:
            return await ModelLinkRepository(tx).links_of(model.pk)

    async def backlinks(self, model: ModelRecord) -> list[Backlink]:
        """The models linking to ``model``, and where."""
        async with self._db.transaction(readonly=True) as tx:
            return await ModelLinkRepository(tx).backlinks(
                self._domain_pk, model.collection_id, model.model_id
            )

    async def may_read(self, model: ModelRecord, reader: UserRecord) -> bool:
        """Whether the domain user ``reader`` may read ``model`` (links resolve only then)."""
        async with self._db.transaction(readonly=True) as tx:
            collection = await CollectionRepository(tx).get_by_pk(model.collection_pk)
            assert collection is not None
            perms = await resolve_model_permissions(
                tx, model, collection, domain_user(reader), reader.pk
            )
        return perms.read

    async def path_rules_for(self, model: ModelRecord, reader: UserRecord) -> PathRules | None:
        """The path rules restricting ``reader`` on ``model`` (None: sees all of it), for
        server code that hands a model's data to a user (link resolution)."""
        async with self._db.transaction(readonly=True) as tx:
            collection = await CollectionRepository(tx).get_by_pk(model.collection_pk)
            assert collection is not None
            user = domain_user(reader)
            perms = await resolve_model_permissions(tx, model, collection, user, reader.pk)
            return await load_path_rules(tx, model.pk, user, reader.pk, perms)

    async def link_policy(self, collection: CollectionRecord) -> LinkPolicy:
        async with self._db.transaction(readonly=True) as tx:
            return await ModelLinkRepository(tx).policy(collection.pk)

    async def set_link_policy(self, collection: CollectionRecord, policy: LinkPolicy) -> None:
        """Applies to deletions from now on; existing links are not checked."""
        async with self._db.transaction() as tx:
            await ModelLinkRepository(tx).set_policy(collection.pk, policy)

    async def models_deleted(self, model_ids: Iterable[str]) -> None:
        """Models whose rows the caller has deleted (e.g. with their collection): close them
        for their sessions with the "deleted" code; offline subscribers are told."""
        model_ids = list(model_ids)
        self.offline.models_changed(model_ids)
        for model_id in model_ids:
            live = self._live.get(model_id)
            if live is not None and not live.closed:
                try:
                    await live.call(live.delete)
                except ModelGone:
                    pass

    async def permissions_changed(self, model_ids: Iterable[str] | None = None) -> None:
        """Grants changed outside a session (REST): re-resolve the members of these loaded
        models (None: all, after a collection's grants changed); those who lost read access
        are force-closed, the others told their new permissions; so are offline subscribers."""
        model_ids = None if model_ids is None else list(model_ids)
        self.offline.models_changed(model_ids)
        wanted = set(self._live) if model_ids is None else set(model_ids)
        for model_id in wanted:
            live = self._live.get(model_id)
            if live is not None and not live.closed:
                await self._refresh_permissions(live)

    async def _refresh_permissions(self, live: LiveModel) -> None:
        async def refresh() -> None:
            resolved = await self._resolve_members(live)
            live.update_permissions(lambda m: resolved.get(m.session.session_id, m.permissions))
            rules = await self._member_rules(live)
            live.update_rules(lambda m: rules.get(m.session.session_id, m.rules))

        try:
            await live.call_async(refresh)
        except ModelGone:
            pass

    # -- history and queries -----------------------------------------------------------------

    async def _readable(self, session: SessionHandle, model_id: str) -> _Access:
        """Read access to the whole history: refused to a user with path restrictions (old
        states and ops are not cut down to what the user may read)."""
        access = await self._access(session, model_id)
        if not access.permissions.read:
            raise ServiceError("unauthorized", "no read permission on this model")
        await self._no_path_rules(session, access, "played back")
        return access

    # -- path permissions (models/path_permissions.py) -----------------------------------------

    async def _path_rules(self, session: SessionHandle, access: _Access) -> PathRules | None:
        async with self._db.transaction(readonly=True) as tx:
            return await load_path_rules(
                tx, access.model.pk, session.user, session.user_pk, access.permissions
            )

    async def _no_path_rules(self, session: SessionHandle, access: _Access, what: str) -> None:
        if await self._path_rules(session, access) is not None:
            raise ServiceError(
                "unauthorized",
                f"parts of this model are restricted for you; it cannot be {what}, open it",
            )

    async def _member_rules(self, live: LiveModel) -> dict[str, PathRules | None]:
        async with self._db.transaction(readonly=True) as tx:
            return {
                sid: await load_path_rules(
                    tx, live.pk, m.session.user, m.session.user_pk, m.permissions
                )
                for sid, m in live.members.items()
            }

    async def path_permissions_changed(self, model_id: str) -> None:
        """Path grants of a model changed (REST): members whose view changes are closed."""
        live = self._live.get(model_id)
        if live is not None and not live.closed:
            await self._refresh_permissions(live)

    async def _historical_data(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, pb.HistoricalDataRequestMessage)
        access = await self._readable(session, body.modelId)
        async with self._db.transaction(readonly=True) as tx:
            model = await snapshots.current(tx, access.model)
        return "historicalDataResponse", history.data_response(model)

    async def _historical_operations(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, pb.HistoricalOperationRequestMessage)
        access = await self._readable(session, body.modelId)
        reply, sessions = await history.operations_response(
            self._db, access.model, body.first, body.last
        )
        await self._runtime.directory.ensure_known(sessions)
        session.announce(sessions)
        return "historicalOperationsResponse", reply

    async def _version_at_time(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, pb.ModelGetVersionAtTimeRequestMessage)
        access = await self._readable(session, body.modelId)
        version = await history.version_at(
            self._db, access.model, wire.timestamp_to_datetime(body.targetTime)
        )
        return "modelGetVersionAtTimeResponse", pb.ModelGetVersionAtTimeResponseMessage(
            versionAtTime=version
        )

    async def _query(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, pb.ModelsQueryRequestMessage)
        try:
            # The query reads the stored snapshots: make them hold every acknowledged op.
            await self.flush_snapshots(parse_query(body.query).collection)
            reply = await run_query(self._db, self._domain_pk, session, body.query)
        except QueryError as exc:
            raise ServiceError("invalid_query", exc.message, {"index": exc.index}) from None
        await self._drop_restricted(session, reply)
        return "modelsQueryResponse", reply

    async def _drop_restricted(
        self, session: SessionHandle, reply: pb.ModelsQueryResponseMessage
    ) -> None:
        """Query results are whole models: a model with path restrictions for this user is
        left out (its projection could hold hidden data)."""
        if not reply.models:
            return
        async with self._db.transaction(readonly=True) as tx:
            keep = []
            for result in reply.models:
                model = await ModelRepository(tx).get(self._domain_pk, result.modelId)
                if model is None:
                    continue
                collection = await CollectionRepository(tx).get_by_pk(model.collection_pk)
                assert collection is not None
                perms = await resolve_model_permissions(
                    tx, model, collection, session.user, session.user_pk
                )
                if (
                    await load_path_rules(tx, model.pk, session.user, session.user_pk, perms)
                    is None
                ):
                    keep.append(result)
        if len(keep) != len(reply.models):
            del reply.models[:]
            reply.models.extend(keep)


_base36 = base36


async def _server_operation(
    live: LiveModel,
    session_id: str,
    build: Callable[[ot.ModelTree, Callable[[], str]], ot.Operation | None],
    prefix: str,
) -> int | None:
    counter = itertools.count()
    op = build(live.tree, lambda: f"{prefix}:{_base36(next(counter))}")
    if op is None:
        return None
    return await live.apply_server_operation(session_id, op)
