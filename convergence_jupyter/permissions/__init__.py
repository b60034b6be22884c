"""The generic world/user/group permission model shared by chat and activity targets."""

from convergence_jupyter.permissions.model import (
    ACTIVITY_PERMISSIONS,
    CHAT_PERMISSIONS,
    PermissionTargetProvider,
)
from convergence_jupyter.permissions.resolver import PermissionResolver
from convergence_jupyter.permissions.service import PermissionsService

__all__ = [
    "ACTIVITY_PERMISSIONS",
    "CHAT_PERMISSIONS",
    "PermissionResolver",
    "PermissionTargetProvider",
    "PermissionsService",
]
