"""The web hooks as the model service's lifecycle observer: init on a missing model, debounced
saves after changes, a final save at unload, and an orderly shutdown.

Why editing never waits for a receiver: the model service only *tells* this object that a
model changed (after the durable commit, off the commit path); everything else happens in
background tasks here. A save reads the model's snapshot from the database at each attempt
(its stored snapshot plus the op tail after it), so a retry after an outage sends the
*latest* state and no op can be missing from it; saves of one (hook, model) never overlap.

Debounce (per hook): a save starts ``debounce_seconds`` after the last change, but no later
than ``max_wait_seconds`` after the first unsaved one, so steady typing still saves. At unload
the pending save starts at once. A save that would send a version the receiver already got
is skipped. At shutdown pending saves get one attempt within the grace period; what is still
outstanding is recorded in the delivery log as ``abandoned``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from convergence_jupyter import ot
from convergence_jupyter.models import snapshots
from convergence_jupyter.models.lifecycle import ModelInitFailed, ModelRef
from convergence_jupyter.models.persistence import snapshot_from_json
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.models import ModelRepository
from convergence_jupyter.store.webhooks import DeliveryRepository, WebhookRecord, WebhookRepository
from convergence_jupyter.webhooks import payloads
from convergence_jupyter.webhooks.delivery import Attempt, Backoff, Sender

log = logging.getLogger(__name__)

#: How long the hook list of a collection is reused before it is read again (configuration
#: changes through this process invalidate it at once).
HOOK_CACHE_SECONDS = 5.0
#: Init attempts are few and quick: the client's open request is waiting.
_INIT_ATTEMPTS = 3
_INIT_RETRY_DELAY = 0.25
_SHUTDOWN_NOTE = "the server shut down before this delivery completed"

_ModelKey = tuple[int, str]


@dataclass(eq=False)
class _Slot:
    """The saves of one hook for one model."""

    hook: WebhookRecord
    model: ModelRef
    #: Loop time of the oldest change not yet picked up by a save (None: nothing owed).
    first_change: float | None = None
    timer: asyncio.TimerHandle | None = None
    task: asyncio.Task[None] | None = None
    #: Changed (or flushed) while the task ran: save again when it ends.
    again: bool = False
    urgent: bool = False
    #: Newest version this hook is known to have received (None: not looked up yet).
    delivered: int | None = None
    #: The delivery row of the save in progress.
    delivery_pk: int | None = None

    @property
    def busy(self) -> bool:
        return self.timer is not None or self.task is not None or self.first_change is not None


@dataclass(eq=False)
class _Entry:
    """One model with saves owed or running; ``slots`` is None while its hooks load."""

    model: ModelRef
    slots: list[_Slot] | None = None
    changed: bool = False
    flush: bool = False
    loader: asyncio.Task[None] | None = None


@dataclass
class _Cached:
    expires: float
    hooks: list[WebhookRecord] = field(default_factory=list)


class WebhookDispatcher:
    """Implements ``models.lifecycle.ModelLifecycleObserver`` with the stored web hooks."""

    def __init__(
        self,
        database: Database,
        sender: Sender,
        *,
        backoff: Backoff | None = None,
        log_size: int = 1000,
        shutdown_grace: float = 5.0,
    ) -> None:
        self._db = database
        self._sender = sender
        self._backoff = backoff or Backoff()
        self._log_size = log_size
        self._grace = shutdown_grace
        self._entries: dict[_ModelKey, _Entry] = {}
        self._cache: dict[tuple[int, str], _Cached] = {}
        self._inits: dict[_ModelKey, asyncio.Future[ot.ObjectValue | None]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._starts = 0
        self._closing = False

    # -- hooks of a collection -----------------------------------------------------------------

    async def _hooks(self, model: ModelRef) -> list[WebhookRecord]:
        key = (model.domain_pk, model.collection_id)
        now = asyncio.get_running_loop().time()
        cached = self._cache.get(key)
        if cached is not None and cached.expires > now:
            return cached.hooks
        async with self._db.transaction(readonly=True) as tx:
            hooks = await WebhookRepository(tx).for_collection(model.domain_pk, model.collection_id)
        self._cache[key] = _Cached(now + HOOK_CACHE_SECONDS, hooks)
        return hooks

    def invalidate(self, domain_pk: int, collection_id: str) -> None:
        """A hook of this collection was configured: read the hooks again on next use, and
        let saves in progress finish with the settings they started with."""
        self._cache.pop((domain_pk, collection_id), None)

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- init ------------------------------------------------------------------------------------

    async def model_missing(self, model: ModelRef) -> ot.ObjectValue | None:
        if self._closing:
            raise ModelInitFailed("the server is shutting down")
        key = (model.domain_pk, model.model_id)
        running = self._inits.get(key)
        if running is not None:  # another client opens the same missing model
            return await asyncio.shield(running)
        future: asyncio.Future[ot.ObjectValue | None] = asyncio.get_running_loop().create_future()
        self._inits[key] = future
        try:
            result = await self._init_if_hooked(model)
            future.set_result(result)
            return result
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it
            raise
        finally:
            self._inits.pop(key, None)

    async def _init_if_hooked(self, model: ModelRef) -> ot.ObjectValue | None:
        try:
            hooks = await self._hooks(model)
        except Exception:
            log.exception("web hooks: could not read the hooks of %s", model.collection_id)
            raise ModelInitFailed("the collection's web hooks could not be read") from None
        hook = next((h for h in hooks if h.settings.on_init), None)
        return None if hook is None else await self._init(hook, model)

    async def _init(self, hook: WebhookRecord, model: ModelRef) -> ot.ObjectValue | None:
        loop = asyncio.get_running_loop()
        delivery_id = uuid.uuid4().hex
        pk = await self._start(hook, delivery_id, "init", model.model_id, None)
        body = payloads.init_body(hook.hook_id, delivery_id, model)
        deadline = loop.time() + hook.settings.timeout_seconds
        what = f"the init web hook of collection '{model.collection_id}'"
        attempts = 0
        while True:
            attempts += 1
            remaining = max(0.05, deadline - loop.time())
            result = await self._post(hook, "init", delivery_id, body, remaining)
            if result.ok or result.status in (404, 410):
                root: ot.ObjectValue | None = None
                if result.status == 200 and result.body.strip():
                    try:
                        root = payloads.parse_init_answer(result.body)
                    except payloads.InvalidInitAnswer as exc:
                        await self._record(pk, "failed", attempts, result.status, str(exc))
                        raise ModelInitFailed(f"{what} gave an invalid answer: {exc}") from None
                note = None if root is not None else "unknown to the receiver: client data used"
                await self._record(pk, "succeeded", attempts, result.status, note)
                return root
            if result.refused:
                await self._record(pk, "refused", attempts, None, result.error)
                raise ModelInitFailed(f"{what} points to an address that is not allowed")
            delay = _INIT_RETRY_DELAY * 2 ** (attempts - 1)
            more = attempts < min(_INIT_ATTEMPTS, hook.settings.max_attempts)
            if result.retryable and more and loop.time() + delay < deadline:
                await self._record(pk, "pending", attempts, result.status, result.error)
                await asyncio.sleep(delay)
                continue
            await self._record(pk, "failed", attempts, result.status, result.error)
            reason = result.error or "no answer"
            raise ModelInitFailed(f"{what} failed ({reason}); the model was not created")

    # -- saves -----------------------------------------------------------------------------------

    def _surely_unhooked(self, model: ModelRef) -> bool:
        """True when the (fresh) cached hook list has no save hook: the hot path of a server
        without web hooks costs one dict look-up per committed batch."""
        key = (model.domain_pk, model.model_id)
        if key in self._entries:
            return False
        cached = self._cache.get((model.domain_pk, model.collection_id))
        return (
            cached is not None
            and cached.expires > asyncio.get_running_loop().time()
            and not any(h.settings.on_save for h in cached.hooks)
        )

    def model_changed(self, model: ModelRef, version: int) -> None:
        if self._closing or self._surely_unhooked(model):
            return  # (closing: ModelService.close ran before us; close() flushes what is owed)
        entry = self._entry(model)
        entry.changed = True
        if entry.slots is not None:
            for slot in entry.slots:
                self._arm(slot)

    def model_unloading(self, model: ModelRef) -> None:
        if self._surely_unhooked(model):
            return
        entry = self._entry(model)
        entry.flush = True
        if entry.slots is not None:
            for slot in entry.slots:
                self._flush(slot)

    def _entry(self, model: ModelRef) -> _Entry:
        key = (model.domain_pk, model.model_id)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry(model)
            entry.loader = self._spawn(self._load(key, entry))
        return entry

    async def _load(self, key: _ModelKey, entry: _Entry) -> None:
        try:
            hooks = await self._hooks(entry.model)
        except Exception:
            log.exception("web hooks: could not read the hooks of %s", entry.model.collection_id)
            hooks = []
        entry.slots = [_Slot(h, entry.model) for h in hooks if h.settings.on_save]
        entry.loader = None
        if not entry.slots:
            self._entries.pop(key, None)
            return
        for slot in entry.slots:
            if entry.flush or self._closing:
                self._flush(slot)
            elif entry.changed:
                self._arm(slot)

    def _arm(self, slot: _Slot) -> None:
        loop = asyncio.get_running_loop()
        if slot.task is not None:
            slot.again = True
            return
        now = loop.time()
        if slot.first_change is None:
            slot.first_change = now
        settings = slot.hook.settings
        delay = max(
            0.0, min(settings.debounce_seconds, slot.first_change + settings.max_wait_seconds - now)
        )
        if slot.timer is not None:
            slot.timer.cancel()
        slot.timer = loop.call_later(delay, self._fire, slot)

    def _flush(self, slot: _Slot) -> None:
        if slot.task is not None:
            slot.again = slot.urgent = True
            return
        if slot.first_change is None:
            slot.first_change = asyncio.get_running_loop().time()
        self._fire(slot)

    def _fire(self, slot: _Slot) -> None:
        if slot.timer is not None:
            slot.timer.cancel()
            slot.timer = None
        if slot.task is not None:
            slot.again = True
            return
        slot.first_change = None
        slot.task = self._spawn(self._save(slot))

    async def _save(self, slot: _Slot) -> None:
        try:
            while True:
                delivered = False
                try:
                    delivered = await self._deliver_save(slot)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("web hooks: save of %s failed unexpectedly", slot.model.model_id)
                if not (self._closing and slot.again and delivered):
                    break
                # Changed while this save ran and the server is stopping: the newest state,
                # now, inside the grace period close() is waiting out. (After a failed save
                # the abandoned entry already records that the receiver is behind.)
                slot.again = slot.urgent = False
                slot.delivery_pk = None
        finally:
            slot.task = None
            slot.delivery_pk = None
        if slot.again and not self._closing:
            slot.again = False
            if slot.urgent:
                slot.urgent = False
                self._flush(slot)
            else:
                self._arm(slot)
        self._forget_if_idle(slot.model)

    def _forget_if_idle(self, model: ModelRef) -> None:
        key = (model.domain_pk, model.model_id)
        entry = self._entries.get(key)
        if entry is not None and entry.slots is not None and not any(s.busy for s in entry.slots):
            del self._entries[key]

    async def _snapshot(self, model: ModelRef) -> payloads.Snapshot | None:
        async with self._db.transaction(readonly=True) as tx:
            record = await ModelRepository(tx).get(model.domain_pk, model.model_id)
            if record is None:
                return None
            # The stored snapshot plus the op tail after it (the snapshot is written behind).
            record = await snapshots.current(tx, record)
        data = ot.to_plain(snapshot_from_json(record.data))
        return payloads.Snapshot(model, record.version, record.created_at, record.modified_at, data)

    async def _deliver_save(self, slot: _Slot) -> bool:
        """One save (with its retries); True if the receiver has the snapshot now."""
        # Each save uses the hook as configured now (URL, secret, timeouts): a change or
        # rotation applies from the next save on, and a deleted or disabled hook stops.
        async with self._db.transaction(readonly=True) as tx:
            fresh = await WebhookRepository(tx).get(slot.hook.domain_pk, slot.hook.hook_id)
        if fresh is None or not fresh.settings.enabled or not fresh.settings.on_save:
            return False
        slot.hook = fresh
        hook, model = fresh, slot.model
        snapshot = await self._snapshot(model)
        if snapshot is None:
            return False  # deleted: there is nothing to save
        if slot.delivered is None:
            async with self._db.transaction(readonly=True) as tx:
                last = await DeliveryRepository(tx).last_delivered_version(hook.pk, model.model_id)
            slot.delivered = -1 if last is None else last
        if snapshot.version <= slot.delivered:
            return True  # the receiver has it already
        delivery_id = uuid.uuid4().hex
        pk = slot.delivery_pk = await self._start(
            hook, delivery_id, "save", model.model_id, snapshot.version
        )
        attempts = 0
        while True:
            attempts += 1
            body = payloads.save_body(hook.hook_id, delivery_id, snapshot)
            result = await self._post(
                hook, "save", delivery_id, body, hook.settings.timeout_seconds
            )
            version = snapshot.version
            if result.ok:
                await self._record(pk, "succeeded", attempts, result.status, None, version)
                slot.delivered = max(slot.delivered, version)
                return True
            if result.refused:
                await self._record(pk, "refused", attempts, None, result.error, version)
                return False
            if not result.retryable or attempts >= hook.settings.max_attempts:
                await self._record(pk, "failed", attempts, result.status, result.error, version)
                return False
            if self._closing:
                note = f"{result.error}; {_SHUTDOWN_NOTE}"
                await self._record(pk, "abandoned", attempts, result.status, note, version)
                return False
            await self._record(pk, "pending", attempts, result.status, result.error, version)
            await asyncio.sleep(self._backoff.delay(attempts))
            latest = await self._snapshot(model)  # the latest snapshot wins
            if latest is None:
                await self._record(pk, "failed", attempts, None, "the model was deleted")
                return False
            snapshot = latest

    # -- the delivery log ------------------------------------------------------------------------

    async def _post(
        self, hook: WebhookRecord, event: str, delivery_id: str, body: bytes, time_limit: float
    ) -> Attempt:
        return await self._sender.post(
            hook.settings.url,
            secret=hook.secret,
            event=event,
            hook_id=hook.hook_id,
            delivery_id=delivery_id,
            body=body,
            time_limit=time_limit,
        )

    async def _start(
        self, hook: WebhookRecord, delivery_id: str, event: str, model_id: str, version: int | None
    ) -> int:
        self._starts += 1
        async with self._db.transaction() as tx:
            deliveries = DeliveryRepository(tx)
            pk = await deliveries.start(hook.pk, delivery_id, event, model_id, version)
            if self._starts % 100 == 0:
                await deliveries.prune(hook.pk, self._log_size)
        return pk

    async def _record(
        self,
        pk: int,
        status: str,
        attempts: int,
        response_status: int | None,
        error: str | None,
        version: int | None = None,
    ) -> None:
        async with self._db.transaction() as tx:
            await DeliveryRepository(tx).record(
                pk,
                status=status,
                attempts=attempts,
                response_status=response_status,
                error=error,
                version=version,
            )

    # -- shutdown --------------------------------------------------------------------------------

    async def close(self) -> None:
        """Give owed and running saves one last chance within the grace period, then record
        whatever is still outstanding as abandoned. Call after the model service closed."""
        self._closing = True
        loaders = [e.loader for e in self._entries.values() if e.loader is not None]
        if loaders:
            await asyncio.wait(loaders, timeout=self._grace)
        for entry in list(self._entries.values()):
            for slot in entry.slots or []:
                if slot.timer is not None or slot.first_change is not None or slot.again:
                    slot.again = False
                    self._flush(slot)
        running = [t for t in self._tasks if not t.done()]
        if running:
            await asyncio.wait(running, timeout=self._grace)
        # (slot, its delivery row or None), taken before cancelling clears the rows.
        outstanding: list[tuple[_Slot, int | None]] = [
            (slot, slot.delivery_pk)
            for entry in self._entries.values()
            for slot in entry.slots or []
            if slot.task is not None and not slot.task.done()
        ]
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=1.0)
        try:
            async with self._db.transaction() as tx:
                deliveries = DeliveryRepository(tx)
                await deliveries.abandon(
                    [pk for _, pk in outstanding if pk is not None], _SHUTDOWN_NOTE
                )
                for slot, pk in outstanding:
                    if pk is None:  # cancelled before its row existed
                        row = await deliveries.start(
                            slot.hook.pk, uuid.uuid4().hex, "save", slot.model.model_id, None
                        )
                        await deliveries.abandon([row], _SHUTDOWN_NOTE)
        except Exception:
            log.exception("web hooks: could not record the deliveries outstanding at shutdown")
        if outstanding:
            log.warning("web hooks: %d deliveries outstanding at shutdown", len(outstanding))
        self._entries.clear()
        with contextlib.suppress(Exception):
            self._sender.close()
