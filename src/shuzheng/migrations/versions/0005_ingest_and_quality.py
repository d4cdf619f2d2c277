"""ingest and quality: dataset versions in the lake, their reject summaries, quality reports

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shuzheng.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("resource_code", sa.String(length=64), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("spec_version", sa.Integer(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("rows_read", sa.BigInteger(), nullable=False),
        sa.Column("accepted", sa.BigInteger(), nullable=False),
        sa.Column("rejected", sa.BigInteger(), nullable=False),
        sa.Column("row_count", sa.BigInteger(), nullable=False),
        sa.Column("inserted", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.Column("data_sm3", sa.String(length=64), nullable=False),
        sa.Column("rejects_sm3", sa.String(length=64), nullable=False),
        sa.Column("source_kind", sa.String(length=16), nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("source_sm3", sa.String(length=64), nullable=False),
        sa.Column("encoding", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("loaded_by_id", sa.Integer(), nullable=True),
        sa.Column("loaded_by_label", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("pruned_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["org_departments.id"],
            name=op.f("fk_ingest_versions_department_id_org_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["loaded_by_id"],
            ["security_accounts.id"],
            name=op.f("fk_ingest_versions_loaded_by_id_security_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["catalog_resources.id"],
            name=op.f("fk_ingest_versions_resource_id_catalog_resources"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_versions")),
        sa.UniqueConstraint("resource_code", "number", name=op.f("uq_ingest_versions_resource_code_number")),
    )
    op.create_index(
        op.f("ix_ingest_versions_department_id"), "ingest_versions", ["department_id"], unique=False
    )
    op.create_index(
        op.f("ix_ingest_versions_resource_code"), "ingest_versions", ["resource_code"], unique=False
    )
    op.create_index(op.f("ix_ingest_versions_resource_id"), "ingest_versions", ["resource_id"], unique=False)
    op.create_index(op.f("ix_ingest_versions_source_sm3"), "ingest_versions", ["source_sm3"], unique=False)
    op.create_table(
        "ingest_reject_reasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("sample_rows", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["ingest_versions.id"],
            name=op.f("fk_ingest_reject_reasons_version_id_ingest_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_reject_reasons")),
    )
    op.create_index(
        op.f("ix_ingest_reject_reasons_version_id"), "ingest_reject_reasons", ["version_id"], unique=False
    )
    op.create_table(
        "quality_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("resource_code", sa.String(length=64), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("rows_read", sa.BigInteger(), nullable=False),
        sa.Column("completeness", sa.Float(), nullable=False),
        sa.Column("validity", sa.Float(), nullable=False),
        sa.Column("uniqueness", sa.Float(), nullable=False),
        sa.Column("consistency", sa.Float(), nullable=False),
        sa.Column("timeliness", sa.Float(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("breakdown", sa.JSON(), nullable=False),
        sa.Column("created_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["org_departments.id"],
            name=op.f("fk_quality_reports_department_id_org_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["catalog_resources.id"],
            name=op.f("fk_quality_reports_resource_id_catalog_resources"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["ingest_versions.id"],
            name=op.f("fk_quality_reports_version_id_ingest_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_reports")),
        sa.UniqueConstraint("version_id", name=op.f("uq_quality_reports_version_id")),
    )
    op.create_index(
        op.f("ix_quality_reports_department_id"), "quality_reports", ["department_id"], unique=False
    )
    op.create_index(
        op.f("ix_quality_reports_resource_code"), "quality_reports", ["resource_code"], unique=False
    )
    op.create_index(op.f("ix_quality_reports_resource_id"), "quality_reports", ["resource_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_quality_reports_resource_id"), table_name="quality_reports")
    op.drop_index(op.f("ix_quality_reports_resource_code"), table_name="quality_reports")
    op.drop_index(op.f("ix_quality_reports_department_id"), table_name="quality_reports")
    op.drop_table("quality_reports")
    op.drop_index(op.f("ix_ingest_reject_reasons_version_id"), table_name="ingest_reject_reasons")
    op.drop_table("ingest_reject_reasons")
    op.drop_index(op.f("ix_ingest_versions_source_sm3"), table_name="ingest_versions")
    op.drop_index(op.f("ix_ingest_versions_resource_id"), table_name="ingest_versions")
    op.drop_index(op.f("ix_ingest_versions_resource_code"), table_name="ingest_versions")
    op.drop_index(op.f("ix_ingest_versions_department_id"), table_name="ingest_versions")
    op.drop_table("ingest_versions")
