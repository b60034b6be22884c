"""In-memory participation: who is joined where, with which state and permissions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from convergence_jupyter.domain.session import SessionHandle

ActivityKey = tuple[str, str]


@dataclass(slots=True)
class Participant:
    """One joined session. ``permissions`` is re-resolved when the activity's grants change."""

    session: SessionHandle
    resource_id: int
    lurk: bool
    permissions: frozenset[str]
    state: dict[str, Any] = field(default_factory=dict)

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def apply(self, set_: Mapping[str, Any], removed: Iterable[str], complete: bool) -> None:
        """Protocol order: clear first (``complete``), then remove, then set."""
        if complete:
            self.state.clear()
        for key in removed:
            self.state.pop(key, None)
        self.state.update(set_)


@dataclass(slots=True)
class JoinedActivity:
    """A persisted activity that has at least one joined session."""

    key: ActivityKey
    pk: int
    ephemeral: bool
    created_at: datetime
    participants: dict[str, Participant] = field(default_factory=dict)

    def visible(self) -> list[Participant]:
        """Participants others can see: lurkers are invisible."""
        return [p for p in self.participants.values() if not p.lurk]

    def others(self, session_id: str) -> list[Participant]:
        return [p for sid, p in self.participants.items() if sid != session_id]
