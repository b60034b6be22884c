"""Tables of the model web hooks (issue 9): one row per hook, one row per delivery.

A hook belongs to a collection (deleted with it). Its secret is stored as given, because the
server must compute HMACs with it: whoever can read the database can forge signatures.
A delivery row is created when a request is first attempted and updated after every attempt,
so the log shows attempts, the last HTTP status and the last error.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UtcDateTime, utcnow


class WebhookRow(Base):
    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Public id (REST paths, the ``X-Convergence-Hook`` header).
    hook_id: Mapped[str] = mapped_column(String(32), unique=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"))
    collection_pk: Mapped[int] = mapped_column(
        ForeignKey("model_collections.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2048))
    secret: Mapped[str] = mapped_column(String(256))
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(default=True)
    on_init: Mapped[bool] = mapped_column(default=False)
    on_save: Mapped[bool] = mapped_column(default=True)
    debounce_seconds: Mapped[float] = mapped_column(Float, default=2.0)
    max_wait_seconds: Mapped[float] = mapped_column(Float, default=30.0)
    timeout_seconds: Mapped[float] = mapped_column(Float, default=5.0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class WebhookDeliveryRow(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_hook_pk_id", "hook_pk", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Public id, sent as ``X-Convergence-Delivery`` (the same on every retry: idempotency).
    delivery_id: Mapped[str] = mapped_column(String(32), unique=True)
    hook_pk: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(16))
    model_id: Mapped[str] = mapped_column(String(255))
    #: The model version the last attempt sent (saves only).
    version: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
