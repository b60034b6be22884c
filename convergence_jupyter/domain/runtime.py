"""The in-memory side of one domain: its live sessions and the services that serve them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from convergence_jupyter.domain.directory import SessionDirectory, SessionLoader
from convergence_jupyter.domain.service import DomainService, Handler
from convergence_jupyter.domain.session import DomainRef, SessionHandle
from convergence_jupyter.domain.users import DomainUserId

log = logging.getLogger(__name__)

#: Builds one service for one domain; the app composes the list of factories.
ServiceFactory = Callable[["DomainRuntime"], DomainService]


class DomainRuntime:
    """Routes bodies to services and tells every service when sessions come and go."""

    def __init__(
        self,
        domain: DomainRef,
        service_factories: Sequence[ServiceFactory],
        session_loader: SessionLoader | None = None,
    ) -> None:
        self.domain = domain
        self.directory = SessionDirectory(session_loader)
        self.sessions: dict[str, SessionHandle] = {}
        #: The presence service installs itself here; the connection response carries its state.
        self.presence_state_provider: Callable[[DomainUserId], Mapping[str, Any]] | None = None
        self.services: list[DomainService] = [factory(self) for factory in service_factories]
        table: dict[str, Handler] = {}
        for service in self.services:
            for body, handler in service.handlers().items():
                if body in table:
                    raise ValueError(f"two services claim the body '{body}'")
                table[body] = handler
        self._handlers: Mapping[str, Handler] = table

    def handler_for(self, body_name: str) -> Handler | None:
        return self._handlers.get(body_name)

    async def session_opened(self, session: SessionHandle) -> None:
        self.directory.register(session.session_id, session.user)
        self.sessions[session.session_id] = session
        for service in self.services:
            await service.on_session_opened(session)

    async def session_closed(self, session: SessionHandle) -> None:
        """Tell every service, even if one of them fails: a dead session must vanish everywhere."""
        self.sessions.pop(session.session_id, None)
        self.directory.unregister(session.session_id)
        for service in self.services:
            try:
                await service.on_session_closed(session)
            except Exception:
                log.exception(
                    "service %r failed to clean up session %s", service, session.session_id
                )

    def presence_state_of(self, user_id: DomainUserId) -> Mapping[str, Any]:
        provider = self.presence_state_provider
        return provider(user_id) if provider is not None else {}

    def sessions_of_user(self, user_id: object) -> list[SessionHandle]:
        return [s for s in self.sessions.values() if s.user.user_id == user_id]

    async def close(self) -> None:
        for service in self.services:
            try:
                await service.close()
            except Exception:
                log.exception("service %r failed to close", service)
