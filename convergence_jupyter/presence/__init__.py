"""Per-user presence: availability and a shared state map, kept in memory."""

from convergence_jupyter.presence.service import PresenceService
from convergence_jupyter.presence.state import PresenceRegistry

__all__ = ["PresenceRegistry", "PresenceService"]
