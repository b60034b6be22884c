"""Signatures of web hook requests, so a receiver can tell our requests from forgeries.

Every request carries ``X-Convergence-Signature: t=<unix seconds>,v1=<hex>`` where ``<hex>``
is HMAC-SHA256, keyed with the hook's secret, over the bytes ``"<t>." + body``. The timestamp
is inside the MAC, so a receiver that rejects old timestamps (:data:`DEFAULT_TOLERANCE`) also
rejects replays of captured requests; ``X-Convergence-Delivery`` (the same on every retry)
lets it drop duplicates. Receivers must compare in constant time (``hmac.compare_digest``)
and verify the *raw* body bytes before parsing them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SIGNATURE_HEADER = "X-Convergence-Signature"
EVENT_HEADER = "X-Convergence-Event"
DELIVERY_HEADER = "X-Convergence-Delivery"
HOOK_HEADER = "X-Convergence-Hook"

#: Seconds a receiver should accept between our timestamp and its clock.
DEFAULT_TOLERANCE = 300


def new_secret() -> str:
    """A fresh random hook secret (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The value of :data:`SIGNATURE_HEADER` for ``body`` (now, unless ``timestamp``)."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return f"t={stamp},v1={signature(secret, stamp, body)}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> bool:
    """What a receiver does: True if ``header`` is a valid signature of ``body`` made within
    ``tolerance`` seconds of ``now``. Several ``v1=`` entries are accepted (any may match),
    which leaves room for signing with two secrets during a rotation."""
    stamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            stamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if stamp is None or not candidates:
        return False
    current = time.time() if now is None else now
    if abs(current - stamp) > tolerance:
        return False
    expected = signature(secret, stamp, body)
    return any(hmac.compare_digest(expected, c) for c in candidates)
