"""Model collections over REST: create, list, get, update, delete, their default permissions
and the domain's auto-create setting.

A collection's permissions are the defaults of its models: ``world`` applies to every user
(``create`` = may create models in it), per-user grants replace the world permissions for that
user; a model that overrides its collection uses its own world permissions, and per-model user
grants win over everything (see ``models/permissions.py``). Collections have no per-group
permissions, as in the realtime protocol. Convergence-type users may always do everything.

Changing a collection's permissions re-checks every open model session at once; deleting a
collection deletes its models, whose open clients are closed with the "deleted" reason.

A collection may have a JSON Schema (draft 2020-12) that its models' data must follow: model
creation and every operation are checked (see ``models/schema.py``). Setting one reports the
existing models that do not conform; they are left as they are.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from convergence_jupyter.models.schema import CollectionSchema, InvalidCollectionSchema
from convergence_jupyter.models.service import ModelService
from convergence_jupyter.rest.content_support import (
    MAX_ID,
    UserRef,
    resolve_users,
    service,
    user_ref,
    users_by_pk,
)
from convergence_jupyter.rest.framework import (
    Page,
    PageQuery,
    ProblemError,
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
    PermissionFlags,
)
from convergence_jupyter.store.records import DomainRecord

router = Router(tag="collections", description="Model collections and their default permissions.")

Id = Annotated[str, Field(min_length=1, max_length=MAX_ID)]
DOMAIN = "/domains/{namespace}/{domain}"


class CollectionFlags(BaseModel):
    """Permissions on a collection's models; ``create`` allows creating models in it."""

    model_config = ConfigDict(extra="forbid")

    read: bool = False
    write: bool = False
    remove: bool = False
    manage: bool = False
    create: bool = False


FULL = CollectionFlags(read=True, write=True, remove=True, manage=True, create=True)


class Collection(BaseModel):
    id: str
    description: str
    world: CollectionFlags


class NewCollection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Id
    description: str = Field("", max_length=64 * 1024)
    world: CollectionFlags = Field(FULL, description="Default: everything, as auto-created ones.")


class CollectionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(None, max_length=64 * 1024)


class UserCollectionGrant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: UserRef
    permissions: CollectionFlags


class CollectionPermissions(BaseModel):
    world: CollectionFlags
    users: list[UserCollectionGrant]


class CollectionPermissionsUpdate(BaseModel):
    """Only the fields given change; ``users`` replaces the named users' grants (every user's
    when ``replace_users``); ``remove_users`` drops grants."""

    model_config = ConfigDict(extra="forbid")

    world: CollectionFlags | None = None
    users: list[UserCollectionGrant] = Field(default=[], max_length=1000)
    remove_users: list[UserRef] = Field(default=[], max_length=1000)
    replace_users: bool = False


class CollectionSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    auto_create: bool = Field(
        description="Creating a model in a missing collection creates the collection."
    )


class CollectionSchemaBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    json_schema: dict[str, Any] | bool = Field(
        description="A JSON Schema, draft 2020-12, for the data of every model of the collection."
    )


class SchemaViolationReport(BaseModel):
    """Where a model breaks the schema (a JSON Pointer into its data), which keyword, why."""

    path: str
    keyword: str
    message: str


class NonConformingModel(BaseModel):
    model_id: str
    violation: SchemaViolationReport


class CollectionSchemaInfo(BaseModel):
    json_schema: dict[str, Any] | bool | None = Field(description="None: the collection has none.")


class CollectionSchemaChange(BaseModel):
    json_schema: dict[str, Any] | bool | None
    #: The existing models that do not conform to the new schema (left unchanged).
    non_conforming: list[NonConformingModel]


class CollectionListQuery(PageQuery):
    filter: str | None = Field(None, max_length=MAX_ID, description="Id contains (any case).")


def _flags(flags: CollectionFlags) -> PermissionFlags:
    return PermissionFlags(flags.read, flags.write, flags.remove, flags.manage, flags.create)


def _rest_flags(flags: PermissionFlags) -> CollectionFlags:
    return CollectionFlags(
        read=flags.read,
        write=flags.write,
        remove=flags.remove,
        manage=flags.manage,
        create=flags.create,
    )


def _collection(record: CollectionRecord) -> Collection:
    return Collection(
        id=record.collection_id, description=record.description, world=_rest_flags(record.world)
    )


async def _get(ctx: RequestContext, domain: DomainRecord, collection_id: str) -> CollectionRecord:
    async with ctx.database.transaction(readonly=True) as tx:
        record = await CollectionRepository(tx).get(domain.pk, collection_id)
    if record is None:
        raise ProblemError(404, f"there is no collection '{collection_id}'")
    return record


