"""Model links over REST (issue 12): a model's links, its backlinks, resolving a link, and
each collection's delete policy.

A link is a value ``{"$ref": {"collection": "<collection id>", "id": "<model id>"}}`` inside a
model's data (see ``models/links.py``); ``path`` is its JSON Pointer. Lists come from the link
index, which the server keeps in step with every committed change.

Resolving returns the target's data only when the reader may read the target. The REST caller
acts as a Convergence-type user, who may read everything; ``as_username`` (with ``as_type``)
resolves for that domain user instead, and a target they may not read is 403 "unauthorized",
never its data. A link to a missing model is 404.

The policy says what deleting a model of the collection does to the models that link to it:
``nullify`` (the default: their links become null, as an op open clients see), ``refuse``
(the delete is 409 while any model links to it) or ``cascade`` (they are deleted too).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from convergence_jupyter.models.service import ModelService
from convergence_jupyter.rest.content_support import (
    MAX_ID,
    UserKind,
    UserRef,
    resolve_users,
    service,
)
from convergence_jupyter.rest.framework import ProblemError, RequestContext, Router, Scope
from convergence_jupyter.rest.models import model_info, model_record
from convergence_jupyter.store.model_links import LinkPolicy
from convergence_jupyter.store.models import CollectionRepository, ModelRepository
from convergence_jupyter.store.records import DomainRecord

router = Router(
    tag="links",
    description='Links between models: a value {"$ref": {"collection": C, "id": M}} in a '
    "model's data (exactly those keys, non-empty strings). Lists, resolving (data only for a "
    "reader who may read the target), and the per-collection delete policy.",
)

Id = Annotated[str, Field(min_length=1, max_length=MAX_ID)]
DOMAIN = "/domains/{namespace}/{domain}"


class ModelLink(BaseModel):
    path: str = Field(description="JSON Pointer of the link in the model's data.")
    collection: str
    id: str


class ModelLinks(BaseModel):
    links: list[ModelLink]


class Backlink(BaseModel):
    model_id: str
    collection: str
    path: str = Field(description="Where in that model's data the link is.")


class Backlinks(BaseModel):
    backlinks: list[Backlink]


#: The longest ``path`` a resolve request takes (see ``ResolveQuery.path``).
MAX_POINTER = 2048


class ResolveQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: A query string must fit Tornado's request line (64 KiB) even when every character is
    #: percent-encoded; links deeper than 2,048 characters of pointer are read through
    #: ``GET .../links``.
    path: str = Field(max_length=MAX_POINTER, description="JSON Pointer of the link.")
    as_username: str | None = Field(
        None, min_length=1, max_length=255, description="Resolve as this domain user."
    )
    as_type: UserKind = UserKind.NORMAL


class ResolvedLink(BaseModel):
    link: ModelLink
    version: int
    data: dict[str, Any]


class LinkPolicyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: LinkPolicy = Field(description="What deleting a linked-to model of it does.")


@router.get(
    DOMAIN + "/models/{model_id}/links",
    operation_id="listModelLinks",
    summary="The links in a model's data",
    response=ModelLinks,
)
async def list_links(
    ctx: RequestContext, *, namespace: str, domain: str, model_id: Id
) -> ModelLinks:
    record = await ctx.domain(namespace, domain)
    source = await model_record(ctx, record, model_id)
    found = await (await service(ctx, record, ModelService)).links_of(source)
    return ModelLinks(
        links=[ModelLink(path=k.path, collection=k.collection, id=k.model_id) for k in found]
    )


@router.get(
    DOMAIN + "/models/{model_id}/backlinks",
    operation_id="listModelBacklinks",
    summary="The models whose data links to this model",
    response=Backlinks,
)
async def list_backlinks(
    ctx: RequestContext, *, namespace: str, domain: str, model_id: Id
) -> Backlinks:
    record = await ctx.domain(namespace, domain)
    target = await model_record(ctx, record, model_id)
    found = await (await service(ctx, record, ModelService)).backlinks(target)
    return Backlinks(
        backlinks=[
            Backlink(model_id=b.source_id, collection=b.source_collection, path=b.path)
            for b in found
        ]
    )


@router.get(
    DOMAIN + "/models/{model_id}/links/resolve",
    operation_id="resolveModelLink",
    summary="The data of the model a link points to, if the reader may read it",
    response=ResolvedLink,
    query=ResolveQuery,
)
async def resolve_link(
    ctx: RequestContext, *, namespace: str, domain: str, model_id: Id, query: ResolveQuery
) -> ResolvedLink:
    """404 when there is no link at ``path`` or its target does not exist; 403 when the
    reader may not read the target (the response then carries no data of it)."""
    record = await ctx.domain(namespace, domain)
    models = await service(ctx, record, ModelService)
    source = await model_record(ctx, record, model_id)
    link = next((k for k in await models.links_of(source) if k.path == query.path), None)
    if link is None:
        raise ProblemError(404, f"model '{model_id}' has no link at '{query.path}'")
    async with ctx.database.transaction(readonly=True) as tx:
        target = await ModelRepository(tx).get(record.pk, link.model_id)
    if target is None or target.collection_id != link.collection:
        raise ProblemError(404, f"the link's target {link.collection}/{link.model_id} is missing")
    rules = None
    if query.as_username is not None:
        ref = UserRef(username=query.as_username, type=query.as_type)
        reader = (await resolve_users(ctx, record, [ref]))[(ref.type, ref.username)]
        if not await models.may_read(target, reader):
            raise ProblemError(403, "unauthorized: the reader may not read the linked model")
        rules = await models.path_rules_for(target, reader)
    info = await model_info(ctx, record, target.model_id)
    return ResolvedLink(
        link=ModelLink(path=link.path, collection=link.collection, id=link.model_id),
        version=info.version,
        # A reader with path restrictions on the target gets only what it may read.
        data=rules.view_plain(info.data) if rules is not None else info.data,
    )


async def _collection(ctx: RequestContext, domain: DomainRecord, collection_id: str) -> Any:
    async with ctx.database.transaction(readonly=True) as tx:
        found = await CollectionRepository(tx).get(domain.pk, collection_id)
    if found is None:
        raise ProblemError(404, f"there is no collection '{collection_id}'")
    return found


@router.get(
    DOMAIN + "/collections/{collection_id}/link-policy",
    operation_id="getCollectionLinkPolicy",
    summary="What deleting a model of this collection does to the models linking to it",
    response=LinkPolicyBody,
)
async def get_link_policy(
    ctx: RequestContext, *, namespace: str, domain: str, collection_id: Id
) -> LinkPolicyBody:
    record = await ctx.domain(namespace, domain)
    collection = await _collection(ctx, record, collection_id)
    policy = await (await service(ctx, record, ModelService)).link_policy(collection)
    return LinkPolicyBody(policy=policy)


@router.put(
    DOMAIN + "/collections/{collection_id}/link-policy",
    operation_id="setCollectionLinkPolicy",
    summary="Set a collection's link delete policy: nullify, refuse or cascade",
    scope=Scope.ADMIN,
    response=LinkPolicyBody,
    body=LinkPolicyBody,
)
async def set_link_policy(
    ctx: RequestContext, *, namespace: str, domain: str, collection_id: Id, body: LinkPolicyBody
) -> LinkPolicyBody:
    """Applies to deletions from now on."""
    record = await ctx.domain(namespace, domain)
    collection = await _collection(ctx, record, collection_id)
    await (await service(ctx, record, ModelService)).set_link_policy(collection, body.policy)
    return body
