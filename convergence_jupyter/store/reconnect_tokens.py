"""Reconnect tokens, stored by hash.

Security: pass only ``sha256(token).hexdigest()`` here, never the token itself; the
plaintext goes to the client once and nowhere else. A lookup by hash is safe against timing
attacks because the attacker does not control the hash's prefix.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .base import utcnow
from .identity_tables import ReconnectTokenRow, UserRow
from .lineage_tables import ReconnectTokenOriginRow, SessionLineageRow
from .records import ReconnectTokenRecord, UserRecord
from .users import record_from_row

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")

#: Most earlier sessions :meth:`ReconnectTokenRepository.lineage` returns (newest first): a
#: resync only ever needs the recent ones, and a tab that reconnected for weeks stays cheap.
MAX_LINEAGE = 1000


def _check_hash(token_hash: str) -> str:
    if not _SHA256_HEX.fullmatch(token_hash):
        raise ValueError("expected the lowercase SHA-256 hex digest of the token, not the token")
    return token_hash


def _record(row: ReconnectTokenRow) -> ReconnectTokenRecord:
    return ReconnectTokenRecord(
        token_hash=row.token_hash,
        domain_pk=row.domain_id,
        user_pk=row.user_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


class ReconnectTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def issue(
        self,
        domain_pk: int,
        user_pk: int,
        token_hash: str,
        expires_at: datetime,
        *,
        now: datetime | None = None,
    ) -> ReconnectTokenRecord:
        row = ReconnectTokenRow(
            token_hash=_check_hash(token_hash),
            domain_id=domain_pk,
            user_id=user_pk,
            created_at=now or utcnow(),
            expires_at=expires_at,
        )
        self._session.add(row)
        await self._session.flush()
        return _record(row)

    def _valid(self, token_hash: str, now: datetime | None, domain_pk: int | None) -> Any:
        stmt = (
            select(ReconnectTokenRow, UserRow)
            .join(UserRow, ReconnectTokenRow.user_id == UserRow.id)
            .where(
                ReconnectTokenRow.token_hash == _check_hash(token_hash),
                ReconnectTokenRow.expires_at > (now or utcnow()),
                UserRow.disabled.is_(False),
                UserRow.deleted.is_(False),
            )
        )
        if domain_pk is not None:
            stmt = stmt.where(ReconnectTokenRow.domain_id == domain_pk)
        return stmt

    async def find_valid(
        self, token_hash: str, now: datetime | None = None, *, domain_pk: int | None = None
    ) -> ReconnectTokenRecord | None:
        """The token if it exists, has not expired and its user is neither disabled nor
        deleted; else None.

        Security: pass ``domain_pk`` (or compare ``record.domain_pk``) so a token issued in one
        domain cannot open a session in another.
        """
        found = (await self._session.execute(self._valid(token_hash, now, domain_pk))).first()
        return None if found is None else _record(found[0])

    async def find_valid_user(
        self, token_hash: str, now: datetime | None = None, *, domain_pk: int | None = None
    ) -> UserRecord | None:
        """Like :meth:`find_valid`, but returns the token's user."""
        found = (await self._session.execute(self._valid(token_hash, now, domain_pk))).first()
        return None if found is None else record_from_row(found[1])

    async def refresh(self, token_hash: str, expires_at: datetime) -> bool:
        """Move the token's expiry (protocol: refreshed on every use); False if unknown."""
        result = await self._session.execute(
            update(ReconnectTokenRow)
            .where(ReconnectTokenRow.token_hash == _check_hash(token_hash))
            .values(expires_at=expires_at)
        )
        return bool(getattr(result, "rowcount", 0))

    async def revoke(self, token_hash: str) -> bool:
        result = await self._session.execute(
            delete(ReconnectTokenRow).where(ReconnectTokenRow.token_hash == _check_hash(token_hash))
        )
        return bool(getattr(result, "rowcount", 0))

    async def revoke_for_user(self, user_pk: int) -> int:
        """Revoke all of a user's tokens (password change, disable, delete)."""
        result = await self._session.execute(
            delete(ReconnectTokenRow).where(ReconnectTokenRow.user_id == user_pk)
        )
        return int(getattr(result, "rowcount", 0))

    async def purge_expired(self, now: datetime | None = None) -> int:
        result = await self._session.execute(
            delete(ReconnectTokenRow).where(ReconnectTokenRow.expires_at <= (now or utcnow()))
        )
        return int(getattr(result, "rowcount", 0))

    # -- session lineage (issue 14) ---------------------------------------------------------

    async def link_session(self, token_hash: str, session_pk: int) -> list[int]:
        """Record that session ``session_pk`` was opened with this token (issued to it, or
        presented on a reconnect) and return the chain's *earlier* sessions, newest first.

        Call it in the transaction that opened the session. A token without an origin (new,
        or issued before lineage existed) makes this session the root of a new chain.
        Security: the chain says which committed ops a resync hands back as the client's own;
        only whoever holds the token can extend it.
        """
        digest = _check_hash(token_hash)
        origin = await self._session.get(ReconnectTokenOriginRow, digest)
        if origin is None:
            root = session_pk
            self._session.add(ReconnectTokenOriginRow(token_hash=digest, root_session_id=root))
        else:
            root = origin.root_session_id
        self._session.add(SessionLineageRow(session_id=session_pk, root_session_id=root))
        await self._session.flush()
        return await self.lineage(session_pk)

    async def lineage(self, session_pk: int) -> list[int]:
        """The sessions of ``session_pk``'s chain opened before it, newest first (at most
        :data:`MAX_LINEAGE`); empty for a session outside any chain."""
        root = (
            select(SessionLineageRow.root_session_id)
            .where(SessionLineageRow.session_id == session_pk)
            .scalar_subquery()
        )
        rows = await self._session.scalars(
            select(SessionLineageRow.session_id)
            .where(
                SessionLineageRow.root_session_id == root,
                SessionLineageRow.session_id < session_pk,
            )
            .order_by(SessionLineageRow.session_id.desc())
            .limit(MAX_LINEAGE)
        )
        return list(rows)
