"""Workspaces (issue 12): stored types, instances, the parts each instance made, its members.

A part row points at the model, chat or activity it stands for with a cascading foreign key,
so a part deleted on its own (a client's delete request) leaves no dangling row; deleting the
workspace row takes its part and member rows with it (the parts themselves are deleted by the
repository in the same transaction).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UtcDateTime, utcnow


class WorkspaceTypeRow(Base):
    """A domain's own workspace type; ``definition`` is its validated JSON (built-in types
    live in code, not here)."""

    __tablename__ = "workspace_types"
    __table_args__ = (UniqueConstraint("domain_id", "type_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"))
    type_id: Mapped[str] = mapped_column(String(100))
    definition: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class WorkspaceRow(Base):
    """One instance. ``permissions`` (JSON) is what every member holds on every part;
    ``model_read`` repeats its model read flag so that a model query can filter on it in SQL."""

    __tablename__ = "workspaces"
    __table_args__ = (UniqueConstraint("domain_id", "workspace_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"))
    workspace_id: Mapped[str] = mapped_column(String(100))
    type_id: Mapped[str] = mapped_column(String(100))
    permissions: Mapped[str] = mapped_column(Text)
    model_read: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class WorkspacePartRow(Base):
    """A model, chat or activity the instance created, under the role its type gave it."""

    __tablename__ = "workspace_parts"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN model_pk IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN chat_pk IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN activity_pk IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_part",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_pk: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(64))
    model_pk: Mapped[int | None] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), unique=True
    )
    chat_pk: Mapped[int | None] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), unique=True
    )
    activity_pk: Mapped[int | None] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), unique=True
    )


class WorkspaceMemberRow(Base):
    """A member: a user or a group (all of whose users are members through it)."""

    __tablename__ = "workspace_members"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (group_pk IS NULL)", name="user_or_group"),
        UniqueConstraint("workspace_pk", "user_id"),
        UniqueConstraint("workspace_pk", "group_pk"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_pk: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    group_pk: Mapped[int | None] = mapped_column(
        ForeignKey("user_groups.id", ondelete="CASCADE"), index=True
    )
