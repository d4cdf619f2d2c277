"""opendata: developer API keys and usage counters of the public open-data portal

Revision ID: 0009
Revises: 0004
Create Date: 2026-11-22 22:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shuzheng.db

revision = "0009"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opendata_api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_digest", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("calls", sa.BigInteger(), nullable=False),
        sa.Column("created_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["security_accounts.id"],
            name=op.f("fk_opendata_api_keys_account_id_security_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opendata_api_keys")),
        sa.UniqueConstraint("key_digest", name=op.f("uq_opendata_api_keys_key_digest")),
    )
    op.create_index(
        op.f("ix_opendata_api_keys_account_id"), "opendata_api_keys", ["account_id"], unique=False
    )
    op.create_table(
        "opendata_usage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opendata_usage")),
        sa.UniqueConstraint("resource_code", "kind", name=op.f("uq_opendata_usage_resource_code_kind")),
    )
    op.create_index(
        op.f("ix_opendata_usage_resource_code"), "opendata_usage", ["resource_code"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_opendata_usage_resource_code"), table_name="opendata_usage")
    op.drop_table("opendata_usage")
    op.drop_index(op.f("ix_opendata_api_keys_account_id"), table_name="opendata_api_keys")
    op.drop_table("opendata_api_keys")
