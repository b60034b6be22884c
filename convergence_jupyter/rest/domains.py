"""Domains (tenants): list, create, settings, status and deletion.

Reading is open to the read scope; creating, changing and deleting a domain are admin
operations. Status follows the protocol: ``maintenance`` lets only Convergence (server) users
connect, ``offline`` refuses everyone. A status change applies to new connections; sessions
already connected stay until they are disconnected (see the sessions resource).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from convergence_jupyter.rest.framework import (
    Page,
    PageQuery,
    ProblemError,
    RequestContext,
    Router,
    Scope,
    page_of,
)
from convergence_jupyter.store.domain_tables import DomainStatus
from convergence_jupyter.store.domains import DomainRepository
from convergence_jupyter.store.records import DomainRecord

router = Router(tag="domains", description="Domains (tenants), their settings and status.")

#: A namespace or domain name as a path segment: what the realtime URL can carry.
Segment = Annotated[
    str, StringConstraints(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]
DisplayName = Annotated[str, StringConstraints(min_length=1, max_length=255)]


class Domain(BaseModel):
    namespace: str
    name: str
    display_name: str
    status: DomainStatus
    anonymous_auth: bool
    auto_create_collections: bool
    reconnect_token_minutes: int
    created_at: datetime


class DomainSettings(BaseModel):
    """Settings to change; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    display_name: DisplayName | None = None
    anonymous_auth: bool | None = None
    auto_create_collections: bool | None = None
    reconnect_token_minutes: int | None = Field(None, ge=1, le=525_600)
    status: DomainStatus | None = None


class NewDomain(DomainSettings):
    namespace: Segment
    name: Segment


class DomainStatusReport(BaseModel):
    status: DomainStatus
    #: Sessions connected to this domain on the server process that answered.
    connected_sessions: int
    #: Whether this process has the domain loaded (a runtime with services).
    loaded: bool


class DomainStatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: DomainStatus


def _domain(record: DomainRecord) -> Domain:
    return Domain(
        namespace=record.namespace,
        name=record.name,
        display_name=record.display_name,
        status=record.status,
        anonymous_auth=record.anonymous_auth,
        auto_create_collections=record.auto_create_collections,
        reconnect_token_minutes=record.reconnect_token_minutes,
        created_at=record.created_at,
    )


def _connected(ctx: RequestContext, record: DomainRecord) -> tuple[bool, int]:
    runtime = ctx.realtime.loaded_runtime(record.pk)
    return runtime is not None, 0 if runtime is None else len(runtime.sessions)


@router.get(
    "/domains",
    operation_id="listDomains",
    summary="List domains",
    scope=Scope.READ,
    response=Page[Domain],
    query=PageQuery,
)
async def list_domains(ctx: RequestContext, *, query: PageQuery) -> Page[Domain]:
    """Ordered by namespace, then name."""
    async with ctx.database.transaction(readonly=True) as session:
        records = await DomainRepository(session).list()
    chosen = records[query.offset : query.offset + query.limit]
    return Page[Domain].model_validate(page_of([_domain(r) for r in chosen], len(records), query))


@router.post(
    "/domains",
    operation_id="createDomain",
    summary="Create a domain",
    scope=Scope.ADMIN,
    body=NewDomain,
    response=Domain,
    status=201,
)
async def create_domain(ctx: RequestContext, *, body: NewDomain) -> Domain:
    """A domain with the given settings (defaults otherwise); 409 if it exists."""
    async with ctx.database.transaction() as session:
        domains = DomainRepository(session)
        if await domains.get(body.namespace, body.name) is not None:
            raise ProblemError(409, f"the domain {body.namespace}/{body.name} exists")
        record = await domains.ensure(
            body.namespace,
            body.name,
            display_name=body.display_name,
            anonymous_auth=body.anonymous_auth,
            auto_create_collections=body.auto_create_collections,
            reconnect_token_minutes=body.reconnect_token_minutes,
            status=body.status,
        )
    return _domain(record)


@router.get(
    "/domains/{namespace}/{domain}",
    operation_id="getDomain",
    summary="Show a domain's settings",
    scope=Scope.READ,
    response=Domain,
)
async def get_domain(ctx: RequestContext, *, namespace: str, domain: str) -> Domain:
    return _domain(await ctx.domain(namespace, domain))


@router.patch(
    "/domains/{namespace}/{domain}",
    operation_id="updateDomain",
    summary="Change a domain's settings",
    scope=Scope.ADMIN,
    body=DomainSettings,
    response=Domain,
)
async def update_domain(
    ctx: RequestContext, *, namespace: str, domain: str, body: DomainSettings
) -> Domain:
    record = await ctx.domain(namespace, domain)
    async with ctx.database.transaction() as session:
        updated = await DomainRepository(session).update_config(
            record.pk,
            display_name=body.display_name,
            anonymous_auth=body.anonymous_auth,
            auto_create_collections=body.auto_create_collections,
            reconnect_token_minutes=body.reconnect_token_minutes,
            status=body.status,
        )
    return _domain(updated)


@router.delete(
    "/domains/{namespace}/{domain}",
    operation_id="deleteDomain",
    summary="Delete a domain and everything in it",
    scope=Scope.ADMIN,
)
async def delete_domain(ctx: RequestContext, *, namespace: str, domain: str) -> None:
    """Refused (409) while sessions are connected to it here: take it offline and disconnect
    them first (see the sessions resource)."""
    record = await ctx.domain(namespace, domain)
    _, sessions = _connected(ctx, record)
    if sessions:
        raise ProblemError(
            409,
            f"{sessions} sessions are connected to {namespace}/{domain}; take it offline and "
            "disconnect them first",
        )
    async with ctx.database.transaction() as session:
        await DomainRepository(session).delete(record.pk)


@router.get(
    "/domains/{namespace}/{domain}/status",
    operation_id="getDomainStatus",
    summary="A domain's status and connected sessions",
    scope=Scope.READ,
    response=DomainStatusReport,
)
async def get_domain_status(
    ctx: RequestContext, *, namespace: str, domain: str
) -> DomainStatusReport:
    record = await ctx.domain(namespace, domain)
    loaded, sessions = _connected(ctx, record)
    return DomainStatusReport(status=record.status, connected_sessions=sessions, loaded=loaded)


@router.put(
    "/domains/{namespace}/{domain}/status",
    operation_id="setDomainStatus",
    summary="Set a domain online, in maintenance or offline",
    scope=Scope.ADMIN,
    body=DomainStatusChange,
    response=DomainStatusReport,
)
async def set_domain_status(
    ctx: RequestContext, *, namespace: str, domain: str, body: DomainStatusChange
) -> DomainStatusReport:
    record = await ctx.domain(namespace, domain)
    async with ctx.database.transaction() as session:
        updated = await DomainRepository(session).update_config(record.pk, status=body.status)
    loaded, sessions = _connected(ctx, updated)
    return DomainStatusReport(status=updated.status, connected_sessions=sessions, loaded=loaded)
