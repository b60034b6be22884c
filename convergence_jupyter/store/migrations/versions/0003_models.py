"""Real-time models: collections, models (current snapshot), operation log, permissions.

Revision ID: 0003_models
Revises: 0002_activities_chat

Frozen history: plain SQLAlchemy types only, no imports of the live table modules.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_models"
down_revision: str | Sequence[str] | None = "0002_activities_chat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _flags(*names: str) -> list[sa.Column[bool]]:
    return [sa.Column(name, sa.Boolean(), nullable=False) for name in names]


def upgrade() -> None:
    op.create_table(
        "model_collections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domain_id", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        *_flags("world_read", "world_write", "world_remove", "world_manage", "world_create"),
        _fk("model_collections", "domain_id", "domains"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_collections")),
        sa.UniqueConstraint(
            "domain_id", "collection_id", name=op.f("uq_model_collections_domain_id_collection_id")
        ),
    )
    op.create_table(
        "collection_user_permissions",
        sa.Column("collection_pk", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        *_flags("read", "write", "remove", "manage", "create"),
        sa.ForeignKeyConstraint(
            ["collection_pk"],
            ["model_collections.id"],
            name=op.f("fk_collection_user_permissions_collection_pk_model_collections"),
            ondelete="CASCADE",
        ),
        _fk("collection_user_permissions", "user_id", "users"),
        sa.PrimaryKeyConstraint(
            "collection_pk", "user_id", name=op.f("pk_collection_user_permissions")
        ),
    )
    op.create_table(
        "models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domain_id", sa.Integer(), nullable=False),
        sa.Column("collection_pk", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.String(255), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("value_prefix", sa.BigInteger(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("modified_at", _utc(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        *_flags(
            "override_world",
            "world_read",
            "world_write",
            "world_remove",
            "world_manage",
            "ephemeral",
        ),
        _fk("models", "domain_id", "domains"),
        sa.ForeignKeyConstraint(
            ["collection_pk"],
            ["model_collections.id"],
            name=op.f("fk_models_collection_pk_model_collections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_models")),
        sa.UniqueConstraint("domain_id", "model_id", name=op.f("uq_models_domain_id_model_id")),
    )
    op.create_index(op.f("ix_models_collection_pk"), "models", ["collection_pk"])
    op.create_table(
        "model_operations",
        sa.Column("model_pk", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("timestamp", _utc(), nullable=False),
        sa.Column("session_id", sa.String(32), nullable=False),
        sa.Column("sequence_number", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("operation", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_pk"],
            ["models.id"],
            name=op.f("fk_model_operations_model_pk_models"),
            ondelete="CASCADE",
        ),
        _fk("model_operations", "user_id", "users", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("model_pk", "version", name=op.f("pk_model_operations")),
    )
    op.create_index(op.f("ix_model_operations_user_id"), "model_operations", ["user_id"])
    op.create_table(
        "model_user_permissions",
        sa.Column("model_pk", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        *_flags("read", "write", "remove", "manage"),
        sa.ForeignKeyConstraint(
            ["model_pk"],
            ["models.id"],
            name=op.f("fk_model_user_permissions_model_pk_models"),
            ondelete="CASCADE",
        ),
        _fk("model_user_permissions", "user_id", "users"),
        sa.PrimaryKeyConstraint("model_pk", "user_id", name=op.f("pk_model_user_permissions")),
    )


def downgrade() -> None:
    op.drop_table("model_user_permissions")
    op.drop_index(op.f("ix_model_operations_user_id"), table_name="model_operations")
    op.drop_table("model_operations")
    op.drop_index(op.f("ix_models_collection_pk"), table_name="models")
    op.drop_table("models")
    op.drop_table("collection_user_permissions")
    op.drop_table("model_collections")
