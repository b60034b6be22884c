"""The contract between the connection layer and a domain service (identity, models, chat, ...)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol

from google.protobuf.message import Message

from convergence_jupyter.domain.session import SessionHandle

#: A reply to a request: the envelope body name and its message, e.g. ``("ok", OkResponse())``.
Reply = tuple[str, Message]

#: Handles one body. Request handlers return a :data:`Reply`; plain-message handlers return None.
Handler = Callable[[SessionHandle, Message], Awaitable[Reply | None]]


class DomainService(Protocol):
    """A service owns some envelope bodies and reacts to sessions coming and going."""

    def handlers(self) -> Mapping[str, Handler]:
        """The bodies this service answers, by envelope field name."""
        ...

    async def on_session_opened(self, session: SessionHandle) -> None: ...

    async def on_session_closed(self, session: SessionHandle) -> None:
        """Called exactly once per opened session, also when its socket died without a close."""
        ...

    async def close(self) -> None:
        """Server shutdown: flush and release what the service holds."""
        ...


class ServiceBase:
    """Convenience base: services override only what they need."""

    def handlers(self) -> Mapping[str, Handler]:
        return {}

    async def on_session_opened(self, session: SessionHandle) -> None:
        return None

    async def on_session_closed(self, session: SessionHandle) -> None:
        return None

    async def close(self) -> None:
        return None
