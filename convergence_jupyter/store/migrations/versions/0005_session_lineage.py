"""Reconnect tokens linked to the session they came from (issue 14).

Revision ID: 0005_session_lineage
Revises: 0004_notebook_files

Frozen history: plain SQLAlchemy types only, no imports of the live table modules.
Tokens issued before this revision have no origin; their next use starts a new chain.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_session_lineage"
down_revision: str | Sequence[str] | None = "0004_notebook_files"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reconnect_token_origins",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("root_session_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_hash"],
            ["reconnect_tokens.token_hash"],
            name=op.f("fk_reconnect_token_origins_token_hash_reconnect_tokens"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["root_session_id"],
            ["sessions.id"],
            name=op.f("fk_reconnect_token_origins_root_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_reconnect_token_origins")),
    )
    op.create_table(
        "session_lineage",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("root_session_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_session_lineage_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["root_session_id"],
            ["sessions.id"],
            name=op.f("fk_session_lineage_root_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_session_lineage")),
    )
    op.create_index(
        op.f("ix_session_lineage_root_session_id"), "session_lineage", ["root_session_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_session_lineage_root_session_id"), table_name="session_lineage")
    op.drop_table("session_lineage")
    op.drop_table("reconnect_token_origins")
