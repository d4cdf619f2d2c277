"""opendata: approved applications for conditional datasets expire (valid_until)

Approvals made before this revision get the default period (365 days) counted from the day they were
decided, in China time, so none is left without an end.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 10:00:00.000000
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

CHINA_TZ = dt.timezone(dt.timedelta(hours=8))
DEFAULT_DAYS = 365


def upgrade() -> None:
    op.add_column("opendata_applications", sa.Column("valid_until", sa.Date(), nullable=True))
    applications = sa.table(
        "opendata_applications",
        sa.column("id", sa.Integer()),
        sa.column("status", sa.String()),
        sa.column("decided_at", sa.DateTime(timezone=True)),
        sa.column("valid_until", sa.Date()),
    )
    connection = op.get_bind()
    approved = connection.execute(
        sa.select(applications.c.id, applications.c.decided_at).where(applications.c.status == "approved")
    ).all()
    for row_id, decided_at in approved:
        if isinstance(decided_at, str):  # SQLite without the model's type decorator
            decided_at = dt.datetime.fromisoformat(decided_at)
        if decided_at is None:
            decided_at = dt.datetime.now(dt.UTC)
        if decided_at.tzinfo is None:
            decided_at = decided_at.replace(tzinfo=dt.UTC)
        until = decided_at.astimezone(CHINA_TZ).date() + dt.timedelta(days=DEFAULT_DAYS)
        connection.execute(applications.update().where(applications.c.id == row_id).values(valid_until=until))


def downgrade() -> None:
    with op.batch_alter_table("opendata_applications") as batch:
        batch.drop_column("valid_until")
