"""Path-level model grants (issue 12): read/write on a JSON Pointer inside a model.

Revision ID: 0012_path_permissions
Revises: 0011_model_links

Frozen history: plain SQLAlchemy types only, no imports of the live table modules.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_path_permissions"
down_revision: str | Sequence[str] | None = "0011_model_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "model_path_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_pk", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("subject", sa.String(length=8), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("group_pk", sa.Integer(), nullable=True),
        sa.Column("read", sa.Boolean(), nullable=False),
        sa.Column("write", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "subject IN ('world', 'user', 'group')", name=op.f("ck_model_path_grants_subject")
        ),
        sa.ForeignKeyConstraint(
            ["model_pk"],
            ["models.id"],
            name=op.f("fk_model_path_grants_model_pk_models"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_model_path_grants_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_pk"],
            ["user_groups.id"],
            name=op.f("fk_model_path_grants_group_pk_user_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_path_grants")),
    )
    op.create_index(op.f("ix_model_path_grants_model_pk"), "model_path_grants", ["model_pk"])


def downgrade() -> None:
    op.drop_index(op.f("ix_model_path_grants_model_pk"), table_name="model_path_grants")
    op.drop_table("model_path_grants")
