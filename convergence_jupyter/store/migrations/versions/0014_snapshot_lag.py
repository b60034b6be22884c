"""Snapshots off the hot path (issue 11): the version a model's stored snapshot is at.

NULL means the snapshot is at the model's version (every existing row); a number means the
op log holds the tail after it, which a load replays.

Revision ID: 0014_snapshot_lag
Revises: 0013_workspaces

Frozen history: plain SQLAlchemy types only, no imports of the live table modules.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_snapshot_lag"
down_revision: str | Sequence[str] | None = "0013_workspaces"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("models", sa.Column("snapshot_version", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite >= 3.35): a batch copy of the table would fight the foreign
    # keys that point at it.
    op.drop_column("models", "snapshot_version")
