"""Model links (issue 12): the link index and each collection's delete policy.

Revision ID: 0011_model_links
Revises: 0010_collection_schemas

Frozen history: plain SQLAlchemy types only, no imports of the live table modules.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_model_links"
down_revision: str | Sequence[str] | None = "0010_collection_schemas"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "model_links",
        sa.Column("source_pk", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("domain_id", sa.Integer(), nullable=False),
        sa.Column("target_collection", sa.String(length=255), nullable=False),
        sa.Column("target_model_id", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_pk"],
            ["models.id"],
            name="fk_model_links_source_pk_models",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["domain_id"],
            ["domains.id"],
            name="fk_model_links_domain_id_domains",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_pk", "path", name="pk_model_links"),
    )
    op.create_index("ix_model_links_target", "model_links", ["domain_id", "target_model_id"])
    op.create_table(
        "collection_link_policies",
        sa.Column("collection_pk", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_pk"],
            ["model_collections.id"],
            name="fk_collection_link_policies_collection_pk_model_collections",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("collection_pk", name="pk_collection_link_policies"),
    )


def downgrade() -> None:
    op.drop_table("collection_link_policies")
    op.drop_index("ix_model_links_target", table_name="model_links")
    op.drop_table("model_links")
