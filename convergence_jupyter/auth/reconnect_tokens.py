"""Reconnect tokens: random bearer secrets of which the store keeps only a SHA-256 digest.

A token is as good as a password for its user until it expires, so it is never logged and never
stored in clear. SHA-256 without salt is enough here because the token itself has 192 random bits.
"""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """32 URL-safe characters, like the Scala server's tokens (clients treat them as opaque)."""
    return secrets.token_urlsafe(24)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
