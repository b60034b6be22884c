"""Real-time models over REST: list, get, create, replace, delete, permissions, export/import.

Data is plain JSON: objects, arrays, strings, numbers, booleans and null; a date is
``{"$$convergence_type": "date", "date": <epoch ms>}`` (the client's
``{"$convergenceType": "date", "value": <ms>}`` is accepted on input). The root is an object.
New data is held to the limits clients have (``max_model_bytes``, ``max_string_length``): 400.

Live models. ``replace`` changes a model as one server-side operation (an ``ObjectSet`` of the
root) applied inside the model's serializer, stored and acknowledged like any client's op and
sent to every open client as an ordinary remote operation of the REST actor's session (see
``rest/content_support.py``); ``expected_version`` makes it a compare-and-set (409 when the
model has moved on). ``delete`` force-closes open clients with the "deleted" reason, as the
realtime delete does. Permission changes re-resolve the open sessions at once.

Export format (``convergence-jupyter/model@1``), one JSON object per model, returned by
``GET .../models/{model_id}/export`` and accepted by ``POST .../models/import``::

    {
      "format": "convergence-jupyter/model@1",
      "id": "m1", "collection": "docs",
      "version": 42,                                  # kept on import
      "created_time": "2026-01-01T00:00:00Z", "modified_time": "...",   # ISO 8601, UTC
      "data": {"title": "..."},                       # plain JSON as above
      "permissions": {
        "override_collection": false,
        "world": {"read": false, "write": false, "remove": false, "manage": false},
        "users": [{"user": {"username": "alice", "type": "normal"},
                   "permissions": {"read": true, "write": true, "remove": false,
                                   "manage": false}}]
      }
    }

Import creates the model at the exported version (with no operation log before it: history
starts there), creates a missing collection with full world permissions, refuses (409) an
existing id and (400) a user who does not exist in the domain (import users first). Exporting
then importing into an empty domain gives identical data, version, times and grants.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from convergence_jupyter import ot
from convergence_jupyter.domain.errors import ServiceError
from convergence_jupyter.models import snapshots
from convergence_jupyter.models.limits import check_new_model
from convergence_jupyter.models.link_index import index_new_model
from convergence_jupyter.models.persistence import snapshot_from_json, snapshot_to_json
from convergence_jupyter.models.schema import SchemaViolation
from convergence_jupyter.models.service import ModelService
from convergence_jupyter.rest.content_support import (
    MAX_ID,
    UserRef,
    acting_session,
    resolve_users,
    service,
    user_ref,
    users_by_pk,
)
from convergence_jupyter.rest.framework import (
    Page,
    PageQuery,
    ProblemError,
    ProblemItem,
    RequestContext,
    Router,
    Scope,
    page_of,
)
from convergence_jupyter.store.content_admin import ContentAdminRepository
from convergence_jupyter.store.domains import DomainRepository
from convergence_jupyter.store.errors import AlreadyExists
from convergence_jupyter.store.models import (
    CollectionRecord,
    CollectionRepository,
    ModelRecord,
    ModelRepository,
    PermissionFlags,
)
from convergence_jupyter.store.records import DomainRecord

router = Router(tag="models", description="Real-time models: data, versions, permissions.")

EXPORT_FORMAT = "convergence-jupyter/model@1"
#: Versions are JavaScript numbers on the client: the largest exact integer.
MAX_VERSION = 2**53 - 1
#: Value ids of trees built here; "0" is never a client's prefix (those start at 1).
_SERVER_PREFIX = "0"

Id = Annotated[str, Field(min_length=1, max_length=MAX_ID)]
DOMAIN = "/domains/{namespace}/{domain}"


# -- schemas -----------------------------------------------------------------------------------


class ModelFlags(BaseModel):
    """Permissions on a model."""

    model_config = ConfigDict(extra="forbid")

    read: bool = False
    write: bool = False
    remove: bool = False
    manage: bool = False


class UserModelGrant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: UserRef
    permissions: ModelFlags


class ModelPermissions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    override_collection: bool = False
    world: ModelFlags = ModelFlags()
    users: list[UserModelGrant] = []


class ModelPermissionsUpdate(BaseModel):
    """Only the fields given change; ``users`` replaces the named users' grants (every
    user's when ``replace_users``); ``remove_users`` drops grants."""

    model_config = ConfigDict(extra="forbid")

    override_collection: bool | None = None
    world: ModelFlags | None = None
    users: list[UserModelGrant] = Field(default=[], max_length=1000)
    remove_users: list[UserRef] = Field(default=[], max_length=1000)
    replace_users: bool = False


