"""Tables for a domain's users, groups, sessions and reconnect tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from convergence_jupyter.domain.users import UserType

from .base import Base, UtcDateTime, utcnow

__all__ = [
    "GroupMemberRow",
    "ReconnectTokenRow",
    "SessionRow",
    "UserGroupRow",
    "UserRow",
    "UserType",
]


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("domain_id", "user_type", "username"),
        CheckConstraint("user_type IN (0, 1, 2)", name="user_type"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"))
    user_type: Mapped[int] = mapped_column(SmallInteger)
    username: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    # Only ever a salted hash produced by auth/; never a password.
    password_hash: Mapped[str | None] = mapped_column(Text)
    disabled: Mapped[bool] = mapped_column(default=False)
    deleted: Mapped[bool] = mapped_column(default=False)
    deleted_username: Mapped[str | None] = mapped_column(String(255))
    last_login: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class UserGroupRow(Base):
    __tablename__ = "user_groups"
    __table_args__ = (UniqueConstraint("domain_id", "group_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"))
    group_id: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")


class GroupMemberRow(Base):
    __tablename__ = "group_members"

    user_group_id: Mapped[int] = mapped_column(
        ForeignKey("user_groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class SessionRow(Base):
    """One websocket connection. The id is the wire ``sessionId`` (base-36 on the wire).

    ``sqlite_autoincrement`` makes SQLite never reuse an id, even after rows are deleted:
    operations are de-duplicated by (session id, sequence number), so a reused id could
    make a new session's operations look like resubmissions.
    """

    __tablename__ = "sessions"
    __table_args__ = (
        Index(None, "disconnected_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    client: Mapped[str] = mapped_column(String(255), default="")
    client_version: Mapped[str] = mapped_column(String(255), default="")
    user_agent: Mapped[str] = mapped_column(Text, default="")
    remote_host: Mapped[str] = mapped_column(String(255), default="")
    connected_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    disconnected_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ReconnectTokenRow(Base):
    """A reconnect token, keyed by the SHA-256 hex of the token: the plaintext is never stored,
    so a database leak does not hand out live sessions."""

    __tablename__ = "reconnect_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
