"""Shared by the working-day calendar tests: the sample 2027 file and small shorthands."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shuzheng.kit import calendar
from shuzheng.kit.models import CalendarDay, CalendarYear

SAMPLE_2027 = Path(__file__).resolve().parents[2] / "docs" / "samples" / "calendar-2027.csv"


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def import_sample_2027(session: Session) -> calendar.ImportOutcome:
    return calendar.import_file(session, None, SAMPLE_2027.read_bytes(), SAMPLE_2027.name)


def stored_year(session: Session, year: int) -> tuple[CalendarYear | None, int]:
    """The year's row and how many days are stored for it."""
    count = session.scalar(
        select(func.count()).select_from(CalendarDay).where(CalendarDay.schedule_year == year)
    )
    return session.get(CalendarYear, year), int(count or 0)
