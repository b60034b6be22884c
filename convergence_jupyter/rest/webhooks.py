"""Model web hooks over REST: configure a collection's hooks, read their delivery log.

All operations need the admin scope: a hook sends model data to a URL of the caller's choice,
and its secret signs requests. The secret is returned once, by create and by rotate; later
reads show only ``secret_hint``. A URL whose host resolves to an address outside the
allow-list (``ConvergenceApp.webhook_allowed_networks``; by default public addresses only) is
refused with 422 before anything is stored or sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from convergence_jupyter.rest.framework import (
    Page,
    PageQuery,
    ProblemError,
    RequestContext,
    Router,
    Scope,
    page_of,
)
from convergence_jupyter.store.webhooks import DeliveryRecord, WebhookRecord, WebhookSettings
from convergence_jupyter.webhooks.allow_list import TargetRefused
from convergence_jupyter.webhooks.configuration import (
    ATTEMPTS_RANGE,
    DEBOUNCE_RANGE,
    MAX_URL_LENGTH,
    MAX_WAIT_RANGE,
    MIN_SECRET_LENGTH,
    TIMEOUT_RANGE,
    CollectionNotFound,
    ConfigurationError,
    HookNotFound,
    InitHookExists,
    WebhookConfigurator,
)

router = Router(tag="webhooks", description="Model web hooks (init and save) per collection.")

DOMAIN = "/domains/{namespace}/{domain}"
HOOKS = DOMAIN + "/collections/{collection_id}/webhooks"
HOOK = HOOKS + "/{hook_id}"
Id = Annotated[str, Field(min_length=1, max_length=255)]
HookId = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")]
Url = Annotated[str, Field(min_length=1, max_length=MAX_URL_LENGTH)]
Secret = Annotated[str, Field(min_length=MIN_SECRET_LENGTH, max_length=256)]
Debounce = Annotated[float, Field(ge=DEBOUNCE_RANGE[0], le=DEBOUNCE_RANGE[1])]
MaxWait = Annotated[float, Field(ge=MAX_WAIT_RANGE[0], le=MAX_WAIT_RANGE[1])]
Timeout = Annotated[float, Field(ge=TIMEOUT_RANGE[0], le=TIMEOUT_RANGE[1])]
Attempts = Annotated[int, Field(ge=ATTEMPTS_RANGE[0], le=ATTEMPTS_RANGE[1])]
Event = Literal["init", "save"]
Status = Literal["pending", "succeeded", "failed", "refused", "abandoned"]


class Webhook(BaseModel):
    id: str
    collection: str
    url: str
    description: str
    enabled: bool
    events: list[Event]
    debounce_seconds: float
    max_wait_seconds: float
    timeout_seconds: float
    max_attempts: int
    secret_hint: str = Field(description="The secret's last four characters.")
    created_at: datetime
    updated_at: datetime


class WebhookWithSecret(Webhook):
    secret: str = Field(description="Shown only now: verify X-Convergence-Signature with it.")


class NewWebhook(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Url
    events: list[Event] = Field(["save"], min_length=1, max_length=2)
    description: str = Field("", max_length=64 * 1024)
    enabled: bool = True
    debounce_seconds: Debounce = 2.0
    max_wait_seconds: MaxWait = 30.0
    timeout_seconds: Timeout = 5.0
    max_attempts: Attempts = 8
    secret: Secret | None = Field(None, description="Default: a random 256-bit secret.")


class WebhookUpdate(BaseModel):
    """Only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    url: Url | None = None
    events: list[Event] | None = Field(None, min_length=1, max_length=2)
    description: str | None = Field(None, max_length=64 * 1024)
    enabled: bool | None = None
    debounce_seconds: Debounce | None = None
    max_wait_seconds: MaxWait | None = None
    timeout_seconds: Timeout | None = None
    max_attempts: Attempts | None = None


class SecretRotation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    secret: Secret | None = Field(None, description="Default: a random 256-bit secret.")


class Delivery(BaseModel):
    id: str
    hook: str
    event: Event
    model_id: str
    version: int | None
    status: Status
    attempts: int
    response_status: int | None
    error: str | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None


class DeliveryQuery(PageQuery):
    status: Status | None = None
    event: Event | None = None
    model_id: Id | None = None


