"""User API keys: create (the key is shown once), list, show and revoke.

Everyone manages their own keys; the admin scope is needed to see or revoke other people's.
A new key never gets more than its creator has: a write key can mint read or write keys, not
admin ones. Revocation deletes the row, and every request reads it, so it takes effect at once
on every server process.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from convergence_jupyter.auth.api_keys import ApiKeyVerifier
from convergence_jupyter.rest.framework import (
    Page,
    PageQuery,
    ProblemError,
    RequestContext,
    Router,
    Scope,
    page_of,
)
from convergence_jupyter.store.api_keys import ApiKeyRecord, ApiKeyRepository
from convergence_jupyter.store.base import utcnow

router = Router(tag="api-keys", description="User API keys for `Authorization: Bearer`.")

DEFAULT_LIFETIME = timedelta(days=90)
LONGEST_LIFETIME = timedelta(days=3650)
KeyName = Annotated[
    str, StringConstraints(min_length=1, max_length=255, pattern=r"^[^\x00-\x1f\x7f]+$")
]
KeyId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]


class ApiKey(BaseModel):
    """A key as listed: never the key itself (it is not stored)."""

    key_id: str
    owner: str
    name: str
    scopes: list[Scope]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None


class CreatedApiKey(ApiKey):
    key: str = Field(description="The bearer token. Shown only in this response: keep it.")


class NewApiKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: KeyName = Field(description="Unique among the owner's keys.")
    scopes: list[Scope] = Field(
        default_factory=lambda: [Scope.READ],
        min_length=1,
        max_length=3,
        description="read, write and/or admin (admin implies write implies read).",
    )
    expires_at: AwareDatetime | None = Field(
        None, description="When the key stops working (default: in 90 days; at most 10 years)."
    )


class ApiKeyQuery(PageQuery):
    owner: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = Field(
        None, description="Whose keys (admin scope for anyone but yourself)."
    )
    all_owners: bool = Field(False, description="Everybody's keys (admin scope).")


def _info(record: ApiKeyRecord) -> ApiKey:
    return ApiKey(
        key_id=record.key_id,
        owner=record.owner,
        name=record.name,
        scopes=[Scope(s) for s in record.scopes],
        created_at=record.created_at,
        expires_at=record.expires_at,
        last_used_at=record.last_used_at,
    )


def _verifier(ctx: RequestContext) -> ApiKeyVerifier:
    return ApiKeyVerifier(ctx.database)


async def _visible(ctx: RequestContext, key_id: str) -> ApiKeyRecord:
    """The key if it is the caller's, or any key for an admin; else 404 (existence stays hidden)."""
    async with ctx.database.transaction(readonly=True) as session:
        record = await ApiKeyRepository(session).get(key_id)
    if record is None or (
        record.owner != ctx.principal.username and not ctx.principal.has(Scope.ADMIN)
    ):
        raise ProblemError(404, f"there is no API key {key_id} of yours")
    return record


@router.get(
    "/api-keys",
    operation_id="listApiKeys",
    summary="List API keys (your own; anyone's with admin scope)",
    scope=Scope.READ,
    response=Page[ApiKey],
    query=ApiKeyQuery,
)
async def list_api_keys(ctx: RequestContext, *, query: ApiKeyQuery) -> Page[ApiKey]:
    """Newest first. The keys themselves are never shown again after creation."""
    owner: str | None = query.owner or ctx.principal.username
    if query.all_owners:
        owner = None
    if owner != ctx.principal.username:
        ctx.require(Scope.ADMIN)
    async with ctx.database.transaction(readonly=True) as session:
        records, total = await ApiKeyRepository(session).list(
            owner, offset=query.offset, limit=query.limit
        )
    return Page[ApiKey].model_validate(page_of([_info(r) for r in records], total, query))


@router.post(
    "/api-keys",
    operation_id="createApiKey",
    summary="Create an API key for yourself (shown once)",
    scope=Scope.WRITE,
    body=NewApiKey,
    response=CreatedApiKey,
    status=201,
)
async def create_api_key(ctx: RequestContext, *, body: NewApiKey) -> CreatedApiKey:
    """The response holds the key; only its hash is stored, so it cannot be shown again.

    A key's scopes cannot exceed the caller's own (403 otherwise); a name already used by one
    of your keys is a 409.
    """
    scopes = frozenset(body.scopes)
    beyond = sorted(s.value for s in scopes if not ctx.principal.has(s))
    if beyond:
        raise ProblemError(403, f"you cannot grant scopes you do not have: {', '.join(beyond)}")
    now = utcnow()
    expires_at = body.expires_at or now + DEFAULT_LIFETIME
    if expires_at <= now:
        raise ProblemError(400, "expires_at must be in the future")
    if expires_at > now + LONGEST_LIFETIME:
        raise ProblemError(400, "expires_at must be at most 10 years ahead")
    minted = await _verifier(ctx).mint(ctx.principal.username, body.name, scopes, expires_at)
    return CreatedApiKey(**_info(minted.record).model_dump(), key=minted.token)


@router.get(
    "/api-keys/{key_id}",
    operation_id="getApiKey",
    summary="Show one API key (not the key itself)",
    scope=Scope.READ,
    response=ApiKey,
)
async def get_api_key(ctx: RequestContext, *, key_id: KeyId) -> ApiKey:
    return _info(await _visible(ctx, key_id))


@router.delete(
    "/api-keys/{key_id}",
    operation_id="revokeApiKey",
    summary="Revoke an API key (at once, on every server process)",
    scope=Scope.READ,
)
async def revoke_api_key(ctx: RequestContext, *, key_id: KeyId) -> None:
    """Needs the write scope, except that any key may revoke itself (a holder of a leaked
    read-only key can always kill it)."""
    if ctx.principal.api_key_id != key_id:
        ctx.require(Scope.WRITE)
    await _visible(ctx, key_id)
    async with ctx.database.transaction() as session:
        if not await ApiKeyRepository(session).delete(key_id):
            raise ProblemError(404, f"there is no API key {key_id}")
