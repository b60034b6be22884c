"""Who is subscribed to whom and each user's shared state: pure bookkeeping, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from convergence_jupyter.domain.users import DomainUserId


class PresenceRegistry:
    """In-memory presence of one domain.

    State is per *user* and shared by all of that user's sessions; subscriptions are per
    *session*. Multi-key updates apply every key (the Scala server kept only the last one).
    """

    def __init__(self) -> None:
        self._states: dict[DomainUserId, dict[str, Any]] = {}
        self._subscribers: dict[DomainUserId, set[str]] = {}
        self._subscriptions: dict[str, set[DomainUserId]] = {}

    # -- state ------------------------------------------------------------------------------

    def state(self, user: DomainUserId) -> dict[str, Any]:
        """A copy of the user's state (empty for unknown users)."""
        return dict(self._states.get(user, {}))

    def set_state(self, user: DomainUserId, values: Mapping[str, Any]) -> None:
        if values:
            self._states.setdefault(user, {}).update(values)

    def remove_state(self, user: DomainUserId, keys: Iterable[str]) -> None:
        state = self._states.get(user)
        if state is None:
            return
        for key in keys:
            state.pop(key, None)
        if not state:
            del self._states[user]

    def clear_state(self, user: DomainUserId) -> None:
        self._states.pop(user, None)

    # -- subscriptions ----------------------------------------------------------------------

    def subscribe(self, session_id: str, users: Iterable[DomainUserId]) -> None:
        mine = self._subscriptions.setdefault(session_id, set())
        for user in users:
            mine.add(user)
            self._subscribers.setdefault(user, set()).add(session_id)

    def unsubscribe(self, session_id: str, users: Iterable[DomainUserId]) -> None:
        mine = self._subscriptions.get(session_id, set())
        for user in users:
            mine.discard(user)
            subscribers = self._subscribers.get(user)
            if subscribers is not None:
                subscribers.discard(session_id)
                if not subscribers:
                    del self._subscribers[user]

    def drop_session(self, session_id: str) -> None:
        """Forget every subscription of a session that has gone."""
        users = self._subscriptions.pop(session_id, set())
        self.unsubscribe(session_id, users)

    def subscribers(self, user: DomainUserId) -> set[str]:
        return set(self._subscribers.get(user, ()))

    def subscriptions(self, session_id: str) -> set[DomainUserId]:
        return set(self._subscriptions.get(session_id, ()))
