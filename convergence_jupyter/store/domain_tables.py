"""Tables that describe a domain (tenant): its configuration and its JWT verification keys."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UtcDateTime, utcnow


class DomainStatus(StrEnum):
    """Domain availability (protocol §2.2): maintenance admits only Convergence users."""

    ONLINE = "online"
    MAINTENANCE = "maintenance"
    OFFLINE = "offline"


class DomainRow(Base):
    __tablename__ = "domains"
    __table_args__ = (
        UniqueConstraint("namespace", "name"),
        CheckConstraint("status IN ('online', 'maintenance', 'offline')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    namespace: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(255))
    anonymous_auth: Mapped[bool] = mapped_column(default=False)
    auto_create_collections: Mapped[bool] = mapped_column(default=True)
    reconnect_token_minutes: Mapped[int] = mapped_column(Integer, default=1440)
    status: Mapped[str] = mapped_column(String(16), default=DomainStatus.ONLINE.value)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class JwtKeyRow(Base):
    """A PEM public key that verifies JWTs whose header ``kid`` equals ``key_id``."""

    __tablename__ = "jwt_keys"
    __table_args__ = (UniqueConstraint("domain_id", "key_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"))
    key_id: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    public_key_pem: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