class ModelSummary(BaseModel):
    id: str
    collection: str
    version: int
    created_time: datetime
    modified_time: datetime


class ModelInfo(ModelSummary):
    data: dict[str, Any]
    #: Sessions that have the model open in this server process.
    open_sessions: int = 0


class NewModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Id | None = Field(None, description="The model id; a UUID when absent.")
    data: dict[str, Any] = {}
    override_collection: bool = False
    world: ModelFlags | None = None
    users: list[UserModelGrant] = Field(default=[], max_length=1000)


class ModelReplacement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data: dict[str, Any]
    expected_version: int | None = Field(
        None, ge=0, le=MAX_VERSION, description="Refuse (409) unless the model is at this version."
    )


class ModelExport(BaseModel):
    """One model with everything needed to recreate it (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["convergence-jupyter/model@1"] = "convergence-jupyter/model@1"
    id: Id
    collection: Id
    version: int = Field(0, ge=0, le=MAX_VERSION)
    created_time: AwareDatetime | None = None
    modified_time: AwareDatetime | None = None
    data: dict[str, Any]
    permissions: ModelPermissions = ModelPermissions()


class ModelListQuery(PageQuery):
    filter: str | None = Field(None, max_length=MAX_ID, description="Id contains (any case).")
    modified_after: AwareDatetime | None = None


# -- helpers -----------------------------------------------------------------------------------


def plain_tree(data: dict[str, Any]) -> ot.ObjectValue:
    """A value tree from plain data (400 if it is not plain JSON data)."""
    counter = iter(range(1 << 62))
    try:
        root = ot.from_plain(data, lambda: f"{_SERVER_PREFIX}:{next(counter)}")
        assert isinstance(root, ot.ObjectValue)
        ot.ModelTree(root)
    except (ValueError, ot.InvalidOperationError) as exc:
        raise ProblemError(400, f"the model data is not valid: {exc}") from None
    return root


def _within_limits(models: ModelService, root: ot.ObjectValue) -> str:
    """The snapshot of ``root``; 400 if it breaks the size or string limits clients have."""
    snapshot = snapshot_to_json(root)
    try:
        check_new_model(models.limits, root, snapshot)
    except ServiceError as exc:
        raise ProblemError(400, exc.message) from None
    return snapshot


def _schema_problem(violation: SchemaViolation) -> ProblemError:
    return ProblemError(
        422,
        str(violation),
        errors=[
            ProblemItem(
                loc=["data", *violation.path],
                msg=violation.message,
                type=f"schema.{violation.keyword}",
            )
        ],
    )


async def _conforming(models: ModelService, collection: CollectionRecord, data: Any) -> None:
    """422 (nothing written) unless ``data`` follows the collection's schema, if it has one."""
    schema = await models.collection_schema(collection.pk)
    violation = None if schema is None else schema.validate_document(data)
    if violation is not None:
        raise _schema_problem(violation)


def _flags(flags: ModelFlags) -> PermissionFlags:
    return PermissionFlags(flags.read, flags.write, flags.remove, flags.manage)


def _rest_flags(flags: PermissionFlags) -> ModelFlags:
    return ModelFlags(read=flags.read, write=flags.write, remove=flags.remove, manage=flags.manage)


async def model_record(ctx: RequestContext, domain: DomainRecord, model_id: str) -> ModelRecord:
    """The model's row, or 404."""
    async with ctx.database.transaction(readonly=True) as tx:
        record = await ModelRepository(tx).get(domain.pk, model_id)
    if record is None:
        raise ProblemError(404, f"there is no model '{model_id}'")
    return record


async def _collection(
    ctx: RequestContext, domain: DomainRecord, collection_id: str
) -> CollectionRecord:
    async with ctx.database.transaction(readonly=True) as tx:
        record = await CollectionRepository(tx).get(domain.pk, collection_id)
    if record is None:
        raise ProblemError(404, f"there is no collection '{collection_id}'")
    return record


