"""The working-day calendar (工作日历): is a date a working day, what date is n working days later, how many
working days lie between two dates — using the official holiday schedule stored in the database.

Counting rule, the same everywhere (see docs/calendar.md):

- The start day is never counted; the end day is counted when it is a working day.
- `add_working_days(start, n)` with n > 0 is the n-th working day after `start`; with n < 0 the |n|-th
  working day before it; with n = 0 it is `start` itself, even on a holiday (see `first_working_day_from`).
- `working_days_between(a, b)` counts the working days d with a < d <= b, or, when b is before a,
  minus those with b <= d < a. Hence `working_days_between(a, add_working_days(a, n)) == n` for every n.

A date without a stored entry follows the ordinary week (Monday–Friday work). A result that depended on a
year without an official (complete) schedule is *provisional*: it says which years, and may change once
the State Council publishes that year and an operator imports it.

Each transaction loads a year's special days once (one query per year) and keeps them in `session.info`;
the cache is dropped when the transaction ends and when a schedule is imported.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from sqlalchemy import delete, event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from shuzheng.errors import Conflict, ValidationFailed, field_error
from shuzheng.kit import clock
from shuzheng.kit.models import (
    DAY_KIND_LABELS,
    SOURCE_LABELS,
    CalendarDay,
    CalendarSource,
    CalendarYear,
    DayKind,
)
from shuzheng.ledger import service as ledger
from shuzheng.security.roles import Actor, Perm, require

T = TypeVar("T")

# Dates outside this range are refused rather than silently computed on the Monday–Friday rule.
MIN_YEAR, MAX_YEAR = 1950, 2199
# Years an operator may import a schedule for.
MIN_SCHEDULE_YEAR, MAX_SCHEDULE_YEAR = 2000, 2199
# About ten years of working days; far beyond any administrative deadline.
MAX_WORKING_DAYS = 2500
# The New Year (元旦) arrangement of year Y may begin in late December of Y-1 (e.g. the 2019 notice set
# 2018-12-29 as a working day and 2018-12-30/31 off); a schedule for Y may name those dates.
SPILLOVER_FROM_DAY_OF_DECEMBER = 25
MAX_NAME_LENGTH = 32
MAX_ROWS = 400

WEEKDAY_LABELS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

KIND_ALIASES = {
    "holiday": DayKind.HOLIDAY,
    "放假": DayKind.HOLIDAY,
    "休": DayKind.HOLIDAY,
    "休息": DayKind.HOLIDAY,
    "假": DayKind.HOLIDAY,
    "节假日": DayKind.HOLIDAY,
    "workday": DayKind.WORKDAY,
    "上班": DayKind.WORKDAY,
    "班": DayKind.WORKDAY,
    "调休上班": DayKind.WORKDAY,
    "补班": DayKind.WORKDAY,
    "工作日": DayKind.WORKDAY,
}

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


def weekday_label(d: dt.date) -> str:
    return WEEKDAY_LABELS[d.weekday()]


def _is_weekend(d: dt.date) -> bool:
    return d.weekday() >= 5


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class WorkingDayResult(Generic[T]):
    """A computed value and the years without an official schedule that it depended on."""

    value: T
    years_without_data: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.years_without_data)

    @property
    def note(self) -> str | None:
        """Why the result is provisional, for people; None when it is final."""
        if not self.years_without_data:
            return None
        years = "、".join(str(y) for y in self.years_without_data)
        return (
            f"{years}年尚无正式的节假日安排，已按周一至周五为工作日（或已录入的草案）推算，"
            "结果为临时结果，正式安排公布并导入后可能变化"
        )


# ---------------------------------------------------------------- the per-transaction cache


@dataclass(frozen=True)
class _YearDays:
    year: int
    official: bool
    kinds: dict[dt.date, str]

    def is_working(self, d: dt.date) -> bool:
        kind = self.kinds.get(d)
        if kind is None:
            return d.weekday() < 5
        return kind == DayKind.WORKDAY


class _Calendar:
    """The special days of each year this transaction has needed so far."""

    def __init__(self, session: Session):
        self._session = session
        self._official: frozenset[int] | None = None
        self._years: dict[int, _YearDays] = {}

    def year(self, year: int) -> _YearDays:
        found = self._years.get(year)
        if found is None:
            if self._official is None:
                self._official = frozenset(
                    self._session.scalars(select(CalendarYear.year).where(CalendarYear.complete))
                )
            rows = self._session.execute(
                select(CalendarDay.date, CalendarDay.kind).where(
                    CalendarDay.date.between(dt.date(year, 1, 1), dt.date(year, 12, 31))
                )
            )
            found = _YearDays(year, year in self._official, {d: kind for d, kind in rows})
            self._years[year] = found
        return found


_CACHE_KEY = "shuzheng.kit.calendar"


def _calendar(session: Session) -> _Calendar:
    cal = session.info.get(_CACHE_KEY)
    if cal is None:
        cal = session.info[_CACHE_KEY] = _Calendar(session)
    return cal  # type: ignore[no-any-return]


def _forget(session: Session) -> None:
    session.info.pop(_CACHE_KEY, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # Another transaction may have imported a schedule, and a rolled-back import must not linger.
    # Flushes run in sub-transactions of their own; those leave the cache alone.
    if transaction.parent is None or transaction.nested:
        _forget(session)


# ---------------------------------------------------------------- working-day arithmetic


def _check_date(field_name: str, d: dt.date) -> None:
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        raise field_error(field_name, f"日期应在 {MIN_YEAR} 年至 {MAX_YEAR} 年之间")


def is_working_day(session: Session, d: dt.date) -> WorkingDayResult[bool]:
    _check_date("date", d)
    year = _calendar(session).year(d.year)
    return WorkingDayResult(year.is_working(d), () if year.official else (d.year,))


def add_working_days(session: Session, start: dt.date, n: int) -> WorkingDayResult[dt.date]:
    """The n-th working day after `start` (before it when n < 0); `start` itself is not counted.

    n = 0 gives `start` unchanged, whatever kind of day it is, so that `working_days_between` stays the
    exact inverse; use `first_working_day_from` to move a date off a holiday."""
    _check_date("start", start)
    if abs(n) > MAX_WORKING_DAYS:
        raise field_error("n", f"工作日天数的绝对值不能超过 {MAX_WORKING_DAYS}")
    cal = _calendar(session)
    step = dt.timedelta(days=1 if n > 0 else -1)
    remaining, day = abs(n), start
    unofficial: set[int] = set()
    year: _YearDays | None = None
    while remaining:
        day += step
        if year is None or year.year != day.year:
            year = cal.year(day.year)
            if not year.official:
                unofficial.add(day.year)
        if year.is_working(day):
            remaining -= 1
    return WorkingDayResult(day, tuple(sorted(unofficial)))


def first_working_day_from(session: Session, d: dt.date) -> WorkingDayResult[dt.date]:
    """`d` when it is a working day, else the next working day — the rule for a period counted in
    calendar days whose last day falls on a holiday (期间届满日遇节假日顺延)."""
    today = is_working_day(session, d)
    if today.value:
        return WorkingDayResult(d, today.years_without_data)
    following = add_working_days(session, d, 1)
    years = tuple(sorted(set(today.years_without_data) | set(following.years_without_data)))
    return WorkingDayResult(following.value, years)


def _weekdays_between(lo: dt.date, hi: dt.date) -> int:
    """Monday–Friday dates in [lo, hi]."""
    days = (hi - lo).days + 1
    weeks, rest = divmod(days, 7)
    first = lo.weekday()
    return weeks * 5 + sum(1 for i in range(rest) if (first + i) % 7 < 5)


def working_days_between(session: Session, start: dt.date, end: dt.date) -> WorkingDayResult[int]:
    """Working days after `start` up to and including `end`; negative when `end` is before `start`
    (then: minus the working days from `end` up to but excluding `start`)."""
    _check_date("start", start)
    _check_date("end", end)
    if start == end:
        return WorkingDayResult(0)
    one = dt.timedelta(days=1)
    lo, hi, sign = (start + one, end, 1) if start < end else (end, start - one, -1)
    cal = _calendar(session)
    count = _weekdays_between(lo, hi)
    unofficial = []
    for y in range(lo.year, hi.year + 1):
        year = cal.year(y)
        if not year.official:
            unofficial.append(y)
        for d, kind in year.kinds.items():
            if lo <= d <= hi:
                # Only a holiday on a weekday or a worked weekend day changes the ordinary count.
                if kind == DayKind.HOLIDAY and not _is_weekend(d):
                    count -= 1
                elif kind == DayKind.WORKDAY and _is_weekend(d):
                    count += 1
    return WorkingDayResult(sign * count, tuple(unofficial))


@dataclass(frozen=True)
class DayDetail:
    date: dt.date
    working: bool
    kind: str | None  # holiday / workday when the schedule lists the date
    name: str | None

    @property
    def weekday(self) -> str:
        return weekday_label(self.date)


def day_detail(session: Session, d: dt.date) -> WorkingDayResult[DayDetail]:
    working = is_working_day(session, d)
    row = session.get(CalendarDay, d)
    detail = DayDetail(d, working.value, row.kind if row else None, row.name if row else None)
    return WorkingDayResult(detail, working.years_without_data)


# ---------------------------------------------------------------- reading a year


@dataclass(frozen=True)
class ScheduleDay:
    date: dt.date
    kind: str
    name: str
    source: str

    @property
    def weekday(self) -> str:
        return weekday_label(self.date)

    @property
    def kind_label(self) -> str:
        return DAY_KIND_LABELS[DayKind(self.kind)]


@dataclass(frozen=True)
class HolidayPeriod:
    """One festival of a year's notice: its days off and the weekend days worked in exchange."""

    year: int
    name: str
    holidays: tuple[dt.date, ...]
    workdays: tuple[dt.date, ...]

    @property
    def summary(self) -> str:
        """In the words of the notice: 2月15日至2月23日放假，共9天；2月14日（星期六）、2月28日（星期六）上班."""
        parts = []
        if self.holidays:
            first, last = self.holidays[0], self.holidays[-1]
            if first == last:
                parts.append(f"{self._md(first)}（{weekday_label(first)}）放假，共1天")
            else:
                parts.append(f"{self._md(first)}至{self._md(last)}放假，共{len(self.holidays)}天")
        if self.workdays:
            worked = "、".join(f"{self._md(d)}（{weekday_label(d)}）" for d in self.workdays)
            parts.append(f"{worked}上班")
        return "；".join(parts)

    def _md(self, d: dt.date) -> str:
        # A New Year period may begin in December of the year before; say so.
        prefix = f"{d.year}年" if d.year != self.year else ""
        return f"{prefix}{d.month}月{d.day}日"


