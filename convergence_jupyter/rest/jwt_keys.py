"""A domain's JWT verification keys (RSA public keys, PEM): admin scope throughout.

A key verifies the JWTs whose header ``kid`` equals its ``key_id``; a disabled key verifies
nothing. The PEM is parsed when it is set, so a bad key is refused here (400), not at the next
login. Only public keys are ever accepted or shown.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from convergence_jupyter.auth.keys import validate_public_key_pem
from convergence_jupyter.rest.framework import (
    Page,
    PageQuery,
    ProblemError,
    RequestContext,
    Router,
    Scope,
    page_of,
)
from convergence_jupyter.store.jwt_keys import JwtKeyRepository
from convergence_jupyter.store.records import DomainRecord, JwtKeyRecord

router = Router(tag="jwt-keys", description="JWT verification keys of a domain (admin).")

KeyId = Annotated[
    str, StringConstraints(min_length=1, max_length=255, pattern=r"^[^/\x00-\x1f\x7f]+$")
]
Pem = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
Description = Annotated[str, StringConstraints(max_length=10_000)]


class JwtKey(BaseModel):
    key_id: str
    description: str
    public_key_pem: str
    enabled: bool
    updated_at: datetime


class NewJwtKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key_id: KeyId
    public_key_pem: Pem
    description: Description = ""
    enabled: bool = True


class JwtKeyChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")

    public_key_pem: Pem | None = None
    description: Description | None = None
    enabled: bool | None = None


def _key(record: JwtKeyRecord) -> JwtKey:
    return JwtKey(
        key_id=record.key_id,
        description=record.description,
        public_key_pem=record.public_key_pem,
        enabled=record.enabled,
        updated_at=record.updated_at,
    )


def _checked(pem: str) -> str:
    try:
        validate_public_key_pem(pem)
    except ValueError as exc:
        raise ProblemError(400, str(exc)) from exc
    return pem


async def _find(ctx: RequestContext, domain: DomainRecord, key_id: str) -> JwtKeyRecord:
    async with ctx.database.transaction(readonly=True) as session:
        record = await JwtKeyRepository(session).get(domain.pk, key_id)
    if record is None:
        raise ProblemError(404, f"there is no JWT key {key_id!r}")
    return record


@router.get(
    "/domains/{namespace}/{domain}/jwt-keys",
    operation_id="listJwtKeys",
    summary="List a domain's JWT keys",
    scope=Scope.ADMIN,
    response=Page[JwtKey],
    query=PageQuery,
)
async def list_jwt_keys(
    ctx: RequestContext, *, namespace: str, domain: str, query: PageQuery
) -> Page[JwtKey]:
    record = await ctx.domain(namespace, domain)
    async with ctx.database.transaction(readonly=True) as session:
        keys = await JwtKeyRepository(session).list(record.pk)
    chosen = keys[query.offset : query.offset + query.limit]
    return Page[JwtKey].model_validate(page_of([_key(k) for k in chosen], len(keys), query))


@router.post(
    "/domains/{namespace}/{domain}/jwt-keys",
    operation_id="createJwtKey",
    summary="Register a JWT key",
    scope=Scope.ADMIN,
    body=NewJwtKey,
    response=JwtKey,
    status=201,
)
async def create_jwt_key(
    ctx: RequestContext, *, namespace: str, domain: str, body: NewJwtKey
) -> JwtKey:
    """400 unless the PEM is an RSA public key; 409 if the key id is taken."""
    record = await ctx.domain(namespace, domain)
    pem = _checked(body.public_key_pem)
    async with ctx.database.transaction() as session:
        keys = JwtKeyRepository(session)
        if await keys.get(record.pk, body.key_id) is not None:
            raise ProblemError(409, f"the JWT key {body.key_id!r} exists")
        created = await keys.put(
            record.pk, body.key_id, pem, description=body.description, enabled=body.enabled
        )
    return _key(created)


@router.get(
    "/domains/{namespace}/{domain}/jwt-keys/{key_id}",
    operation_id="getJwtKey",
    summary="Show a JWT key",
    scope=Scope.ADMIN,
    response=JwtKey,
)
async def get_jwt_key(ctx: RequestContext, *, namespace: str, domain: str, key_id: str) -> JwtKey:
    return _key(await _find(ctx, await ctx.domain(namespace, domain), key_id))


@router.patch(
    "/domains/{namespace}/{domain}/jwt-keys/{key_id}",
    operation_id="updateJwtKey",
    summary="Replace a JWT key's PEM, description or enabled flag",
    scope=Scope.ADMIN,
    body=JwtKeyChanges,
    response=JwtKey,
)
async def update_jwt_key(
    ctx: RequestContext, *, namespace: str, domain: str, key_id: str, body: JwtKeyChanges
) -> JwtKey:
    record = await ctx.domain(namespace, domain)
    current = await _find(ctx, record, key_id)
    pem = current.public_key_pem if body.public_key_pem is None else _checked(body.public_key_pem)
    async with ctx.database.transaction() as session:
        updated = await JwtKeyRepository(session).put(
            record.pk,
            key_id,
            pem,
            description=current.description if body.description is None else body.description,
            enabled=current.enabled if body.enabled is None else body.enabled,
        )
    return _key(updated)


@router.delete(
    "/domains/{namespace}/{domain}/jwt-keys/{key_id}",
    operation_id="deleteJwtKey",
    summary="Remove a JWT key",
    scope=Scope.ADMIN,
)
async def delete_jwt_key(ctx: RequestContext, *, namespace: str, domain: str, key_id: str) -> None:
    record = await ctx.domain(namespace, domain)
    async with ctx.database.transaction() as session:
        if not await JwtKeyRepository(session).delete(record.pk, key_id):
            raise ProblemError(404, f"there is no JWT key {key_id!r}")
