"""Storage layer: the only package that knows SQL.

Open a :class:`Database`, run :meth:`Database.upgrade`, then use the repositories inside
``async with db.transaction() as session``. Repositories return frozen records, never ORM
objects. Passwords and tokens arrive here already hashed by ``auth/``.
"""

from .database import Database, normalize_url
from .domain_tables import DomainStatus
from .domains import DomainRepository
from .errors import AlreadyExists, NotFound, StoreError
from .groups import GroupRepository
from .identity_tables import UserType
from .jwt_keys import JwtKeyRepository
from .reconnect_tokens import ReconnectTokenRepository
from .records import (
    DomainRecord,
    GroupRecord,
    JwtKeyRecord,
    ReconnectTokenRecord,
    SessionRecord,
    UserKey,
    UserRecord,
)
from .secrets import SecretRepository
from .sessions import SessionRepository
from .users import UNSET, USER_FIELDS, UserField, UserRepository

__all__ = [
    "UNSET",
    "USER_FIELDS",
    "AlreadyExists",
    "Database",
    "DomainRecord",
    "DomainRepository",
    "DomainStatus",
    "GroupRecord",
    "GroupRepository",
    "JwtKeyRecord",
    "JwtKeyRepository",
    "NotFound",
    "ReconnectTokenRecord",
    "ReconnectTokenRepository",
    "SecretRepository",
    "SessionRecord",
    "SessionRepository",
    "StoreError",
    "UserField",
    "UserKey",
    "UserRecord",
    "UserRepository",
    "UserType",
    "normalize_url",
]
