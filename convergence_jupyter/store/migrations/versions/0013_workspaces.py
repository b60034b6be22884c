"""Workspaces (issue 12): stored types, instances, their parts and their members.

Revision ID: 0013_workspaces
Revises: 0012_path_permissions

Frozen history: plain SQLAlchemy types only, no imports of the live table modules.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_workspaces"
down_revision: str | Sequence[str] | None = "0012_path_permissions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "workspace_types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domain_id", sa.Integer(), nullable=False),
        sa.Column("type_id", sa.String(length=100), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("workspace_types", "domain_id", "domains"),
        sa.PrimaryKeyConstraint("id", name="pk_workspace_types"),
        sa.UniqueConstraint("domain_id", "type_id", name="uq_workspace_types_domain_id_type_id"),
    )
    op.create_table(
        "workspaces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domain_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=100), nullable=False),
        sa.Column("type_id", sa.String(length=100), nullable=False),
        sa.Column("permissions", sa.Text(), nullable=False),
        sa.Column("model_read", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("workspaces", "domain_id", "domains"),
        sa.PrimaryKeyConstraint("id", name="pk_workspaces"),
        sa.UniqueConstraint(
            "domain_id", "workspace_id", name="uq_workspaces_domain_id_workspace_id"
        ),
    )
    op.create_table(
        "workspace_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_pk", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("model_pk", sa.Integer(), nullable=True),
        sa.Column("chat_pk", sa.Integer(), nullable=True),
        sa.Column("activity_pk", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(CASE WHEN model_pk IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN chat_pk IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN activity_pk IS NULL THEN 0 ELSE 1 END) = 1",
            name="ck_workspace_parts_one_part",
        ),
        _fk("workspace_parts", "workspace_pk", "workspaces"),
        _fk("workspace_parts", "model_pk", "models"),
        _fk("workspace_parts", "chat_pk", "chats"),
        _fk("workspace_parts", "activity_pk", "activities"),
        sa.PrimaryKeyConstraint("id", name="pk_workspace_parts"),
        sa.UniqueConstraint("model_pk", name="uq_workspace_parts_model_pk"),
        sa.UniqueConstraint("chat_pk", name="uq_workspace_parts_chat_pk"),
        sa.UniqueConstraint("activity_pk", name="uq_workspace_parts_activity_pk"),
    )
    op.create_index("ix_workspace_parts_workspace_pk", "workspace_parts", ["workspace_pk"])
    op.create_table(
        "workspace_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_pk", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("group_pk", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (group_pk IS NULL)", name="ck_workspace_members_user_or_group"
        ),
        _fk("workspace_members", "workspace_pk", "workspaces"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_workspace_members_user_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["group_pk"],
            ["user_groups.id"],
            name="fk_workspace_members_group_pk_user_groups",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_workspace_members"),
        sa.UniqueConstraint(
            "workspace_pk", "user_id", name="uq_workspace_members_workspace_pk_user_id"
        ),
        sa.UniqueConstraint(
            "workspace_pk", "group_pk", name="uq_workspace_members_workspace_pk_group_pk"
        ),
    )
    for column in ("workspace_pk", "user_id", "group_pk"):
        op.create_index(f"ix_workspace_members_{column}", "workspace_members", [column])


def downgrade() -> None:
    op.drop_table("workspace_members")
    op.drop_index("ix_workspace_parts_workspace_pk", table_name="workspace_parts")
    op.drop_table("workspace_parts")
    op.drop_table("workspaces")
    op.drop_table("workspace_types")
