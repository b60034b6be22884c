"""Notebook file ids (path <-> stable id, following renames).

Revision ID: 0004_notebook_files
Revises: 0003_models

Frozen history: plain SQLAlchemy types only, no imports of the live table modules.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_notebook_files"
down_revision: str | Sequence[str] | None = "0003_models"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notebook_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notebook_files")),
        sa.UniqueConstraint("file_id", name=op.f("uq_notebook_files_file_id")),
        sa.UniqueConstraint("path", name=op.f("uq_notebook_files_path")),
    )


def downgrade() -> None:
    op.drop_table("notebook_files")
