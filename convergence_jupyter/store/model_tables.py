"""Tables of the real-time model service: collections, models, the operation log, permissions.

A model row holds the *current* snapshot (tagged JSON of the root object) and is updated in the
same transaction as the operations that produced it, so the snapshot and the log never
disagree. Operations are keyed by (model, version): a second writer of one version fails.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UtcDateTime, utcnow


class CollectionRow(Base):
    __tablename__ = "model_collections"
    __table_args__ = (UniqueConstraint("domain_id", "collection_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"))
    collection_id: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    world_read: Mapped[bool] = mapped_column(default=True)
    world_write: Mapped[bool] = mapped_column(default=True)
    world_remove: Mapped[bool] = mapped_column(default=True)
    world_manage: Mapped[bool] = mapped_column(default=True)
    world_create: Mapped[bool] = mapped_column(default=True)


class CollectionUserPermissionRow(Base):
    __tablename__ = "collection_user_permissions"

    collection_pk: Mapped[int] = mapped_column(
        ForeignKey("model_collections.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    read: Mapped[bool] = mapped_column(default=False)
    write: Mapped[bool] = mapped_column(default=False)
    remove: Mapped[bool] = mapped_column(default=False)
    manage: Mapped[bool] = mapped_column(default=False)
    create: Mapped[bool] = mapped_column(default=False)


class ModelRow(Base):
    __tablename__ = "models"
    __table_args__ = (UniqueConstraint("domain_id", "model_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id", ondelete="CASCADE"))
    collection_pk: Mapped[int] = mapped_column(
        ForeignKey("model_collections.id", ondelete="CASCADE"), index=True
    )
    model_id: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    value_prefix: Mapped[int] = mapped_column(BigInteger, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    data: Mapped[str] = mapped_column(Text)
    override_world: Mapped[bool] = mapped_column(default=False)
    world_read: Mapped[bool] = mapped_column(default=False)
    world_write: Mapped[bool] = mapped_column(default=False)
    world_remove: Mapped[bool] = mapped_column(default=False)
    world_manage: Mapped[bool] = mapped_column(default=False)
    ephemeral: Mapped[bool] = mapped_column(default=False)
    #: The version ``data`` is at when it lags behind ``version`` (the op log holds the tail);
    #: NULL: ``data`` is at ``version``, so every writer unaware of the lag stays correct.
    snapshot_version: Mapped[int | None] = mapped_column(BigInteger, nullable=True, default=None)


class ModelOperationRow(Base):
    __tablename__ = "model_operations"

    model_pk: Mapped[int] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    timestamp: Mapped[datetime] = mapped_column(UtcDateTime)
    session_id: Mapped[str] = mapped_column(String(32))
    sequence_number: Mapped[int] = mapped_column(BigInteger, default=0)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    operation: Mapped[str] = mapped_column(Text)


class ModelUserPermissionRow(Base):
    __tablename__ = "model_user_permissions"

    model_pk: Mapped[int] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    read: Mapped[bool] = mapped_column(default=False)
    write: Mapped[bool] = mapped_column(default=False)
    remove: Mapped[bool] = mapped_column(default=False)
    manage: Mapped[bool] = mapped_column(default=False)
