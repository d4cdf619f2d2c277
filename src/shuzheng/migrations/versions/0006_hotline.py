"""hotline: 12345 requests, assignments, disputes, extensions, callbacks, responsibility list, grids,
standard addresses, Open311 API clients, settings, classification feedback, hotspots, notifications

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-21 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shuzheng.db

revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hotline_grids",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("township_code", sa.String(length=12), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["org_departments.id"],
            name=op.f("fk_hotline_grids_department_id_org_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["district_code"], ["org_regions.code"], name=op.f("fk_hotline_grids_district_code_org_regions")
        ),
        sa.ForeignKeyConstraint(
            ["township_code"], ["org_regions.code"], name=op.f("fk_hotline_grids_township_code_org_regions")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_hotline_grids")),
    )
    with op.batch_alter_table("hotline_grids", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotline_grids_district_code"), ["district_code"], unique=False)

    op.create_table(
        "hotline_hotspots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("topic_code", sa.String(length=32), nullable=False),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("created_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["org_departments.id"],
            name=op.f("fk_hotline_hotspots_department_id_org_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_hotspots")),
        sa.UniqueConstraint(
            "day",
            "topic_code",
            "district_code",
            name=op.f("uq_hotline_hotspots_day_topic_code_district_code"),
        ),
    )
    with op.batch_alter_table("hotline_hotspots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotline_hotspots_day"), ["day"], unique=False)

    op.create_table(
        "hotline_api_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("key_hint", sa.String(length=16), nullable=False),
        sa.Column("created_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["security_accounts.id"],
            name=op.f("fk_hotline_api_clients_created_by_id_security_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_api_clients")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_hotline_api_clients_key_hash")),
        sa.UniqueConstraint("name", name=op.f("uq_hotline_api_clients_name")),
    )

    op.create_table(
        "hotline_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("link", sa.String(length=200), nullable=True),
        sa.Column("created_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["security_accounts.id"],
            name=op.f("fk_hotline_notifications_account_id_security_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["org_departments.id"],
            name=op.f("fk_hotline_notifications_department_id_org_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_notifications")),
    )
    with op.batch_alter_table("hotline_notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotline_notifications_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hotline_notifications_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_hotline_notifications_department_id"), ["department_id"], unique=False
        )

    op.create_table(
        "hotline_responsibilities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic_code", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("updated_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["org_departments.id"],
            name=op.f("fk_hotline_responsibilities_department_id_org_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["region_code"],
            ["org_regions.code"],
            name=op.f("fk_hotline_responsibilities_region_code_org_regions"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["security_accounts.id"],
            name=op.f("fk_hotline_responsibilities_updated_by_id_security_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_responsibilities")),
        sa.UniqueConstraint(
            "topic_code", "region_code", name=op.f("uq_hotline_responsibilities_topic_code_region_code")
        ),
    )
    with op.batch_alter_table("hotline_responsibilities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hotline_responsibilities_department_id"), ["department_id"], unique=False
        )

    op.create_table(
        "hotline_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("updated_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["security_accounts.id"],
            name=op.f("fk_hotline_settings_updated_by_id_security_accounts"),
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_hotline_settings")),
    )

    op.create_table(
        "hotline_standard_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("full_address", sa.String(length=300), nullable=False),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("township_code", sa.String(length=12), nullable=True),
        sa.Column("grid_code", sa.String(length=32), nullable=True),
        sa.Column("road", sa.String(length=64), nullable=True),
        sa.Column("house_number", sa.String(length=16), nullable=True),
        sa.Column("place_name", sa.String(length=64), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_code"],
            ["org_regions.code"],
            name=op.f("fk_hotline_standard_addresses_district_code_org_regions"),
        ),
        sa.ForeignKeyConstraint(
            ["grid_code"],
            ["hotline_grids.code"],
            name=op.f("fk_hotline_standard_addresses_grid_code_hotline_grids"),
        ),
        sa.ForeignKeyConstraint(
            ["township_code"],
            ["org_regions.code"],
            name=op.f("fk_hotline_standard_addresses_township_code_org_regions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_standard_addresses")),
        sa.UniqueConstraint("full_address", name=op.f("uq_hotline_standard_addresses_full_address")),
    )
    with op.batch_alter_table("hotline_standard_addresses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hotline_standard_addresses_district_code"), ["district_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hotline_standard_addresses_place_name"), ["place_name"], unique=False
        )
        batch_op.create_index(
            "ix_hotline_standard_addresses_road_number", ["road", "house_number"], unique=False
        )

    op.create_table(
        "hotline_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("type_code", sa.String(length=32), nullable=False),
        sa.Column("topic_code", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("predicted_type", sa.String(length=32), nullable=True),
        sa.Column("predicted_topic", sa.String(length=32), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("queue_reason", sa.String(length=32), nullable=True),
        sa.Column("contact_name_enc", sa.LargeBinary(), nullable=True),
        sa.Column("contact_phone_enc", sa.LargeBinary(), nullable=True),
        sa.Column("contact_phone_bidx", sa.String(length=64), nullable=True),
        sa.Column("contact_email_enc", sa.LargeBinary(), nullable=True),
        sa.Column("citizen_account_id", sa.Integer(), nullable=True),
        sa.Column("address_text", sa.String(length=300), nullable=True),
        sa.Column("address_normalized", sa.String(length=300), nullable=True),
        sa.Column("location_status", sa.String(length=16), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("district_code", sa.String(length=12), nullable=True),
        sa.Column("grid_code", sa.String(length=32), nullable=True),
        sa.Column("standard_address_id", sa.Integer(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("dispatched_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("due_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("due_provisional", sa.Boolean(), nullable=False),
        sa.Column("paused_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("paused_seconds", sa.Integer(), nullable=False),
        sa.Column("warned_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("overdue_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("supervise_count", sa.Integer(), nullable=False),
        sa.Column("answer_source", sa.String(length=16), nullable=True),
        sa.Column("result_text", sa.Text(), nullable=True),
        sa.Column("resolved_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("solved", sa.Boolean(), nullable=True),
        sa.Column("satisfaction", sa.String(length=16), nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("api_client_id", sa.Integer(), nullable=True),
        sa.Column("token", sa.String(length=40), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_client_id"],
            ["hotline_api_clients.id"],
            name=op.f("fk_hotline_requests_api_client_id_hotline_api_clients"),
        ),
        sa.ForeignKeyConstraint(
            ["citizen_account_id"],
            ["security_accounts.id"],
            name=op.f("fk_hotline_requests_citizen_account_id_security_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["security_accounts.id"],
            name=op.f("fk_hotline_requests_created_by_id_security_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["org_departments.id"],
            name=op.f("fk_hotline_requests_department_id_org_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["grid_code"], ["hotline_grids.code"], name=op.f("fk_hotline_requests_grid_code_hotline_grids")
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["hotline_requests.id"],
            name=op.f("fk_hotline_requests_merged_into_id_hotline_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["standard_address_id"],
            ["hotline_standard_addresses.id"],
            name=op.f("fk_hotline_requests_standard_address_id_hotline_standard_addresses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_requests")),
        sa.UniqueConstraint("token", name=op.f("uq_hotline_requests_token")),
    )
    with op.batch_alter_table("hotline_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hotline_requests_citizen_account_id"), ["citizen_account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hotline_requests_contact_phone_bidx"), ["contact_phone_bidx"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_hotline_requests_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            "ix_hotline_requests_department_status", ["department_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hotline_requests_district_code"), ["district_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hotline_requests_merged_into_id"), ["merged_into_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_hotline_requests_status"), ["status"], unique=False)
        batch_op.create_index(
            "ix_hotline_requests_topic_district_created",
            ["topic_code", "district_code", "created_at"],
            unique=False,
        )
        batch_op.create_index("ix_hotline_requests_topic_lat", ["topic_code", "lat"], unique=False)

    op.create_table(
        "hotline_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("dispatched_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("dispatched_by_id", sa.Integer(), nullable=True),
        sa.Column("response_due_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["org_departments.id"],
            name=op.f("fk_hotline_assignments_department_id_org_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["dispatched_by_id"],
            ["security_accounts.id"],
            name=op.f("fk_hotline_assignments_dispatched_by_id_security_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["hotline_requests.id"],
            name=op.f("fk_hotline_assignments_request_id_hotline_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_assignments")),
    )
    with op.batch_alter_table("hotline_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hotline_assignments_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hotline_assignments_dispatched_at"), ["dispatched_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_hotline_assignments_request_id"), ["request_id"], unique=False)

    op.create_table(
        "hotline_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["hotline_requests.id"],
            name=op.f("fk_hotline_attachments_request_id_hotline_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_attachments")),
    )
    with op.batch_alter_table("hotline_attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotline_attachments_request_id"), ["request_id"], unique=False)

    op.create_table(
        "hotline_callbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("solved", sa.Boolean(), nullable=False),
        sa.Column("satisfaction", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["by_id"], ["security_accounts.id"], name=op.f("fk_hotline_callbacks_by_id_security_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["org_departments.id"],
            name=op.f("fk_hotline_callbacks_department_id_org_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["hotline_requests.id"],
            name=op.f("fk_hotline_callbacks_request_id_hotline_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_callbacks")),
    )
    with op.batch_alter_table("hotline_callbacks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotline_callbacks_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_hotline_callbacks_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_hotline_callbacks_request_id"), ["request_id"], unique=False)

    op.create_table(
        "hotline_classification_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("predicted_type", sa.String(length=32), nullable=True),
        sa.Column("predicted_topic", sa.String(length=32), nullable=True),
        sa.Column("corrected_type", sa.String(length=32), nullable=False),
        sa.Column("corrected_topic", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["security_accounts.id"],
            name=op.f("fk_hotline_classification_feedback_actor_id_security_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["hotline_requests.id"],
            name=op.f("fk_hotline_classification_feedback_request_id_hotline_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_classification_feedback")),
    )
    with op.batch_alter_table("hotline_classification_feedback", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hotline_classification_feedback_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "hotline_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=64), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["security_accounts.id"], name=op.f("fk_hotline_events_actor_id_security_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["org_departments.id"],
            name=op.f("fk_hotline_events_department_id_org_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["hotline_requests.id"],
            name=op.f("fk_hotline_events_request_id_hotline_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_events")),
    )
    with op.batch_alter_table("hotline_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotline_events_request_id"), ["request_id"], unique=False)

    op.create_table(
        "hotline_extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("old_due_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("new_due_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["security_accounts.id"],
            name=op.f("fk_hotline_extensions_decided_by_id_security_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["org_departments.id"],
            name=op.f("fk_hotline_extensions_department_id_org_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["hotline_requests.id"],
            name=op.f("fk_hotline_extensions_request_id_hotline_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["security_accounts.id"],
            name=op.f("fk_hotline_extensions_requested_by_id_security_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_extensions")),
    )
    with op.batch_alter_table("hotline_extensions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotline_extensions_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hotline_extensions_status"), ["status"], unique=False)

    op.create_table(
        "hotline_hotspot_requests",
        sa.Column("hotspot_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hotspot_id"],
            ["hotline_hotspots.id"],
            name=op.f("fk_hotline_hotspot_requests_hotspot_id_hotline_hotspots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["hotline_requests.id"],
            name=op.f("fk_hotline_hotspot_requests_request_id_hotline_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("hotspot_id", "request_id", name=op.f("pk_hotline_hotspot_requests")),
    )

    op.create_table(
        "hotline_disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("suggested_department_id", sa.Integer(), nullable=True),
        sa.Column("raised_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("raised_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("new_department_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["hotline_assignments.id"],
            name=op.f("fk_hotline_disputes_assignment_id_hotline_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["security_accounts.id"],
            name=op.f("fk_hotline_disputes_decided_by_id_security_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["org_departments.id"],
            name=op.f("fk_hotline_disputes_department_id_org_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["new_department_id"],
            ["org_departments.id"],
            name=op.f("fk_hotline_disputes_new_department_id_org_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_id"],
            ["security_accounts.id"],
            name=op.f("fk_hotline_disputes_raised_by_id_security_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["hotline_requests.id"],
            name=op.f("fk_hotline_disputes_request_id_hotline_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["suggested_department_id"],
            ["org_departments.id"],
            name=op.f("fk_hotline_disputes_suggested_department_id_org_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_disputes")),
    )
    with op.batch_alter_table("hotline_disputes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotline_disputes_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hotline_disputes_status"), ["status"], unique=False)


def downgrade() -> None:
    op.drop_table("hotline_disputes")
    op.drop_table("hotline_hotspot_requests")
    op.drop_table("hotline_extensions")
    op.drop_table("hotline_events")
    op.drop_table("hotline_classification_feedback")
    op.drop_table("hotline_callbacks")
    op.drop_table("hotline_attachments")
    op.drop_table("hotline_assignments")
    op.drop_table("hotline_requests")
    op.drop_table("hotline_standard_addresses")
    op.drop_table("hotline_settings")
    op.drop_table("hotline_responsibilities")
    op.drop_table("hotline_notifications")
    op.drop_table("hotline_api_clients")
    op.drop_table("hotline_hotspots")
    op.drop_table("hotline_grids")
