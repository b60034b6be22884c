"""Automatic reconnection: when the socket drops (not when the domain is disposed), back off,
open a new socket, authenticate with the reconnect token the server gave at connect, and bring
every service back (models resynchronise, see ``model.py``).

The steps follow rc.12's ``ConvergenceConnection``: an unclean close schedules attempts after
``intervals`` seconds (the last repeats), each a fresh socket plus a ``connectionRequest`` with
the token. A refusal that may succeed later (``retry_ok``) or a network error tries again; a
final refusal (the token expired) closes the domain. The new session has a new session id for
the same user; the server links it to the earlier ones through the token, which is how the
resync recognises our committed ops.

Services take part through optional hooks, called in the order of ``Domain._services()``:
``attach(connection)`` (register handlers on the new socket, before it authenticates, so no
message behind the handshake is missed), ``_go_offline(reason)`` (socket lost, a reconnect
follows), ``async _go_online()`` (authenticated again) and ``_connection_lost(reason)`` (the
domain is closed for good). Progress is reported as :class:`ConnectionEvent` on
``domain.events``.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from convergence_jupyter.protocol.schema import core_pb2

from .connection import Connection
from .errors import AuthenticationError

if TYPE_CHECKING:
    from .domain import Domain

_log = logging.getLogger(__name__)

#: Seconds before each attempt; the last one repeats (rc.12: 0, 5, 10, 20, 30).
DEFAULT_INTERVALS: tuple[float, ...] = (0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0)


@dataclass(frozen=True, slots=True)
class ConnectionEvent:
    """``kind``: "disconnected" (the socket dropped; ``reason``), "reconnecting" (attempt
    ``attempt`` after ``delay`` seconds), "reconnected" (a new ``session_id``), "closed" (the
    domain ended: disposed, or the reconnect was refused; ``reason``)."""

    kind: str
    reason: str = ""
    attempt: int = 0
    delay: float = 0.0
    session_id: str = ""


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """How :func:`connect` reconnects: to ``url`` with these socket options."""

    url: str
    enabled: bool = True
    intervals: Sequence[float] = DEFAULT_INTERVALS
    connection_options: dict[str, Any] = field(default_factory=dict)
    client: str = ""
    client_version: str = ""


class Reconnector:
    """Watches the domain's connection and replaces it when it drops."""

    def __init__(self, domain: Domain, policy: ReconnectPolicy) -> None:
        self._domain = domain
        self._policy = policy
        self._task: asyncio.Task[None] | None = None
        self.closed = False
        self.attempts = 0
        """Reconnect attempts made so far (for tests and diagnostics)."""

    def watch(self, connection: Connection) -> None:
        connection.closed.add_done_callback(lambda f: self._dropped(connection, f))

    # -- losing the connection ---------------------------------------------------------------

    def _dropped(self, connection: Connection, future: asyncio.Future[str]) -> None:
        domain = self._domain
        if self.closed or connection is not domain._connection:
            return
        reason = future.result() if not future.cancelled() else "the connection ended"
        domain.events.emit(ConnectionEvent("disconnected", reason=reason))
        if not self._policy.enabled or not domain.reconnect_token:
            self.close(reason)
            return
        for service in domain._services():
            hook = getattr(service, "_go_offline", None)
            if hook is not None:
                hook(reason)
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name="convergence-client-reconnect"
        )

    def _delay(self, attempt: int) -> float:
        intervals = list(self._policy.intervals) or [0.0]
        base = float(intervals[min(attempt, len(intervals) - 1)])
        # Spread out clients that lost one server together.
        return base * random.uniform(0.8, 1.2) if base > 0 else 0.0  # noqa: S311

    # -- getting it back ---------------------------------------------------------------------

    async def _run(self) -> None:
        domain = self._domain
        attempt = 0
        while not self.closed:
            delay = self._delay(attempt)
            attempt += 1
            self.attempts += 1
            domain.events.emit(ConnectionEvent("reconnecting", attempt=attempt, delay=delay))
            await asyncio.sleep(delay)
            connection = await self._attempt()
            if connection is None:
                continue
            if self.closed:
                connection.close()
                return
            self.watch(connection)
            domain.events.emit(ConnectionEvent("reconnected", session_id=domain.session_id))
            hooks = [getattr(s, "_go_online", None) for s in domain._services()]
            results = await asyncio.gather(
                *(hook() for hook in hooks if hook is not None), return_exceptions=True
            )
            for result in results:
                if isinstance(result, Exception):
                    _log.warning("bringing a service back after a reconnect failed: %r", result)
            return

    async def _attempt(self) -> Connection | None:
        """One socket plus authentication; None to try again (closes the domain when the
        server refuses for good)."""
        domain = self._domain
        policy = self._policy
        try:
            connection = await Connection.open(policy.url, **policy.connection_options)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # refused, reset, DNS, HTTP errors: all mean "not yet"
            _log.debug("reconnect to %s failed: %r", policy.url, exc)
            return None
        previous = domain._connection
        for service in domain._services():
            service.attach(connection)
        request = core_pb2.ConnectionRequestMessage(
            client=policy.client, clientVersion=policy.client_version
        )
        request.reconnect.token = domain.reconnect_token
        try:
            success = await connection.handshake(request)
        except AuthenticationError as exc:
            if exc.retry_ok:
                return None
            domain._connection = previous
            self.close(f"the server refused the reconnect: {exc}")
            return None
        except asyncio.CancelledError:
            connection.close()
            raise
        except Exception as exc:
            _log.debug("reconnect handshake failed: %r", exc)
            connection.close()
            return None
        domain._connection = connection
        domain.session_id = success.sessionId
        if success.reconnectToken:
            domain.reconnect_token = success.reconnectToken
            domain._remember_token()
        return connection

    # -- the end -----------------------------------------------------------------------------

    def close(self, reason: str) -> None:
        """The domain is over: stop reconnecting, close every service, report "closed"."""
        if self.closed:
            return
        self.closed = True
        task = self._task
        if task is not None and not task.done() and task is not _current_task():
            task.cancel()
        domain = self._domain
        for service in domain._services():
            hook = getattr(service, "_connection_lost", None)
            if hook is not None:
                hook(reason)
        domain.events.emit(ConnectionEvent("closed", reason=reason))
        domain.events.close()


def _current_task() -> asyncio.Task[Any] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # called from synchronous code outside the loop
        return None
