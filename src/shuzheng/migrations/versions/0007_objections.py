"""objections (异议): flagged records and values, their deadlines and each step

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-22 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shuzheng.db

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_code", sa.String(length=64), nullable=False),
        sa.Column("resource_name", sa.String(length=128), nullable=False),
        sa.Column("catalog_version", sa.Integer(), nullable=False),
        sa.Column("data_version", sa.Integer(), nullable=True),
        sa.Column("provider_department_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("field_name", sa.String(length=64), nullable=True),
        sa.Column("field_label", sa.String(length=128), nullable=True),
        sa.Column("record_digest", sa.String(length=64), nullable=False),
        sa.Column("record_masked", sa.String(length=400), nullable=False),
        sa.Column("id_number_bidx", sa.String(length=64), nullable=True),
        sa.Column("content_enc", sa.LargeBinary(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("attachment_key", sa.String(length=128), nullable=True),
        sa.Column("attachment_name", sa.String(length=200), nullable=True),
        sa.Column("attachment_type", sa.String(length=64), nullable=True),
        sa.Column("attachment_size", sa.Integer(), nullable=True),
        sa.Column("filed_by_account_id", sa.Integer(), nullable=False),
        sa.Column("filed_by_name", sa.String(length=128), nullable=False),
        sa.Column("filed_by_department_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("open_key", sa.String(length=200), nullable=True),
        sa.Column("filed_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deadline_days", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("due_provisional", sa.Boolean(), nullable=False),
        sa.Column("overdue_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_account_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_name", sa.String(length=128), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("corrected_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_account_id"],
            ["security_accounts.id"],
            name=op.f("fk_objections_decided_by_account_id_security_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["org_departments.id"],
            name=op.f("fk_objections_department_id_org_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_account_id"],
            ["security_accounts.id"],
            name=op.f("fk_objections_filed_by_account_id_security_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_department_id"],
            ["org_departments.id"],
            name=op.f("fk_objections_filed_by_department_id_org_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_department_id"],
            ["org_departments.id"],
            name=op.f("fk_objections_provider_department_id_org_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objections")),
        sa.UniqueConstraint("open_key", name=op.f("uq_objections_open_key")),
    )
    with op.batch_alter_table("objections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_objections_department_id"), ["department_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_objections_due_date"), ["due_date"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_objections_filed_by_account_id"), ["filed_by_account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_objections_id_number_bidx"), ["id_number_bidx"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_objections_provider_department_id"), ["provider_department_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_objections_record_digest"), ["record_digest"], unique=False)
        batch_op.create_index(batch_op.f("ix_objections_resource_code"), ["resource_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_objections_status"), ["status"], unique=False)

    op.create_table(
        "objection_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("objection_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_account_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=128), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_account_id"],
            ["security_accounts.id"],
            name=op.f("fk_objection_events_actor_account_id_security_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["objection_id"], ["objections.id"], name=op.f("fk_objection_events_objection_id_objections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objection_events")),
    )
    with op.batch_alter_table("objection_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_objection_events_objection_id"), ["objection_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("objection_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objection_events_objection_id"))
    op.drop_table("objection_events")
    with op.batch_alter_table("objections", schema=None) as batch_op:
        for name in (
            "status",
            "resource_code",
            "record_digest",
            "provider_department_id",
            "id_number_bidx",
            "filed_by_account_id",
            "due_date",
            "department_id",
        ):
            batch_op.drop_index(batch_op.f(f"ix_objections_{name}"))
    op.drop_table("objections")