def _configurator(ctx: RequestContext) -> WebhookConfigurator:
    found = ctx.app_settings.get("convergence_webhooks")
    if not isinstance(found, WebhookConfigurator):
        raise ProblemError(503, "web hooks are not configured on this server")
    return found


def _problem(exc: ConfigurationError | TargetRefused) -> ProblemError:
    if isinstance(exc, CollectionNotFound | HookNotFound):
        return ProblemError(404, str(exc))
    if isinstance(exc, InitHookExists):
        return ProblemError(409, str(exc))
    if isinstance(exc, TargetRefused):
        return ProblemError(422, str(exc), title="Web hook target not allowed")
    return ProblemError(422, str(exc), title="Invalid web hook settings")


def _events(settings: WebhookSettings) -> list[Event]:
    events: list[Event] = []
    if settings.on_init:
        events.append("init")
    if settings.on_save:
        events.append("save")
    return events


def _webhook(record: WebhookRecord) -> dict[str, Any]:
    s = record.settings
    return {
        "id": record.hook_id,
        "collection": record.collection_id,
        "url": s.url,
        "description": s.description,
        "enabled": s.enabled,
        "events": _events(s),
        "debounce_seconds": s.debounce_seconds,
        "max_wait_seconds": s.max_wait_seconds,
        "timeout_seconds": s.timeout_seconds,
        "max_attempts": s.max_attempts,
        "secret_hint": record.secret[-4:],
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def _delivery(record: DeliveryRecord) -> dict[str, Any]:
    return {
        "id": record.delivery_id,
        "hook": record.hook_id,
        "event": record.event,
        "model_id": record.model_id,
        "version": record.version,
        "status": record.status,
        "attempts": record.attempts,
        "response_status": record.response_status,
        "error": record.error,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "completed_at": record.completed_at,
    }


@router.get(
    DOMAIN + "/webhooks",
    operation_id="listDomainWebhooks",
    summary="List the web hooks of every collection of a domain",
    scope=Scope.ADMIN,
    response=Page[Webhook],
    query=PageQuery,
)
async def list_domain_webhooks(
    ctx: RequestContext, *, namespace: str, domain: str, query: PageQuery
) -> dict[str, Any]:
    """Oldest first."""
    record = await ctx.domain(namespace, domain)
    items, total = await _configurator(ctx).page(record.pk, None, query.offset, query.limit)
    return page_of([_webhook(h) for h in items], total, query)


@router.get(
    HOOKS,
    operation_id="listWebhooks",
    summary="List a collection's web hooks",
    scope=Scope.ADMIN,
    response=Page[Webhook],
    query=PageQuery,
)
async def list_webhooks(
    ctx: RequestContext, *, namespace: str, domain: str, collection_id: Id, query: PageQuery
) -> dict[str, Any]:
    """Oldest first."""
    record = await ctx.domain(namespace, domain)
    try:
        items, total = await _configurator(ctx).page(
            record.pk, collection_id, query.offset, query.limit
        )
    except ConfigurationError as exc:
        raise _problem(exc) from None
    return page_of([_webhook(h) for h in items], total, query)


@router.post(
    HOOKS,
    operation_id="createWebhook",
    summary="Add a web hook to a collection",
    scope=Scope.ADMIN,
    response=WebhookWithSecret,
    body=NewWebhook,
    status=201,
)
async def create_webhook(
    ctx: RequestContext, *, namespace: str, domain: str, collection_id: Id, body: NewWebhook
) -> dict[str, Any]:
    """``events``: ``init`` (a client opening a missing model with auto-create gets its data
    from the URL; at most one init hook per collection) and/or ``save`` (the snapshot is
    POSTed after changes settle and when the model is unloaded). The URL is resolved now and
    refused (422) unless every address is allowed. The answer carries the secret, once."""
    record = await ctx.domain(namespace, domain)
    settings = WebhookSettings(
        url=body.url,
        description=body.description,
        enabled=body.enabled,
        on_init="init" in body.events,
        on_save="save" in body.events,
        debounce_seconds=body.debounce_seconds,
        max_wait_seconds=body.max_wait_seconds,
        timeout_seconds=body.timeout_seconds,
        max_attempts=body.max_attempts,
    )
    try:
        hook = await _configurator(ctx).create(record.pk, collection_id, settings, body.secret)
    except (ConfigurationError, TargetRefused) as exc:
        raise _problem(exc) from None
    return {**_webhook(hook), "secret": hook.secret}


@router.get(
    HOOK,
    operation_id="getWebhook",
    summary="Get a web hook",
    scope=Scope.ADMIN,
    response=Webhook,
)
async def get_webhook(
    ctx: RequestContext, *, namespace: str, domain: str, collection_id: Id, hook_id: HookId
) -> dict[str, Any]:
    record = await ctx.domain(namespace, domain)
    try:
        return _webhook(await _configurator(ctx).get(record.pk, collection_id, hook_id))
    except ConfigurationError as exc:
        raise _problem(exc) from None


@router.patch(
    HOOK,
    operation_id="updateWebhook",
    summary="Change a web hook's settings",
    scope=Scope.ADMIN,
    response=Webhook,
    body=WebhookUpdate,
)
async def update_webhook(
    ctx: RequestContext,
    *,
    namespace: str,
    domain: str,
    collection_id: Id,
    hook_id: HookId,
    body: WebhookUpdate,
) -> dict[str, Any]:
    """Only the fields given change; a new URL is checked like a new hook's. Every save from
    now on uses the new settings (one already being retried finishes with the old ones)."""
    record = await ctx.domain(namespace, domain)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True, exclude={"events"})
    if any(v is None for v in changes.values()):
        raise ProblemError(400, "settings cannot be null; leave them out to keep them")
    if body.events is not None:
        changes["on_init"] = "init" in body.events
        changes["on_save"] = "save" in body.events
    try:
        hook = await _configurator(ctx).update(record.pk, collection_id, hook_id, changes)
    except (ConfigurationError, TargetRefused) as exc:
        raise _problem(exc) from None
    return _webhook(hook)