YEAR_STATUS_LABELS = {
    "official": "已录入正式安排",
    "draft": "草案（非正式，相关计算结果为临时结果）",
    "none": "尚无数据（按周一至周五计算，结果为临时结果）",
}


@dataclass(frozen=True)
class YearSummary:
    year: int
    status: str  # official | draft | none
    source: str | None
    imported_at: dt.datetime | None
    imported_by: str | None
    holidays: int
    workdays: int

    @property
    def status_label(self) -> str:
        return YEAR_STATUS_LABELS[self.status]

    @property
    def source_label(self) -> str | None:
        return SOURCE_LABELS.get(CalendarSource(self.source)) if self.source else None


@dataclass(frozen=True)
class YearSchedule:
    summary: YearSummary
    days: tuple[ScheduleDay, ...]

    @property
    def year(self) -> int:
        return self.summary.year

    @property
    def periods(self) -> list[HolidayPeriod]:
        """Grouped by festival name, in the order the festivals begin (days are sorted by date)."""
        grouped: dict[str, tuple[list[dt.date], list[dt.date]]] = {}
        for day in self.days:
            holidays, workdays = grouped.setdefault(day.name, ([], []))
            (holidays if day.kind == DayKind.HOLIDAY else workdays).append(day.date)
        periods = [HolidayPeriod(self.year, name, tuple(h), tuple(w)) for name, (h, w) in grouped.items()]
        # By the first day off: 国庆节's worked Sunday (9月20日) may come before 中秋节 (9月25日).
        return sorted(periods, key=lambda p: p.holidays[0] if p.holidays else p.workdays[0])


