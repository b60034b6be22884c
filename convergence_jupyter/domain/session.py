"""The view of one connected session that services use to talk back to its client."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from google.protobuf.message import Message

from convergence_jupyter.domain.users import DomainUser


@dataclass(frozen=True, slots=True)
class DomainRef:
    """Which tenant a session belongs to; ``pk`` is the store's key for it."""

    pk: int
    namespace: str
    name: str


class SessionHandle(Protocol):
    """One authenticated connection, as seen from a service.

    ``send`` is ordered: frames reach the client in the order of the calls. Every session id
    named in ``mentions`` must be resolvable through the domain's session directory; the
    connection then announces those identities first (the client crashes on unknown sessions).
    """

    @property
    def session_id(self) -> str: ...

    @property
    def user(self) -> DomainUser: ...

    @property
    def user_pk(self) -> int: ...

    @property
    def lineage(self) -> tuple[str, ...]:
        """This client's earlier sessions, newest first: the sessions opened with the same
        reconnect token. A resync treats their committed ops as this session's own; the
        user alone cannot tell, since one user may have several tabs."""
        ...

    @property
    def domain(self) -> DomainRef: ...

    def send(self, body_name: str, body: Message, *, mentions: Iterable[str] = ()) -> None: ...

    def send_encoded(self, frame: bytes, *, mentions: Iterable[str] = ()) -> None:
        """Like ``send`` for a frame already encoded (``protocol.envelope.encode`` without ids),
        so that a broadcast is serialized once for all recipients that get the same bytes."""
        ...

    def announce(self, session_ids: Iterable[str]) -> None:
        """Send identities of these sessions now, e.g. before returning a reply that names them."""
        ...

    def send_error(self, code: str, message: str, details: dict[str, object] | None = None) -> None:
        """An unsolicited error, for failures of plain (non-request) messages."""
        ...

    async def request(self, body_name: str, body: Message) -> Message:
        """Ask the client something and wait for its reply body (server-to-client request).

        Raises ``ServiceError("timeout")`` after the server's request timeout."""
        ...

    def disconnect(self, reason: str) -> None:
        """Close this session's connection; its services clean up through ``on_session_closed``."""
        ...
