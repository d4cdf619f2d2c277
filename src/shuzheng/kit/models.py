"""The working-day calendar (工作日历) as data: which dates are holidays or adjusted working days (调休上班),
and which years have an official schedule at all.

A date not listed in `kit_calendar_days` follows the ordinary week: Monday–Friday work, Saturday and
Sunday rest. A year without a complete `kit_calendar_years` row has no official schedule, and every result
that depends on it is marked provisional.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shuzheng.db import Base
from shuzheng.kit.clock import now


class DayKind(StrEnum):
    HOLIDAY = "holiday"  # 放假
    WORKDAY = "workday"  # 调休上班：a Saturday or Sunday that is worked


DAY_KIND_LABELS = {DayKind.HOLIDAY: "放假", DayKind.WORKDAY: "上班"}


class CalendarSource(StrEnum):
    LIBRARY = "chinese-calendar"  # seeded from the chinese_calendar package
    IMPORT = "import"  # a file loaded by an operator (command line or the admin page)
    API = "api"  # posted to the API by another system


SOURCE_LABELS = {
    CalendarSource.LIBRARY: "chinese-calendar 开源数据",
    CalendarSource.IMPORT: "文件导入",
    CalendarSource.API: "接口提交",
}


class CalendarYear(Base):
    """One year's schedule as published by the State Council (国务院办公厅关于某年部分节假日安排的通知)."""

    __tablename__ = "kit_calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # False for a draft an operator loaded before the official notice: its days apply, but results that
    # touch the year stay provisional.
    complete: Mapped[bool] = mapped_column(default=True)
    source: Mapped[str] = mapped_column(String(32))
    imported_at: Mapped[dt.datetime] = mapped_column(default=now)
    imported_by: Mapped[str] = mapped_column(String(128))
    imported_by_account_id: Mapped[int | None] = mapped_column(Integer)


class CalendarDay(Base):
    """A date that differs from the ordinary week: a holiday, or a weekend day that is worked.

    `schedule_year` is the year of the notice that set the date, which is not always the date's own
    year: the New Year (元旦) arrangement of year Y may fall on the last days of December of Y-1
    (e.g. 2018-12-29 worked, 2018-12-30/31 off, set by the notice for 2019).
    """

    __tablename__ = "kit_calendar_days"
    __table_args__ = (CheckConstraint("kind IN ('holiday', 'workday')", name="kind"),)

    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    schedule_year: Mapped[int] = mapped_column(
        ForeignKey("kit_calendar_years.year", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(32))
