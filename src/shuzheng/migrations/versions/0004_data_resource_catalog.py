"""data resource catalog: resources, revisions (versions), fields, cross-field rules, events

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-22 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shuzheng.db

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_resources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("classification", sa.String(length=9), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("provider_department_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("catalog_type", sa.String(length=16), nullable=False),
        sa.Column("theme", sa.String(length=2), nullable=True),
        sa.Column("share_type", sa.String(length=16), nullable=False),
        sa.Column("open_type", sa.String(length=16), nullable=False),
        sa.Column("update_cycle", sa.String(length=16), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("published_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("search_key", sa.Text(), nullable=False),
        sa.Column("retired_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("retired_reason", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["security_accounts.id"],
            name=op.f("fk_catalog_resources_created_by_id_security_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_department_id"],
            ["org_departments.id"],
            name=op.f("fk_catalog_resources_provider_department_id_org_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_resources")),
        sa.UniqueConstraint("code", name=op.f("uq_catalog_resources_code")),
    )
    with op.batch_alter_table("catalog_resources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_resources_catalog_type"), ["catalog_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalog_resources_open_type"), ["open_type"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_catalog_resources_provider_department_id"),
            ["provider_department_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_catalog_resources_share_type"), ["share_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalog_resources_status"), ["status"], unique=False)

    op.create_table(
        "catalog_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("revision_number", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["security_accounts.id"], name=op.f("fk_catalog_events_actor_id_security_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["catalog_resources.id"],
            name=op.f("fk_catalog_events_resource_id_catalog_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_events")),
    )
    with op.batch_alter_table("catalog_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_events_resource_id"), ["resource_id"], unique=False)

    op.create_table(
        "catalog_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("catalog_type", sa.String(length=16), nullable=False),
        sa.Column("theme", sa.String(length=2), nullable=True),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("update_cycle", sa.String(length=16), nullable=False),
        sa.Column("source_system", sa.String(length=128), nullable=False),
        sa.Column("share_type", sa.String(length=16), nullable=False),
        sa.Column("share_conditions", sa.Text(), nullable=False),
        sa.Column("share_method", sa.String(length=16), nullable=True),
        sa.Column("open_type", sa.String(length=16), nullable=False),
        sa.Column("open_conditions", sa.Text(), nullable=False),
        sa.Column("related_codes", sa.JSON(), nullable=False),
        sa.Column("publish_date", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=True),
        sa.Column("diff", sa.JSON(), nullable=True),
        sa.Column("snapshot_digest", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["security_accounts.id"],
            name=op.f("fk_catalog_revisions_created_by_id_security_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["catalog_resources.id"],
            name=op.f("fk_catalog_revisions_resource_id_catalog_resources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["security_accounts.id"],
            name=op.f("fk_catalog_revisions_reviewed_by_id_security_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["security_accounts.id"],
            name=op.f("fk_catalog_revisions_submitted_by_id_security_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_revisions")),
        sa.UniqueConstraint("resource_id", "number", name=op.f("uq_catalog_revisions_resource_id_number")),
    )
    with op.batch_alter_table("catalog_revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_revisions_resource_id"), ["resource_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalog_revisions_status"), ["status"], unique=False)

    op.create_table(
        "catalog_fields",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("data_type", sa.String(length=16), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("is_key", sa.Boolean(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("sensitive_pi", sa.Boolean(), nullable=False),
        sa.Column("share_type", sa.String(length=16), nullable=False),
        sa.Column("open_type", sa.String(length=16), nullable=False),
        sa.Column("identifier", sa.String(length=16), nullable=True),
        sa.Column("code_list", sa.JSON(), nullable=True),
        sa.Column("pattern", sa.String(length=500), nullable=True),
        sa.Column("min_value", sa.String(length=32), nullable=True),
        sa.Column("max_value", sa.String(length=32), nullable=True),
        sa.Column("max_length", sa.Integer(), nullable=True),
        sa.Column("to_simplified", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["catalog_revisions.id"],
            name=op.f("fk_catalog_fields_revision_id_catalog_revisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_fields")),
        sa.UniqueConstraint("revision_id", "name", name=op.f("uq_catalog_fields_revision_id_name")),
    )
    with op.batch_alter_table("catalog_fields", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_fields_revision_id"), ["revision_id"], unique=False)

    op.create_table(
        "catalog_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("message", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["catalog_revisions.id"],
            name=op.f("fk_catalog_rules_revision_id_catalog_revisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_rules")),
    )
    with op.batch_alter_table("catalog_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_rules_revision_id"), ["revision_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("catalog_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_rules_revision_id"))
    op.drop_table("catalog_rules")

    with op.batch_alter_table("catalog_fields", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_fields_revision_id"))
    op.drop_table("catalog_fields")

    with op.batch_alter_table("catalog_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_revisions_status"))
        batch_op.drop_index(batch_op.f("ix_catalog_revisions_resource_id"))
    op.drop_table("catalog_revisions")

    with op.batch_alter_table("catalog_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_events_resource_id"))
    op.drop_table("catalog_events")

    with op.batch_alter_table("catalog_resources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_resources_status"))
        batch_op.drop_index(batch_op.f("ix_catalog_resources_share_type"))
        batch_op.drop_index(batch_op.f("ix_catalog_resources_provider_department_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_resources_open_type"))
        batch_op.drop_index(batch_op.f("ix_catalog_resources_catalog_type"))
    op.drop_table("catalog_resources")
