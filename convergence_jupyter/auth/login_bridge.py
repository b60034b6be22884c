"""The Jupyter login bridge: a Jupyter-authenticated user gets a short-lived Convergence JWT.

The bridge signs with a private key kept in the database (``server_secrets``) and registers the
matching public key as an ordinary JWT key of the domain, so bridge tokens are verified by the
same code path as any other JWT. Security: anyone who can read the database can mint tokens for
any user; protect the database like the Jupyter token.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from convergence_jupyter.auth import jwt_tokens
from convergence_jupyter.auth.keys import generate_private_key_pem, public_key_pem
from convergence_jupyter.store.database import Database
from convergence_jupyter.store.jwt_keys import JwtKeyRepository
from convergence_jupyter.store.records import DomainRecord
from convergence_jupyter.store.secrets import SecretRepository

BRIDGE_KEY_ID = "jupyter-login-bridge"
_SECRET_NAME = "login-bridge-private-key"  # noqa: S105 - a name, not a secret


class LoginBridge:
    def __init__(self, database: Database, lifetime: timedelta) -> None:
        self._db = database
        self._lifetime = lifetime
        self._private_key: str | None = None

    async def install(self, domain: DomainRecord) -> None:
        """Make sure the signing key exists and ``domain`` trusts it (idempotent)."""
        private_key = await self._load_private_key()
        async with self._db.transaction() as session:
            await JwtKeyRepository(session).put(
                domain.pk,
                BRIDGE_KEY_ID,
                public_key_pem(private_key),
                description="Jupyter login bridge (managed by the server)",
            )

    async def issue(self, identity: jwt_tokens.JwtIdentity) -> tuple[str, datetime]:
        private_key = await self._load_private_key()
        return jwt_tokens.sign(
            identity, private_key_pem=private_key, key_id=BRIDGE_KEY_ID, lifetime=self._lifetime
        )

    async def _load_private_key(self) -> str:
        if self._private_key is None:
            async with self._db.transaction(readonly=True) as session:
                stored = await SecretRepository(session).get(_SECRET_NAME)
            if stored is None:
                candidate = await asyncio.to_thread(generate_private_key_pem)
                async with self._db.transaction() as session:
                    # First writer wins, so concurrent servers on one database agree on one key.
                    stored = await SecretRepository(session).put(_SECRET_NAME, candidate)
            self._private_key = stored
        return self._private_key
