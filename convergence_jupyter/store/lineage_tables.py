"""Session lineage: which reconnect token a session was opened with, so that the sessions one
client went through (its first connection and every reconnect with the same token) form one
chain (issue 14). A resync recognises the client's own committed ops by this chain, not by the
user, who may have several tabs open."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class ReconnectTokenOriginRow(Base):
    """The first session a reconnect token was handed to: the root of its chain.

    Keyed by the token's SHA-256 hex, like ``reconnect_tokens``; gone with the token."""

    __tablename__ = "reconnect_token_origins"

    token_hash: Mapped[str] = mapped_column(
        String(64), ForeignKey("reconnect_tokens.token_hash", ondelete="CASCADE"), primary_key=True
    )
    root_session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))


class SessionLineageRow(Base):
    """One session of a chain; sessions with the same root are the same client."""

    __tablename__ = "session_lineage"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    root_session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
