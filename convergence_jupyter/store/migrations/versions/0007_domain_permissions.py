"""Domain-wide permissions such as chat creation (issue 14).

Revision ID: 0007_domain_permissions
Revises: 0006_file_ids

Domain-wide grants already fit ``permission_grants`` (no chat, no activity), so no table
changes. Chat creation becomes a checked permission here; every existing domain grants it to
the world, as new domains do, so nobody loses what they could do before.

Frozen history: plain SQL, no imports of the live table modules.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007_domain_permissions"
down_revision: str | Sequence[str] | None = "0006_file_ids"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "INSERT INTO permission_grants (domain_id, grantee, permission) "
        "SELECT d.id, 'world', 'create_chat_channel' FROM domains d "
        "WHERE NOT EXISTS (SELECT 1 FROM permission_grants g WHERE g.domain_id = d.id "
        "AND g.chat_pk IS NULL AND g.activity_pk IS NULL AND g.grantee = 'world' "
        "AND g.permission = 'create_chat_channel')"
    )


def downgrade() -> None:
    # Before this revision domain-wide chat grants meant nothing: drop them all.
    op.execute(
        "DELETE FROM permission_grants WHERE chat_pk IS NULL AND activity_pk IS NULL "
        "AND permission = 'create_chat_channel'"
    )