async def _permissions(ctx: RequestContext, record: CollectionRecord) -> CollectionPermissions:
    async with ctx.database.transaction(readonly=True) as tx:
        fresh = await CollectionRepository(tx).get_by_pk(record.pk)
        grants = await ContentAdminRepository(tx).collection_user_permissions(record.pk)
    users = await users_by_pk(ctx, grants)
    return CollectionPermissions(
        world=_rest_flags((fresh or record).world),
        users=sorted(
            (
                UserCollectionGrant(user=user_ref(users[pk]), permissions=_rest_flags(flags))
                for pk, flags in grants.items()
                if pk in users
            ),
            key=lambda g: (g.user.type.value, g.user.username),
        ),
    )


@router.get(
    DOMAIN + "/collections",
    operation_id="listCollections",
    summary="List the collections of a domain",
    response=Page[Collection],
    query=CollectionListQuery,
)
async def list_collections(
    ctx: RequestContext, *, namespace: str, domain: str, query: CollectionListQuery
) -> dict[str, Any]:
    """Ordered by id; ``filter`` matches part of the id."""
    record = await ctx.domain(namespace, domain)
    async with ctx.database.transaction(readonly=True) as tx:
        items, total = await ContentAdminRepository(tx).collections(
            record.pk, offset=query.offset, limit=query.limit, id_contains=query.filter
        )
    return page_of([_collection(c) for c in items], total, query)


@router.post(
    DOMAIN + "/collections",
    operation_id="createCollection",
    summary="Create a collection",
    scope=Scope.ADMIN,
    response=Collection,
    body=NewCollection,
    status=201,
)
async def create_collection(
    ctx: RequestContext, *, namespace: str, domain: str, body: NewCollection
) -> Collection:
    record = await ctx.domain(namespace, domain)
    async with ctx.database.transaction() as tx:
        try:
            created = await ContentAdminRepository(tx).create_collection(
                record.pk, body.id, body.description, _flags(body.world)
            )
        except AlreadyExists:
            raise ProblemError(409, f"the collection '{body.id}' already exists") from None
    return _collection(created)


@router.get(
    DOMAIN + "/collections/{collection_id}",
    operation_id="getCollection",
    summary="A collection",
    response=Collection,
)
async def get_collection(
    ctx: RequestContext, *, namespace: str, domain: str, collection_id: Id
) -> Collection:
    record = await ctx.domain(namespace, domain)
    return _collection(await _get(ctx, record, collection_id))


@router.patch(
    DOMAIN + "/collections/{collection_id}",
    operation_id="updateCollection",
    summary="Change a collection's description",
    scope=Scope.ADMIN,
    response=Collection,
    body=CollectionUpdate,
)
async def update_collection(
    ctx: RequestContext, *, namespace: str, domain: str, collection_id: Id, body: CollectionUpdate
) -> Collection:
    record = await ctx.domain(namespace, domain)
    collection = await _get(ctx, record, collection_id)
    if body.description is not None:
        async with ctx.database.transaction() as tx:
            await ContentAdminRepository(tx).set_collection_description(
                collection.pk, body.description
            )
    return _collection(await _get(ctx, record, collection_id))


@router.delete(
    DOMAIN + "/collections/{collection_id}",
    operation_id="deleteCollection",
    summary="Delete a collection and all its models",
    scope=Scope.ADMIN,
)
async def delete_collection(
    ctx: RequestContext, *, namespace: str, domain: str, collection_id: Id
) -> None:
    """Open clients of its models are closed with the "deleted" reason."""
    record = await ctx.domain(namespace, domain)
    collection = await _get(ctx, record, collection_id)
    async with ctx.database.transaction() as tx:
        repo = ContentAdminRepository(tx)
        model_ids = await repo.collection_model_ids(collection.pk)
        await repo.delete_collection(collection.pk)
    await (await service(ctx, record, ModelService)).models_deleted(model_ids)


@router.get(
    DOMAIN + "/collections/{collection_id}/permissions",
    operation_id="getCollectionPermissions",
    summary="A collection's world permissions and per-user grants",
    response=CollectionPermissions,
)
async def get_collection_permissions(
    ctx: RequestContext, *, namespace: str, domain: str, collection_id: Id
) -> CollectionPermissions:
    record = await ctx.domain(namespace, domain)
    return await _permissions(ctx, await _get(ctx, record, collection_id))


