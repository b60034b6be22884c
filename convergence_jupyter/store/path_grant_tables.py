"""Path-level model grants (issue 12): read/write on a JSON Pointer inside one model, for a
user, a group or the world (see models/path_permissions.py for how they resolve).

A row goes with its model, its user or its group (CASCADE). At most one row per (model, path,
subject); the repository replaces rather than duplicates (NULL keys defeat a unique index).
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class ModelPathGrantRow(Base):
    __tablename__ = "model_path_grants"
    __table_args__ = (CheckConstraint("subject IN ('world', 'user', 'group')", name="subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_pk: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), index=True)
    #: JSON Pointer inside the model's data ("" is the root).
    path: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True
    )
    group_pk: Mapped[int | None] = mapped_column(
        ForeignKey("user_groups.id", ondelete="CASCADE"), nullable=True
    )
    read: Mapped[bool] = mapped_column(default=True)
    write: Mapped[bool] = mapped_column(default=False)
