"""Server-wide (not per-domain) state."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class ServerSecretRow(Base):
    """Named server secrets, e.g. the private key the Jupyter login bridge signs JWTs with.

    Stored in clear text: protect the database file / credentials accordingly.
    """

    __tablename__ = "server_secrets"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
