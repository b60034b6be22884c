"""The realtime server: where connections get their domain, their user and their session id."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from convergence_jupyter.auth.authenticator import Authenticator, AuthFailure
from convergence_jupyter.auth.reconnect_tokens import token_digest
from convergence_jupyter.domain.runtime import DomainRuntime, ServiceFactory
from convergence_jupyter.domain.session import DomainRef
from convergence_jupyter.domain.session_ids import format_session_id, parse_session_id
from convergence_jupyter.domain.users import DomainUser
from convergence_jupyter.identity.records import domain_user
from convergence_jupyter.protocol.schema import core_pb2
from convergence_jupyter.realtime.limits import ConnectionLimits
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.domains import DomainRepository
from convergence_jupyter.store.reconnect_tokens import ReconnectTokenRepository
from convergence_jupyter.store.records import DomainRecord
from convergence_jupyter.store.sessions import SessionRepository
from convergence_jupyter.store.users import UserRepository

if TYPE_CHECKING:
    from convergence_jupyter.realtime.connection import ClientConnection

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SessionOpened:
    session_id: str
    user: DomainUser
    user_pk: int
    domain: DomainRef
    runtime: DomainRuntime
    reconnect_token: str
    #: The client's earlier sessions (same reconnect token), newest first.
    lineage: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ConnectOutcome:
    success: SessionOpened | None = None
    failure: AuthFailure | None = None


class RealtimeServer:
    """Owns the per-domain runtimes; one instance per Jupyter server process."""

    def __init__(
        self,
        database: Database,
        *,
        limits: ConnectionLimits,
        service_factories: Sequence[ServiceFactory],
        version: str,
        startup: Callable[[], Coroutine[Any, Any, None]] | None = None,
    ) -> None:
        self.database = database
        self._startup = startup
        self._started: asyncio.Task[None] | None = None
        self.limits = limits
        self.version = version
        self._service_factories = list(service_factories)
        self._authenticator = Authenticator(database)
        self._runtimes: dict[int, DomainRuntime] = {}
        self._connections: set[ClientConnection] = set()

    async def start(self) -> None:
        """Run the start-up work once (default domain, keys); safe to await from anywhere.

        Connections that arrive before the extension's start hook ran (the socket listens
        earlier) wait here instead of seeing a half-prepared domain.
        """
        if self._started is None:
            startup = self._startup
            self._started = asyncio.get_running_loop().create_task(
                startup() if startup is not None else asyncio.sleep(0)
            )
        await asyncio.shield(self._started)

    @property
    def started(self) -> bool:
        """True once the start-up work has finished without an error (readiness)."""
        task = self._started
        return task is not None and task.done() and not task.cancelled() and not task.exception()

    async def open_session(
        self, connection: ClientConnection, request: core_pb2.ConnectionRequestMessage
    ) -> ConnectOutcome:
        try:
            await self.start()
            return await self._open_session(connection, request)
        except Exception:
            log.exception(
                "connection to %s/%s failed", connection.namespace, connection.domain_name
            )
            return ConnectOutcome(
                failure=AuthFailure("domain_error", "the domain cannot be reached", retry_ok=True)
            )

    async def _open_session(
        self, connection: ClientConnection, request: core_pb2.ConnectionRequestMessage
    ) -> ConnectOutcome:
        async with self.database.transaction(readonly=True) as session:
            domain = await DomainRepository(session).get(
                connection.namespace, connection.domain_name
            )
        if domain is None or domain.status == "offline":
            return ConnectOutcome(
                failure=AuthFailure(
                    "domain_not_found",
                    f"the domain '{connection.namespace}/{connection.domain_name}' does not exist",
                )
            )
        if domain.status == "maintenance":
            return ConnectOutcome(
                failure=AuthFailure(
                    "domain_unavailable", "the domain is in maintenance", retry_ok=True
                )
            )
        result = await self._authenticator.authenticate(domain, request)
        if isinstance(result, AuthFailure):
            return ConnectOutcome(failure=result)
        async with self.database.transaction() as session:
            record = await SessionRepository(session).open(
                domain.pk,
                result.user.pk,
                client=request.client[:64],
                client_version=request.clientVersion[:64],
                user_agent=connection.user_agent[:255],
                remote_host=connection.remote_host[:255],
            )
            earlier = await ReconnectTokenRepository(session).link_session(
                token_digest(result.reconnect_token), record.id
            )
        runtime = self.runtime_for(domain)
        return ConnectOutcome(
            success=SessionOpened(
                session_id=format_session_id(record.id),
                user=domain_user(result.user),
                user_pk=result.user.pk,
                domain=runtime.domain,
                runtime=runtime,
                reconnect_token=result.reconnect_token,
                lineage=tuple(format_session_id(pk) for pk in earlier),
            )
        )

    async def close_session(self, session_id: str) -> None:
        number = parse_session_id(session_id)
        if number is None:
            return
        try:
            async with self.database.transaction() as session:
                await SessionRepository(session).close(number)
        except Exception:
            log.exception("could not record the end of session %s", session_id)

    def loaded_runtime(self, domain_pk: int) -> DomainRuntime | None:
        """The domain's runtime if this process has one (for the REST API's live sessions)."""
        return self._runtimes.get(domain_pk)

    def runtime_for(self, domain: DomainRecord) -> DomainRuntime:
        runtime = self._runtimes.get(domain.pk)
        if runtime is None:
            ref = DomainRef(domain.pk, domain.namespace, domain.name)

            async def load_past_sessions(session_ids: list[str]) -> dict[str, DomainUser]:
                return await self._load_sessions(ref, session_ids)

            runtime = DomainRuntime(ref, self._service_factories, load_past_sessions)
            self._runtimes[domain.pk] = runtime
        return runtime

    async def _load_sessions(
        self, domain: DomainRef, session_ids: list[str]
    ) -> dict[str, DomainUser]:
        found: dict[str, DomainUser] = {}
        async with self.database.transaction(readonly=True) as session:
            sessions = SessionRepository(session)
            users = UserRepository(session)
            for session_id in session_ids:
                number = parse_session_id(session_id)
                record = await sessions.get(number) if number is not None else None
                if record is None or record.domain_pk != domain.pk:
                    continue
                user = await users.get_by_pk(record.user_pk)
                if user is not None:
                    found[session_id] = domain_user(user)
        return found

    def track(self, connection: ClientConnection) -> None:
        """Remember a live connection so that shutdown can close it before the database."""
        self._connections.add(connection)

    def untrack(self, connection: ClientConnection) -> None:
        self._connections.discard(connection)

    async def close(self) -> None:
        """Close every connection (services see each session end), then every runtime."""
        await asyncio.gather(
            *(c.shutdown("the server is shutting down") for c in list(self._connections)),
            return_exceptions=True,
        )
        for runtime in self._runtimes.values():
            await runtime.close()
        self._runtimes.clear()
