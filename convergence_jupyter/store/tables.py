"""All mapped tables, imported together so that ``metadata`` is complete.

Alembic's ``env.py`` and the schema-drift test use :data:`metadata` from here.
"""

from __future__ import annotations

from .base import Base
from .domain_tables import DomainRow, DomainStatus, JwtKeyRow
from .identity_tables import (
    GroupMemberRow,
    ReconnectTokenRow,
    SessionRow,
    UserGroupRow,
    UserRow,
    UserType,
)
from .server_tables import ServerSecretRow

metadata = Base.metadata

__all__ = [
    "Base",
    "DomainRow",
    "DomainStatus",
    "GroupMemberRow",
    "JwtKeyRow",
    "ReconnectTokenRow",
    "ServerSecretRow",
    "SessionRow",
    "UserGroupRow",
    "UserRow",
    "UserType",
    "metadata",
]
