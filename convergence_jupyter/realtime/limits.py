"""Per-connection limits and timers; every number is a setting of the app."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """Defaults follow the project's reliability decisions (reliability-lessons.md §5)."""

    max_frame_bytes: int = 4 * 1024 * 1024
    handshake_timeout: float = 10.0
    ping_interval: float = 10.0
    pong_timeout: float = 10.0
    pre_auth_max_messages: int = 1000
    pre_auth_max_bytes: int = 5 * 1024 * 1024
    max_outbound_bytes: int = 8 * 1024 * 1024
    server_request_timeout: float = 20.0
