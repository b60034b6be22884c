"""One client connection: the protocol state machine between a socket and the domain services.

The connection is transport-agnostic (see :class:`Transport`) so that tests can drive it without
sockets. It guarantees the ordering rules the rc.12 client depends on:

* frames leave in the order ``send`` was called, and identities are announced before any frame
  that names a session (the identity-cache rule);
* requests and plain messages are handled one at a time, in arrival order, so a model's
  operations are never reordered; replies to *our* requests bypass that queue, otherwise a
  handler waiting for the client (auto-create) would wait for itself.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Protocol

from google.protobuf.message import Message

from convergence_jupyter.domain.errors import ServiceError
from convergence_jupyter.domain.runtime import DomainRuntime
from convergence_jupyter.domain.session import DomainRef
from convergence_jupyter.domain.users import DomainUser
from convergence_jupyter.identity.wire import user_id_to_wire, user_to_wire
from convergence_jupyter.protocol.envelope import (
    IncomingMessage,
    MessageKind,
    ProtocolError,
    decode_client_frame,
    encode,
)
from convergence_jupyter.protocol.schema import core_pb2, identity_pb2
from convergence_jupyter.protocol.values import fill_value_map
from convergence_jupyter.realtime.limits import (
    RATE_LIMITED_BODIES,
    ConnectionLimits,
    RateLimit,
    TokenBucket,
)

if TYPE_CHECKING:
    from convergence_jupyter.realtime.server import RealtimeServer

log = logging.getLogger(__name__)

#: Websocket close codes we use (RFC 6455 section 7.4).
CLOSE_NORMAL = 1000
CLOSE_UNSUPPORTED_DATA = 1003
CLOSE_POLICY_VIOLATION = 1008
CLOSE_GOING_AWAY = 1001

#: How long a refused client may keep its socket before we close it.
REFUSED_GRACE_SECONDS = 2.0
#: How long a closed connection lets the message in hand finish before cancelling it.
HANDLER_GRACE_SECONDS = 10.0


class Transport(Protocol):
    """What a connection needs from its socket."""

    def write(self, frame: bytes) -> Awaitable[None] | None:
        """Queue one binary frame; the awaitable (if any) completes once it is flushed."""
        ...

    def close(self, code: int, reason: str) -> None: ...


class State(enum.Enum):
    AWAITING_CONNECT = "awaiting-connect"
    AUTHENTICATING = "authenticating"
    CONNECTED = "connected"
    #: A failure response was sent; waiting for the client to hang up.
    REFUSED = "refused"
    CLOSED = "closed"


class ClientConnection:
    """A client session; implements :class:`~convergence_jupyter.domain.session.SessionHandle`."""

    def __init__(
        self,
        server: RealtimeServer,
        transport: Transport,
        *,
        namespace: str,
        domain_name: str,
        remote_host: str = "",
        user_agent: str = "",
    ) -> None:
        self._server = server
        self._transport = transport
        self._limits: ConnectionLimits = server.limits
        self.namespace = namespace
        self.domain_name = domain_name
        self.remote_host = remote_host
        self.user_agent = user_agent
        self.state = State.AWAITING_CONNECT
        self._loop = asyncio.get_running_loop()
        self._inbox: asyncio.Queue[IncomingMessage] = asyncio.Queue()
        self._worker = self._loop.create_task(self._process_inbox())
        self._handling = False  # the worker is inside a handler (not waiting on the inbox)
        self._pre_auth_messages = 0
        self._pre_auth_bytes = 0
        self._outstanding_bytes = 0
        self._buckets: dict[str, TokenBucket] = {}
        self._refusals: dict[str, int] = {}  # requests refused in a row, per bucket
        self._next_request_id = 0
        self._pending_requests: dict[int, asyncio.Future[IncomingMessage]] = {}
        self._known_sessions: set[str] = set()
        self._known_users: set[object] = set()
        self._last_received = self._loop.time()
        self._ping_sent = False
        self._handshake_timer = self._loop.call_later(
            self._limits.handshake_timeout, self._on_handshake_timeout
        )
        self._heartbeat_timer: asyncio.TimerHandle | None = None
        self._released = False
        self._cleanup: asyncio.Task[None] | None = None
        server.track(self)
        # Set once authenticated.
        self._session_id = ""
        self._user: DomainUser | None = None
        self._user_pk = 0
        self._lineage: tuple[str, ...] = ()
        self._domain: DomainRef | None = None
        self.runtime: DomainRuntime | None = None

    # -- SessionHandle ---------------------------------------------------------------------

    @property
    def session_id(self) -> str:
        return self._session_id

    @property
    def user(self) -> DomainUser:
        assert self._user is not None, "only authenticated sessions reach services"
        return self._user

    @property
    def user_pk(self) -> int:
        return self._user_pk

    @property
    def lineage(self) -> tuple[str, ...]:
        return self._lineage

    @property
    def domain(self) -> DomainRef:
        assert self._domain is not None, "only authenticated sessions reach services"
        return self._domain

    def send(self, body_name: str, body: Message, *, mentions: Iterable[str] = ()) -> None:
        if self.state is State.CLOSED:
            return
        self.announce(mentions)
        self._write(encode(body_name, body))

    def send_encoded(self, frame: bytes, *, mentions: Iterable[str] = ()) -> None:
        if self.state is State.CLOSED:
            return
        self.announce(mentions)
        self._write(frame)

    def announce(self, session_ids: Iterable[str]) -> None:
        unknown = [s for s in session_ids if s not in self._known_sessions]
        if not unknown or self.state is State.CLOSED or self.runtime is None:
            return
        update = identity_pb2.IdentityCacheUpdateMessage()
        for session_id in dict.fromkeys(unknown):
            user = self.runtime.directory.get(session_id)
            if user is None:
                log.error("no identity known for session %s; the client may fail", session_id)
                continue
            update.sessions[session_id].CopyFrom(user_id_to_wire(user.user_id))
            if user.user_id not in self._known_users:
                update.users.append(user_to_wire(user))
                self._known_users.add(user.user_id)
            self._known_sessions.add(session_id)
        if update.sessions:
            self._write(encode("identityCacheUpdate", update))

    def send_error(self, code: str, message: str, details: dict[str, object] | None = None) -> None:
        if self.state is not State.CLOSED:
            self._write(encode("error", _error_body(code, message, details)))

    async def request(self, body_name: str, body: Message) -> Message:
        if self.state is State.CLOSED:
            raise ServiceError("unknown", "the session is closed")
        request_id = self._next_request_id
        self._next_request_id += 1
        future: asyncio.Future[IncomingMessage] = self._loop.create_future()
        self._pending_requests[request_id] = future
        self._write(encode(body_name, body, request_id=request_id))
        try:
            reply = await asyncio.wait_for(future, self._limits.server_request_timeout)
        except TimeoutError:
            raise ServiceError(
                "timeout", f"the client did not answer '{body_name}' in time"
            ) from None
        finally:
            self._pending_requests.pop(request_id, None)
        if reply.body_name == "error":
            error = reply.body
            assert isinstance(error, core_pb2.ErrorMessage)
            raise ServiceError(error.code or "unknown", error.message)
        return reply.body

    def disconnect(self, reason: str) -> None:
        self._close(CLOSE_POLICY_VIOLATION, reason)

    # -- inbound -----------------------------------------------------------------------------

    def receive_binary(self, data: bytes) -> None:
        """Entry point for every binary frame; never raises."""
        if self.state in (State.CLOSED, State.REFUSED):
            return
        self._last_received = self._loop.time()
        self._ping_sent = False
        if self.state is not State.CONNECTED:
            self._pre_auth_messages += 1
            self._pre_auth_bytes += len(data)
            if (
                self._pre_auth_messages > self._limits.pre_auth_max_messages
                or self._pre_auth_bytes > self._limits.pre_auth_max_bytes
            ):
                self._fail("invalid_message", "too much traffic before authentication completed")
                return
        try:
            message = decode_client_frame(data)
        except ProtocolError as exc:
            self._fail(exc.code, exc.message, request_id=exc.request_id)
            return
        if message.kind is MessageKind.HEARTBEAT:
            if message.body_name == "ping":
                self._write(encode("pong"))
            return
        if message.kind is MessageKind.RESPONSE:
            self._resolve_request(message)
            return
        if self.state is State.AWAITING_CONNECT:
            if message.body_name != "connectionRequest":
                self._fail(
                    "invalid_message",
                    "the first message must be a connectionRequest",
                    request_id=message.request_id,
                )
                return
            self.state = State.AUTHENTICATING
        elif message.body_name == "connectionRequest":
            self._fail(
                "invalid_message",
                "this connection already sent its connectionRequest",
                request_id=message.request_id,
            )
            return
        if message.body_name in RATE_LIMITED_BODIES and not self._within_rate(message):
            return
        self._inbox.put_nowait(message)

    def _within_rate(self, message: IncomingMessage) -> bool:
        """Charge the sender's token bucket; refuse a request (disconnect a sender that goes
        on after ``burst`` refusals in a row), disconnect for a message.

        Only this sender is affected. A refused request had no effect, so its error may
        overtake replies still queued; an operation cannot be refused alone (the client's
        later operations build on it), so a client flooding operations is disconnected and
        resyncs when it comes back.
        """
        name = RATE_LIMITED_BODIES[message.body_name]
        now = self._loop.time()
        bucket = self._buckets.get(name)
        if bucket is None:
            limit = getattr(self._limits, name)
            assert isinstance(limit, RateLimit)
            bucket = self._buckets[name] = TokenBucket(limit, now)
        if bucket.take(now):
            self._refusals.pop(name, None)
            return True
        limit = bucket.limit
        text = (
            f"rate limit: more than {limit.rate:g} {limit.what} per second "
            f"(bursts up to {limit.burst}) on this connection"
        )
        refused = self._refusals[name] = self._refusals.get(name, 0) + 1
        if message.kind is MessageKind.REQUEST and refused > limit.burst:
            # A sender that keeps going after a burst's worth of refusals ignores the retry
            # hint: a flood, not a burst. It goes; everyone else keeps working.
            self._fail("rate_limited", f"{text}; disconnected after {refused - 1} refusals")
        elif message.kind is MessageKind.REQUEST:
            retry_ms = max(1, round(bucket.retry_after() * 1000))
            body = _error_body("rate_limited", f"{text}; retry later", {"retryAfterMs": retry_ms})
            self._write(encode("error", body, response_id=message.request_id))
        else:
            self._fail("rate_limited", text)
        return False

    def receive_text(self) -> None:
        self._fail(
            "invalid_message",
            "the Convergence protocol does not accept text frames",
            close_code=CLOSE_UNSUPPORTED_DATA,
        )

    def transport_closed(self) -> None:
        """The socket is gone (cleanly or not): release everything this session held."""
        if self._released:
            return
        self._released = True
        self._shutdown()
        self._cleanup = self._loop.create_task(self._after_close())

    async def shutdown(self, reason: str) -> None:
        """Close from the server side and wait until every service has let go of the session."""
        self._close(CLOSE_GOING_AWAY, reason)
        if self._cleanup is not None:
            await self._cleanup

    def _resolve_request(self, message: IncomingMessage) -> None:
        assert message.response_id is not None
        future = self._pending_requests.get(message.response_id)
        if future is None or future.done():
            log.debug("reply to unknown server request %s ignored", message.response_id)
            return
        future.set_result(message)

    async def _process_inbox(self) -> None:
        while self.state is not State.CLOSED:
            message = await self._inbox.get()
            if self.state is State.CLOSED:
                return
            if self.state is State.REFUSED:
                # Queued behind a login that failed: the client has its failure response and
                # no session to serve it (T6 found these reaching the services unauthenticated).
                continue
            self._handling = True
            try:
                if message.body_name == "connectionRequest":
                    await self._handle_connection_request(message)
                else:
                    await self._dispatch(message)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("unexpected failure handling %s", message.body_name)
                self._reply_error(message, "unknown", "the server failed to handle this message")
            finally:
                self._handling = False

    async def _dispatch(self, message: IncomingMessage) -> None:
        assert self.runtime is not None
        handler = self.runtime.handler_for(message.body_name)
        if handler is None:
            self._reply_error(
                message, "not_supported", f"'{message.body_name}' is not supported by this server"
            )
            return
        try:
            reply = await handler(self, message.body)
        except ServiceError as exc:
            self._reply_error(message, exc.code, exc.message, exc.details)
            return
        if message.kind is MessageKind.REQUEST:
            if reply is None:
                reply = ("ok", core_pb2.OkResponse())
            body_name, body = reply
            if self.state is not State.CLOSED:
                self._write(encode(body_name, body, response_id=message.request_id))

    def _reply_error(
        self,
        message: IncomingMessage,
        code: str,
        text: str,
        details: dict[str, object] | None = None,
    ) -> None:
        if self.state is State.CLOSED:
            return
        body = _error_body(code, text, details)
        if message.kind is MessageKind.REQUEST:
            self._write(encode("error", body, response_id=message.request_id))
        else:
            self._write(encode("error", body))

    # -- handshake ---------------------------------------------------------------------------

    async def _handle_connection_request(self, message: IncomingMessage) -> None:
        request = message.body
        assert isinstance(request, core_pb2.ConnectionRequestMessage)
        started = self._loop.time()
        outcome = await self._server.open_session(self, request)
        elapsed = self._loop.time() - started
        if elapsed > self._limits.handshake_timeout:
            # The rc.12 client gives up on a login after 10 s and reconnects on a new socket.
            log.warning(
                "a login took %.1f s (handshake timeout %.1f s)",
                elapsed,
                self._limits.handshake_timeout,
            )
        if self.state is State.CLOSED:
            if outcome.success is not None:
                await self._server.close_session(outcome.success.session_id)
            return
        response = core_pb2.ConnectionResponseMessage()
        response.server.version = self._server.version
        if outcome.failure is not None:
            response.failure.code = outcome.failure.code
            response.failure.details = outcome.failure.details
            response.failure.retryOk = outcome.failure.retry_ok
            self._write(encode("connectionResponse", response, response_id=message.request_id))
            # The client closes the socket itself on a failure; closing first makes it log an
            # error, so we only close if it has not done so after a grace period.
            self.state = State.REFUSED
            reason = f"connection refused: {outcome.failure.code}"
            self._loop.call_later(
                REFUSED_GRACE_SECONDS, self._close, CLOSE_POLICY_VIOLATION, reason
            )
            return
        success = outcome.success
        assert success is not None
        self._handshake_timer.cancel()
        self._session_id = success.session_id
        self._user = success.user
        self._user_pk = success.user_pk
        self._lineage = success.lineage
        self._domain = success.domain
        self.runtime = success.runtime
        self.state = State.CONNECTED
        data = response.success
        data.namespace = success.domain.namespace
        data.domainId = success.domain.name
        data.user.CopyFrom(user_to_wire(success.user))
        data.sessionId = success.session_id
        data.reconnectToken = success.reconnect_token
        fill_value_map(data.presenceState, success.runtime.presence_state_of(success.user.user_id))
        self._write(encode("connectionResponse", response, response_id=message.request_id))
        await success.runtime.session_opened(self)
        # No identityCacheUpdate for the session itself here: rc.12 with offline storage opens
        # its store only after the connection response, and an update arriving before that
        # kills its identity cache (an unopened store). Frames naming the session announce it.
        self._schedule_heartbeat()

    def _on_handshake_timeout(self) -> None:
        # Only a client that sent no connectionRequest is at fault. Once it has (AUTHENTICATING)
        # the wait is ours, e.g. a database busy right after a restart: closing then made the
        # rc.12 client, which had already given up on that socket and reconnected on another,
        # treat the close as a drop of its *current* connection, and a model resync then died
        # inside the client (its resync entry was cleared under it, a TypeError) for good.
        if self.state in (State.AWAITING_CONNECT, State.REFUSED):
            self._close(CLOSE_POLICY_VIOLATION, "no connectionRequest within the handshake timeout")

    # -- heartbeat ---------------------------------------------------------------------------

    def _schedule_heartbeat(self) -> None:
        period = max(0.05, min(self._limits.ping_interval, self._limits.pong_timeout) / 4)
        self._heartbeat_timer = self._loop.call_later(period, self._heartbeat_tick)

    def _heartbeat_tick(self) -> None:
        if self.state is State.CLOSED:
            return
        idle = self._loop.time() - self._last_received
        if self._ping_sent and idle >= self._limits.ping_interval + self._limits.pong_timeout:
            self._close(CLOSE_POLICY_VIOLATION, "heartbeat timeout")
            return
        if not self._ping_sent and idle >= self._limits.ping_interval:
            self._ping_sent = True
            self._write(encode("ping"))
        self._schedule_heartbeat()

    # -- outbound and closing ----------------------------------------------------------------

    def _write(self, frame: bytes) -> None:
        if self.state is State.CLOSED:
            return
        try:
            flushed = self._transport.write(frame)
        except Exception:  # the socket died under us; on_close will follow
            log.debug("write on a closed socket", exc_info=True)
            return
        if flushed is None:
            return
        size = len(frame)
        self._outstanding_bytes += size
        if self._outstanding_bytes > self._limits.max_outbound_bytes:
            self._close(CLOSE_POLICY_VIOLATION, "the client does not read fast enough")
            return
        # A done-callback, not a task per frame: on a broadcast-heavy loop the task creation and
        # its extra loop turn were a measurable share of the write path (bench/README.md).
        asyncio.ensure_future(flushed).add_done_callback(partial(self._flushed, size))

    def _flushed(self, size: int, flushed: asyncio.Future[None]) -> None:
        self._outstanding_bytes -= size
        if not flushed.cancelled():
            flushed.exception()  # closed while writing: retrieved, nothing more to account

    def _fail(
        self,
        code: str,
        message: str,
        *,
        request_id: int | None = None,
        close_code: int = CLOSE_POLICY_VIOLATION,
    ) -> None:
        """Tell the sender what was wrong, then disconnect it; no one else is affected."""
        if self.state is State.CLOSED:
            return
        self._write(encode("error", _error_body(code, message, None), response_id=request_id))
        self._close(close_code, message)

    def _close(self, code: int, reason: str) -> None:
        if self.state is State.CLOSED:
            return
        log.info("closing connection %s: %s", self._session_id or "(unauthenticated)", reason)
        self._transport.close(code, reason[:120])
        self.transport_closed()

    def _shutdown(self) -> None:
        self.state = State.CLOSED
        self._handshake_timer.cancel()
        if self._heartbeat_timer is not None:
            self._heartbeat_timer.cancel()
        if not self._handling:
            self._worker.cancel()
        # Otherwise the handler in hand runs to its end (the loop sees CLOSED and stops): a
        # cancel landing inside a database transaction left SQLite's write lock held and
        # every later handshake failed on the busy timeout. ``_after_close`` bounds the wait.
        for future in self._pending_requests.values():
            if not future.done():
                future.cancel()

    async def _after_close(self) -> None:
        try:
            # The worker unwinds first (cancelled if it was idle; else its handler finishes
            # and any transaction it had open ends), then the services and the server let
            # go, so that a server stopping right after never closes the loop under it.
            done, _ = await asyncio.wait([self._worker], timeout=HANDLER_GRACE_SECONDS)
            if not done:
                log.warning(
                    "a handler outlived its closed connection by %s s", HANDLER_GRACE_SECONDS
                )
                self._worker.cancel()
                await asyncio.wait([self._worker])
            if self.runtime is not None and self._session_id:
                await self.runtime.session_closed(self)
                await self._server.close_session(self._session_id)
        finally:
            self._server.untrack(self)


def _error_body(
    code: str, message: str, details: dict[str, object] | None
) -> core_pb2.ErrorMessage:
    body = core_pb2.ErrorMessage(code=code, message=message)
    if details:
        fill_value_map(body.details, details)
    return body
