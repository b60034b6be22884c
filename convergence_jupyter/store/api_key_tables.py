"""The table of user API keys for the REST API (only hashes, never a key)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UtcDateTime, utcnow

__all__ = ["ApiKeyRow"]


class ApiKeyRow(Base):
    """One key. ``key_id`` is the public part of the token (``cvk_<key_id>_<secret>``) used to
    find the row; ``key_hash`` is the SHA-256 hex of the whole token. The token itself is shown
    once at creation and never stored, so a database leak hands out no working key."""

    __tablename__ = "api_keys"
    __table_args__ = (UniqueConstraint("owner", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    #: The Jupyter username the key acts as.
    owner: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(255))
    #: Comma-separated scope names (read, write, admin), as granted at creation.
    scopes: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
