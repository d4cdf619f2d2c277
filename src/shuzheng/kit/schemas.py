"""The working-day calendar over JSON: what goes in and what comes out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from shuzheng.kit import calendar
from shuzheng.kit.calendar import MAX_ROWS, WorkingDayResult


class Provisional(BaseModel):
    provisional: bool = Field(description="结果依赖尚无正式节假日安排的年份，正式安排导入后可能变化")
    years_without_data: list[int] = Field(description="没有正式安排的年份（按周一至周五或草案推算）")
    note: str | None = Field(description="临时结果的说明")


def _provisional(result: WorkingDayResult[Any]) -> dict[str, Any]:
    return {
        "provisional": result.provisional,
        "years_without_data": list(result.years_without_data),
        "note": result.note,
    }


class AddWorkingDaysOut(Provisional):
    start: dt.date
    n: int
    result: dt.date = Field(description="start 之后第 n 个工作日（start 当天不计）")
    weekday: str

    @classmethod
    def of(cls, start: dt.date, n: int, result: WorkingDayResult[dt.date]) -> AddWorkingDaysOut:
        return cls(
            start=start,
            n=n,
            result=result.value,
            weekday=calendar.weekday_label(result.value),
            **_provisional(result),
        )


class WorkingDaysBetweenOut(Provisional):
    start: dt.date
    end: dt.date
    working_days: int = Field(description="start 之后至 end（含）的工作日数；end 早于 start 时为负数")

    @classmethod
    def of(cls, start: dt.date, end: dt.date, result: WorkingDayResult[int]) -> WorkingDaysBetweenOut:
        return cls(start=start, end=end, working_days=result.value, **_provisional(result))


class DayOut(Provisional):
    date: dt.date
    weekday: str
    working_day: bool
    kind: str | None = Field(description="holiday（放假）/ workday（调休上班）；普通日期为空")
    name: str | None

    @classmethod
    def of(cls, result: WorkingDayResult[calendar.DayDetail]) -> DayOut:
        d = result.value
        return cls(
            date=d.date,
            weekday=d.weekday,
            working_day=d.working,
            kind=d.kind,
            name=d.name,
            **_provisional(result),
        )


class YearSummaryOut(BaseModel):
    year: int
    status: str = Field(description="official（正式）/ draft（草案）/ none（无数据）")
    status_label: str
    source: str | None
    imported_at: dt.datetime | None
    imported_by: str | None
    holidays: int
    workdays: int

    @classmethod
    def of(cls, s: calendar.YearSummary) -> YearSummaryOut:
        return cls(
            year=s.year,
            status=s.status,
            status_label=s.status_label,
            source=s.source,
            imported_at=s.imported_at,
            imported_by=s.imported_by,
            holidays=s.holidays,
            workdays=s.workdays,
        )


class ScheduleDayOut(BaseModel):
    date: dt.date
    weekday: str
    kind: str
    kind_label: str
    name: str


class PeriodOut(BaseModel):
    name: str
    holidays: list[dt.date]
    workdays: list[dt.date]
    summary: str


class YearScheduleOut(YearSummaryOut):
    days: list[ScheduleDayOut]
    periods: list[PeriodOut]

    @classmethod
    def of_schedule(cls, schedule: calendar.YearSchedule) -> YearScheduleOut:
        return cls(
            **YearSummaryOut.of(schedule.summary).model_dump(),
            days=[
                ScheduleDayOut(
                    date=d.date, weekday=d.weekday, kind=d.kind, kind_label=d.kind_label, name=d.name
                )
                for d in schedule.days
            ],
            periods=[
                PeriodOut(
                    name=p.name, holidays=list(p.holidays), workdays=list(p.workdays), summary=p.summary
                )
                for p in schedule.periods
            ],
        )


class ScheduleEntryIn(BaseModel):
    # Plain text: the service checks each entry and names it (第3条) in its message.
    date: str = Field(max_length=32, description="日期，如 2027-10-01")
    kind: str = Field(max_length=16, description="holiday / workday，或 放假 / 上班")
    name: str = Field(default="", max_length=64, description="节日名称，如 国庆节")


class ScheduleImportIn(BaseModel):
    days: list[ScheduleEntryIn] = Field(max_length=MAX_ROWS, description="该年全部放假和调休上班日期")
    draft: bool = Field(default=False, description="草案：生效但相关计算结果仍标记为临时")


class ImportOutcomeOut(BaseModel):
    year: int
    source: str
    complete: bool
    holidays: int
    workdays: int
    imported_by: str
    previous_source: str | None
    previous_complete: bool | None
    added: list[dt.date]
    removed: list[dt.date]
    changed: list[dt.date]
    warnings: list[str]
    summary: str

    @classmethod
    def of(cls, outcome: calendar.ImportOutcome) -> ImportOutcomeOut:
        return cls(
            year=outcome.year,
            source=outcome.source,
            complete=outcome.complete,
            holidays=outcome.holidays,
            workdays=outcome.workdays,
            imported_by=outcome.imported_by,
            previous_source=outcome.previous_source,
            previous_complete=outcome.previous_complete,
            added=list(outcome.added),
            removed=list(outcome.removed),
            changed=list(outcome.changed),
            warnings=list(outcome.warnings),
            summary=outcome.summary,
        )