def _summary(record: Any, collection_id: str) -> dict[str, Any]:
    return {
        "id": record.model_id,
        "collection": collection_id,
        "version": record.version,
        "created_time": record.created_at,
        "modified_time": record.modified_at,
    }


async def model_info(ctx: RequestContext, domain: DomainRecord, model_id: str) -> ModelInfo:
    """Data and version read together: from the live model when it is loaded here (so they
    match what clients see), else from the store."""
    models = await service(ctx, domain, ModelService)
    record = await model_record(ctx, domain, model_id)
    live = models.live_version(model_id)
    if live is None:
        # The stored snapshot may lag behind the op log: replay the tail (models/snapshots.py).
        async with ctx.database.transaction(readonly=True) as tx:
            found = await ModelRepository(tx).get(domain.pk, model_id)
            if found is None:
                raise ProblemError(404, f"there is no model '{model_id}'")
            record = await snapshots.current(tx, found)
        data = ot.to_plain(snapshot_from_json(record.data))
        return ModelInfo(**_summary(record, record.collection_id), data=data)
    try:
        version, modified, data, members = await models.read_model(
            model_id,
            lambda m: (m.version, m.modified_at, ot.to_plain(m.tree.root), len(m.members)),
        )
    except ServiceError:
        raise ProblemError(404, f"there is no model '{model_id}'") from None
    summary = _summary(record, record.collection_id)
    summary.update(version=version, modified_time=modified)
    return ModelInfo(**summary, data=data, open_sessions=members)


async def _grants(
    ctx: RequestContext, domain: DomainRecord, grants: list[UserModelGrant]
) -> list[tuple[int, PermissionFlags]]:
    users = await resolve_users(ctx, domain, (g.user for g in grants))
    return [(users[(g.user.type, g.user.username)].pk, _flags(g.permissions)) for g in grants]


async def _permissions(ctx: RequestContext, record: ModelRecord) -> ModelPermissions:
    async with ctx.database.transaction(readonly=True) as tx:
        fresh = await ModelRepository(tx).get(record.domain_pk, record.model_id)
        grants = await ModelRepository(tx).user_permissions(record.pk)
    fresh = fresh or record
    users = await users_by_pk(ctx, grants)
    return ModelPermissions(
        override_collection=fresh.override_world,
        world=_rest_flags(fresh.world),
        users=sorted(
            (
                UserModelGrant(user=user_ref(users[pk]), permissions=_rest_flags(flags))
                for pk, flags in grants.items()
                if pk in users
            ),
            key=lambda g: (g.user.type.value, g.user.username),
        ),
    )


async def _target_collection(
    ctx: RequestContext, domain: DomainRecord, collection_id: str, *, create: bool
) -> CollectionRecord:
    """The collection, created when the domain auto-creates collections (or ``create``)."""
    async with ctx.database.transaction() as tx:
        collections = CollectionRepository(tx)
        found = await collections.get(domain.pk, collection_id)
        if found is not None:
            return found
        fresh = await DomainRepository(tx).get_by_pk(domain.pk)
        if not create and (fresh is None or not fresh.auto_create_collections):
            raise ProblemError(
                404,
                f"there is no collection '{collection_id}' and the domain does not create "
                "collections automatically",
            )
        return await collections.ensure(domain.pk, collection_id)


# -- endpoints ---------------------------------------------------------------------------------


@router.get(
    DOMAIN + "/collections/{collection_id}/models",
    operation_id="listModels",
    summary="List the models of a collection",
    response=Page[ModelSummary],
    query=ModelListQuery,
)
async def list_models(
    ctx: RequestContext, *, namespace: str, domain: str, collection_id: Id, query: ModelListQuery
) -> dict[str, Any]:
    """Ordered by model id; ``filter`` matches part of the id, ``modified_after`` the time of
    the last change."""
    record = await ctx.domain(namespace, domain)
    collection = await _collection(ctx, record, collection_id)
    async with ctx.database.transaction(readonly=True) as tx:
        items, total = await ContentAdminRepository(tx).models(
            collection.pk,
            offset=query.offset,
            limit=query.limit,
            id_contains=query.filter,
            modified_after=query.modified_after,
        )
    return page_of([_summary(m, m.collection_id) for m in items], total, query)