def _summary(row: CalendarYear | None, year: int, holidays: int, workdays: int) -> YearSummary:
    if row is None:
        return YearSummary(year, "none", None, None, None, 0, 0)
    status = "official" if row.complete else "draft"
    return YearSummary(year, status, row.source, row.imported_at, row.imported_by, holidays, workdays)


def year_schedule(session: Session, year: int) -> YearSchedule:
    """A year's schedule as its notice gives it (including late-December New Year days of the year
    before); a year without data comes back with status "none" and no days."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise field_error("year", f"年份应在 {MIN_YEAR} 至 {MAX_YEAR} 之间")
    row = session.get(CalendarYear, year)
    days = tuple(
        ScheduleDay(d.date, d.kind, d.name, d.source)
        for d in session.scalars(
            select(CalendarDay).where(CalendarDay.schedule_year == year).order_by(CalendarDay.date)
        )
    )
    holidays = sum(1 for d in days if d.kind == DayKind.HOLIDAY)
    return YearSchedule(_summary(row, year, holidays, len(days) - holidays), days)


def list_years(session: Session) -> list[YearSummary]:
    counts: dict[tuple[int, str], int] = {
        (y, kind): n
        for y, kind, n in session.execute(
            select(CalendarDay.schedule_year, CalendarDay.kind, func.count()).group_by(
                CalendarDay.schedule_year, CalendarDay.kind
            )
        )
    }
    return [
        _summary(row, row.year, counts.get((row.year, "holiday"), 0), counts.get((row.year, "workday"), 0))
        for row in session.scalars(select(CalendarYear).order_by(CalendarYear.year))
    ]


# ---------------------------------------------------------------- importing a year


@dataclass(frozen=True)
class ScheduleRow:
    """One line of a schedule as given: strings from a file or a request, or dates from code.
    `where` names the line for error messages (第3行 in a CSV file, 第3条 in a JSON list)."""

    date: dt.date | str
    kind: str
    name: str
    where: str = ""


@dataclass(frozen=True)
class _Entry:
    date: dt.date
    kind: DayKind
    name: str
    where: str


@dataclass(frozen=True)
class ImportOutcome:
    """What an import changed — enough for the ledger entry and for telling the operator."""

    year: int
    source: str
    complete: bool
    holidays: int
    workdays: int
    imported_by: str
    imported_by_account_id: int | None
    previous_source: str | None  # None: the year had no schedule before
    previous_complete: bool | None
    added: tuple[dt.date, ...]
    removed: tuple[dt.date, ...]
    changed: tuple[dt.date, ...]  # listed before and after, with another kind or name
    warnings: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        status = "正式安排" if self.complete else "草案"
        before = "新增" if self.previous_source is None else "替换原有安排"
        return (
            f"已导入{self.year}年节假日{status}（{before}）：放假{self.holidays}天，调休上班{self.workdays}天；"
            f"新增{len(self.added)}个日期，删除{len(self.removed)}个，修改{len(self.changed)}个"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "source": self.source,
            "complete": self.complete,
            "holidays": self.holidays,
            "workdays": self.workdays,
            "imported_by": self.imported_by,
            "imported_by_account_id": self.imported_by_account_id,
            "previous_source": self.previous_source,
            "previous_complete": self.previous_complete,
            "added": [d.isoformat() for d in self.added],
            "removed": [d.isoformat() for d in self.removed],
            "changed": [d.isoformat() for d in self.changed],
            "warnings": list(self.warnings),
        }


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(text: str) -> dt.date:
    """2027-01-01, 2027/1/1, 2027.1.1, 20270101 or 2027年1月1日; ValueError with a Chinese reason."""
    cleaned = text.strip()
    for pattern in _DATE_PATTERNS:
        match = pattern.match(cleaned)
        if match:
            y, m, d = (int(g) for g in match.groups())
            try:
                return dt.date(y, m, d)
            except ValueError:
                raise ValueError(f"日期「{cleaned}」不存在") from None
    if not cleaned:
        raise ValueError("日期为空")
    raise ValueError(f"日期「{cleaned}」格式不正确（应为 2027-01-01）")


def parse_kind(text: str) -> DayKind:
    kind = KIND_ALIASES.get(text.strip().lower())
    if kind is None:
        shown = text.strip()
        if not shown:
            raise ValueError("类型为空（应为 放假 或 上班）")
        raise ValueError(f"类型「{shown}」无法识别（应为 放假 或 上班，也可写 holiday / workday）")
    return kind


class _Problems:
    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, where: str, message: str) -> None:
        self.items.append((where, message))

    def raise_if_any(self, year: int | None) -> None:
        if not self.items:
            return
        shown = "；".join(f"{w}：{m}" for w, m in self.items[:5])
        more = f"（共{len(self.items)}处错误）" if len(self.items) > 5 else ""
        what = f"{year}年节假日安排" if year else "节假日安排"
        raise ValidationFailed(
            f"{what}有误，未导入任何数据。{shown}{more}",
            code="calendar_invalid",
            details=[{"field": w, "message": m} for w, m in self.items],
        )


def _in_schedule(year: int, d: dt.date) -> bool:
    if d.year == year:
        return True
    return d.year == year - 1 and d.month == 12 and d.day >= SPILLOVER_FROM_DAY_OF_DECEMBER


def _validate_rows(year: int, rows: Sequence[ScheduleRow], problems: _Problems) -> list[_Entry]:
    entries: list[_Entry] = []
    seen: dict[dt.date, str] = {}
    for index, row in enumerate(rows, start=1):
        where = row.where or f"第{index}条"
        try:
            d = row.date if isinstance(row.date, dt.date) else parse_date(str(row.date))
        except ValueError as err:
            problems.add(where, str(err))
            continue
        if not _in_schedule(year, d):
            hint = (
                f"（上一年只允许12月{SPILLOVER_FROM_DAY_OF_DECEMBER}日以后的元旦安排）"
                if d.year == year - 1
                else ""
            )
            problems.add(where, f"日期 {d} 不属于 {year} 年{hint}")
            continue
        try:
            kind = parse_kind(str(row.kind))
        except ValueError as err:
            problems.add(where, str(err))
            continue
        name = str(row.name or "").strip()
        if not name:
            problems.add(where, "名称不能为空（如 国庆节）")
            continue
        if len(name) > MAX_NAME_LENGTH:
            problems.add(where, f"名称不能超过{MAX_NAME_LENGTH}个字")
            continue
        if d in seen:
            problems.add(where, f"日期 {d} 与{seen[d]}重复")
            continue
        seen[d] = where
        if kind == DayKind.WORKDAY and not _is_weekend(d):
            problems.add(
                where, f"{d}是{weekday_label(d)}，本来就是工作日；调休上班的日期只能是星期六或星期日"
            )
            continue
        entries.append(_Entry(d, kind, name, where))
    return entries


def _lone_weekend_holidays(entries: list[_Entry]) -> list[str]:
    """Warnings for a Saturday or Sunday listed as a holiday outside any holiday period. Usually a wrong
    date, but not always: the 2015 notice gave 中秋节 as Sunday 9月27日 alone. It changes no count, so it
    is stored and the operator is told."""
    kinds = {e.date: e.kind for e in entries}

    def resting(d: dt.date) -> bool:
        kind = kinds.get(d)
        return kind == DayKind.HOLIDAY or (kind is None and _is_weekend(d))

    one = dt.timedelta(days=1)
    warnings = []
    for entry in entries:
        if entry.kind != DayKind.HOLIDAY or not _is_weekend(entry.date):
            continue
        block = [entry.date]
        for step in (one, -one):
            d = entry.date + step
            while resting(d) and len(block) < 40:
                block.append(d)
                d += step
        if not any(kinds.get(d) == DayKind.HOLIDAY and not _is_weekend(d) for d in block):
            warnings.append(
                f"{entry.where}：{entry.date}是{weekday_label(entry.date)}，本来就休息，前后也没有放假的工作日，"
                "不影响工作日计算；请核对是否与通知一致"
            )
    return warnings


def _check_other_schedules(session: Session, year: int, entries: list[_Entry], problems: _Problems) -> None:
    dates = [e.date for e in entries]
    if not dates:
        return
    taken = {
        d.date: d
        for d in session.scalars(
            select(CalendarDay).where(
                CalendarDay.date.between(min(dates), max(dates)), CalendarDay.schedule_year != year
            )
        )
    }
    for e in entries:
        other = taken.get(e.date)
        if other is not None:
            problems.add(
                e.where,
                f"{e.date} 已由{other.schedule_year}年的安排登记为"
                f"{DAY_KIND_LABELS[DayKind(other.kind)]}（{other.name}），不能重复登记",
            )


def _actor_label(actor: Actor) -> str:
    return f"{actor.display_name}（账号{actor.account_id}）"


def import_schedule(
    session: Session,
    actor: Actor | None,
    year: int,
    rows: Sequence[ScheduleRow],
    source: CalendarSource,
    *,
    complete: bool = True,
    imported_by: str | None = None,
) -> ImportOutcome:
    """Replace year `year`'s schedule with `rows`, all or nothing.

    Every row is checked first (a date of that year, a known kind, a name, no duplicates, no worked
    weekday, no stray weekend holiday); any problem refuses the whole import with a row-numbered message.
    `actor=None` is the server-side path (command line); `imported_by` then says who ran it.
    `complete=False` stores a draft: its days apply, but results touching the year stay provisional."""
    if actor is not None:
        require(actor, Perm.CALENDAR_MANAGE)
    if not MIN_SCHEDULE_YEAR <= year <= MAX_SCHEDULE_YEAR:
        raise field_error("year", f"年份应在 {MIN_SCHEDULE_YEAR} 至 {MAX_SCHEDULE_YEAR} 之间")
    if not rows:
        raise field_error("entries", f"没有任何日期；{year}年的安排至少包含放假的日期")
    if len(rows) > MAX_ROWS:
        raise field_error("entries", f"条目过多（{len(rows)}条），一年的安排不会超过{MAX_ROWS}条")
    problems = _Problems()
    entries = _validate_rows(year, rows, problems)
    _check_other_schedules(session, year, entries, problems)
    if not any(e.kind == DayKind.HOLIDAY for e in entries):
        problems.add("全部条目", "没有任何放假日期，请检查类型一列")
    problems.raise_if_any(year)

    label = _actor_label(actor) if actor is not None else (imported_by or "命令行")
    try:
        with session.begin_nested():
            outcome = _replace_year(session, year, entries, source, complete, label, actor)
        outcome = replace(outcome, warnings=tuple(_lone_weekend_holidays(entries)))
    except IntegrityError:
        raise Conflict(f"{year}年的日历正在被其他人导入，请稍后重试", code="calendar_busy") from None
    finally:
        _forget(session)
    _trace_import(session, actor, outcome)
    return outcome


def _trace_import(session: Session, actor: Actor | None, outcome: ImportOutcome) -> None:
    """An operator's change to official deadlines is a decision: it goes to the ledger with the import."""
    ledger.append(
        session,
        action="calendar.import",
        subject=f"calendar:{outcome.year}",
        payload=outcome.to_dict(),
        actor=actor,
        actor_label=None if actor is not None else "cli",
    )


