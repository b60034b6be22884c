"""User API keys: minting, hashing and verification of ``Authorization: Bearer`` tokens.

A token is ``cvk_<key_id>_<secret>``: ``key_id`` (public, 16 hex digits) finds the row,
``secret`` (32 random bytes, URL-safe base64) is what makes it unguessable. Only the SHA-256
hex of the whole token is stored; a slow password hash is not needed because the secret has
256 bits of entropy. Comparison is constant-time.

Verification reads the database on every request (no cache), so a revoked or expired key is
refused at once on every server process sharing the database. ``last_used_at`` is written at
most once per :data:`TOUCH_GRANULARITY` per key, so steady use does not turn every read into a
write transaction.

Security notes for callers: never log a token or an ``Authorization`` header; return the token
to its owner once (at creation) with ``Cache-Control: no-store``; cap a new key's scopes at the
creator's own scopes (this module does not know who may grant what).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from convergence_jupyter.auth.principal import Principal, Scope, closure
from convergence_jupyter.store.api_keys import ApiKeyRecord, ApiKeyRepository
from convergence_jupyter.store.base import utcnow
from convergence_jupyter.store.database import Database

API_KEY_PREFIX = "cvk_"
TOUCH_GRANULARITY = timedelta(seconds=60)
_TOKEN = re.compile(rf"{API_KEY_PREFIX}([0-9a-f]{{16}})_([A-Za-z0-9_-]{{43}})")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class MintedKey:
    """A new key: ``token`` is shown to the owner once and then forgotten."""

    token: str
    record: ApiKeyRecord


def parse_scopes(stored: tuple[str, ...]) -> frozenset[Scope]:
    return closure(Scope(s) for s in stored if s in Scope.__members__.values())


class ApiKeyVerifier:
    """Mints keys and turns bearer tokens into principals."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def mint(
        self, owner: str, name: str, scopes: frozenset[Scope], expires_at: datetime
    ) -> MintedKey:
        """Create and store a key. Raises ``store.AlreadyExists`` for a duplicate name."""
        key_id = secrets.token_hex(8)
        token = f"{API_KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        ordered = tuple(s.value for s in Scope if s in scopes)
        async with self._database.transaction() as session:
            record = await ApiKeyRepository(session).create(
                key_id=key_id,
                key_hash=hash_token(token),
                owner=owner,
                name=name,
                scopes=ordered,
                expires_at=expires_at,
            )
        return MintedKey(token=token, record=record)

    async def verify(self, token: str, *, now: datetime | None = None) -> Principal | None:
        """The key's principal, or None if the token is malformed, unknown, expired or revoked."""
        parsed = _TOKEN.fullmatch(token)
        if parsed is None:
            return None
        key_id = parsed.group(1)
        at = now or utcnow()
        async with self._database.transaction(readonly=True) as session:
            found = await ApiKeyRepository(session).credentials(key_id)
        if found is None:
            return None
        record, stored_hash = found
        if not hmac.compare_digest(stored_hash, hash_token(token)) or record.expires_at <= at:
            return None
        last = record.last_used_at
        if last is None or at - last >= TOUCH_GRANULARITY:
            async with self._database.transaction() as session:
                await ApiKeyRepository(session).touch(key_id, at, granularity=TOUCH_GRANULARITY)
        return Principal(
            username=record.owner,
            display_name=record.owner,
            scopes=parse_scopes(record.scopes),
            via="api_key",
            api_key_id=key_id,
        )


__all__ = [
    "API_KEY_PREFIX",
    "TOUCH_GRANULARITY",
    "ApiKeyVerifier",
    "MintedKey",
    "hash_token",
    "parse_scopes",
]
