"""Generic permission grants for chat and activity targets (and domain-wide chat grants)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class PermissionGrantRow(Base):
    """One permission string granted to the world, a user or a group on a target.

    The target is a chat, an activity, or neither (a domain-wide grant such as
    ``create_chat_channel``). Foreign keys cascade so deleting a target drops its grants.
    """

    __tablename__ = "permission_grants"
    __table_args__ = (
        CheckConstraint("grantee IN ('world', 'user', 'group')", name="grantee"),
        CheckConstraint("chat_pk IS NULL OR activity_pk IS NULL", name="one_target"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"))
    chat_pk: Mapped[int | None] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), index=True
    )
    activity_pk: Mapped[int | None] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    grantee: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    group_pk: Mapped[int | None] = mapped_column(ForeignKey("user_groups.id", ondelete="CASCADE"))
    permission: Mapped[str] = mapped_column(String(64))
