"""The working-day calendar over JSON. Everyone logged in may read; importing a year's schedule needs
the calendar permission (checked in the service)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query

from shuzheng.kit import calendar
from shuzheng.kit.calendar import MAX_WORKING_DAYS, CalendarSource, ScheduleRow
from shuzheng.kit.schemas import (
    AddWorkingDaysOut,
    DayOut,
    ImportOutcomeOut,
    ScheduleImportIn,
    WorkingDaysBetweenOut,
    YearScheduleOut,
    YearSummaryOut,
)
from shuzheng.web.deps import ApiActor, DbSession

router = APIRouter(prefix="/api/calendar", tags=["工作日历"])


@router.get("", response_model=list[YearSummaryOut], summary="已录入节假日安排的年份")
def years(actor: ApiActor, session: DbSession) -> list[YearSummaryOut]:
    return [YearSummaryOut.of(s) for s in calendar.list_years(session)]


@router.get(
    "/working-days/add", response_model=AddWorkingDaysOut, summary="start 之后第 n 个工作日（start 当天不计）"
)
def add_working_days(
    actor: ApiActor,
    session: DbSession,
    start: dt.date = Query(description="起算日期，如 2026-09-30"),
    n: int = Query(ge=-MAX_WORKING_DAYS, le=MAX_WORKING_DAYS, description="工作日数，可为 0 或负数"),
) -> AddWorkingDaysOut:
    return AddWorkingDaysOut.of(start, n, calendar.add_working_days(session, start, n))


@router.get(
    "/working-days/between",
    response_model=WorkingDaysBetweenOut,
    summary="start 之后至 end（含）的工作日数",
)
def working_days_between(
    actor: ApiActor,
    session: DbSession,
    start: dt.date = Query(description="起始日期（不计入）"),
    end: dt.date = Query(description="结束日期（是工作日则计入）"),
) -> WorkingDaysBetweenOut:
    return WorkingDaysBetweenOut.of(start, end, calendar.working_days_between(session, start, end))


@router.get("/days/{day}", response_model=DayOut, summary="某一天是否工作日")
def day(day: dt.date, actor: ApiActor, session: DbSession) -> DayOut:
    return DayOut.of(calendar.day_detail(session, day))


@router.get("/{year}", response_model=YearScheduleOut, summary="某年的节假日和调休安排")
def year_schedule(year: int, actor: ApiActor, session: DbSession) -> YearScheduleOut:
    return YearScheduleOut.of_schedule(calendar.year_schedule(session, year))


@router.post(
    "/{year}", response_model=ImportOutcomeOut, summary="导入（替换）某年的节假日安排（需维护工作日历权限）"
)
def import_year(year: int, body: ScheduleImportIn, actor: ApiActor, session: DbSession) -> ImportOutcomeOut:
    rows = [ScheduleRow(e.date, e.kind, e.name, where=f"第{i}条") for i, e in enumerate(body.days, start=1)]
    outcome = calendar.import_schedule(
        session, actor, year, rows, CalendarSource.API, complete=not body.draft
    )
    return ImportOutcomeOut.of(outcome)
