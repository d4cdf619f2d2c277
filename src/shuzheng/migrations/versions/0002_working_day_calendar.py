"""working-day calendar: holidays and adjusted working days, seeded 2004–2026 from chinese_calendar

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 20:37:14.944797
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

import shuzheng.db
from shuzheng.kit import clock

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The years this migration seeds, fixed here so that the migration gives the same data whichever
# version of chinese_calendar is installed later; newer years are imported by operators
# (`shuzheng calendar import` / `import-library`). A year the installed library does not cover is
# skipped rather than half-seeded, so it stays visibly "without official data".
SEED_YEARS = range(2004, 2027)

LIBRARY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _schedule_year(day: dt.date, library_name: str) -> int:
    # The New Year arrangement of year Y can begin in late December of Y-1; it belongs to Y's notice.
    return day.year + 1 if day.month == 12 and library_name == "New Year's Day" else day.year


def _seed() -> None:
    import chinese_calendar
    from chinese_calendar import constants

    first, last = min(constants.holidays).year, max(constants.holidays).year
    years = [y for y in SEED_YEARS if first <= y <= last]
    if not years:
        return
    years_table = sa.table(
        "kit_calendar_years",
        sa.column("year", sa.Integer()),
        sa.column("complete", sa.Boolean()),
        sa.column("source", sa.String()),
        sa.column("imported_at", shuzheng.db.UTCDateTime()),
        sa.column("imported_by", sa.String()),
        sa.column("imported_by_account_id", sa.Integer()),
    )
    days_table = sa.table(
        "kit_calendar_days",
        sa.column("date", sa.Date()),
        sa.column("schedule_year", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("name", sa.String()),
        sa.column("source", sa.String()),
    )
    at = clock.now()
    by = f"数据库迁移 0002（chinese-calendar {chinese_calendar.__version__}）"
    op.bulk_insert(
        years_table,
        [
            {
                "year": y,
                "complete": True,
                "source": "chinese-calendar",
                "imported_at": at,
                "imported_by": by,
                "imported_by_account_id": None,
            }
            for y in years
        ],
    )
    rows = []
    for kind, source in (("holiday", constants.holidays), ("workday", constants.workdays)):
        for day, library_name in source.items():
            year = _schedule_year(day, library_name)
            if year in years:
                name = LIBRARY_NAMES.get(library_name, library_name)
                rows.append(
                    {
                        "date": day,
                        "schedule_year": year,
                        "kind": kind,
                        "name": name,
                        "source": "chinese-calendar",
                    }
                )
    op.bulk_insert(days_table, sorted(rows, key=lambda r: r["date"]))


def upgrade() -> None:
    op.create_table(
        "kit_calendar_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("imported_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=128), nullable=False),
        sa.Column("imported_by_account_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_kit_calendar_years")),
    )
    op.create_table(
        "kit_calendar_days",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("schedule_year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.CheckConstraint("kind IN ('holiday', 'workday')", name=op.f("ck_kit_calendar_days_kind")),
        sa.ForeignKeyConstraint(
            ["schedule_year"],
            ["kit_calendar_years.year"],
            name=op.f("fk_kit_calendar_days_schedule_year_kit_calendar_years"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("date", name=op.f("pk_kit_calendar_days")),
    )
    with op.batch_alter_table("kit_calendar_days", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kit_calendar_days_schedule_year"), ["schedule_year"], unique=False
        )

    _seed()


def downgrade() -> None:
    with op.batch_alter_table("kit_calendar_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kit_calendar_days_schedule_year"))

    op.drop_table("kit_calendar_days")
    op.drop_table("kit_calendar_years")
