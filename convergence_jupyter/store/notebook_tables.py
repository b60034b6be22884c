"""Notebook ids from before the file-id service (revision 0006): path -> the id our own table
gave it. Each row is claimed, and deleted, when that notebook is first opened again, which moves
its model, activity and chat over to the service's id (``convergence_jupyter.notebooks``)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class LegacyNotebookIdRow(Base):
    __tablename__ = "notebook_legacy_ids"

    # Contents path relative to the Jupyter root, without leading slash.
    path: Mapped[str] = mapped_column(String(1024), primary_key=True)
    file_id: Mapped[str] = mapped_column(String(64), unique=True)
