"""Creating, changing and removing web hooks: the checks every configuration goes through.

The REST API (``rest/webhooks.py``) calls this; nothing else writes hooks. A URL is checked
against the allow-list *now*, host name resolved (a disallowed target is refused here, with a
message for the operator, before any request is ever sent to it); deliveries check again.
A collection has at most one init hook (two receivers could answer differently).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from typing import Any

from convergence_jupyter.store.database import Database
from convergence_jupyter.store.models import CollectionRepository
from convergence_jupyter.store.webhooks import (
    SETTING_NAMES,
    DeliveryRecord,
    DeliveryRepository,
    WebhookRecord,
    WebhookRepository,
    WebhookSettings,
)
from convergence_jupyter.webhooks.allow_list import TargetPolicy
from convergence_jupyter.webhooks.lifecycle import WebhookDispatcher
from convergence_jupyter.webhooks.signing import new_secret

#: Bounds of the per-hook settings (the REST schema uses the same numbers).
DEBOUNCE_RANGE = (0.05, 3600.0)
MAX_WAIT_RANGE = (0.05, 86400.0)
TIMEOUT_RANGE = (0.5, 60.0)
ATTEMPTS_RANGE = (1, 100)
MAX_URL_LENGTH = 2048
MIN_SECRET_LENGTH = 16


class ConfigurationError(Exception):
    """Base of the errors below; ``str()`` is the message for the caller."""


class CollectionNotFound(ConfigurationError):
    pass


class HookNotFound(ConfigurationError):
    pass


class InitHookExists(ConfigurationError):
    pass


class InvalidSettings(ConfigurationError):
    pass


def _check_bounds(settings: WebhookSettings) -> None:
    def within(name: str, value: float, bounds: tuple[float, float]) -> None:
        if not bounds[0] <= value <= bounds[1]:
            raise InvalidSettings(f"{name} must be between {bounds[0]} and {bounds[1]}")

    within("debounce_seconds", settings.debounce_seconds, DEBOUNCE_RANGE)
    within("max_wait_seconds", settings.max_wait_seconds, MAX_WAIT_RANGE)
    within("timeout_seconds", settings.timeout_seconds, TIMEOUT_RANGE)
    within("max_attempts", settings.max_attempts, ATTEMPTS_RANGE)
    if settings.max_wait_seconds < settings.debounce_seconds:
        raise InvalidSettings("max_wait_seconds must not be shorter than debounce_seconds")
    if not (settings.on_init or settings.on_save):
        raise InvalidSettings("a web hook needs at least one event (init or save)")
    if len(settings.url) > MAX_URL_LENGTH:
        raise InvalidSettings(f"the URL is longer than {MAX_URL_LENGTH} characters")


class WebhookConfigurator:
    """Hook administration for one server; ``TargetRefused`` (allow_list) and the
    :class:`ConfigurationError` subclasses are its refusals."""

    def __init__(
        self, database: Database, policy: TargetPolicy, dispatcher: WebhookDispatcher
    ) -> None:
        self._db = database
        self.policy = policy
        self._dispatcher = dispatcher

    async def _collection_pk(self, tx: Any, domain_pk: int, collection_id: str) -> int:
        collection = await CollectionRepository(tx).get(domain_pk, collection_id)
        if collection is None:
            raise CollectionNotFound(f"no collection '{collection_id}'")
        return collection.pk

    async def create(
        self,
        domain_pk: int,
        collection_id: str,
        settings: WebhookSettings,
        secret: str | None = None,
    ) -> WebhookRecord:
        """A new hook; its record carries the secret (show it once to the caller)."""
        _check_bounds(settings)
        if secret is not None and len(secret) < MIN_SECRET_LENGTH:
            raise InvalidSettings(f"a secret needs at least {MIN_SECRET_LENGTH} characters")
        self.policy.parse(settings.url)  # syntax first, then the cheap look-up, then DNS
        async with self._db.transaction(readonly=True) as tx:
            await self._collection_pk(tx, domain_pk, collection_id)
        await self.policy.check(settings.url)
        async with self._db.transaction() as tx:
            collection_pk = await self._collection_pk(tx, domain_pk, collection_id)
            hooks = WebhookRepository(tx)
            if settings.on_init and await hooks.other_init_hook(collection_pk):
                raise InitHookExists(f"collection '{collection_id}' already has an init web hook")
            record = await hooks.create(
                domain_pk, collection_pk, uuid.uuid4().hex, secret or new_secret(), settings
            )
        self._dispatcher.invalidate(domain_pk, collection_id)
        return record

    async def get(self, domain_pk: int, collection_id: str | None, hook_id: str) -> WebhookRecord:
        async with self._db.transaction(readonly=True) as tx:
            record = await WebhookRepository(tx).get(domain_pk, hook_id)
        if record is None or (collection_id is not None and record.collection_id != collection_id):
            raise HookNotFound(f"no web hook '{hook_id}'")
        return record

    async def page(
        self, domain_pk: int, collection_id: str | None, offset: int, limit: int
    ) -> tuple[list[WebhookRecord], int]:
        async with self._db.transaction(readonly=True) as tx:
            collection_pk = None
            if collection_id is not None:
                collection_pk = await self._collection_pk(tx, domain_pk, collection_id)
            return await WebhookRepository(tx).page(domain_pk, collection_pk, offset, limit)

    async def update(
        self, domain_pk: int, collection_id: str, hook_id: str, changes: Mapping[str, Any]
    ) -> WebhookRecord:
        """Change some settings; a new URL is checked like a new hook's."""
        unknown = set(changes) - set(SETTING_NAMES)
        if unknown:
            raise InvalidSettings(f"unknown settings: {sorted(unknown)}")
        current = await self.get(domain_pk, collection_id, hook_id)
        merged = dataclasses.replace(current.settings, **changes)
        _check_bounds(merged)
        if "url" in changes:
            await self.policy.check(merged.url)
        async with self._db.transaction() as tx:
            hooks = WebhookRepository(tx)
            if merged.on_init and await hooks.other_init_hook(current.collection_pk, current.pk):
                raise InitHookExists(f"collection '{collection_id}' already has an init web hook")
            await hooks.update(current.pk, dict(changes))
        self._dispatcher.invalidate(domain_pk, collection_id)
        return await self.get(domain_pk, collection_id, hook_id)

    async def rotate_secret(
        self, domain_pk: int, collection_id: str, hook_id: str, secret: str | None = None
    ) -> WebhookRecord:
        if secret is not None and len(secret) < MIN_SECRET_LENGTH:
            raise InvalidSettings(f"a secret needs at least {MIN_SECRET_LENGTH} characters")
        current = await self.get(domain_pk, collection_id, hook_id)
        async with self._db.transaction() as tx:
            await WebhookRepository(tx).update(current.pk, {"secret": secret or new_secret()})
        self._dispatcher.invalidate(domain_pk, collection_id)
        return await self.get(domain_pk, collection_id, hook_id)

    async def delete(self, domain_pk: int, collection_id: str, hook_id: str) -> None:
        await self.get(domain_pk, collection_id, hook_id)
        async with self._db.transaction() as tx:
            await WebhookRepository(tx).delete(domain_pk, hook_id)
        self._dispatcher.invalidate(domain_pk, collection_id)

    async def deliveries(
        self,
        domain_pk: int,
        collection_id: str,
        hook_id: str,
        offset: int,
        limit: int,
        *,
        status: str | None = None,
        event: str | None = None,
        model_id: str | None = None,
    ) -> tuple[list[DeliveryRecord], int]:
        hook = await self.get(domain_pk, collection_id, hook_id)
        async with self._db.transaction(readonly=True) as tx:
            return await DeliveryRepository(tx).page(
                hook.pk, offset, limit, status=status, event=event, model_id=model_id
            )