@router.patch(
    DOMAIN + "/collections/{collection_id}/permissions",
    operation_id="setCollectionPermissions",
    summary="Change a collection's permissions (open model sessions are re-checked)",
    scope=Scope.ADMIN,
    response=CollectionPermissions,
    body=CollectionPermissionsUpdate,
)
async def set_collection_permissions(
    ctx: RequestContext,
    *,
    namespace: str,
    domain: str,
    collection_id: Id,
    body: CollectionPermissionsUpdate,
) -> CollectionPermissions:
    record = await ctx.domain(namespace, domain)
    collection = await _get(ctx, record, collection_id)
    granted = await resolve_users(ctx, record, (g.user for g in body.users))
    removed = await resolve_users(ctx, record, body.remove_users)
    async with ctx.database.transaction() as tx:
        collections = CollectionRepository(tx)
        admin = ContentAdminRepository(tx)
        if body.world is not None:
            await collections.set_world(collection.pk, _flags(body.world))
        if body.replace_users:
            await admin.remove_collection_user_permissions(collection.pk)
        if removed:
            await admin.remove_collection_user_permissions(
                collection.pk, [u.pk for u in removed.values()]
            )
        for grant in body.users:
            user = granted[(grant.user.type, grant.user.username)]
            await collections.set_user_permissions(
                collection.pk, user.pk, _flags(grant.permissions)
            )
    await (await service(ctx, record, ModelService)).permissions_changed()
    return await _permissions(ctx, collection)


@router.get(
    DOMAIN + "/collections/{collection_id}/schema",
    operation_id="getCollectionSchema",
    summary="A collection's JSON Schema (null if it has none)",
    response=CollectionSchemaInfo,
)
async def get_collection_schema(
    ctx: RequestContext, *, namespace: str, domain: str, collection_id: Id
) -> CollectionSchemaInfo:
    record = await ctx.domain(namespace, domain)
    collection = await _get(ctx, record, collection_id)
    schema = await (await service(ctx, record, ModelService)).collection_schema(collection.pk)
    return CollectionSchemaInfo(json_schema=None if schema is None else schema.document)


@router.put(
    DOMAIN + "/collections/{collection_id}/schema",
    operation_id="setCollectionSchema",
    summary="Set a collection's JSON Schema; reports the models that do not conform",
    scope=Scope.ADMIN,
    response=CollectionSchemaChange,
    body=CollectionSchemaBody,
)
async def set_collection_schema(
    ctx: RequestContext,
    *,
    namespace: str,
    domain: str,
    collection_id: Id,
    body: CollectionSchemaBody,
) -> CollectionSchemaChange:
    """Open models are checked against the new schema at once. Existing models are never
    changed: those that do not conform are listed with their first violation. An invalid
    schema (or an unresolvable ``$ref``) is 400 and changes nothing."""
    record = await ctx.domain(namespace, domain)
    collection = await _get(ctx, record, collection_id)
    try:
        schema = CollectionSchema(body.json_schema)
    except InvalidCollectionSchema as exc:
        raise ProblemError(400, str(exc)) from None
    return await _schema_change(ctx, record, collection, schema)


@router.delete(
    DOMAIN + "/collections/{collection_id}/schema",
    operation_id="deleteCollectionSchema",
    summary="Remove a collection's JSON Schema (its models become free-form)",
    scope=Scope.ADMIN,
    response=CollectionSchemaChange,
)
async def delete_collection_schema(
    ctx: RequestContext, *, namespace: str, domain: str, collection_id: Id
) -> CollectionSchemaChange:
    record = await ctx.domain(namespace, domain)
    collection = await _get(ctx, record, collection_id)
    return await _schema_change(ctx, record, collection, None)


async def _schema_change(
    ctx: RequestContext,
    domain: DomainRecord,
    collection: CollectionRecord,
    schema: CollectionSchema | None,
) -> CollectionSchemaChange:
    models = await service(ctx, domain, ModelService)
    found = await models.set_collection_schema(collection, schema)
    return CollectionSchemaChange(
        json_schema=None if schema is None else schema.document,
        non_conforming=[
            NonConformingModel(
                model_id=n.model_id,
                violation=SchemaViolationReport(**n.violation.as_dict()),
            )
            for n in found
        ],
    )


@router.get(
    DOMAIN + "/collection-settings",
    operation_id="getCollectionSettings",
    summary="Whether the domain creates missing collections automatically",
    response=CollectionSettings,
)
async def get_collection_settings(
    ctx: RequestContext, *, namespace: str, domain: str
) -> CollectionSettings:
    record = await ctx.domain(namespace, domain)
    return CollectionSettings(auto_create=record.auto_create_collections)


@router.put(
    DOMAIN + "/collection-settings",
    operation_id="setCollectionSettings",
    summary="Turn the automatic creation of collections on or off",
    scope=Scope.ADMIN,
    response=CollectionSettings,
    body=CollectionSettings,
)
async def set_collection_settings(
    ctx: RequestContext, *, namespace: str, domain: str, body: CollectionSettings
) -> CollectionSettings:
    """Applies to model creation by clients (realtime) and by ``createModel`` alike."""
    record = await ctx.domain(namespace, domain)
    async with ctx.database.transaction() as tx:
        updated = await DomainRepository(tx).update_config(
            record.pk, auto_create_collections=body.auto_create
        )
    return CollectionSettings(auto_create=updated.auto_create_collections)
