"""`shuzheng calendar …`: import a year's holiday schedule, show a year, count working days."""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path
from typing import Any

import typer

from shuzheng.clikit import echo, fail, friendly_errors, unit_of_work
from shuzheng.kit import calendar
from shuzheng.kit.calendar import CalendarSource, WorkingDayResult
from shuzheng.kit.clock import CHINA_TZ

app = typer.Typer(help="工作日历 / working-day calendar (holidays and 调休)", no_args_is_help=True)


def _operator() -> str:
    try:
        return f"命令行（{getpass.getuser()}）"
    except Exception:  # no user name in some containers; the label is informative only
        return "命令行"


def _date(text: str, what: str) -> dt.date:
    try:
        return calendar.parse_date(text)
    except ValueError as err:
        fail(f"{what}：{err}")
        raise  # unreachable: fail() exits


def _print_note(result: WorkingDayResult[Any]) -> None:
    if result.note:
        typer.secho(f"注意：{result.note}", fg=typer.colors.YELLOW, err=True)


@app.command("import", help="导入某年的节假日安排（CSV 或 JSON，整年替换）/ import a year's schedule")
@friendly_errors
def import_year(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="CSV 或 JSON 文件"),
    year: int | None = typer.Option(None, "--year", help="年份（默认从文件中的日期推断）"),
    draft: bool = typer.Option(False, "--draft", help="作为草案导入：生效，但相关结果仍标记为临时"),
) -> None:
    with unit_of_work() as session:
        outcome = calendar.import_file(
            session,
            None,
            file.read_bytes(),
            file.name,
            year=year,
            source=CalendarSource.IMPORT,
            complete=not draft,
            imported_by=_operator(),
        )
    echo(outcome.summary)
    for warning in outcome.warnings:
        typer.secho(f"提示：{warning}", fg=typer.colors.YELLOW, err=True)


@app.command(
    "import-library", help="从已安装的 chinese-calendar 包导入某年 / import a year from chinese_calendar"
)
@friendly_errors
def import_library(year: int = typer.Argument(..., help="年份")) -> None:
    with unit_of_work() as session:
        outcome = calendar.import_schedule(
            session, None, year, calendar.library_rows(year), CalendarSource.LIBRARY, imported_by=_operator()
        )
    echo(outcome.summary)


@app.command("show", help="显示某年的节假日安排 / show a year's schedule")
@friendly_errors
def show(year: int = typer.Argument(..., help="年份")) -> None:
    with unit_of_work() as session:
        schedule = calendar.year_schedule(session, year)
    s = schedule.summary
    echo(f"{year}年：{s.status_label}")
    if s.status == "none":
        return
    at = s.imported_at.astimezone(CHINA_TZ) if s.imported_at else None
    echo(f"来源：{s.source_label}；导入：{s.imported_by}，{at:%Y-%m-%d %H:%M}（北京时间）")
    for period in schedule.periods:
        echo(f"  {period.name}：{period.summary}")
    echo()
    for day in schedule.days:
        echo(f"  {day.date}  {day.weekday}  {day.kind_label}  {day.name}")


@app.command("years", help="列出已录入的年份 / list years with a schedule")
@friendly_errors
def years() -> None:
    with unit_of_work() as session:
        summaries = calendar.list_years(session)
    for s in summaries:
        echo(f"{s.year}  {s.status_label}  放假{s.holidays}天 上班{s.workdays}天  {s.source_label}")


# ignore_unknown_options lets a negative N (-3) through as an argument instead of an unknown option.
@app.command(
    "add-days",
    help="START 之后第 N 个工作日（START 当天不计；N 为负数时为之前）/ the N-th working day after START",
    context_settings={"ignore_unknown_options": True},
)
@friendly_errors
def add_days(
    start: str = typer.Argument(..., help="起算日期，如 2026-09-30"),
    n: int = typer.Argument(..., help="工作日数（可为负数：之前第 N 个工作日）"),
) -> None:
    day = _date(start, "起算日期")
    with unit_of_work() as session:
        result = calendar.add_working_days(session, day, n)
    echo(f"{result.value.isoformat()}（{calendar.weekday_label(result.value)}）")
    _print_note(result)


@app.command("between", help="START 之后至 END（含）的工作日数 / working days after START up to END")
@friendly_errors
def between(
    start: str = typer.Argument(..., help="起始日期（不计入）"),
    end: str = typer.Argument(..., help="结束日期（是工作日则计入）"),
) -> None:
    a, b = _date(start, "起始日期"), _date(end, "结束日期")
    with unit_of_work() as session:
        result = calendar.working_days_between(session, a, b)
    echo(str(result.value))
    _print_note(result)


COMMANDS = {"calendar": app}
