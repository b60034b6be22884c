"""Domains, JWT keys, users, groups, sessions, reconnect tokens and server secrets.

Revision ID: 0001
Revises:
Create Date: 2026-11-26

Migrations are frozen history: they spell out plain SQLAlchemy types rather than importing
the live table modules, so later model edits cannot change what this revision creates.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _domain_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["domain_id"],
        ["domains.id"],
        name=op.f(f"fk_{table}_domain_id_domains"),
        ondelete="CASCADE",
    )


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "domains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("namespace", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("display_name", sa.String(255), nullable=False),
        sa.Column("anonymous_auth", sa.Boolean(), nullable=False),
        sa.Column("auto_create_collections", sa.Boolean(), nullable=False),
        sa.Column("reconnect_token_minutes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.CheckConstraint(
            "status IN ('online', 'maintenance', 'offline')", name=op.f("ck_domains_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domains")),
        sa.UniqueConstraint("namespace", "name", name=op.f("uq_domains_namespace_name")),
    )
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_server_secrets")),
    )
    op.create_table(
        "jwt_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domain_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        _domain_fk("jwt_keys"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jwt_keys")),
        sa.UniqueConstraint("domain_id", "key_id", name=op.f("uq_jwt_keys_domain_id_key_id")),
    )
    op.create_table(
        "user_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domain_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        _domain_fk("user_groups"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_groups")),
        sa.UniqueConstraint(
            "domain_id", "group_id", name=op.f("uq_user_groups_domain_id_group_id")
        ),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domain_id", sa.Integer(), nullable=False),
        sa.Column("user_type", sa.SmallInteger(), nullable=False),
        sa.Column("username", sa.String(255), nullable=False),
        sa.Column("first_name", sa.String(255), nullable=True),
        sa.Column("last_name", sa.String(255), nullable=True),
        sa.Column("display_name", sa.String(255), nullable=True),
        sa.Column("email", sa.String(255), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_username", sa.String(255), nullable=True),
        sa.Column("last_login", _utc(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.CheckConstraint("user_type IN (0, 1, 2)", name=op.f("ck_users_user_type")),
        _domain_fk("users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint(
            "domain_id",
            "user_type",
            "username",
            name=op.f("uq_users_domain_id_user_type_username"),
        ),
    )
    op.create_table(
        "group_members",
        sa.Column("user_group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_group_id"],
            ["user_groups.id"],
            name=op.f("fk_group_members_user_group_id_user_groups"),
            ondelete="CASCADE",
        ),
        _user_fk("group_members"),
        sa.PrimaryKeyConstraint("user_group_id", "user_id", name=op.f("pk_group_members")),
    )
    op.create_index(op.f("ix_group_members_user_id"), "group_members", ["user_id"])
    op.create_table(
        "reconnect_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("domain_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("expires_at", _utc(), nullable=False),
        _domain_fk("reconnect_tokens"),
        _user_fk("reconnect_tokens"),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_reconnect_tokens")),
    )
    op.create_index(op.f("ix_reconnect_tokens_expires_at"), "reconnect_tokens", ["expires_at"])
    op.create_index(op.f("ix_reconnect_tokens_user_id"), "reconnect_tokens", ["user_id"])
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domain_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(255), nullable=False),
        sa.Column("client_version", sa.String(255), nullable=False),
        sa.Column("user_agent", sa.Text(), nullable=False),
        sa.Column("remote_host", sa.String(255), nullable=False),
        sa.Column("connected_at", _utc(), nullable=False),
        sa.Column("disconnected_at", _utc(), nullable=True),
        _domain_fk("sessions"),
        _user_fk("sessions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        # Never reuse a session id on SQLite (ids key operation de-duplication).
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_sessions_disconnected_at"), "sessions", ["disconnected_at"])
    op.create_index(op.f("ix_sessions_user_id"), "sessions", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sessions_user_id"), table_name="sessions")
    op.drop_index(op.f("ix_sessions_disconnected_at"), table_name="sessions")
    op.drop_table("sessions")
    op.drop_index(op.f("ix_reconnect_tokens_user_id"), table_name="reconnect_tokens")
    op.drop_index(op.f("ix_reconnect_tokens_expires_at"), table_name="reconnect_tokens")
    op.drop_table("reconnect_tokens")
    op.drop_index(op.f("ix_group_members_user_id"), table_name="group_members")
    op.drop_table("group_members")
    op.drop_table("users")
    op.drop_table("user_groups")
    op.drop_table("jwt_keys")
    op.drop_table("server_secrets")
    op.drop_table("domains")
