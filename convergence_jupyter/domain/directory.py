"""Who is behind each session id of a domain: the source of the identity-cache updates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from convergence_jupyter.domain.users import DomainUser

#: Loads users of sessions that are no longer connected (e.g. authors in a model's history).
SessionLoader = Callable[[list[str]], Awaitable[dict[str, DomainUser]]]


class SessionDirectory:
    """Maps session ids to users for live sessions, and caches past ones loaded from the store."""

    def __init__(self, loader: SessionLoader | None = None) -> None:
        self._users: dict[str, DomainUser] = {}
        self._live: set[str] = set()
        self._loader = loader

    def register(self, session_id: str, user: DomainUser) -> None:
        self._users[session_id] = user
        self._live.add(session_id)

    def unregister(self, session_id: str) -> None:
        """Forget that a session is live; its identity stays resolvable for later mentions."""
        self._live.discard(session_id)

    def is_live(self, session_id: str) -> bool:
        return session_id in self._live

    def live_sessions(self) -> frozenset[str]:
        return frozenset(self._live)

    def get(self, session_id: str) -> DomainUser | None:
        return self._users.get(session_id)

    async def ensure_known(self, session_ids: Iterable[str]) -> None:
        """Load unknown (past) sessions so that later ``send(..., mentions=...)`` can name them."""
        missing = [s for s in session_ids if s not in self._users]
        if missing and self._loader is not None:
            self._users.update(await self._loader(missing))
