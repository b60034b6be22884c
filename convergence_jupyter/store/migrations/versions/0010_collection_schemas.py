"""The JSON Schema of a collection (issue 12).

Revision ID: 0010_collection_schemas
Revises: 0009_webhooks

Frozen history: plain SQLAlchemy types only, no imports of the live table modules.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_collection_schemas"
down_revision: str | Sequence[str] | None = "0009_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "collection_schemas",
        sa.Column("collection_pk", sa.Integer(), nullable=False),
        sa.Column("schema", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_pk"],
            ["model_collections.id"],
            name="fk_collection_schemas_collection_pk_model_collections",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("collection_pk", name="pk_collection_schemas"),
    )


def downgrade() -> None:
    op.drop_table("collection_schemas")