@router.post(
    DOMAIN + "/collections/{collection_id}/models",
    operation_id="createModel",
    summary="Create a model in a collection",
    response=ModelInfo,
    body=NewModel,
    status=201,
)
async def create_model(
    ctx: RequestContext, *, namespace: str, domain: str, collection_id: Id, body: NewModel
) -> ModelInfo:
    """At version 0. A missing collection is created if the domain auto-creates collections
    (else 404); a taken id is 409."""
    record = await ctx.domain(namespace, domain)
    root = plain_tree(body.data)
    snapshot = _within_limits(await service(ctx, record, ModelService), root)
    collection = await _target_collection(ctx, record, collection_id, create=False)
    await _conforming(await service(ctx, record, ModelService), collection, ot.to_plain(root))
    grants = await _grants(ctx, record, body.users)
    model_id = body.id or str(uuid.uuid4())
    async with ctx.database.transaction() as tx:
        models = ModelRepository(tx)
        try:
            created = await models.create(
                record.pk,
                collection,
                model_id,
                snapshot,
                override_world=body.override_collection,
                world=_flags(body.world) if body.world is not None else None,
            )
        except AlreadyExists:
            raise ProblemError(409, f"the model '{model_id}' already exists") from None
        await index_new_model(tx, record.pk, created.pk, root)
        if grants:
            await models.set_user_permissions(created.pk, grants)
    return ModelInfo(**_summary(created, collection.collection_id), data=ot.to_plain(root))


@router.get(
    DOMAIN + "/models/{model_id}",
    operation_id="getModel",
    summary="A model's data and version",
    response=ModelInfo,
)
async def get_model(ctx: RequestContext, *, namespace: str, domain: str, model_id: Id) -> ModelInfo:
    record = await ctx.domain(namespace, domain)
    return await model_info(ctx, record, model_id)


class _VersionMoved(Exception):
    def __init__(self, version: int) -> None:
        self.version = version


@router.put(
    DOMAIN + "/models/{model_id}",
    operation_id="replaceModel",
    summary="Replace a model's data (live clients receive it as an operation)",
    response=ModelInfo,
    body=ModelReplacement,
)
async def replace_model(
    ctx: RequestContext, *, namespace: str, domain: str, model_id: Id, body: ModelReplacement
) -> ModelInfo:
    """One server-side operation setting the whole root, ordered with the clients' own ops by
    the model's serializer, stored before this answers; open clients receive it as a remote
    operation. With ``expected_version``, 409 unless the model is still at that version."""
    record = await ctx.domain(namespace, domain)
    models = await service(ctx, record, ModelService)
    _within_limits(models, plain_tree(body.data))  # 400 before anything changes
    await model_record(ctx, record, model_id)
    expected = body.expected_version
    data = body.data

    def build(tree: ot.ModelTree, next_id: Any) -> ot.Operation | None:
        current = models.live_version(model_id)  # inside the serializer: exact
        if expected is not None and current is not None and current[0] != expected:
            raise _VersionMoved(current[0])
        values = {str(k): ot.from_plain(v, next_id) for k, v in data.items()}
        return ot.ObjectSet(id=tree.root.id, values=values)

    async with acting_session(ctx, record) as actor:
        try:
            await models.submit_server_operation(model_id, actor.session_id, build)
        except SchemaViolation as violation:
            raise _schema_problem(violation) from None
        except _VersionMoved as moved:
            raise ProblemError(
                409, f"the model is at version {moved.version}, not {expected}"
            ) from None
        except ServiceError as exc:
            if exc.code == "model_not_found":
                raise ProblemError(404, f"there is no model '{model_id}'") from None
            raise ProblemError(503, exc.message) from None
    return await model_info(ctx, record, model_id)


@router.delete(
    DOMAIN + "/models/{model_id}",
    operation_id="deleteModel",
    summary="Delete a model (open clients are closed with the 'deleted' reason)",
)
async def delete_model(ctx: RequestContext, *, namespace: str, domain: str, model_id: Id) -> None:
    """The collection's link policy applies: ``refuse`` is 409 while other models link to this
    one; ``cascade`` deletes them too; ``nullify`` sets their links to null (see the links
    resource)."""
    record = await ctx.domain(namespace, domain)
    models = await service(ctx, record, ModelService)
    async with acting_session(ctx, record) as actor:
        try:
            deleted = await models.delete_model(model_id, actor.session_id)
        except ServiceError as exc:
            if exc.code == "model_is_linked":
                raise ProblemError(409, exc.message) from None
            raise
    if not deleted:
        raise ProblemError(404, f"there is no model '{model_id}'")


