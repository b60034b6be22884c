"""Per-connection limits and timers; every number is a setting of the app."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A token bucket's shape: ``rate`` messages per second on average, ``burst`` at once."""

    rate: float
    burst: int
    #: What is counted, for the error text ("model operations").
    what: str = "messages"

    def __post_init__(self) -> None:
        if not self.rate > 0 or self.burst < 1:
            raise ValueError(f"a rate limit needs rate > 0 and burst >= 1, not {self}")


#: Float slack when a refill should have produced exactly one token.
_ROUNDING = 1e-9


class TokenBucket:
    """One sender's budget: starts full, refills continuously, one token per message.

    Time comes from the caller (the event loop's monotonic clock), so tests and the
    connection agree on "now" and nothing here sleeps.
    """

    __slots__ = ("_limit", "_stamp", "_tokens")

    def __init__(self, limit: RateLimit, now: float) -> None:
        self._limit = limit
        self._tokens = float(limit.burst)
        self._stamp = now

    @property
    def limit(self) -> RateLimit:
        return self._limit

    def take(self, now: float) -> bool:
        """Spend one token if there is one (True), else leave the bucket as it is (False)."""
        elapsed = max(0.0, now - self._stamp)
        self._stamp = now
        self._tokens = min(float(self._limit.burst), self._tokens + elapsed * self._limit.rate)
        if self._tokens >= 1.0 - _ROUNDING:  # a sender exactly at the rate is within it
            self._tokens = max(0.0, self._tokens - 1.0)
            return True
        return False

    def retry_after(self) -> float:
        """Seconds until the next token (0 when one is available)."""
        return max(0.0, (1.0 - self._tokens) / self._limit.rate)


#: Bodies whose arrival is rate limited, by the bucket (a :class:`ConnectionLimits` field)
#: that pays for them. Counted on arrival, not when handled, so a stall of the server never
#: counts against a client.
RATE_LIMITED_BODIES: Mapping[str, str] = {
    "operationSubmission": "op_rate",
    "publishChatMessageRequest": "chat_rate",
}


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
    #: Model operations per connection: far above typing or our benchmarks (about 500/s on
    #: one connection), far below a flood. Over it the sender is disconnected (an operation
    #: cannot be refused alone: the client's later operations build on it).
    op_rate: RateLimit = field(default_factory=lambda: RateLimit(2000.0, 4000, "model operations"))
    #: Chat messages per connection; over it the request is refused with ``rate_limited``.
    chat_rate: RateLimit = field(default_factory=lambda: RateLimit(10.0, 20, "chat messages"))
