"""Plain, immutable values the repositories return.

Callers outside ``store/`` see only these, never ORM objects or SQL, so nothing they hold can
lazy-load or flush behind their back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from .domain_tables import DomainStatus
from .identity_tables import UserType


class UserKey(NamedTuple):
    """A user's identity on the wire (``DomainUserIdData``) within one domain."""

    user_type: UserType
    username: str


@dataclass(frozen=True, slots=True)
class DomainRecord:
    pk: int
    namespace: str
    name: str
    display_name: str
    anonymous_auth: bool
    auto_create_collections: bool
    reconnect_token_minutes: int
    status: DomainStatus
    created_at: datetime


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A domain user. The password hash is deliberately absent (see
    ``UserRepository.get_password_hash``) so that records can be sent anywhere."""

    pk: int
    domain_pk: int
    user_type: UserType
    username: str
    first_name: str | None
    last_name: str | None
    display_name: str | None
    email: str | None
    disabled: bool
    deleted: bool
    deleted_username: str | None
    last_login: datetime | None
    created_at: datetime

    @property
    def key(self) -> UserKey:
        return UserKey(self.user_type, self.username)


@dataclass(frozen=True, slots=True)
class GroupRecord:
    pk: int
    domain_pk: int
    group_id: str
    description: str
    members: tuple[UserKey, ...]  # sorted by (type, username)


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A connection. ``id`` is the wire session id (sent in base 36)."""

    id: int
    domain_pk: int
    user_pk: int
    client: str
    client_version: str
    user_agent: str
    remote_host: str
    connected_at: datetime
    disconnected_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReconnectTokenRecord:
    token_hash: str
    domain_pk: int
    user_pk: int
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class JwtKeyRecord:
    pk: int
    domain_pk: int
    key_id: str
    description: str
    public_key_pem: str
    enabled: bool
    updated_at: datetime