def _replace_year(
    session: Session,
    year: int,
    entries: list[_Entry],
    source: CalendarSource,
    complete: bool,
    label: str,
    actor: Actor | None,
) -> ImportOutcome:
    # Lock the year first (PostgreSQL; SQLite serialises writers anyway) so that two operators
    # importing the same year one after the other each replace it whole.
    row = session.scalar(
        select(CalendarYear)
        .where(CalendarYear.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    before = {
        d.date: (d.kind, d.name)
        for d in session.scalars(select(CalendarDay).where(CalendarDay.schedule_year == year))
    }
    previous_source, previous_complete = (row.source, row.complete) if row else (None, None)
    session.execute(delete(CalendarDay).where(CalendarDay.schedule_year == year))
    if row is None:
        row = CalendarYear(year=year)
        session.add(row)
    row.complete, row.source, row.imported_at = complete, source.value, clock.now()
    row.imported_by, row.imported_by_account_id = label, actor.account_id if actor else None
    session.flush()
    session.add_all(
        CalendarDay(date=e.date, schedule_year=year, kind=e.kind.value, name=e.name, source=source.value)
        for e in entries
    )
    session.flush()
    after = {e.date: (e.kind.value, e.name) for e in entries}
    holidays = sum(1 for e in entries if e.kind == DayKind.HOLIDAY)
    return ImportOutcome(
        year=year,
        source=source.value,
        complete=complete,
        holidays=holidays,
        workdays=len(entries) - holidays,
        imported_by=label,
        imported_by_account_id=actor.account_id if actor else None,
        previous_source=previous_source,
        previous_complete=previous_complete,
        added=tuple(sorted(set(after) - set(before))),
        removed=tuple(sorted(set(before) - set(after))),
        changed=tuple(sorted(d for d in set(after) & set(before) if after[d] != before[d])),
    )


# ---------------------------------------------------------------- schedule files


@dataclass(frozen=True)
class ScheduleFile:
    rows: list[ScheduleRow]
    year: int | None = None  # when the file says which year it is (JSON {"year": …})
    format: str = "csv"
    ignored: list[str] = field(default_factory=list)


_HEADER_KEYS = {
    "date": "date",
    "日期": "date",
    "kind": "kind",
    "类型": "kind",
    "name": "name",
    "名称": "name",
}


def _decode(data: bytes) -> str:
    if not data.strip():
        raise ValidationFailed("文件是空的，没有任何日期", code="calendar_invalid")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise _encoding_error(line)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise _encoding_error(data[: utf8_error.start].count(b"\n") + 1) from None


def _encoding_error(line: int) -> ValidationFailed:
    return _file_error(
        line,
        "文件编码无法识别（支持 UTF-8、带 BOM 的 UTF-8 和 GBK），请另存为 UTF-8 后重新导入",
        code="calendar_encoding",
    )


def _file_error(line: int, message: str, code: str = "calendar_invalid") -> ValidationFailed:
    return ValidationFailed(
        f"第{line}行：{message}", code=code, details=[{"field": f"第{line}行", "message": message}]
    )


def read_schedule_file(data: bytes, filename: str = "") -> ScheduleFile:
    """Parse a CSV (date,kind,name or 日期,类型,名称; # comments and blank lines skipped) or JSON file
    (a list of {date, kind, name}, or {"year": …, "days": [...]}), in UTF-8, UTF-8 with BOM or GBK."""
    text = _decode(data)
    stripped = text.lstrip()
    if filename.lower().endswith(".json") or stripped.startswith(("[", "{")):
        return _read_json(stripped)
    return _read_csv(text)


def _header_key(cell: str) -> str | None:
    base = re.split(r"[（(]", cell.strip().lower(), maxsplit=1)[0].strip()
    return _HEADER_KEYS.get(base)


def _read_csv(text: str) -> ScheduleFile:
    reader = csv.reader(io.StringIO(text))
    columns: dict[str, int] | None = None
    rows: list[ScheduleRow] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
            continue
        if columns is None:
            keys = [_header_key(c) for c in cells]
            if {"date", "kind", "name"} <= set(keys):
                columns = {k: keys.index(k) for k in ("date", "kind", "name")}
                continue
            columns = {"date": 0, "kind": 1, "name": 2}
            try:
                parse_date(cells[0])
            except ValueError:
                raise _file_error(line, "表头应为 date,kind,name 或 日期,类型,名称") from None
        date, kind, name = (_cell(cells, columns[k]) for k in ("date", "kind", "name"))
        rows.append(ScheduleRow(date, kind, name, where=f"第{line}行"))
    return ScheduleFile(rows, format="csv")


def _cell(cells: list[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""


def _read_json(text: str) -> ScheduleFile:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        raise _file_error(err.lineno, f"JSON 格式不正确（第{err.colno}列）") from None
    year: int | None = None
    items = document
    if isinstance(document, dict):
        raw_year = document.get("year")
        if raw_year is not None:
            if not isinstance(raw_year, int) or isinstance(raw_year, bool):
                raise field_error("year", "应为整数年份，如 2027")
            year = raw_year
        items = document.get("days", document.get("entries"))
    if not isinstance(items, list):
        raise ValidationFailed(
            "JSON 文件应为日期列表，或包含 days 列表的对象", code="calendar_invalid", details=None
        )
    rows = []
    for index, item in enumerate(items, start=1):
        where = f"第{index}条"
        if not isinstance(item, dict):
            rows.append(ScheduleRow("", "", "", where=where))
            continue
        rows.append(
            ScheduleRow(
                str(item.get("date", item.get("日期", "")) or ""),
                str(item.get("kind", item.get("类型", "")) or ""),
                str(item.get("name", item.get("名称", "")) or ""),
                where=where,
            )
        )
    return ScheduleFile(rows, year=year, format="json")


def infer_year(rows: Iterable[ScheduleRow]) -> int | None:
    """The schedule year a file is about: the latest year among its readable dates (a New Year
    arrangement may begin in December of the year before)."""
    years = []
    for row in rows:
        try:
            d = row.date if isinstance(row.date, dt.date) else parse_date(str(row.date))
        except ValueError:
            continue
        years.append(d.year)
    return max(years) if years else None


def import_file(
    session: Session,
    actor: Actor | None,
    data: bytes,
    filename: str = "",
    *,
    year: int | None = None,
    source: CalendarSource = CalendarSource.IMPORT,
    complete: bool = True,
    imported_by: str | None = None,
) -> ImportOutcome:
    """Read a schedule file and import it (see `read_schedule_file` and `import_schedule`)."""
    if actor is not None:
        require(actor, Perm.CALENDAR_MANAGE)
    parsed = read_schedule_file(data, filename)
    if year is not None and parsed.year is not None and parsed.year != year:
        raise field_error("year", f"文件写明是{parsed.year}年，与指定的{year}年不一致")
    if not parsed.rows:
        raise ValidationFailed("文件中只有表头或注释，没有任何日期", code="calendar_invalid")
    target = year or parsed.year or infer_year(parsed.rows)
    if target is None:
        # Not one readable date to infer the year from: report each row's problem.
        problems = _Problems()
        _validate_rows(MIN_SCHEDULE_YEAR, parsed.rows, problems)
        problems.raise_if_any(None)
        raise field_error("year", "无法从文件推断年份，请指定年份")
    return import_schedule(
        session, actor, target, parsed.rows, source, complete=complete, imported_by=imported_by
    )


# ---------------------------------------------------------------- the chinese_calendar package


def library_years() -> range:
    """The years the installed chinese_calendar package covers."""
    from chinese_calendar import constants

    return range(min(constants.holidays).year, max(constants.holidays).year + 1)


def library_rows(year: int) -> list[ScheduleRow]:
    """Year `year`'s schedule from the installed chinese_calendar package, as import rows."""
    import chinese_calendar
    from chinese_calendar import constants

    covered = library_years()
    if year not in covered:
        raise field_error(
            "year",
            f"已安装的 chinese-calendar {chinese_calendar.__version__} 不包含{year}年的数据"
            f"（覆盖 {covered.start}–{covered.stop - 1} 年）",
        )
    found: list[tuple[dt.date, DayKind, str]] = []
    for kind, days in ((DayKind.HOLIDAY, constants.holidays), (DayKind.WORKDAY, constants.workdays)):
        for d, library_name in days.items():
            schedule_year = d.year + 1 if d.month == 12 and library_name == "New Year's Day" else d.year
            if schedule_year == year:
                found.append((d, kind, LIBRARY_NAMES.get(library_name, library_name)))
    return [ScheduleRow(d, kind.value, name) for d, kind, name in sorted(found)]
