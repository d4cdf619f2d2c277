"""opendata: developer API keys, usage counters and applications for conditional datasets

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
    op.create_table(
        "opendata_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_code", sa.String(length=64), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("applicant_label", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["security_accounts.id"],
            name=op.f("fk_opendata_applications_applicant_id_security_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["security_accounts.id"],
            name=op.f("fk_opendata_applications_decided_by_id_security_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["org_departments.id"],
            name=op.f("fk_opendata_applications_department_id_org_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opendata_applications")),
    )
    for column in ("applicant_id", "department_id", "resource_code", "status"):
        op.create_index(
            op.f(f"ix_opendata_applications_{column}"), "opendata_applications", [column], unique=False
        )


def downgrade() -> None:
    for column in ("applicant_id", "department_id", "resource_code", "status"):
        op.drop_index(op.f(f"ix_opendata_applications_{column}"), table_name="opendata_applications")
    op.drop_table("opendata_applications")
    op.drop_index(op.f("ix_opendata_usage_resource_code"), table_name="opendata_usage")
    op.drop_table("opendata_usage")
    op.drop_index(op.f("ix_opendata_api_keys_account_id"), table_name="opendata_api_keys")
    op.drop_table("opendata_api_keys")
