"""The operator's working-day calendar page: a year's holidays and 调休 days, the years on file, a
deadline calculator, and uploading a year's schedule. Thin: every rule is in kit/calendar.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from shuzheng.errors import DomainError
from shuzheng.kit import calendar, clock
from shuzheng.kit.calendar import MAX_WORKING_DAYS, CalendarSource
from shuzheng.security.roles import Actor, Perm, Role, require
from shuzheng.web.deps import DbSession, PageActor, csrf_protect
from shuzheng.web.navigation import NavItem
from shuzheng.web.pageutils import redirect, render_page

router = APIRouter(tags=["页面：工作日历"], dependencies=[Depends(csrf_protect)], include_in_schema=False)

NAV = {Role.PLATFORM_ADMIN: [NavItem("工作日历", "/admin/calendar")]}

# A year's schedule is a few kilobytes; anything this large is the wrong file.
MAX_UPLOAD_BYTES = 512 * 1024


@router.get("/admin/calendar", summary="工作日历")
def calendar_page(
    request: Request,
    session: DbSession,
    actor: PageActor,
    year: Annotated[int | None, Query()] = None,
    start: Annotated[str, Query()] = "",
    n: Annotated[str, Query()] = "",
) -> Response:
    require(actor, Perm.CALENDAR_MANAGE)
    shown = year or clock.today_in_china().year
    return _render(request, session, actor, shown, calculator=_calculate(session, start, n))


def _calculate(session: Session, start: str, n: str) -> dict[str, Any] | None:
    """The deadline calculator's answer, or its error, when the operator asked."""
    if not start and not n:
        return None
    answer: dict[str, Any] = {"start": start, "n": n}
    try:
        day = calendar.parse_date(start)
    except ValueError as err:
        answer["error"] = f"起算日期：{err}"
        return answer
    try:
        count = int(n.strip())
    except ValueError:
        answer["error"] = "工作日数应为整数，如 5 或 -3"
        return answer
    try:
        answer["result"] = result = calendar.add_working_days(session, day, count)
        answer["weekday"] = calendar.weekday_label(result.value)
    except DomainError as err:
        answer["error"] = err.message
    return answer


def _render(
    request: Request,
    session: Session,
    actor: Actor,
    year: int,
    *,
    calculator: dict[str, Any] | None = None,
    upload_error: DomainError | None = None,
    status: int = 200,
) -> Response:
    context = {
        "year": year,
        "schedule": calendar.year_schedule(session, year),
        "years": calendar.list_years(session),
        "calculator": calculator,
        "upload_error": upload_error,
        "upload_problems": _problems(upload_error),
        "max_working_days": MAX_WORKING_DAYS,
        "today": clock.today_in_china(),
    }
    return render_page(request, "calendar.html", context, status=status)


@router.post("/admin/calendar/import", summary="导入某年的节假日安排")
def calendar_import(
    request: Request,
    session: DbSession,
    actor: PageActor,
    file: Annotated[UploadFile | None, File()] = None,
    year: Annotated[str, Form()] = "",
    draft: Annotated[str, Form()] = "",
) -> Response:
    require(actor, Perm.CALENDAR_MANAGE)
    shown = int(year) if year.strip().isdigit() else clock.today_in_china().year
    data = file.file.read(MAX_UPLOAD_BYTES + 1) if file is not None else b""
    try:
        if file is None or not file.filename:
            raise DomainError("请选择要上传的 CSV 或 JSON 文件", code="calendar_no_file")
        if len(data) > MAX_UPLOAD_BYTES:
            raise DomainError("文件过大：一年的节假日安排不会超过 512 KB，请检查是否选错了文件")
        if year.strip() and not year.strip().isdigit():
            raise DomainError("年份应为数字，如 2027；留空则从文件推断")
        with session.begin_nested():
            outcome = calendar.import_file(
                session,
                actor,
                data,
                file.filename,
                year=int(year) if year.strip() else None,
                source=CalendarSource.IMPORT,
                complete=not draft,
            )
    except DomainError as err:
        return _render(request, session, actor, shown, upload_error=err, status=err.status)
    return redirect(f"/admin/calendar?year={outcome.year}", flash=_flash(outcome))


def _problems(err: DomainError | None) -> list[dict[str, str]]:
    """Row-by-row reasons of a refused import ({"field": "第3行", "message": …})."""
    details = err.details if err is not None and isinstance(err.details, list) else []
    return [d for d in details if isinstance(d, dict) and "field" in d and "message" in d]


def _flash(outcome: calendar.ImportOutcome) -> str:
    message = outcome.summary
    if outcome.warnings:
        more = f"（共{len(outcome.warnings)}条提示）" if len(outcome.warnings) > 1 else ""
        message += f"。提示：{outcome.warnings[0]}{more}"
    return message[:190]
