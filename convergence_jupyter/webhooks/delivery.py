"""One signed POST to a receiver, and the backoff between retries.

The HTTP client is tornado's (no blocking I/O), with its resolver replaced by the allow-list
resolver, so every connection goes to an address checked just before. Redirects are never
followed (a 3xx is a failure: a redirect could point anywhere, and following it would skip
the check), answers are size-limited, and connect + request share the hook's timeout.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.netutil import Resolver

from convergence_jupyter import __version__
from convergence_jupyter.webhooks.allow_list import AllowListResolver, TargetPolicy, TargetRefused
from convergence_jupyter.webhooks.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    HOOK_HEADER,
    SIGNATURE_HEADER,
    signature_header,
)

#: The largest answer read from a receiver (an init answer carries a whole model).
MAX_ANSWER_BYTES = 16 * 1024 * 1024
#: Answers worth retrying besides "no answer at all".
_RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with jitter: ``initial * factor**(n-1)``, capped, +- ``jitter``."""

    initial: float = 1.0
    factor: float = 2.0
    cap: float = 60.0
    jitter: float = 0.1

    def delay(self, failed_attempts: int) -> float:
        """Seconds to wait after the ``failed_attempts``-th failure."""
        base = min(self.cap, self.initial * self.factor ** max(0, failed_attempts - 1))
        return base * (1 + random.uniform(-self.jitter, self.jitter))  # noqa: S311 (not crypto)


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one POST came to. ``status`` is None when nothing answered."""

    status: int | None
    body: bytes
    error: str | None
    #: Worth another try (no answer, timeout, 408/429/5xx).
    retryable: bool
    #: The allow-list refused the target; nothing was sent.
    refused: bool = False

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Sender:
    """Signs and POSTs web hook bodies. One per server; :meth:`close` at shutdown."""

    def __init__(
        self, policy: TargetPolicy, *, max_clients: int = 32, dns: Resolver | None = None
    ) -> None:
        """``dns``: where host names are looked up (default: the system's, without blocking);
        whatever it answers still goes through the allow-list."""
        self.policy = policy
        self._max_clients = max_clients
        self._dns = dns
        self._client: AsyncHTTPClient | None = None

    def _http(self) -> AsyncHTTPClient:
        # Made on first use, on the running loop (the app builds the Sender before it runs).
        if self._client is None:
            self._client = AsyncHTTPClient(
                force_instance=True,
                resolver=AllowListResolver(self.policy, self._dns),
                max_clients=self._max_clients,
                max_body_size=MAX_ANSWER_BYTES,
            )
        return self._client

    async def post(
        self,
        url: str,
        *,
        secret: str,
        event: str,
        hook_id: str,
        delivery_id: str,
        body: bytes,
        time_limit: float,
    ) -> Attempt:
        try:
            self.policy.parse(url)
        except TargetRefused as exc:
            return Attempt(None, b"", str(exc), retryable=False, refused=True)
        request = HTTPRequest(
            url,
            method="POST",
            body=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": f"convergence-jupyter/{__version__}",
                SIGNATURE_HEADER: signature_header(secret, body),
                EVENT_HEADER: event,
                HOOK_HEADER: hook_id,
                DELIVERY_HEADER: delivery_id,
            },
            follow_redirects=False,
            connect_timeout=time_limit,
            request_timeout=time_limit,
            validate_cert=True,
            decompress_response=True,
        )
        try:
            response = await self._http().fetch(request, raise_error=False)
        except TargetRefused as exc:
            return Attempt(None, b"", str(exc), retryable=False, refused=True)
        except HTTPClientError as exc:  # 599: timeout or connection closed
            return Attempt(None, b"", exc.message or str(exc), retryable=True)
        except OSError as exc:
            return Attempt(None, b"", f"{type(exc).__name__}: {exc}", retryable=True)
        code = response.code
        if code == 599 or (response.error is not None and code >= 599):
            return Attempt(None, b"", str(response.error), retryable=True)
        answer = response.body or b""
        if 200 <= code < 300:
            return Attempt(code, answer, None, retryable=False)
        if 300 <= code < 400:
            return Attempt(code, answer, f"HTTP {code}: redirects are not followed", False)
        return Attempt(code, answer, f"HTTP {code} {response.reason}", code in _RETRYABLE)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
