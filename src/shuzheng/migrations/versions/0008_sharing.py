"""sharing (数据共享): demands, agreements with API credentials, tokens, daily usage and the access log

Revision ID: 0008
Revises: 0004
Create Date: 2026-11-21 22:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shuzheng.db

revision = "0008"
down_revision = "0004"
branch_labels = None
depends_on = None


def _utc(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, shuzheng.db.UTCDateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    target_table = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{target_table}"))


def _indexes(table: str, columns: list[str]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "sharing_demands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_code", sa.String(length=64), nullable=True),
        sa.Column("resource_name", sa.String(length=128), nullable=False),
        sa.Column("wanted", sa.Text(), nullable=True),
        sa.Column("provider_department_id", sa.Integer(), nullable=True),
        sa.Column("consumer_department_id", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("unmasked_fields", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("expected_volume", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("filed_by_account_id", sa.Integer(), nullable=False),
        sa.Column("filed_by_name", sa.String(length=128), nullable=False),
        _utc("filed_at"),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("assigned_department_id", sa.Integer(), nullable=True),
        _utc("decided_at", True),
        sa.Column("decided_by_account_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_name", sa.String(length=128), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        _fk("sharing_demands", "assigned_department_id", "org_departments.id"),
        _fk("sharing_demands", "consumer_department_id", "org_departments.id"),
        _fk("sharing_demands", "decided_by_account_id", "security_accounts.id"),
        _fk("sharing_demands", "filed_by_account_id", "security_accounts.id"),
        _fk("sharing_demands", "provider_department_id", "org_departments.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_demands")),
    )
    _indexes(
        "sharing_demands", ["consumer_department_id", "provider_department_id", "resource_code", "status"]
    )

    op.create_table(
        "sharing_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("demand_id", sa.Integer(), nullable=False),
        sa.Column("resource_code", sa.String(length=64), nullable=False),
        sa.Column("resource_name", sa.String(length=128), nullable=False),
        sa.Column("provider_department_id", sa.Integer(), nullable=False),
        sa.Column("consumer_department_id", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("unmasked_fields", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("daily_quota", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _utc("created_at"),
        _utc("revoked_at", True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("client_secret_hash", sa.String(length=64), nullable=True),
        _utc("credentials_issued_at", True),
        _fk("sharing_agreements", "consumer_department_id", "org_departments.id"),
        _fk("sharing_agreements", "demand_id", "sharing_demands.id"),
        _fk("sharing_agreements", "provider_department_id", "org_departments.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_agreements")),
        sa.UniqueConstraint("client_id", name=op.f("uq_sharing_agreements_client_id")),
        sa.UniqueConstraint("demand_id", name=op.f("uq_sharing_agreements_demand_id")),
    )
    _indexes(
        "sharing_agreements", ["consumer_department_id", "provider_department_id", "resource_code", "status"]
    )

    op.create_table(
        "sharing_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        _utc("issued_at"),
        _utc("expires_at"),
        _fk("sharing_tokens", "agreement_id", "sharing_agreements.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sharing_tokens_token_hash")),
    )
    _indexes("sharing_tokens", ["agreement_id"])

    op.create_table(
        "sharing_usage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        _fk("sharing_usage", "agreement_id", "sharing_agreements.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_usage")),
        sa.UniqueConstraint("agreement_id", "day", name=op.f("uq_sharing_usage_agreement_id_day")),
    )

    op.create_table(
        "sharing_access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("ledger_seq", sa.Integer(), nullable=False),
        _utc("time"),
        _fk("sharing_access_log", "agreement_id", "sharing_agreements.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_access_log")),
    )
    _indexes("sharing_access_log", ["agreement_id", "subject"])

    op.create_table(
        "sharing_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        _utc("requested_at"),
        _utc("finished_at", True),
        sa.Column("row_count", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("file_digest", sa.String(length=64), nullable=True),
        sa.Column("ledger_seq", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        _fk("sharing_exports", "agreement_id", "sharing_agreements.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_exports")),
    )
    _indexes("sharing_exports", ["agreement_id", "status"])


def downgrade() -> None:
    for table in (
        "sharing_exports",
        "sharing_access_log",
        "sharing_usage",
        "sharing_tokens",
        "sharing_agreements",
        "sharing_demands",
    ):
        op.drop_table(table)
