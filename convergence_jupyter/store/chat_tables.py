"""Tables for chats, their member users and their numbered event log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UtcDateTime, utcnow

CHAT_EVENT_TYPES = (
    "created",
    "message",
    "user_joined",
    "user_left",
    "user_added",
    "user_removed",
    "name_changed",
    "topic_changed",
)


class ChatRow(Base):
    """A room, channel or direct chat.

    ``direct_key`` (a hash of the sorted member user ids) makes get-or-create of a direct
    chat for a set of users a unique lookup; it is NULL for rooms and channels.
    """

    __tablename__ = "chats"
    __table_args__ = (
        UniqueConstraint("domain_id", "chat_id"),
        UniqueConstraint("domain_id", "direct_key"),
        CheckConstraint("chat_type IN ('direct', 'channel', 'room')", name="chat_type"),
        CheckConstraint("membership IN ('public', 'private')", name="membership"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"))
    chat_id: Mapped[str] = mapped_column(String(255))
    chat_type: Mapped[str] = mapped_column(String(16))
    membership: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text, default="")
    topic: Mapped[str] = mapped_column(Text, default="")
    direct_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_event_number: Mapped[int] = mapped_column(Integer, default=0)
    last_event_time: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ChatMemberRow(Base):
    """A user who is a member of a channel or direct chat (rooms have no stored members)."""

    __tablename__ = "chat_members"

    chat_pk: Mapped[int] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    max_seen_event: Mapped[int] = mapped_column(Integer, default=-1)


class ChatEventRow(Base):
    """One numbered chat event. ``text`` holds the message, new name or new topic;
    ``data`` (JSON) holds the created event's name, topic and member ids."""

    __tablename__ = "chat_events"
    __table_args__ = (
        CheckConstraint(
            "event_type IN ('created', 'message', 'user_joined', 'user_left', 'user_added',"
            " 'user_removed', 'name_changed', 'topic_changed')",
            name="event_type",
        ),
    )

    chat_pk: Mapped[int] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    event_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_type: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str | None] = mapped_column(Text)
    data: Mapped[str | None] = mapped_column(Text)
