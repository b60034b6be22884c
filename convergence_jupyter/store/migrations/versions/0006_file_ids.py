"""Notebook ids carried over to jupyter_server_fileid (issue 14).

Revision ID: 0006_file_ids
Revises: 0005_session_lineage

Our own path -> id table (``notebook_files``) gives way to the file-id service. Ids cannot be
written into the service here (it keeps its own SQLite next to the Jupyter root, unknown to a
migration), so every stored id is kept as a *legacy* id for its path: when that notebook is
first opened again, the server moves its model, activity and chat from ``nb-<legacy id>`` to
the service's id and deletes the row. A downgrade restores the rows not yet claimed.

Frozen history: plain SQLAlchemy types only, no imports of the live table modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0006_file_ids"
down_revision: str | Sequence[str] | None = "0005_session_lineage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notebook_legacy_ids",
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("file_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("path", name=op.f("pk_notebook_legacy_ids")),
        sa.UniqueConstraint("file_id", name=op.f("uq_notebook_legacy_ids_file_id")),
    )
    op.execute(
        "INSERT INTO notebook_legacy_ids (path, file_id) SELECT path, file_id FROM notebook_files"
    )
    op.drop_table("notebook_files")


def downgrade() -> None:
    files = op.create_table(
        "notebook_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notebook_files")),
        sa.UniqueConstraint("file_id", name=op.f("uq_notebook_files_file_id")),
        sa.UniqueConstraint("path", name=op.f("uq_notebook_files_path")),
    )
    legacy = sa.table("notebook_legacy_ids", sa.column("path"), sa.column("file_id"))
    rows = op.get_bind().execute(sa.select(legacy.c.path, legacy.c.file_id)).all()
    now = datetime.now(UTC)
    if rows:
        op.bulk_insert(files, [{"path": p, "file_id": f, "created_at": now} for p, f in rows])
    op.drop_table("notebook_legacy_ids")
