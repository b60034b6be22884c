"""One open model: its tree, its sessions, and the serializer that processes everything that
touches it, one item at a time.

Every op, open, close, resync and reference event of a model goes through one mailbox and one
asyncio task, so versions are handed out in a single total order. Consecutive op submissions
are taken as one batch: transformed and applied in memory, committed in ONE transaction, and
only then acknowledged and broadcast (group commit, durable ack). A batch stores only its ops;
every N ops the batch's commit carries the snapshot too (one more UPDATE in the same
transaction), and T seconds after an op it does not hold, or at unload, a task of its own writes
it while the serializer goes on (``models/snapshots.py``).

A reply that names this model (open, resync) must reach the client before anything else about
it; members start "pending" and buffer their frames until the handler has returned its reply
(see :meth:`LiveModel.release`).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from google.protobuf.message import Message

from convergence_jupyter import ot
from convergence_jupyter.domain.session import SessionHandle
from convergence_jupyter.models import wire
from convergence_jupyter.models.concurrency import (
    ConcurrencyError,
    ServerConcurrencyControl,
    Transformed,
)
from convergence_jupyter.models.limits import (
    LimitExceeded,
    ModelLimits,
    check_strings,
    growth_bound,
)
from convergence_jupyter.models.path_permissions import PathRules, views_of
from convergence_jupyter.models.persistence import (
    ModelPersistence,
    PendingOperation,
    snapshot_bytes,
    snapshot_to_json,
)
from convergence_jupyter.models.references import InvalidReferenceEvent, ReferenceStore
from convergence_jupyter.models.resync import ReplayOp, plan_replay
from convergence_jupyter.models.schema import CollectionSchema, SchemaViolation
from convergence_jupyter.models.schema_guard import check_applied
from convergence_jupyter.protocol.envelope import encode
from convergence_jupyter.protocol.schema import model_pb2 as pb
from convergence_jupyter.store.models import ModelRecord, PermissionFlags

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Most submissions committed in one transaction.
MAX_BATCH = 256


class ForceCloseCode:
    """Server-side reason codes; only DELETED (2) changes client behaviour."""

    UNKNOWN = 0
    UNAUTHORIZED = 1
    DELETED = 2
    SERVER_SHUTDOWN = 3
    ERROR_APPLYING_OPERATION = 4
    INVALID_REFERENCE_EVENT = 5
    PERMISSIONS_CHANGED = 8


def _log_failure(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        exc = future.exception()
        if not isinstance(exc, ModelGone):
            log.error("model command failed", exc_info=exc)


class ModelGone(Exception):
    """The live model was unloaded or deleted; the caller should look it up again."""


#: One frame due to a member: (body name, body or its already encoded frame, mentions). A
#: broadcast is encoded once per distinct resource id and the same bytes go to every member
#: with that id (bench/README.md: building and encoding per recipient bound the fan-out).
Frame = tuple[str, Message | bytes, tuple[str, ...]]


def _emit(session: SessionHandle, frame: Frame) -> None:
    body_name, body, mentions = frame
    if isinstance(body, bytes):
        session.send_encoded(body, mentions=mentions)
    else:
        session.send(body_name, body, mentions=mentions)


@dataclass(slots=True)
class Member:
    session: SessionHandle
    resource_id: int
    permissions: PermissionFlags
    user_pk: int
    resyncing: bool = False
    #: Frames held back until the open/resync reply is out; None once released.
    pending: list[Frame] | None = field(default_factory=list)
    last_seq: int = 0
    failed: bool = False
    #: After a resync: acks of own ops committed before it, owed until the client resends
    #: them (see models/resync.py), as (sequence number, ack); ``held`` frames wait for them.
    owed: collections.deque[tuple[int, pb.OperationAcknowledgementMessage]] = field(
        default_factory=collections.deque
    )
    held: list[Frame] = field(default_factory=list)
    #: Path grants that restrict this member (models/path_permissions.py); None: sees all.
    rules: PathRules | None = None

    def send(self, body_name: str, body: Message | bytes, mentions: tuple[str, ...] = ()) -> None:
        """Queue one frame; ``body`` may be the frame already encoded (shared by members)."""
        if self.owed:
            self.held.append((body_name, body, mentions))
        else:
            self._out(body_name, body, mentions)

    def _out(self, body_name: str, body: Message | bytes, mentions: tuple[str, ...]) -> None:
        if self.pending is not None:
            self.pending.append((body_name, body, mentions))
        else:
            _emit(self.session, (body_name, body, mentions))

    def pay(self) -> None:
        """Send the first owed ack (its op was just resent) ahead of everything held back;
        once none is owed, the held frames follow."""
        _, ack = self.owed.popleft()
        self._out("operationAck", ack, ())
        if not self.owed:
            held, self.held = self.held, []
            for frame in held:
                self._out(*frame)


@dataclass(slots=True)
class Submission:
    session_id: str
    sequence_number: int
    context_version: int
    op: ot.Operation


@dataclass(slots=True)
class Command:
    run: Callable[[], Any]
    future: asyncio.Future[Any]


@dataclass(slots=True)
class _Done:
    member: Member
    sequence_number: int
    version: int
    timestamp: datetime
    op: ot.Operation
    #: What restricted readers get instead of ``op`` (by session id), judged before it applied.
    views: dict[str, ot.Operation] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OpenState:
    version: int
    data: pb.ObjectValue
    created_at: datetime
    modified_at: datetime
    connected: list[str]
    resyncing: list[str]
    references: list[pb.ReferenceData]


class LiveModel:
    def __init__(
        self,
        record: ModelRecord,
        tree: ot.ModelTree,
        persistence: ModelPersistence,
        *,
        on_unload: Callable[[LiveModel], None],
        load_replay: Callable[[int, int], Awaitable[list[ReplayOp]]],
        ensure_known: Callable[[list[str]], Awaitable[None]],
        on_forced: Callable[[Member], None] = lambda member: None,
        idle_seconds: float = 10.0,
        limits: ModelLimits | None = None,
        on_committed: Callable[[LiveModel], None] | None = None,
        schema: CollectionSchema | None = None,
        stored_version: int | None = None,
    ) -> None:
        """``record.data`` is the data at ``record.version`` (``tree``); ``stored_version`` is
        the version of the snapshot the database holds, when it lags (None: the same)."""
        self.pk = record.pk
        self.model_id = record.model_id
        self.collection_id = record.collection_id
        self.created_at = record.created_at
        self.modified_at = record.modified_at
        self.ephemeral = record.ephemeral
        self.tree = tree
        self._limits = limits or ModelLimits()
        #: The collection's schema (None: free-form); every op is checked against it before it
        #: is committed. Replaced inside the serializer when the collection's schema changes.
        self.schema = schema
        self.cc = ServerConcurrencyControl(record.version, max_history=self._limits.max_history)
        #: Exact snapshot bytes at the last commit, and an upper bound of what was applied since
        #: (models/limits.py): the tree is serialised only when the sum nears the size limit.
        self._size = snapshot_bytes(record.data)
        self._growth = 0
        #: The last version the op log holds, and the version of the stored snapshot: the
        #: snapshot is written (off the batch path) when they are N ops or T seconds apart.
        self._committed_version = record.version
        self._stored_version = record.version if stored_version is None else stored_version
        self._snapshot_writer: asyncio.Task[None] | None = None
        self._snapshot_again = False
        self._snapshot_timer: asyncio.TimerHandle | None = None
        #: A failed commit left ops in the tree that the log does not hold: no more snapshots.
        self._tainted = False
        self.members: dict[str, Member] = {}
        self.references = ReferenceStore()
        self.closed = False
        self._persistence = persistence
        self._on_unload = on_unload
        self._load_replay = load_replay
        self._ensure_known = ensure_known
        #: Tells the service that a member was removed by the server (forget its resource id).
        self._forced = on_forced
        self._idle_seconds = idle_seconds
        #: Told (via call_soon, never inside the commit path) after each successful commit:
        #: the lifecycle observer (web hooks) hangs off it.
        self._on_committed = on_committed
        self._mailbox: collections.deque[Submission | Command | None] = collections.deque()
        self._wakeup = asyncio.Event()
        self._idle_timer: asyncio.TimerHandle | None = None
        self._pins = 0
        self._task = asyncio.get_running_loop().create_task(self._run())

    @property
    def version(self) -> int:
        return self.cc.version

    # -- mailbox -----------------------------------------------------------------------------

    def submit(self, submission: Submission) -> None:
        if self.closed:
            raise ModelGone(self.model_id)
        self._put(submission)

    async def call(self, run: Callable[[], T]) -> T:
        """Run ``run`` inside the serializer and return its result."""
        return await self._call(run)

    async def call_async(self, run: Callable[[], Awaitable[T]]) -> T:
        """Run the coroutine function ``run`` inside the serializer and return its result."""
        result: T = await self._call(run)
        return result

    async def _call(self, run: Callable[[], Any]) -> Any:
        if self.closed:
            raise ModelGone(self.model_id)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._put(Command(run, future))
        return await future

    def post(self, run: Callable[[], object]) -> None:
        """Like :meth:`call` without waiting: keeps order with the ops queued before it."""
        if self.closed:
            raise ModelGone(self.model_id)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_log_failure)
        self._put(Command(run, future))

    def _put(self, item: Submission | Command | None) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        self._mailbox.append(item)
        self._wakeup.set()

    async def _run(self) -> None:
        while True:
            if not self._mailbox:
                if not self.members and self._idle_timer is None:
                    # Also a model loaded without any open (a notebook session call, a server
                    # read or op, a refused open) is unloaded once it has been idle long enough.
                    self._maybe_idle()
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            item = self._mailbox.popleft()
            if item is None:
                break
            try:
                if isinstance(item, Submission):
                    batch = [item]
                    while (
                        self._mailbox
                        and isinstance(self._mailbox[0], Submission)
                        and len(batch) < MAX_BATCH
                    ):
                        nxt = self._mailbox.popleft()
                        assert isinstance(nxt, Submission)
                        batch.append(nxt)
                    await self._process_batch(batch)
                else:
                    try:
                        result = item.run()
                        if inspect.isawaitable(result):
                            result = await result
                        if not item.future.done():
                            item.future.set_result(result)
                    except Exception as exc:  # delivered to the caller
                        if not item.future.done():
                            item.future.set_exception(exc)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("model %s: serializer failure; unloading", self.model_id)
                self._fail_all("internal server error")
            if self.closed:
                break
        self._drain_after_close()
        await self._final_snapshot()

    def _drain_after_close(self) -> None:
        while self._mailbox:
            item = self._mailbox.popleft()
            if isinstance(item, Command) and not item.future.done():
                item.future.set_exception(ModelGone(self.model_id))

    # -- operations --------------------------------------------------------------------------

    async def _process_batch(self, batch: list[Submission]) -> None:
        base = self.cc.version
        done: list[_Done] = []
        pending: list[PendingOperation] = []
        failures: list[tuple[Member, int, str, str]] = []
        for sub in batch:
            member = self.members.get(sub.session_id)
            if member is None or member.failed:
                continue
            if member.owed:
                # A resend of an op committed before the reconnect: ack it, apply nothing.
                if sub.sequence_number == member.owed[0][0]:
                    member.pay()
                    continue
                member.failed = True
                reason = f"resent op {sub.sequence_number} is not the one committed before"
                failures.append(
                    (member, ForceCloseCode.ERROR_APPLYING_OPERATION, "invalid_operation", reason)
                )
                continue
            if not member.permissions.write:
                member.failed = True
                failures.append(
                    (member, ForceCloseCode.UNAUTHORIZED, "unauthorized", "no write permission")
                )
                continue
            if sub.sequence_number <= member.last_seq:
                log.warning(
                    "model %s: duplicate op %s from %s ignored",
                    self.model_id,
                    sub.sequence_number,
                    sub.session_id,
                )
                continue
            try:
                op = ot.preprocess(self.tree, sub.op)
                transformed = self.cc.transform(sub.session_id, sub.context_version, op)
                # Again after the transform: it may have turned a compound's part that
                # creates a value into a no-op, and a later part editing that value must
                # follow (found by tests/client/test_differential.py).
                final = ot.normalize_incoming(ot.preprocess(self.tree, transformed.op))
                refused = member.rules.refusal(self.tree, final) if member.rules else None
                if refused is not None:
                    member.failed = True
                    failures.append((member, ForceCloseCode.UNAUTHORIZED, "unauthorized", refused))
                    continue
                views = self._restricted_views(final, exclude=member)
                applied = ot.apply(self.tree, final)
                applied = self._check_limits(final, applied)
                self._check_schema(applied)
            except SchemaViolation as exc:
                member.failed = True
                failures.append(
                    (member, ForceCloseCode.ERROR_APPLYING_OPERATION, "schema_violation", str(exc))
                )
                continue
            except (ot.InvalidOperationError, ConcurrencyError, LimitExceeded) as exc:
                member.failed = True
                failures.append(
                    (
                        member,
                        ForceCloseCode.ERROR_APPLYING_OPERATION,
                        "invalid_operation",
                        str(exc),
                    )
                )
                continue
            version = self.cc.commit(transformed, final)
            member.last_seq = sub.sequence_number
            now = datetime.now(UTC)
            self.references.apply(applied)
            done.append(_Done(member, sub.sequence_number, version, now, final, views))
            pending.append(
                PendingOperation(
                    version, now, sub.session_id, sub.sequence_number, member.user_pk, applied
                )
            )
        if pending:
            try:
                data = self._due_snapshot()
                await self._persistence.commit(base, pending, self.tree.root, data)
            except Exception:
                log.exception("model %s: commit failed; closing the model", self.model_id)
                self._fail_all("the server could not store an operation")
                return
            self.modified_at = pending[-1].timestamp
            self._stored_ops(pending[-1].version, data is not None)
            self._committed()
        for d in done:
            self._deliver(d)
        for member, code, error_code, reason in failures:
            if self.members.get(member.session.session_id) is not member:
                continue
            member.session.send_error(error_code, reason, {"modelId": self.model_id})
            self._force_close(member, code, reason)

    def _committed(self) -> None:
        if self._on_committed is not None:
            asyncio.get_running_loop().call_soon(self._on_committed, self)

    def _check_limits(self, op: ot.Operation, applied: ot.AppliedOperation) -> ot.AppliedOperation:
        """(Right after ``applied`` changed the tree.) Raise :class:`LimitExceeded` if the op
        makes a string or the model grow past its limit, after undoing it (the tree is as before
        the op). A model or string already past a limit (say, the limit was lowered) can still
        be edited by ops that do not make it grow. Returns the op's applied form."""
        try:
            check_strings(self._limits, self.tree, applied)
        except LimitExceeded:
            self._undo(applied)
            raise
        limit = self._limits.max_model_bytes
        if not limit:
            return applied
        bound = growth_bound(op)
        if self._size + self._growth + bound <= limit:
            self._growth += bound
            return applied
        after = snapshot_bytes(snapshot_to_json(self.tree.root))
        if after > limit:
            # Past the limit: what decides is whether this op made the model larger.
            self._undo(applied)
            before = snapshot_bytes(snapshot_to_json(self.tree.root))
            self._size, self._growth = before, 0
            if after > before:
                raise LimitExceeded(
                    f"the model would be {after} bytes; the limit is {limit}"
                ) from None
            applied = ot.apply(self.tree, op)
        self._size, self._growth = after, 0
        return applied

    def _check_schema(self, applied: ot.AppliedOperation) -> None:
        """(Right after ``applied`` changed the tree.) Raise :class:`SchemaViolation` if the
        subtrees the op changed break the collection's schema, after undoing the op: the
        live tree served as the scratch view, nothing of the op is stored or sent."""
        if self.schema is None:
            return
        violation = check_applied(self.schema, self.tree, applied)
        if violation is not None:
            self._undo(applied)
            raise violation

    def _undo(self, applied: ot.AppliedOperation) -> None:
        ot.apply(self.tree, ot.as_operation(ot.invert(applied)))

    # -- snapshots -----------------------------------------------------------------------------

    @property
    def lagging(self) -> bool:
        """Whether the stored snapshot is older than the op log (it is written behind)."""
        return self._stored_version < self._committed_version

    def _due_snapshot(self) -> str | None:
        """(Inside the serializer, the batch applied, before its commit.) The snapshot for the
        commit to carry when the stored one is N ops behind. Carried, not written by a second
        transaction: on SQLite that one would compete for the single write lock with the
        model's next commit, and the busy handler sleeps in milliseconds (measured: W2 worse
        than a snapshot per batch)."""
        behind = self.cc.version - self._stored_version
        if self._tainted or behind < self._limits.snapshot_every_ops:
            return None
        text = snapshot_to_json(self.tree.root)
        self._size, self._growth = snapshot_bytes(text), 0  # exact, as of this version
        return text

    def _stored_ops(self, version: int, with_snapshot: bool) -> None:
        """(Inside the serializer, right after a commit.) Note what is stored; make sure a
        snapshot follows within T seconds when the commit did not carry one."""
        self._committed_version = version
        if with_snapshot:
            self._stored_version = version
            if self._snapshot_timer is not None:
                self._snapshot_timer.cancel()
                self._snapshot_timer = None
        elif self._snapshot_writer is None:
            self._arm_snapshot_timer()

    def _arm_snapshot_timer(self) -> None:
        if self._snapshot_timer is None and not self.closed:
            delay = self._limits.snapshot_every_seconds
            self._snapshot_timer = asyncio.get_running_loop().call_later(delay, self._snapshot_due)

    def _snapshot_due(self) -> None:
        self._snapshot_timer = None
        if not self.closed:
            self.post(self._take_snapshot)

    def _take_snapshot(self) -> None:
        """(Inside the serializer, between batches.) Serialise the tree and start writing it;
        with a write already under way, one more follows it."""
        if self._tainted or not self.lagging:
            return
        if self._snapshot_writer is not None:
            self._snapshot_again = True
            return
        if self._snapshot_timer is not None:
            self._snapshot_timer.cancel()
            self._snapshot_timer = None
        text = snapshot_to_json(self.tree.root)
        self._size, self._growth = snapshot_bytes(text), 0  # exact, as of this version
        self._snapshot_writer = asyncio.get_running_loop().create_task(
            self._write_snapshot(self._committed_version, text)
        )

    async def _write_snapshot(self, version: int, text: str) -> None:
        try:
            await self._persistence.store_snapshot(version, text)
            self._stored_version = max(self._stored_version, version)
        except Exception:
            # The ops are durable; the snapshot is only a shortcut for the next load.
            log.exception("model %s: no snapshot stored at %s", self.model_id, version)
        finally:
            self._snapshot_writer = None
        if self.closed or not self.lagging:
            return
        if self._snapshot_again:  # asked again while it was written
            self._snapshot_again = False
            self.post(self._take_snapshot)
        else:  # ops committed meanwhile: they get their T seconds
            self._arm_snapshot_timer()

    async def _flush_snapshot(self) -> None:
        """(Inside the serializer.) Store the snapshot at the committed version now; raises if
        it could not be stored."""
        while self._snapshot_writer is not None:
            await asyncio.shield(self._snapshot_writer)
        self._take_snapshot()
        if self._snapshot_writer is not None:
            await asyncio.shield(self._snapshot_writer)
        if self.lagging and not self._tainted:
            raise RuntimeError(f"model {self.model_id}: the snapshot could not be stored")

    async def flush_snapshot(self) -> None:
        """Store the snapshot at every op committed so far (readers of the stored snapshot,
        such as queries, call this first). Raises :class:`ModelGone` if unloading (await
        :meth:`finished` instead: the unload stores it)."""
        await self.call_async(self._flush_snapshot)

    async def finished(self) -> None:
        """Wait until the serializer ended, with its last snapshot written (after unload)."""
        await asyncio.shield(self._task)

    async def _final_snapshot(self) -> None:
        """(The serializer ended.) Store the snapshot at the last committed op."""
        if self._snapshot_timer is not None:
            self._snapshot_timer.cancel()
            self._snapshot_timer = None
        try:
            await self._flush_snapshot()
        except Exception:
            log.exception("model %s: the snapshot could not be stored at unload", self.model_id)

    def _deliver(self, d: _Done) -> None:
        stamp = wire.datetime_to_timestamp(d.timestamp)
        sender = d.member.session.session_id
        d.member.send(
            "operationAck",
            pb.OperationAcknowledgementMessage(
                resourceId=d.member.resource_id,
                sequenceNumber=d.sequence_number,
                version=d.version - 1,
                timestamp=stamp,
            ),
        )
        self._broadcast_op(sender, d.version, stamp, d.op, d.views, exclude=d.member)

    def _restricted_views(
        self, op: ot.Operation, exclude: Member | None = None
    ) -> dict[str, ot.Operation]:
        """(Before ``op`` is applied.) The op as each path-restricted member will see it."""
        restricted = [
            (sid, m.rules)
            for sid, m in self.members.items()
            if m.rules is not None and m is not exclude
        ]
        if not restricted:
            return {}
        views = views_of([rules for _, rules in restricted], self.tree, op)
        return {sid: view for (sid, _), view in zip(restricted, views, strict=True)}

    def _broadcast_op(
        self,
        sender: str,
        version: int,
        stamp: Any,
        op: ot.Operation,
        views: dict[str, ot.Operation],
        exclude: Member | None = None,
    ) -> None:
        """Send a committed op to every member but ``exclude``: one shared encode for the
        unrestricted, the member's own view for each path-restricted one (a member that
        joined after the op was judged cannot be restricted-and-missing: joins run in the
        serializer, between batches)."""
        op_wire = wire.operation_to_wire(op)

        def build(operation: pb.OperationData) -> Callable[[int], Message]:
            return lambda rid: pb.RemoteOperationMessage(
                resourceId=rid,
                sessionId=sender,
                contextVersion=version - 1,
                timestamp=stamp,
                operation=operation,
            )

        others = [m for m in self.members.values() if m is not exclude]
        self._fan_out(
            (m for m in others if m.rules is None), "remoteOperation", build(op_wire), (sender,)
        )
        for member in others:
            if member.rules is None:
                continue
            view = views.get(member.session.session_id)
            if view is None:  # defensive: never send unjudged data to a restricted reader
                view = ot.StringSplice(id=self.tree.root.id, no_op=True, index=0)
            body = build(wire.operation_to_wire(view))(member.resource_id)
            member.send("remoteOperation", body, (sender,))

    @staticmethod
    def _fan_out(
        recipients: Iterable[Member],
        body_name: str,
        build: Callable[[int], Message],
        mentions: tuple[str, ...],
    ) -> None:
        """Send one message to many members: the body differs only in the resource id, so it
        is built and encoded once per distinct id and the bytes are shared."""
        frames: dict[int, bytes] = {}
        for member in recipients:
            frame = frames.get(member.resource_id)
            if frame is None:
                frame = frames[member.resource_id] = encode(body_name, build(member.resource_id))
            member.send(body_name, frame, mentions)

    async def apply_server_operation(self, session_id: str, op: ot.Operation) -> int:
        """(Inside the serializer.) Apply an op that trusted server code built on the tree as it
        is now (so it needs no transform), store it, and send it to every member as a remote
        op of ``session_id``; returns the new version. An op that does not fit the tree raises
        ``InvalidOperationError`` and one that breaks the collection's schema raises
        :class:`SchemaViolation`; both change nothing."""
        base = self.cc.version
        final = ot.normalize_incoming(ot.preprocess(self.tree, op))
        views = self._restricted_views(final)
        applied = ot.apply(self.tree, final)
        self._check_schema(applied)
        version = self.cc.commit(Transformed(session_id, base, final, []), final)
        now = datetime.now(UTC)
        self.references.apply(applied)
        try:
            data = self._due_snapshot()
            await self._persistence.commit(
                base,
                [PendingOperation(version, now, session_id, 0, None, applied)],
                self.tree.root,
                data,
            )
        except Exception:
            log.exception("model %s: commit failed; closing the model", self.model_id)
            self._fail_all("the server could not store an operation")
            raise
        self.modified_at = now
        self._stored_ops(version, data is not None)
        self._committed()
        stamp = wire.datetime_to_timestamp(now)
        self._broadcast_op(session_id, version, stamp, final, views)
        return version

    # -- membership ----------------------------------------------------------------------------

    def release(self, session_id: str) -> None:
        """Flush frames held back for a member whose open/resync reply has now been written."""
        member = self.members.get(session_id)
        if member is None or member.pending is None:
            return
        held, member.pending = member.pending, None
        for frame in held:
            _emit(member.session, frame)

    def open(
        self,
        session: SessionHandle,
        resource_id: int,
        perms: PermissionFlags,
        rules: PathRules | None = None,
    ) -> OpenState:
        """(Inside the serializer.) Join the model; others are told at once. A member with
        path ``rules`` gets the data (and references) it may read."""
        sid = session.session_id
        self.members[sid] = Member(session, resource_id, perms, session.user_pk, rules=rules)
        self.cc.track(sid)
        self._broadcast_except(
            sid,
            "remoteClientOpenedModel",
            lambda rid: pb.RemoteClientOpenedMessage(resourceId=rid, sessionId=sid),
            (sid,),
        )
        return OpenState(
            version=self.cc.version,
            data=wire.object_to_wire(
                rules.view_root(self.tree.root) if rules is not None else self.tree.root
            ),
            created_at=self.created_at,
            modified_at=self.modified_at,
            connected=[s for s, m in self.members.items() if not m.resyncing],
            resyncing=[s for s, m in self.members.items() if m.resyncing],
            references=self._reference_data(rules),
        )

    def close(self, session_id: str, *, notify: bool = True) -> bool:
        """(Inside the serializer.) Leave the model; False if the session was not in it."""
        member = self.members.pop(session_id, None)
        if member is None:
            return False
        self.cc.untrack(session_id)
        self.references.drop_session(session_id)
        # Others only know sessions that completed an open (a resync start is not an open).
        if notify and not member.resyncing:
            self._broadcast_except(
                session_id,
                "remoteClientClosedModel",
                lambda rid: pb.RemoteClientClosedMessage(resourceId=rid, sessionId=session_id),
                (session_id,),
            )
        self._maybe_idle()
        return True

    def _force_close(self, member: Member, code: int, reason: str) -> None:
        member.owed.clear()  # what was held back for it no longer matters
        member.held.clear()
        member.send(
            "forceCloseRealTimeModel",
            pb.ModelForceCloseMessage(
                resourceId=member.resource_id, reason=reason, reasonCode=code
            ),
        )
        self.close(member.session.session_id)
        self._forced(member)

    def _fail_all(self, reason: str) -> None:
        self._tainted = True
        for member in list(self.members.values()):
            self._force_close(member, ForceCloseCode.UNKNOWN, reason)
        self.unload()

    def delete(self) -> None:
        """(Inside the serializer.) The model was deleted: kick everyone with code 2."""
        for member in list(self.members.values()):
            member.send(
                "forceCloseRealTimeModel",
                pb.ModelForceCloseMessage(
                    resourceId=member.resource_id,
                    reason="the model was deleted",
                    reasonCode=ForceCloseCode.DELETED,
                ),
            )
            self.members.pop(member.session.session_id, None)
            self._forced(member)
        self.unload()

    def unload(self) -> None:
        if not self.closed:
            self.closed = True
            self._on_unload(self)
            self._mailbox.append(None)
            self._wakeup.set()

    @contextlib.contextmanager
    def pinned(self) -> Iterator[None]:
        """Keep the model loaded while a caller awaits look-ups before its next command (an
        open's permission check): a member-less model's idle timer must not win that race."""
        self._pins += 1
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        try:
            yield
        finally:
            self._pins -= 1
            self._maybe_idle()

    def _maybe_idle(self) -> None:
        if self.members or self.closed or self._pins:
            return
        loop = asyncio.get_running_loop()
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        self._idle_timer = loop.call_later(self._idle_seconds, self._idle_check)

    def _idle_check(self) -> None:
        self._idle_timer = None
        if not self.members and not self._mailbox and not self.closed and not self._pins:
            self.unload()

    def _broadcast_except(
        self,
        session_id: str,
        body_name: str,
        build: Callable[[int], Message],
        mentions: tuple[str, ...] = (),
    ) -> None:
        """Tell the other members about a membership change. Resyncing members are skipped:
        their ``modelResyncServerComplete`` lists who is there, and the rc.12 client adds
        those sessions without checking, so a session it had also been told about would be
        in its list twice (its next offline transition then throws in ``_setOffline``)."""
        self._fan_out(
            (m for sid, m in self.members.items() if sid != session_id and not m.resyncing),
            body_name,
            build,
            mentions,
        )

    # -- permissions ---------------------------------------------------------------------------

    def update_permissions(self, resolve: Callable[[Member], PermissionFlags]) -> None:
        """(Inside the serializer.) Re-resolve every member; tell those whose rights changed."""
        for member in list(self.members.values()):
            new = resolve(member)
            if new == member.permissions:
                continue
            member.permissions = new
            if not new.read:
                self._force_close(member, ForceCloseCode.PERMISSIONS_CHANGED, "read access lost")
                continue
            member.send(
                "modelPermissionsChanged",
                pb.ModelPermissionsChangedMessage(
                    resourceId=member.resource_id, permissions=wire.permissions_to_wire(new)
                ),
            )

    # -- resync --------------------------------------------------------------------------------

    async def start_resync(
        self, session: SessionHandle, resource_id: int, perms: PermissionFlags, since: int
    ) -> int:
        """(Inside the serializer.) Track a reconnected session and queue the replay of every
        op after ``since``: others' ops with their original session id, the client's own as
        acks (models/resync.py); returns the version to announce as the resync version."""
        sid = session.session_id
        current = self.cc.version
        if since > current or since < 0:
            raise ConcurrencyError(f"cannot resync from version {since} (model at {current})")
        member = Member(session, resource_id, perms, session.user_pk, resyncing=True)
        self.members[sid] = member
        self.cc.track(sid, resync=True)
        self._broadcast_except(
            sid,
            "remoteClientResyncStarted",
            lambda rid: pb.RemoteClientResyncStartedMessage(resourceId=rid, sessionId=sid),
            (sid,),
        )
        if since == current:
            return current
        ops = await self._load_replay(since + 1, current)
        plan = plan_replay(since, ops, frozenset(session.lineage))
        await self._ensure_known([o.session_id for o, own in plan.replay if not own])
        for op, own in plan.replay:
            stamp = wire.datetime_to_timestamp(op.timestamp)
            if own:
                member.send("operationAck", _ack(resource_id, op, stamp))
                continue
            applied = wire.applied_from_json(op.operation)
            member.send(
                "remoteOperation",
                pb.RemoteOperationMessage(
                    resourceId=resource_id,
                    sessionId=op.session_id,
                    contextVersion=op.version - 1,
                    timestamp=stamp,
                    operation=wire.operation_to_wire(ot.as_operation(applied)),
                ),
                (op.session_id,),
            )
        for op in plan.trailing:
            ack = _ack(resource_id, op, wire.datetime_to_timestamp(op.timestamp))
            member.owed.append((op.sequence_number, ack))
        own_seqs = [o.sequence_number for o, own in plan.replay if own]
        own_seqs += [o.sequence_number for o in plan.trailing]
        member.last_seq = max(own_seqs, default=0)
        return plan.reply_version

    def complete_resync(
        self, session_id: str, open_after: bool
    ) -> pb.ModelResyncServerCompleteMessage:
        """(Inside the serializer.) Finish a resync: join the open set, or leave."""
        member = self.members.get(session_id)
        if member is None:
            raise InvalidReferenceEvent("not resyncing")
        if member.owed:
            log.warning(
                "model %s: %s completed its resync without resending its committed ops",
                self.model_id,
                session_id,
            )
            reason = "the resync did not resend the operations committed before it"
            member.session.send_error("invalid_operation", reason, {"modelId": self.model_id})
            self._force_close(member, ForceCloseCode.ERROR_APPLYING_OPERATION, reason)
            raise InvalidReferenceEvent(reason)
        resource_id = member.resource_id
        self._broadcast_except(
            session_id,
            "remoteClientResyncCompleted",
            lambda rid: pb.RemoteClientResyncCompletedMessage(resourceId=rid, sessionId=session_id),
            (session_id,),
        )
        if not open_after:
            reply = pb.ModelResyncServerCompleteMessage(resourceId=resource_id)
            member.send("modelResyncServerComplete", reply)
            self.close(session_id, notify=False)
            self._forced(member)
            return reply
        member.resyncing = False
        self._broadcast_except(
            session_id,
            "remoteClientOpenedModel",
            lambda rid: pb.RemoteClientOpenedMessage(resourceId=rid, sessionId=session_id),
            (session_id,),
        )
        reply = pb.ModelResyncServerCompleteMessage(
            resourceId=resource_id,
            connectedClients=[s for s, m in self.members.items() if not m.resyncing],
            resyncingClients=[s for s, m in self.members.items() if m.resyncing],
            references=self._reference_data(),
        )
        mentions = (*reply.connectedClients, *reply.resyncingClients)
        member.send("modelResyncServerComplete", reply, tuple(mentions))
        return reply

    # -- references ----------------------------------------------------------------------------

    def _reference_data(self, rules: PathRules | None = None) -> list[pb.ReferenceData]:
        out = []
        for shared in self.references:
            if rules is not None and not self._may_see_reference(
                rules, shared.value.value_id, shared.value
            ):
                continue
            data = pb.ReferenceData(
                sessionId=shared.session_id,
                key=shared.key,
                reference=wire.reference_to_wire(shared.value),
            )
            if shared.value.value_id is not None:
                data.valueId.value = shared.value.value_id
            out.append(data)
        return out

    def reference_event(
        self,
        session_id: str,
        kind: str,
        key: str,
        value_id: str | None,
        ref: ot.ReferenceValue | None,
        version: int,
    ) -> None:
        """(Inside the serializer.) share / set / clear / unshare from one member."""
        member = self.members.get(session_id)
        if member is None:
            return
        ref_key = (session_id, value_id, key)
        if value_id is not None and value_id not in self.tree:
            return  # events for vanished values are dropped silently
        try:
            if kind in ("share", "set"):
                assert ref is not None
                if not self.references.check_target(self.tree, ref):
                    return
                if kind == "set":
                    self.references.require(ref_key)
                current = self.cc.transform_reference(
                    session_id, version, ref, ot.transform_reference
                )
                if current is not None and current.type is ot.ReferenceType.ELEMENT:
                    current = ot.ReferenceValue(
                        current.type, None, ot.existing_elements(self.tree, current.values)
                    )
                if kind == "share":
                    self._check_reference_count(session_id)
                    self.references.share(ref_key, current or ref.cleared())
                    if current is None:
                        return
                else:
                    if current is None:
                        return
                    self.references.require(ref_key).value = current
                self._send_reference(
                    member,
                    "referenceShared" if kind == "share" else "referenceSet",
                    key,
                    value_id,
                    current,
                )
            elif kind == "clear":
                shared = self.references.require(ref_key)
                shared.value = shared.value.cleared()
                self._send_reference(member, "referenceCleared", key, value_id, None)
            else:
                self.references.unshare(ref_key)
                self._send_reference(member, "referenceUnshared", key, value_id, None)
        except (InvalidReferenceEvent, ConcurrencyError) as exc:
            self._force_close(member, ForceCloseCode.INVALID_REFERENCE_EVENT, str(exc))

    def _check_reference_count(self, session_id: str) -> None:
        limit = self._limits.max_references
        held = sum(1 for shared in self.references if shared.session_id == session_id)
        if limit and held >= limit:
            raise InvalidReferenceEvent(
                f"this session already shares {held} references in this model (limit {limit})"
            )

    def _send_reference(
        self,
        sender: Member,
        body_name: str,
        key: str,
        value_id: str | None,
        ref: ot.ReferenceValue | None,
    ) -> None:
        sid = sender.session.session_id
        classes: dict[str, Any] = {
            "referenceShared": pb.RemoteReferenceSharedMessage,
            "referenceSet": pb.RemoteReferenceSetMessage,
            "referenceCleared": pb.RemoteReferenceClearedMessage,
            "referenceUnshared": pb.RemoteReferenceUnsharedMessage,
        }
        ref_wire = wire.reference_to_wire(ref) if ref is not None else None

        def build(resource_id: int) -> Message:
            body = classes[body_name](resourceId=resource_id, key=key, sessionId=sid)
            if value_id is not None:
                body.valueId.value = value_id
            if ref_wire is not None:
                body.references.CopyFrom(ref_wire)
            return body

        others = [m for m in self.members.values() if m is not sender and not m.resyncing]
        self._fan_out((m for m in others if m.rules is None), body_name, build, (sid,))
        for member in others:
            if member.rules is not None and self._may_see_reference(member.rules, value_id, ref):
                member.send(body_name, build(member.resource_id), (sid,))

    def _may_see_reference(
        self, rules: PathRules, value_id: str | None, ref: ot.ReferenceValue | None
    ) -> bool:
        """A reference on (or, for element references, to) a value the reader cannot see is
        not forwarded: its position would tell where someone works in hidden data."""
        if value_id is not None and not rules.sees_id(self.tree, value_id):
            return False
        if ref is not None and ref.type is ot.ReferenceType.ELEMENT:
            return all(rules.sees_id(self.tree, v) for v in ref.values)
        if ref is not None and ref.type is ot.ReferenceType.PROPERTY and value_id is not None:
            return all(rules.sees_key(self.tree, value_id, k) for k in ref.values)
        return True

    def update_rules(self, resolve: Callable[[Member], PathRules | None]) -> None:
        """(Inside the serializer.) Path grants changed: a member whose rules changed is
        force-closed (rc.12 cannot be told to drop or add subtrees); it may open again."""
        for member in list(self.members.values()):
            if resolve(member) != member.rules:
                self._force_close(
                    member, ForceCloseCode.PERMISSIONS_CHANGED, "path permissions changed"
                )


def _ack(resource_id: int, op: ReplayOp, stamp: Any) -> pb.OperationAcknowledgementMessage:
    """The ack of a client's own op, applied at ``op.version - 1``."""
    return pb.OperationAcknowledgementMessage(
        resourceId=resource_id,
        sequenceNumber=op.sequence_number,
        version=op.version - 1,
        timestamp=stamp,
    )
