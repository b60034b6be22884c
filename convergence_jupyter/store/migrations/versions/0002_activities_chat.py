"""Activities, chats (members and events) and generic permission grants.

Revision ID: 0002_activities_chat
Revises: 0001
Create Date: 2026-11-26

Frozen history like 0001: plain SQLAlchemy types, no imports of the live table modules.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_activities_chat"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domain_id", sa.Integer(), nullable=False),
        sa.Column("activity_type", sa.String(255), nullable=False),
        sa.Column("activity_id", sa.String(255), nullable=False),
        sa.Column("ephemeral", sa.Boolean(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        _fk("activities", "domain_id", "domains"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        sa.UniqueConstraint(
            "domain_id",
            "activity_type",
            "activity_id",
            name=op.f("uq_activities_domain_id_activity_type_activity_id"),
        ),
    )
    op.create_table(
        "chats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domain_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.String(255), nullable=False),
        sa.Column("chat_type", sa.String(16), nullable=False),
        sa.Column("membership", sa.String(16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("direct_key", sa.String(64), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("last_event_number", sa.Integer(), nullable=False),
        sa.Column("last_event_time", _utc(), nullable=False),
        sa.CheckConstraint(
            "chat_type IN ('direct', 'channel', 'room')", name=op.f("ck_chats_chat_type")
        ),
        sa.CheckConstraint("membership IN ('public', 'private')", name=op.f("ck_chats_membership")),
        _fk("chats", "domain_id", "domains"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chats")),
        sa.UniqueConstraint("domain_id", "chat_id", name=op.f("uq_chats_domain_id_chat_id")),
        sa.UniqueConstraint("domain_id", "direct_key", name=op.f("uq_chats_domain_id_direct_key")),
    )
    op.create_table(
        "chat_members",
        sa.Column("chat_pk", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("max_seen_event", sa.Integer(), nullable=False),
        _fk("chat_members", "chat_pk", "chats"),
        _fk("chat_members", "user_id", "users"),
        sa.PrimaryKeyConstraint("chat_pk", "user_id", name=op.f("pk_chat_members")),
    )
    op.create_index(op.f("ix_chat_members_user_id"), "chat_members", ["user_id"])
    op.create_table(
        "chat_events",
        sa.Column("chat_pk", sa.Integer(), nullable=False),
        sa.Column("event_number", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("target_user_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("data", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "event_type IN ('created', 'message', 'user_joined', 'user_left', 'user_added',"
            " 'user_removed', 'name_changed', 'topic_changed')",
            name=op.f("ck_chat_events_event_type"),
        ),
        _fk("chat_events", "chat_pk", "chats"),
        _fk("chat_events", "user_id", "users"),
        _fk("chat_events", "target_user_id", "users"),
        sa.PrimaryKeyConstraint("chat_pk", "event_number", name=op.f("pk_chat_events")),
    )
    op.create_table(
        "permission_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domain_id", sa.Integer(), nullable=False),
        sa.Column("chat_pk", sa.Integer(), nullable=True),
        sa.Column("activity_pk", sa.Integer(), nullable=True),
        sa.Column("grantee", sa.String(8), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("group_pk", sa.Integer(), nullable=True),
        sa.Column("permission", sa.String(64), nullable=False),
        sa.CheckConstraint(
            "grantee IN ('world', 'user', 'group')", name=op.f("ck_permission_grants_grantee")
        ),
        sa.CheckConstraint(
            "chat_pk IS NULL OR activity_pk IS NULL",
            name=op.f("ck_permission_grants_one_target"),
        ),
        _fk("permission_grants", "domain_id", "domains"),
        _fk("permission_grants", "chat_pk", "chats"),
        _fk("permission_grants", "activity_pk", "activities"),
        _fk("permission_grants", "user_id", "users"),
        sa.ForeignKeyConstraint(
            ["group_pk"],
            ["user_groups.id"],
            name=op.f("fk_permission_grants_group_pk_user_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permission_grants")),
    )
    op.create_index(op.f("ix_permission_grants_chat_pk"), "permission_grants", ["chat_pk"])
    op.create_index(op.f("ix_permission_grants_activity_pk"), "permission_grants", ["activity_pk"])
    op.create_index(op.f("ix_permission_grants_user_id"), "permission_grants", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_permission_grants_user_id"), table_name="permission_grants")
    op.drop_index(op.f("ix_permission_grants_activity_pk"), table_name="permission_grants")
    op.drop_index(op.f("ix_permission_grants_chat_pk"), table_name="permission_grants")
    op.drop_table("permission_grants")
    op.drop_table("chat_events")
    op.drop_index(op.f("ix_chat_members_user_id"), table_name="chat_members")
    op.drop_table("chat_members")
    op.drop_table("chats")
    op.drop_table("activities")
