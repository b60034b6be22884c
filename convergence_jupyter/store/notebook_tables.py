"""Table of notebook file ids: a stable id per notebook path that follows renames, so the
notebook's model, activity and chat survive a rename (used by ``convergence_jupyter.notebooks``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UtcDateTime, utcnow


class NotebookFileRow(Base):
    __tablename__ = "notebook_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[str] = mapped_column(String(64), unique=True)
    # Contents path relative to the Jupyter root, without leading slash.
    path: Mapped[str] = mapped_column(String(1024), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