@router.get(
    DOMAIN + "/models/{model_id}/permissions",
    operation_id="getModelPermissions",
    summary="A model's world permissions and per-user grants",
    response=ModelPermissions,
)
async def get_model_permissions(
    ctx: RequestContext, *, namespace: str, domain: str, model_id: Id
) -> ModelPermissions:
    """``world`` applies only when ``override_collection`` is set; otherwise the collection's
    world permissions do. Per-user grants win over both."""
    record = await ctx.domain(namespace, domain)
    return await _permissions(ctx, await model_record(ctx, record, model_id))


@router.patch(
    DOMAIN + "/models/{model_id}/permissions",
    operation_id="setModelPermissions",
    summary="Change a model's permissions (open sessions are re-checked at once)",
    scope=Scope.ADMIN,
    response=ModelPermissions,
    body=ModelPermissionsUpdate,
)
async def set_model_permissions(
    ctx: RequestContext,
    *,
    namespace: str,
    domain: str,
    model_id: Id,
    body: ModelPermissionsUpdate,
) -> ModelPermissions:
    """Open sessions that lose read access are force-closed, the others are told their new
    permissions, as after a client's ``setModelPermissions``."""
    record = await ctx.domain(namespace, domain)
    model = await model_record(ctx, record, model_id)
    grants = await _grants(ctx, record, body.users)
    removed = await resolve_users(ctx, record, body.remove_users)
    async with ctx.database.transaction() as tx:
        models = ModelRepository(tx)
        await models.set_world(
            model.pk,
            body.override_collection,
            _flags(body.world) if body.world is not None else None,
        )
        if body.replace_users:
            await models.remove_user_permissions(model.pk)
        if removed:
            await models.remove_user_permissions(model.pk, [u.pk for u in removed.values()])
        await models.set_user_permissions(model.pk, grants)
    await (await service(ctx, record, ModelService)).permissions_changed([model_id])
    return await _permissions(ctx, model)


@router.get(
    DOMAIN + "/models/{model_id}/export",
    operation_id="exportModel",
    summary="Export one model (data, version, times, permissions) as JSON",
    response=ModelExport,
)
async def export_model(
    ctx: RequestContext, *, namespace: str, domain: str, model_id: Id
) -> ModelExport:
    record = await ctx.domain(namespace, domain)
    info = await model_info(ctx, record, model_id)
    model = await model_record(ctx, record, model_id)
    return ModelExport(
        id=info.id,
        collection=info.collection,
        version=info.version,
        created_time=info.created_time,
        modified_time=info.modified_time,
        data=info.data,
        permissions=await _permissions(ctx, model),
    )


@router.post(
    DOMAIN + "/models/import",
    operation_id="importModel",
    summary="Import one model exported by exportModel",
    scope=Scope.ADMIN,
    response=ModelInfo,
    body=ModelExport,
    status=201,
)
async def import_model(
    ctx: RequestContext, *, namespace: str, domain: str, body: ModelExport
) -> ModelInfo:
    """At the exported version and times, with its grants; 409 if the id exists."""
    record = await ctx.domain(namespace, domain)
    root = plain_tree(body.data)
    snapshot = _within_limits(await service(ctx, record, ModelService), root)
    grants = await _grants(ctx, record, body.permissions.users)
    collection = await _target_collection(ctx, record, body.collection, create=True)
    await _conforming(await service(ctx, record, ModelService), collection, ot.to_plain(root))
    async with ctx.database.transaction() as tx:
        try:
            created = await ContentAdminRepository(tx).import_model(
                record.pk,
                collection,
                body.id,
                snapshot,
                version=body.version,
                created_at=body.created_time,
                modified_at=body.modified_time,
                override_world=body.permissions.override_collection,
                world=_flags(body.permissions.world),
            )
        except AlreadyExists:
            raise ProblemError(409, f"the model '{body.id}' already exists") from None
        await index_new_model(tx, record.pk, created.pk, root)
        if grants:
            await ModelRepository(tx).set_user_permissions(created.pk, grants)
    return ModelInfo(**_summary(created, collection.collection_id), data=ot.to_plain(root))
