"""Activities: named places (type, id) that sessions join with per-session shared state."""

from convergence_jupyter.activities.service import ActivityService

__all__ = ["ActivityService"]
