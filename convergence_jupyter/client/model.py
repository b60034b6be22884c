"""Real-time models: the model service of a domain and one open model.

A model keeps its own value tree (``ot.ModelTree``); local edits are applied to it at once and
sent, remote ops are transformed against our unacknowledged ones (``concurrency.py``) and then
applied, so ``value()`` always shows the local view without waiting for the network.

When the connection drops the model stays usable: edits are applied and queued. After the
domain reconnects, each open model resynchronises as rc.12 does (``_resynchronize``): it asks
for the ops since its version, takes the server's replay (others' ops transformed and applied
as remote ops; ours that were committed before the drop acknowledged), and once it reaches the
announced version it sends every op still unacknowledged, in order, with their original
sequence numbers (so the server recognises any it already has), then rejoins the open set.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from convergence_jupyter import ot
from convergence_jupyter.ot import operations as o
from convergence_jupyter.ot.links import Link, find_links
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.protocol.values import from_value

from . import wire
from .concurrency import ClientConcurrencyControl, ConcurrencyError
from .elements import ELEMENT_TYPES, RealTimeElement, RealTimeObject, to_python
from .errors import ConnectionClosedError, ConvergenceError, ServerError
from .events import EventSource
from .references import LocalReference, ModelReference, ReferenceEvent, ReferenceTable

if TYPE_CHECKING:
    from .connection import Connection
    from .domain import Domain
    from .offline import OfflineModels

_log = logging.getLogger(__name__)


class ModelClosedError(ConvergenceError):
    """The model was closed (by us, or force-closed by the server) and takes no more edits."""


@dataclass(frozen=True, slots=True)
class ElementEvent:
    """One discrete change to one value: ``operation`` as applied here. (An element's
    ``events()`` also carries :class:`ReferenceEvent`; tell them apart by ``kind``.)"""

    kind: ClassVar[str] = "operation"
    element_id: str
    operation: o.DiscreteOperation
    #: The session that made it (ours for local edits).
    session_id: str
    local: bool


@dataclass(frozen=True, slots=True)
class ModelEvent:
    """``kind``: "operation" (``operation`` set), "opened"/"closed" (another session, in
    ``session_id``), "committed" (every local op acknowledged), "force_closed" (``reason``),
    "offline" (the connection dropped; edits are kept), "resyncing", "online" (resynchronised
    after a reconnect), "reference_shared"/"reference_set"/"reference_cleared"/
    "reference_unshared" (an element reference of another session, in ``reference``),
    "permissions_changed" (see ``permissions``), "remote_resync_started"/"_completed" (another
    session reconnected and is catching up; "opened" follows)."""

    kind: str
    session_id: str = ""
    operation: ot.Operation | None = None
    local: bool = False
    version: int = 0
    reason: str = ""
    reference: ModelReference | None = None


@dataclass(slots=True)
class _Resync:
    """A resynchronisation in progress (rc.12's ``_resyncData``)."""

    #: The version the server's replay ends at (None until the response).
    version: int | None = None
    #: Live ops past that version, received before we reached it.
    buffered: list[pb.RemoteOperationMessage] = field(default_factory=list)
    up_to_date: bool = False


@dataclass(frozen=True, slots=True)
class ModelResult:
    """One row of a model query."""

    collection: str
    model_id: str
    version: int
    created: dt.datetime
    modified: dt.datetime
    data: dict[str, Any] = field(default_factory=dict)


#: Refusals of a resync after which the model cannot come back.
_MODEL_GONE = frozenset({"model_not_found", "model_deleted", "unauthorized"})
#: Seconds between further resync requests after another refusal (a busy server).
_RESYNC_RETRIES = (0.2, 0.5, 1.0, 2.0, 5.0)


def _permissions(data: pb.ModelPermissionsData) -> dict[str, bool]:
    return {"read": data.read, "write": data.write, "remove": data.remove, "manage": data.manage}


class ValueIds:
    """Mints the counter part of new value ids; readable, so the offline store can keep it."""

    def __init__(self, next_value: int = 0) -> None:
        self.next_value = next_value

    def __iter__(self) -> ValueIds:
        return self

    def __next__(self) -> int:
        value = self.next_value
        self.next_value += 1
        return value


class RealTimeModel:
    def __init__(self, service: ModelService, reply: pb.OpenRealtimeModelResponseMessage) -> None:
        self._service = service
        self.resource_id = reply.resourceId
        self.id = reply.modelId
        self.collection = reply.collection
        self.created = reply.createdTime.ToDatetime(tzinfo=dt.UTC)
        self.modified = reply.modifiedTime.ToDatetime(tzinfo=dt.UTC)
        self.permissions = _permissions(reply.permissions)
        self.collaborators: set[str] = set(reply.connectedClients)
        self._tree = ot.ModelTree(wire.object_from_wire(reply.data))
        self._cc = ClientConcurrencyControl(reply.version)
        self._references = ReferenceTable(self)
        #: False while the connection is down or the model is resynchronising.
        self.online = True
        self._resync: _Resync | None = None
        self._ids = ValueIds()
        self._prefix = reply.valueIdPrefix
        self._element_sources: dict[str, EventSource[ElementEvent | ReferenceEvent]] = {}
        #: Told synchronously what each op did to the tree (old values included), whether it
        #: was local, and the local batch it is part of: the undo manager needs all three.
        self._appliers: list[Callable[[ot.AppliedOperation, bool, int | None], None]] = []
        self._batch_numbers = itertools.count(1)
        self._batch_number: int | None = None
        self._committed = asyncio.Event()
        self._committed.set()
        self.closed = False
        self.close_reason = ""
        self.events: EventSource[ModelEvent] = EventSource()
        """Every change to the model, local and remote; see :class:`ModelEvent`."""
        self._references.load(reply.references, self.session_id)

    def __repr__(self) -> str:
        return f"<RealTimeModel {self.collection}/{self.id} v{self.version}>"

    # -- reading -----------------------------------------------------------------------------

    @property
    def version(self) -> int:
        """The server version our state is based on (acknowledged local ops included)."""
        return self._cc.context_version

    @property
    def session_id(self) -> str:
        return self._service._domain.session_id

    def root(self) -> RealTimeObject:
        element = self._wrap(self._tree.root.id)
        assert isinstance(element, RealTimeObject)
        return element

    def value(self) -> dict[str, Any]:
        """The whole model as plain Python data."""
        data = to_python(self._tree.root)
        assert isinstance(data, dict)
        return data

    def to_json(self) -> dict[str, Any]:
        return self.root().to_json()

    def element_at(self, *path: str | int | Sequence[str | int]) -> RealTimeElement | None:
        """The element at a path of keys and indices (``element_at("cells", 0, "source")`` or
        ``element_at(["cells", 0])``); None when nothing is there."""
        steps: list[str | int] = []
        for part in path:
            steps.extend(part if isinstance(part, list | tuple) else [part])  # type: ignore[list-item]
        node: ot.DataValue = self._tree.root
        for step in steps:
            if isinstance(node, ot.ObjectValue) and isinstance(step, str):
                child = node.children.get(step)
            elif isinstance(node, ot.ArrayValue) and isinstance(step, int):
                inside = -len(node.children) <= step < len(node.children)
                child = node.children[step] if inside else None
            else:
                child = None
            if child is None:
                return None
            node = child
        return self._wrap(node.id)

    def links(self) -> list[Link]:
        """The links in the local view (values ``{"$ref": {"collection": C, "id": M}}``, see
        ``ot/links.py``), ordered by path. Read locally, so unacknowledged edits count; the
        server's index (REST ``.../links`` and ``.../backlinks``) follows committed data."""
        return sorted(find_links(self._tree.root))

    def _wrap(self, value_id: str) -> RealTimeElement:
        node = self._tree.get(value_id)
        if node is None:
            raise KeyError(value_id)
        return ELEMENT_TYPES[type(node)](self, value_id)

    def _element_events(self, value_id: str) -> EventSource[ElementEvent | ReferenceEvent]:
        return self._element_sources.setdefault(value_id, EventSource())

    # -- references --------------------------------------------------------------------------

    def element_reference(self, key: str) -> LocalReference:
        """Our reference of that key to elements of this model (``set(element or list)``)."""
        return self._references.local(ot.ReferenceType.ELEMENT, None, key)

    def references(
        self, *, key: str | None = None, session_id: str | None = None
    ) -> list[ModelReference]:
        """Element references (ours and other sessions'), optionally of one key or session."""
        return self._references.query(None, key, session_id)

    def _emit_reference(self, event: ReferenceEvent) -> None:
        ref = event.reference
        if ref.value_id is None:
            self.events.emit(
                ModelEvent(event.kind, event.session_id, version=self.version, reference=ref)
            )
            return
        source = self._element_sources.get(ref.value_id)
        if source is not None:
            source.emit(event)

    # -- editing -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Edits inside ``with model.batch():`` reach everyone as one compound operation."""
        self._check_writable()
        self._cc.start_batch()
        self._batch_number = next(self._batch_numbers)
        try:
            yield
        finally:
            self._batch_number = None
            outgoing = self._cc.complete_batch()
            if outgoing is not None:
                self._send(outgoing.sequence_number, outgoing.context_version, outgoing.op)
            self._service._changed(self, local=True)

    def _check_writable(self) -> None:
        if self.closed:
            raise ModelClosedError(f"model {self.id} is closed: {self.close_reason}")

    def _new_value(self, data: Any) -> ot.DataValue:
        return ot.from_plain(data, lambda: f"{self._prefix}:{next(self._ids)}")

    def _local(self, op: o.DiscreteOperation) -> None:
        self._check_writable()
        applied = ot.apply(self._tree, op)  # raises InvalidOperationError, tree unchanged
        outgoing = self._cc.local(op)
        self._committed.clear()
        self._references.applied(applied)
        self._tell_appliers(applied, local=True)
        if outgoing is not None:
            self._send(outgoing.sequence_number, outgoing.context_version, outgoing.op)
        self._service._changed(self, local=True)
        self._emit(op, self.session_id, local=True)

    def _observe_applied(
        self, observer: Callable[[ot.AppliedOperation, bool, int | None], None]
    ) -> Callable[[], None]:
        """Call ``observer(applied, local, batch_number)`` after every op; returns "stop"."""
        self._appliers.append(observer)
        return lambda: self._appliers.remove(observer) if observer in self._appliers else None

    def _tell_appliers(self, applied: ot.AppliedOperation, *, local: bool) -> None:
        batch = self._batch_number if local else None
        for observer in list(self._appliers):
            try:
                observer(applied, local, batch)
            except Exception:
                # The op is applied and queued already; an observer's bug must not undo that.
                _log.exception("an applied-operation observer raised")

    def _can_send(self) -> bool:
        """Whether messages about this model may go out now: connected, and (resyncing) past
        the replay. Otherwise ops wait in the queue and are sent after the resync."""
        if self.closed or not self._service._connection.is_open:
            return False
        return self.online or (self._resync is not None and self._resync.up_to_date)

    def _send_message(self, body_name: str, body: Any) -> None:
        with contextlib.suppress(ConnectionClosedError):  # the reconnect resends what matters
            self._service._connection.send(body_name, body)

    def _send(self, sequence_number: int, context_version: int, op: ot.Operation) -> None:
        if not self._can_send():
            return
        self._send_message(
            "operationSubmission",
            pb.OperationSubmissionMessage(
                resourceId=self.resource_id,
                sequenceNumber=sequence_number,
                contextVersion=context_version,
                operation=wire.operation_to_wire(op),
            ),
        )

    async def committed(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Wait until the server has acknowledged every local edit made so far (across a
        reconnect: edits made offline count once they are acknowledged after it)."""
        if self._cc.committed:
            return
        await asyncio.wait_for(self._committed.wait(), timeout)

    # -- server stream -----------------------------------------------------------------------

    def _guarded(self, handle: Any, body: Any) -> None:
        """rc.12 closes a model whose server stream contradicts its state (a version or
        sequence number out of order, an op that does not apply): going on would diverge."""
        try:
            handle(body)
        except (ConcurrencyError, ot.InvalidOperationError) as exc:
            reason = f"a concurrency control error occurred: {exc}"
            self.events.emit(ModelEvent("force_closed", reason=reason))
            self._closed(reason)
            self._service._close_at_server(self)

    def _on_remote(self, body: pb.RemoteOperationMessage) -> None:
        resync = self._resync
        if resync is not None and not resync.up_to_date:
            # rc.12: during the replay, ops past the resync version are held back.
            if resync.version is not None and body.contextVersion > resync.version:
                resync.buffered.append(body)
                return
            self._apply_remote(body)
            self._check_up_to_date()
            return
        self._apply_remote(body)

    def _apply_remote(self, body: pb.RemoteOperationMessage) -> None:
        op = self._cc.remote(body.contextVersion, wire.operation_from_wire(body.operation))
        # Ops on values our own unacknowledged edits removed become no-ops, as at the server.
        op = ot.preprocess(self._tree, op)
        applied = ot.apply(self._tree, op)
        self._references.applied(applied)
        self._tell_appliers(applied, local=False)
        self._service._changed(self, local=False)
        for part in op.ops if isinstance(op, o.CompoundOperation) else (op,):
            self._emit(part, body.sessionId, local=False, model_event=False)
        self.events.emit(
            ModelEvent("operation", body.sessionId, op, local=False, version=self.version)
        )

    def _on_ack(self, body: pb.OperationAcknowledgementMessage) -> None:
        self._cc.acknowledge(body.version, body.sequenceNumber)
        self._service._changed(self, local=False)
        if self._cc.committed:
            self._committed.set()
            self.events.emit(ModelEvent("committed", self.session_id, version=self.version))
        if self._resync is not None and not self._resync.up_to_date:
            self._check_up_to_date()

    def _emit(
        self, op: o.DiscreteOperation, session_id: str, *, local: bool, model_event: bool = True
    ) -> None:
        if op.no_op:
            return
        source = self._element_sources.get(op.id)
        if source is not None:
            source.emit(ElementEvent(op.id, op, session_id, local))
        if model_event:
            self.events.emit(
                ModelEvent("operation", session_id, op, local=local, version=self.version)
            )

    def _on_permissions(self, body: pb.ModelPermissionsChangedMessage) -> None:
        self.permissions = _permissions(body.permissions)
        self.events.emit(ModelEvent("permissions_changed", version=self.version))

    # -- offline and resynchronisation -------------------------------------------------------

    def _go_offline(self, reason: str) -> None:
        """The connection dropped: keep our state and queue, forget the others' presence."""
        if self.closed:
            return
        self.online = False
        self._resync = None
        for session_id in sorted(self.collaborators - {self.session_id}):
            self.events.emit(ModelEvent("closed", session_id))
        self.collaborators.clear()
        self._references.drop_session()
        self.events.emit(ModelEvent("offline", reason=reason, version=self.version))

    def _start_resync(self) -> _Resync:
        self._resync = _Resync()
        self.events.emit(ModelEvent("resyncing", version=self.version))
        return self._resync

    def _resync_response(self, resync: _Resync, reply: pb.ModelResyncResponseMessage) -> None:
        """(Called as the response is read, before the replay behind it.)"""
        if self._resync is not resync or self.closed:
            return
        resync.version = reply.currentVersion
        self.resource_id = reply.resourceId
        self.permissions = _permissions(reply.permissions)
        self._service._models[self.resource_id] = self
        self._check_up_to_date()

    def _check_up_to_date(self) -> None:
        """rc.12's ``_checkForReconnectUpToDate``: at the resync version, apply what was held
        back, resend every unacknowledged op, and tell the server we are done."""
        resync = self._resync
        if resync is None or resync.up_to_date or resync.version != self._cc.context_version:
            return
        resync.up_to_date = True
        for body in resync.buffered:
            self._apply_remote(body)
        resync.buffered.clear()
        for outgoing in list(self._cc.in_flight):
            self._send(outgoing.sequence_number, outgoing.context_version, outgoing.op)
        self._send_message(
            "modelResyncClientComplete",
            pb.ModelResyncClientCompleteMessage(resourceId=self.resource_id, open=True),
        )

    def _on_resync_complete(self, body: pb.ModelResyncServerCompleteMessage) -> None:
        if self._resync is None:
            return
        self._resync = None
        self.online = True
        self.collaborators = set(body.connectedClients)
        for session_id in sorted(self.collaborators - {self.session_id}):
            self.events.emit(ModelEvent("opened", session_id))
        self._references.load(body.references, self.session_id)
        self._references.reshare()
        self.events.emit(ModelEvent("online", version=self.version))

    async def _resynchronize(self) -> None:
        """Ask for the ops since our version; the rest happens as the replay arrives.

        Refusals that say the model is gone for us (deleted, no longer readable) close it:
        what we queued is lost. Others (a busy server) are retried a few times on this
        connection; a request that times out drops the connection, so the whole reconnect
        starts over (the server may have started the resync it did not answer)."""
        service = self._service
        for delay in (*_RESYNC_RETRIES, None):
            if self.closed:
                return
            resync = self._start_resync()
            request = pb.ModelResyncRequestMessage(modelId=self.id, contextVersion=self.version)
            connection = service._connection

            def on_response(_name: str, reply: Any, r: _Resync = resync) -> None:
                self._resync_response(r, reply)

            try:
                await connection.request("modelResyncRequest", request, on_response=on_response)
            except ServerError as exc:
                if exc.code in _MODEL_GONE or delay is None:
                    service._offline.pop(self.id, None)
                    if exc.code in _MODEL_GONE:
                        service._forget_offline(self.id)
                    self.events.emit(ModelEvent("force_closed", reason=f"resync failed: {exc}"))
                    self._closed(f"resync failed: {exc}")
                    return
                self._resync = None
                await asyncio.sleep(delay)
                continue
            except TimeoutError:
                connection.abort("the model resync timed out")
                return
            except ConnectionClosedError:
                return  # the next reconnect starts over from where the replay got to
            service._offline.pop(self.id, None)
            return

    # -- closing -----------------------------------------------------------------------------

    def _closed(self, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        self.online = False
        self.close_reason = reason
        self._committed.set()
        self.events.close()
        for source in self._element_sources.values():
            source.close()

    async def close(self) -> None:
        """Close the model for this session (edits already made are still delivered)."""
        if self.closed:
            return
        resync = self._resync
        sendable = self._can_send() or (
            resync is not None and resync.version is not None and self._service._connection.is_open
        )
        self._closed("closed by this client")
        self._service._models.pop(self.resource_id, None)
        self._service._offline.pop(self.id, None)
        if not sendable:
            return  # offline: the server closed it with our old session
        with contextlib.suppress(ConvergenceError):
            await self._service._connection.request(
                "closeRealTimeModelRequest",
                pb.CloseRealtimeModelRequestMessage(resourceId=self.resource_id),
            )


class ModelService:
    """``domain.models()``: open, create, remove and query models."""

    def __init__(self, domain: Domain, connection: Connection) -> None:
        self._domain = domain
        self._connection = connection
        #: Open models by their resource id on the current connection.
        self._models: dict[int, RealTimeModel] = {}
        #: Open models waiting for a resync (the connection dropped), by model id.
        self._offline: dict[str, RealTimeModel] = {}
        self._closing: set[asyncio.Task[None]] = set()
        self._auto_create: dict[int, pb.AutoCreateModelConfigResponseMessage] = {}
        self._auto_ids = itertools.count(1)
        self._scratch_ids = itertools.count()
        #: Set by ``connect(offline_store=...)`` (client/offline.py).
        self._offline_models: OfflineModels | None = None
        self.attach(connection)

    def attach(self, connection: Connection) -> None:
        self._connection = connection
        for name, handler in {
            "remoteOperation": lambda m: m._on_remote,
            "operationAck": lambda m: m._on_ack,
            "modelResyncServerComplete": lambda m: m._on_resync_complete,
            "modelPermissionsChanged": lambda m: m._on_permissions,
        }.items():
            connection.on_push(name, self._routed(handler))
        for name in ("referenceShared", "referenceSet", "referenceCleared", "referenceUnshared"):
            connection.on_push(name, self._on_reference)
        connection.on_push("remoteClientOpenedModel", self._on_collaborator)
        connection.on_push("remoteClientClosedModel", self._on_collaborator)
        connection.on_push("remoteClientResyncStarted", self._on_collaborator)
        connection.on_push("remoteClientResyncCompleted", self._on_collaborator)
        connection.on_push("forceCloseRealTimeModel", self._on_force_close)
        connection.on_server_request("modelAutoCreateConfigRequest", self._auto_create_config)

    def open_models(self) -> list[RealTimeModel]:
        """Every model this session has open (offline ones included)."""
        return [*self._models.values(), *self._offline.values()]

    def _routed(self, pick: Any) -> Any:
        def handler(_name: str, body: Any) -> None:
            model = self._models.get(body.resourceId)
            if model is not None:
                model._guarded(pick(model), body)

        return handler

    def _close_at_server(self, model: RealTimeModel) -> None:
        """Tell the server we closed a model ourselves (without waiting for the answer)."""
        self._models.pop(model.resource_id, None)
        self._offline.pop(model.id, None)
        if not self._connection.is_open:
            return

        async def close() -> None:
            with contextlib.suppress(ConvergenceError, TimeoutError):
                await self._connection.request(
                    "closeRealTimeModelRequest",
                    pb.CloseRealtimeModelRequestMessage(resourceId=model.resource_id),
                )

        task = asyncio.get_running_loop().create_task(close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def _on_reference(self, name: str, body: Any) -> None:
        model = self._models.get(body.resourceId)
        if model is not None:
            model._references.on_remote(name, body)

    def _on_collaborator(self, name: str, body: Any) -> None:
        model = self._models.get(body.resourceId)
        if model is None:
            return
        if name == "remoteClientOpenedModel":
            model.collaborators.add(body.sessionId)
            model.events.emit(ModelEvent("opened", body.sessionId))
        elif name == "remoteClientResyncStarted":
            model.events.emit(ModelEvent("remote_resync_started", body.sessionId))
        elif name == "remoteClientResyncCompleted":
            model.events.emit(ModelEvent("remote_resync_completed", body.sessionId))
        else:
            model.collaborators.discard(body.sessionId)
            model._references.drop_session(body.sessionId)
            model.events.emit(ModelEvent("closed", body.sessionId))

    def _on_force_close(self, _name: str, body: pb.ModelForceCloseMessage) -> None:
        model = self._models.pop(body.resourceId, None)
        if model is not None:
            model.events.emit(ModelEvent("force_closed", reason=body.reason))
            model._closed(body.reason)

    async def _auto_create_config(
        self, body: pb.AutoCreateModelConfigRequestMessage
    ) -> tuple[str, pb.AutoCreateModelConfigResponseMessage]:
        config = self._auto_create.get(body.autoCreateId)
        if config is None:
            raise LookupError("no auto-create configuration with that id")
        return "modelAutoCreateConfigResponse", config

    def _data(self, data: dict[str, Any] | None) -> pb.ObjectValue:
        root = ot.from_plain(data or {}, lambda: f"new:{next(self._scratch_ids)}")
        if not isinstance(root, ot.ObjectValue):
            raise TypeError("model data must be a dict")
        return wire.object_to_wire(root)

    # -- offline (client/offline.py) ---------------------------------------------------------

    def _changed(self, model: RealTimeModel, *, local: bool) -> None:
        if self._offline_models is not None:
            self._offline_models.changed(model, local=local)

    def _forget_offline(self, model_id: str) -> None:
        if self._offline_models is not None:
            self._offline_models.forget(model_id)

    def _require_store(self) -> OfflineModels:
        if self._offline_models is None:
            raise ConvergenceError("connect(..., offline_store=path) to use offline models")
        return self._offline_models

    def _open_model(self, model_id: str) -> RealTimeModel | None:
        for model in self.open_models():
            if model.id == model_id and not model.closed:
                return model
        return None

    async def subscribe_offline(self, model_id: str) -> None:
        """Keep this model in the offline store from now on (as rc.12's ``subscribeOffline``):
        its state and unacknowledged edits are written as they change, so a later process
        (``open_offline``) continues where this one stopped, connected or not."""
        offline = self._require_store()
        offline.subscribe(model_id)
        model = self._open_model(model_id)
        if model is not None:
            offline.changed(model, local=True)
        await offline.flush()

    async def unsubscribe_offline(self, model_id: str) -> None:
        """Stop keeping the model offline and forget its stored state (unsent edits too)."""
        offline = self._require_store()
        offline.unsubscribe(model_id)
        await offline.store.flush()

    def offline_subscriptions(self) -> list[str]:
        return sorted(self._require_store()._subscribed)

    async def offline_saved(self) -> None:
        """Wait until every change made so far to subscribed models is in the store."""
        await self._require_store().flush()

    async def open_offline(self, model_id: str) -> RealTimeModel:
        """Open a subscribed model from the offline store: the stored state with the edits not
        yet acknowledged, resynchronised with the server as after a reconnect (now if
        connected, else when the domain reconnects). Watch ``online`` or ``committed()``; a
        model deleted (or made unreadable) meanwhile is closed ("force_closed" with the
        reason) and its stored state removed. ``LookupError`` when nothing is stored."""
        offline = self._require_store()
        model = self._open_model(model_id)
        if model is not None:
            return model
        model = await offline.restore(self, model_id)
        if model is None:
            raise LookupError(f"no stored state of model {model_id!r}")
        offline.subscribe(model_id)
        self._offline[model.id] = model
        if self._connection.is_open:
            await model._resynchronize()
        return model

    async def _stored(self, model_id: str | None) -> bool:
        offline = self._offline_models
        if offline is None or model_id is None or not offline.subscribed(model_id):
            return False
        return await offline.store.load(model_id) is not None

    async def resolve_link(self, model: RealTimeModel, path: str) -> RealTimeModel:
        """Open the model that the link at ``path`` (a JSON Pointer, as in
        :meth:`RealTimeModel.links`) of ``model`` points to. The open is this user's own, so a
        target they may not read fails as any open would (``ServerError`` "unauthorized") and
        no data of it arrives. A target this domain has open already is returned as it is.
        ``LookupError`` when there is no link at ``path``, or when the target is in another
        collection than the link names (a target opened for this is closed again)."""
        link = next((k for k in model.links() if k.path == path), None)
        if link is None:
            raise LookupError(f"model {model.id!r} has no link at {path!r}")
        already_open = self._open_model(link.model_id)
        target = already_open or await self.open(link.model_id)
        if target.collection != link.collection:
            if already_open is None:
                await target.close()
            raise LookupError(
                f"the link at {path!r} names {link.collection}/{link.model_id}, but that model"
                f" is in collection {target.collection!r}"
            )
        return target

    async def open(self, model_id: str) -> RealTimeModel:
        """Open an existing model (``ModelNotFoundError`` when there is none). A subscribed
        model with a stored state is opened from it (:meth:`open_offline`), so edits a
        previous process could not send are not lost."""
        if await self._stored(model_id):
            return await self.open_offline(model_id)
        request = pb.OpenRealtimeModelRequestMessage()
        request.modelId.value = model_id
        return await self._open(request)

    async def open_auto_create(
        self, *, collection: str, id: str | None = None, data: dict[str, Any] | None = None
    ) -> RealTimeModel:
        """Open the model, creating it with ``data`` in ``collection`` if it does not exist
        (``id`` None: a new model with a server-chosen id)."""
        if await self._stored(id):
            assert id is not None
            return await self.open_offline(id)
        auto_id = next(self._auto_ids)
        self._auto_create[auto_id] = pb.AutoCreateModelConfigResponseMessage(
            collection=collection, data=self._data(data)
        )
        request = pb.OpenRealtimeModelRequestMessage()
        if id is not None:
            request.modelId.value = id
        request.autoCreateId.value = auto_id
        try:
            return await self._open(request)
        finally:
            del self._auto_create[auto_id]

    async def _open(self, request: pb.OpenRealtimeModelRequestMessage) -> RealTimeModel:
        opened: list[RealTimeModel] = []

        def register(_name: str, reply: pb.OpenRealtimeModelResponseMessage) -> None:
            # As the response is read: ops and acks right behind it must find the model.
            model = RealTimeModel(self, reply)
            self._models[model.resource_id] = model
            opened.append(model)

        await self._connection.request("openRealTimeModelRequest", request, on_response=register)
        self._changed(opened[0], local=True)  # a subscribed model is stored from its open on
        return opened[0]

    async def create(
        self, *, collection: str, id: str | None = None, data: dict[str, Any] | None = None
    ) -> str:
        """Create a model without opening it; returns its id."""
        request = pb.CreateRealtimeModelRequestMessage(
            collectionId=collection, data=self._data(data)
        )
        if id is not None:
            request.modelId.value = id
        _, reply = await self._connection.request("createRealTimeModelRequest", request)
        return str(reply.modelId)

    async def remove(self, model_id: str) -> None:
        await self._connection.request(
            "deleteRealtimeModelRequest", pb.DeleteRealtimeModelRequestMessage(modelId=model_id)
        )

    async def query(self, query: str) -> list[ModelResult]:
        """Run a Convergence query (``SELECT * FROM collection WHERE ...``)."""
        _, reply = await self._connection.request(
            "modelsQueryRequest", pb.ModelsQueryRequestMessage(query=query)
        )
        return [
            ModelResult(
                collection=row.collectionId,
                model_id=row.modelId,
                version=row.version,
                created=row.createdTime.ToDatetime(tzinfo=dt.UTC),
                modified=row.modifiedTime.ToDatetime(tzinfo=dt.UTC),
                data={k: from_value(v) for k, v in row.data.fields.items()},
            )
            for row in reply.models
        ]

    def _go_offline(self, reason: str) -> None:
        """The connection dropped and the domain will reconnect: models wait for a resync."""
        for model in list(self._models.values()):
            if not model.closed:
                self._offline[model.id] = model
        self._models.clear()
        for model in self._offline.values():
            model._go_offline(reason)

    async def _go_online(self) -> None:
        """After a reconnect: resynchronise every model that was open (concurrently)."""
        models = list(self._offline.values())
        await asyncio.gather(*(m._resynchronize() for m in models), return_exceptions=True)

    def _connection_lost(self, reason: str) -> None:
        """The domain is closed for good: so is every model."""
        for model in [*self._models.values(), *self._offline.values()]:
            model._closed(reason)
        self._models.clear()
        self._offline.clear()
