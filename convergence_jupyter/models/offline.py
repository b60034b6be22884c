"""Offline subscriptions: which models each session keeps offline, and telling it what changed.

The rc.12 client's offline mode (``models().subscribeOffline(id)`` with ``offline.storage``)
sends ``modelOfflineSubscriptionChange``; the server answers ``ok`` and then one
``modelOfflineUpdated`` per subscribed model whose state differs from what the client has:

* ``initial`` (data, a fresh value-id prefix, permissions) when the client has no copy
  (``currentVersion`` 0: the client also sends 0 for every model it subscribes while online,
  and for a copy of a model without ops: that copy is then sent again, harmlessly);
* ``updated`` with the data when the model is newer, and/or the permissions when they changed;
* ``deleted`` when the model is gone, ``permissionRevoked`` when the user lost ``read``: the
  client then drops its copy and tells the app, so nothing deleted comes back as a ghost.

Later commits, deletions and permission changes are pushed to subscribers that do not have
the model open (the client ignores these messages for open models: the model itself carries
them), coalesced per model; a periodic sweep catches anything that changed some other way.

Subscriptions live with the session, not in the store: on every (re)connect rc.12 resends its
whole set with the version and permissions it holds (``_resubscribe``, ``all=true``), after it
has resynchronised its dirty models. The client's set is the truth, so a restarted server gets
it back from the client and a stored copy could only go stale.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from google.protobuf.message import Message

from convergence_jupyter.domain.errors import ServiceError
from convergence_jupyter.domain.service import Reply
from convergence_jupyter.domain.session import SessionHandle
from convergence_jupyter.models import snapshots, wire
from convergence_jupyter.models.path_access import load_path_rules
from convergence_jupyter.models.path_permissions import PathRules
from convergence_jupyter.models.permissions import resolve_model_permissions
from convergence_jupyter.models.persistence import snapshot_from_json
from convergence_jupyter.protocol.schema import core_pb2
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.models import (
    CollectionRepository,
    ModelRecord,
    ModelRepository,
    PermissionFlags,
)

log = logging.getLogger(__name__)

#: Most models one session may keep offline (each costs a message per change).
MAX_SUBSCRIPTIONS = 1000
#: How long commits to one model are gathered before subscribers are told (one message each).
PUSH_DELAY_SECONDS = 0.5
#: The full re-check of every subscription (the real server's default model-sync interval).
SWEEP_SECONDS = 300.0


@dataclass(slots=True)
class _Held:
    """What the client holds of one model, as far as we know: its version and permissions
    (None: not told; the next sync sends the permissions), and whether it has a copy at all
    (rc.12 says version 0 for none, and also for a model that has no op yet)."""

    version: int
    permissions: PermissionFlags | None
    copy: bool


Updated = pb.OfflineModelUpdatedMessage


class OfflineSubscriptions:
    """The offline subscriptions of one domain's sessions (owned by the model service)."""

    def __init__(
        self,
        database: Database,
        domain_pk: int,
        is_open: Callable[[str, str], bool],
        *,
        push_delay: float = PUSH_DELAY_SECONDS,
        sweep_seconds: float = SWEEP_SECONDS,
    ) -> None:
        self._db = database
        self._domain_pk = domain_pk
        #: ``is_open(session_id, model_id)``: the session has the model open (or resyncing).
        self._is_open = is_open
        self._push_delay = push_delay
        self._sweep_seconds = sweep_seconds
        #: session id -> model id -> what the client holds
        self._held: dict[str, dict[str, _Held]] = {}
        self._sessions: dict[str, SessionHandle] = {}
        #: model id -> subscribed session ids
        self._subscribers: dict[str, set[str]] = {}
        self._pushes: dict[str, asyncio.TimerHandle] = {}
        #: One sync at a time per session: two at once could both find "no copy" and send two
        #: ``initial``s with two value-id prefixes.
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    # -- the request -------------------------------------------------------------------------

    async def change(self, session: SessionHandle, body: Message) -> Reply:
        assert isinstance(body, pb.ModelOfflineSubscriptionChangeRequestMessage)
        sid = session.session_id
        wanted: dict[str, _Held] = {}
        for item in body.subscribe:
            if not item.modelId:
                raise ServiceError("invalid_message", "an offline subscription needs a modelId")
            if item.currentVersion < 0:
                raise ServiceError("invalid_message", "currentVersion must not be negative")
            perms = (
                wire.permissions_from_wire(item.currentPermissions)
                if item.HasField("currentPermissions")
                else None
            )
            wanted[item.modelId] = _Held(item.currentVersion, perms, item.currentVersion > 0)
        held = self._held.get(sid, {})
        kept = {} if body.all else {k: v for k, v in held.items() if k not in body.unsubscribe}
        kept.update(wanted)
        if len(kept) > MAX_SUBSCRIPTIONS:
            raise ServiceError(
                "invalid_message",
                f"at most {MAX_SUBSCRIPTIONS} models may be subscribed offline per session",
            )
        self._replace(session, kept)
        if wanted:
            # Runs after this handler's ``ok`` is written (the reply goes out synchronously).
            self._spawn(self._sync(session, list(wanted)))
        return "ok", core_pb2.OkResponse()

    def _replace(self, session: SessionHandle, held: dict[str, _Held]) -> None:
        sid = session.session_id
        for model_id in self._held.get(sid, {}):
            self._unsubscribe(sid, model_id)
        if not held:
            self._held.pop(sid, None)
            self._sessions.pop(sid, None)
            return
        self._held[sid] = held
        self._sessions[sid] = session
        for model_id in held:
            self._subscribers.setdefault(model_id, set()).add(sid)
        self._ensure_sweeper()

    def _unsubscribe(self, sid: str, model_id: str) -> None:
        subs = self._subscribers.get(model_id)
        if subs is not None:
            subs.discard(sid)
            if not subs:
                del self._subscribers[model_id]

    def session_closed(self, sid: str) -> None:
        for model_id in self._held.pop(sid, {}):
            self._unsubscribe(sid, model_id)
        self._sessions.pop(sid, None)
        self._locks.pop(sid, None)

    # -- changes of models -------------------------------------------------------------------

    def model_changed(self, model_id: str) -> None:
        """A model committed ops (or changed some other way): tell subscribers soon."""
        if model_id not in self._subscribers or model_id in self._pushes:
            return
        loop = asyncio.get_running_loop()
        self._pushes[model_id] = loop.call_later(self._push_delay, self._push, model_id)

    def models_changed(self, model_ids: Iterable[str] | None) -> None:
        """Deleted models, or grants that changed (None: possibly of every model)."""
        targets = list(self._subscribers) if model_ids is None else model_ids
        for model_id in targets:
            self.model_changed(model_id)

    def _push(self, model_id: str) -> None:
        self._pushes.pop(model_id, None)
        for sid in list(self._subscribers.get(model_id, ())):
            session = self._sessions.get(sid)
            if session is not None:
                self._spawn(self._sync(session, [model_id]))

    # -- syncing -----------------------------------------------------------------------------

    async def _sync(self, session: SessionHandle, model_ids: list[str]) -> None:
        """Tell ``session`` what differs between the models and what it holds of them."""
        sid = session.session_id
        lock = self._locks.setdefault(sid, asyncio.Lock())
        async with lock:
            await self._sync_locked(session, model_ids)

    async def _sync_locked(self, session: SessionHandle, model_ids: list[str]) -> None:
        sid = session.session_id
        for model_id in model_ids:
            held = self._held.get(sid, {}).get(model_id)
            if held is None or self._is_open(sid, model_id):
                continue  # unsubscribed meanwhile, or the open model carries the news
            try:
                message = await self._update_for(session, model_id, held)
            except Exception:
                log.exception("offline sync of model %s for %s failed", model_id, sid)
                continue
            if message is None or self._held.get(sid, {}).get(model_id) is not held:
                continue
            if message.WhichOneof("action") in ("deleted", "permissionRevoked"):
                # The client drops its copy and its subscription (and says so to the app).
                del self._held[sid][model_id]
                self._unsubscribe(sid, model_id)
            session.send("modelOfflineUpdated", message)

    async def _update_for(
        self, session: SessionHandle, model_id: str, held: _Held
    ) -> Updated | None:
        async with self._db.transaction(readonly=True) as tx:
            model = await ModelRepository(tx).get(self._domain_pk, model_id)
            if model is None:
                return Updated(modelId=model_id, deleted=True)
            # The stored snapshot plus the op tail after it (the snapshot is written behind).
            model = await snapshots.current(tx, model)
            collection = await CollectionRepository(tx).get_by_pk(model.collection_pk)
            assert collection is not None
            perms = await resolve_model_permissions(
                tx, model, collection, session.user, session.user_pk
            )
            # Path permissions (issue 12): a restricted user's copy is the view it may read.
            rules = await load_path_rules(tx, model.pk, session.user, session.user_pk, perms)
        if not perms.read:
            return Updated(modelId=model_id, permissionRevoked=True)
        if not held.copy:
            async with self._db.transaction() as tx:
                prefix = await ModelRepository(tx).next_value_prefix(model.pk)
            held.version, held.permissions, held.copy = model.version, perms, True
            return Updated(
                modelId=model_id,
                initial=Updated.OfflineModelInitialData(
                    collection=model.collection_id,
                    valueIdPrefix=base36(prefix),
                    model=_model_data(model, rules),
                    permissions=wire.permissions_to_wire(perms),
                ),
            )
        newer = model.version > held.version
        changed = held.permissions != perms
        if not newer and not changed:
            return None
        update = Updated.OfflineModelUpdateData()
        if newer:
            update.model.CopyFrom(_model_data(model, rules))
            held.version = model.version
        if changed:
            update.permissions.CopyFrom(wire.permissions_to_wire(perms))
            held.permissions = perms
        return Updated(modelId=model_id, updated=update)

    # -- housekeeping ------------------------------------------------------------------------

    def _spawn(self, work: object) -> None:
        assert asyncio.iscoroutine(work)
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _ensure_sweeper(self) -> None:
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep())

    async def _sweep(self) -> None:
        while self._held:
            await asyncio.sleep(self._sweep_seconds)
            for sid, held in list(self._held.items()):
                session = self._sessions.get(sid)
                if session is not None:
                    await self._sync(session, list(held))

    async def close(self) -> None:
        for handle in self._pushes.values():
            handle.cancel()
        self._pushes.clear()
        pending = [*self._tasks, *([self._sweeper] if self._sweeper is not None else [])]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)


def _model_data(model: ModelRecord, rules: PathRules | None) -> Updated.ModelUpdateData:
    root = snapshot_from_json(model.data)
    return Updated.ModelUpdateData(
        version=model.version,
        createdTime=wire.datetime_to_timestamp(model.created_at),
        modifiedTime=wire.datetime_to_timestamp(model.modified_at),
        data=wire.object_to_wire(rules.view_root(root) if rules is not None else root),
    )


def base36(number: int) -> str:
    """The value-id prefix as the client expects it (the real server's counter, base 36)."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = digits[digit] + text
        if number == 0:
            return text
