"""Who calls the REST API and what they may do: :class:`Principal` and :class:`Scope`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class Scope(StrEnum):
    """What a caller may do. ``ADMIN`` implies ``WRITE`` implies ``READ``."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def implies(self, other: Scope) -> bool:
        return self.rank >= other.rank


_RANK = {Scope.READ: 0, Scope.WRITE: 1, Scope.ADMIN: 2}


def closure(scopes: Iterable[Scope]) -> frozenset[Scope]:
    """The scopes together with everything they imply."""
    given = list(scopes)
    return frozenset(s for s in Scope if any(g.implies(s) for g in given))


@dataclass(frozen=True, slots=True)
class Principal:
    """The Jupyter user calling, directly or through one of their API keys.

    ``username`` is the Jupyter username: the REST API administers the server across domains,
    so it is not a Convergence domain user. ``scopes`` is closed under implication.
    """

    username: str
    display_name: str
    scopes: frozenset[Scope]
    via: Literal["jupyter", "api_key"]
    api_key_id: str | None = None

    def has(self, scope: Scope) -> bool:
        return scope in self.scopes


__all__ = ["Principal", "Scope", "closure"]
