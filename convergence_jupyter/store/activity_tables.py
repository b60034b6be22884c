"""Table of persistent activities; who is joined lives in memory, not here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UtcDateTime, utcnow


class ActivityRow(Base):
    """An activity ``(activity_type, activity_id)``; its permissions are grant rows."""

    __tablename__ = "activities"
    __table_args__ = (UniqueConstraint("domain_id", "activity_type", "activity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"))
    activity_type: Mapped[str] = mapped_column(String(255))
    activity_id: Mapped[str] = mapped_column(String(255))
    # Ephemeral activities are deleted when the last session leaves.
    ephemeral: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
