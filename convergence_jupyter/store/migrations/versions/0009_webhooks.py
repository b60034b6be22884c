"""Model web hooks and their delivery log (issue 9).

Revision ID: 0009_webhooks
Revises: 0008_api_keys

Frozen history: plain SQLAlchemy types only, no imports of the live table modules.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_webhooks"
down_revision: str | Sequence[str] | None = "0008_api_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hook_id", sa.String(32), nullable=False),
        sa.Column("domain_id", sa.Integer(), nullable=False),
        sa.Column("collection_pk", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("secret", sa.String(256), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("on_init", sa.Boolean(), nullable=False),
        sa.Column("on_save", sa.Boolean(), nullable=False),
        sa.Column("debounce_seconds", sa.Float(), nullable=False),
        sa.Column("max_wait_seconds", sa.Float(), nullable=False),
        sa.Column("timeout_seconds", sa.Float(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["domain_id"], ["domains.id"], name="fk_webhooks_domain_id_domains", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["collection_pk"],
            ["model_collections.id"],
            name="fk_webhooks_collection_pk_model_collections",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_webhooks"),
        sa.UniqueConstraint("hook_id", name="uq_webhooks_hook_id"),
    )
    op.create_index("ix_webhooks_collection_pk", "webhooks", ["collection_pk"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.String(32), nullable=False),
        sa.Column("hook_pk", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("model_id", sa.String(255), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["hook_pk"],
            ["webhooks.id"],
            name="fk_webhook_deliveries_hook_pk_webhooks",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
        sa.UniqueConstraint("delivery_id", name="uq_webhook_deliveries_delivery_id"),
    )
    op.create_index("ix_webhook_deliveries_hook_pk_id", "webhook_deliveries", ["hook_pk", "id"])


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_hook_pk_id", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_index("ix_webhooks_collection_pk", table_name="webhooks")
    op.drop_table("webhooks")
