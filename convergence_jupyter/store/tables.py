"""All mapped tables, imported together so that ``metadata`` is complete.

Alembic's ``env.py`` and the schema-drift test use :data:`metadata` from here.
"""

from __future__ import annotations

from . import (
    api_key_tables,  # noqa: F401  (REST API keys)
    lineage_tables,  # noqa: F401  (reconnect token -> session chain)
    link_tables,  # noqa: F401  (model link index, link delete policies)
    model_tables,  # noqa: F401  (registers the model service's tables)
    notebook_tables,  # noqa: F401  (notebook file ids)
    path_grant_tables,  # noqa: F401  (path-level model grants)
    schema_tables,  # noqa: F401  (collection JSON schemas)
    webhook_tables,  # noqa: F401  (model web hooks and their delivery log)
    workspace_tables,  # noqa: F401  (workspace types, instances, parts, members)
)
from .activity_tables import ActivityRow
from .base import Base
from .chat_tables import ChatEventRow, ChatMemberRow, ChatRow
from .domain_tables import DomainRow, DomainStatus, JwtKeyRow
from .identity_tables import (
    GroupMemberRow,
    ReconnectTokenRow,
    SessionRow,
    UserGroupRow,
    UserRow,
    UserType,
)
from .permission_tables import PermissionGrantRow
from .server_tables import ServerSecretRow

metadata = Base.metadata

__all__ = [
    "ActivityRow",
    "Base",
    "ChatEventRow",
    "ChatMemberRow",
    "ChatRow",
    "DomainRow",
    "DomainStatus",
    "GroupMemberRow",
    "JwtKeyRow",
    "PermissionGrantRow",
    "ReconnectTokenRow",
    "ServerSecretRow",
    "SessionRow",
    "UserGroupRow",
    "UserRow",
    "UserType",
    "metadata",
]
