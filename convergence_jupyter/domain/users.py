"""The identity of a domain user as services and the wire see it."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class UserType(enum.IntEnum):
    """Matches the wire enum ``DomainUserTypeData``."""

    NORMAL = 0
    CONVERGENCE = 1
    ANONYMOUS = 2


@dataclass(frozen=True, slots=True)
class DomainUserId:
    """Unique per domain by type and username: an anonymous 'bob' is not a normal 'bob'."""

    user_type: UserType
    username: str


@dataclass(frozen=True, slots=True)
class DomainUser:
    """A user's public profile, safe to send to any client of the domain."""

    user_id: DomainUserId
    first_name: str | None = None
    last_name: str | None = None
    display_name: str | None = None
    email: str | None = None
    disabled: bool = False
    deleted: bool = False
    deleted_username: str | None = None

    @property
    def username(self) -> str:
        return self.user_id.username