@router.delete(
    HOOK,
    operation_id="deleteWebhook",
    summary="Remove a web hook (and its delivery log)",
    scope=Scope.ADMIN,
)
async def delete_webhook(
    ctx: RequestContext, *, namespace: str, domain: str, collection_id: Id, hook_id: HookId
) -> None:
    record = await ctx.domain(namespace, domain)
    try:
        await _configurator(ctx).delete(record.pk, collection_id, hook_id)
    except ConfigurationError as exc:
        raise _problem(exc) from None


@router.post(
    HOOK + "/secret",
    operation_id="rotateWebhookSecret",
    summary="Replace a web hook's secret",
    scope=Scope.ADMIN,
    response=WebhookWithSecret,
    body=SecretRotation,
)
async def rotate_webhook_secret(
    ctx: RequestContext,
    *,
    namespace: str,
    domain: str,
    collection_id: Id,
    hook_id: HookId,
    body: SecretRotation,
) -> dict[str, Any]:
    """Requests from now on are signed with the new secret (shown once, in this answer)."""
    record = await ctx.domain(namespace, domain)
    try:
        hook = await _configurator(ctx).rotate_secret(
            record.pk, collection_id, hook_id, body.secret
        )
    except ConfigurationError as exc:
        raise _problem(exc) from None
    return {**_webhook(hook), "secret": hook.secret}


@router.get(
    HOOK + "/deliveries",
    operation_id="listWebhookDeliveries",
    summary="A web hook's delivery log",
    scope=Scope.ADMIN,
    response=Page[Delivery],
    query=DeliveryQuery,
)
async def list_webhook_deliveries(
    ctx: RequestContext,
    *,
    namespace: str,
    domain: str,
    collection_id: Id,
    hook_id: HookId,
    query: DeliveryQuery,
) -> dict[str, Any]:
    """Newest first: one entry per delivery (retries of it counted in ``attempts``, with the
    last HTTP status and error). ``pending`` is still being attempted, ``abandoned`` was
    outstanding when the server stopped."""
    record = await ctx.domain(namespace, domain)
    try:
        items, total = await _configurator(ctx).deliveries(
            record.pk,
            collection_id,
            hook_id,
            query.offset,
            query.limit,
            status=query.status,
            event=query.event,
            model_id=query.model_id,
        )
    except ConfigurationError as exc:
        raise _problem(exc) from None
    return page_of([_delivery(d) for d in items], total, query)
