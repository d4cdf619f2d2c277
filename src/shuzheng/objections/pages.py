"""Objection pages: file one (entry point `/objections/new?resource=CODE`, linked from a resource's page),
an objection's page with the actions its reader may take, the data officer's inbox (数据异议), the
operator's escalation queue and ranking (异议督办), and 我的异议. Thin: rules live in service.py; every
action runs in a savepoint so a refused one leaves nothing behind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from shuzheng.catalog import service as catalog
from shuzheng.catalog.spec import ResourceSpec
from shuzheng.errors import DomainError, NotFound, field_error
from shuzheng.kit import clock
from shuzheng.objections import attachments, service
from shuzheng.objections.api import read_upload
from shuzheng.objections.models import Objection
from shuzheng.org import service as org
from shuzheng.security.roles import Actor, Perm, Role, require
from shuzheng.web.deps import DbSession, PageActor, csrf_protect
from shuzheng.web.navigation import NavItem
from shuzheng.web.pageutils import attempt, error_page, field_errors, redirect, render_page

router = APIRouter(tags=["页面：数据异议"], dependencies=[Depends(csrf_protect)], include_in_schema=False)

NAV = {
    Role.DATA_OFFICER: [NavItem("数据异议", "/objections/inbox")],
    Role.PLATFORM_ADMIN: [NavItem("异议督办", "/objections/escalated")],
}

Text = Annotated[str, Form()]
LABELS = {
    "resource_code": "数据资源",
    "record": "定位记录的主键",
    "field": "有误的信息项",
    "claimed_value": "现有值",
    "proposed_value": "建议更正为",
    "evidence": "异议理由和依据",
    "attachment": "证明材料",
    "corrected": "更正后的值",
    "reason": "驳回理由",
    "note": "说明",
    "department_id": "改派部门",
    "days": "延长工作日数",
}
ACTION_LABELS = {
    "file": "提出异议",
    "escalate": "超期升级督办",
    "reassign": "改派",
    "extend": "延长期限",
    "confirm": "确认并更正",
    "reject": "驳回",
}


# ---------------------------------------------------------------- filing


def _spec_or_none(session: Session, code: str | None) -> ResourceSpec | None:
    if not code:
        return None
    try:
        return catalog.published_spec(session, code)
    except DomainError:
        return None


def _new_page(
    request: Request,
    session: Session,
    code: str | None,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    message: str = "",
    status: int = 200,
) -> Response:
    spec = _spec_or_none(session, code)
    resources = [] if spec else [(s.code, f"{s.name}（{s.code}）") for s in catalog.published_specs(session)]
    return render_page(
        request,
        "objections_new.html",
        {
            "spec": spec,
            "code": code or "",
            "resources": resources,
            "values": values or {},
            "errors": errors or {},
            "labels": LABELS,
            "message": message
            or ("" if spec or not code else f"目录中没有已发布的数据资源「{code}」，请重新选择"),
            "field_options": [(f.name, f"{f.label}（{f.name}）") for f in spec.fields if not f.is_key]
            if spec
            else [],
            "attachment_hint": f"{attachments.ALLOWED_LABEL}，不超过 {attachments.MAX_BYTES // 1048576} MB",
        },
        status=status,
    )


@router.get("/objections/new", summary="提出数据异议")
def new(request: Request, session: DbSession, actor: PageActor, resource: str | None = None) -> Response:
    return _new_page(request, session, (resource or "").strip() or None)


@router.post("/objections/new", summary="提出数据异议（提交）")
async def new_submit(
    request: Request,
    session: DbSession,
    actor: PageActor,
    resource_code: Text = "",
    field: Text = "",
    claimed_value: Text = "",
    proposed_value: Text = "",
    evidence: Text = "",
    attachment: Annotated[UploadFile | None, File()] = None,
) -> Response:
    form = await request.form()
    record = {str(k)[4:]: str(v) for k, v in form.items() if str(k).startswith("key-")}
    values = {
        "field": field,
        "claimed_value": claimed_value,
        "proposed_value": proposed_value,
        "evidence": evidence,
        "record": record,
    }
    created: list[Objection] = []

    async def upload() -> attachments.Upload | None:
        return await read_upload(attachment)

    up = await upload()
    data = service.ObjectionInput(
        resource_code=resource_code,
        record=record,
        evidence=evidence,
        field=field or None,
        claimed_value=claimed_value,
        proposed_value=proposed_value,
    )
    err = attempt(session, lambda: created.append(service.file(session, actor, data, up)))
    if err is not None:
        return _new_page(
            request,
            session,
            resource_code.strip() or None,
            values=values,
            errors=field_errors(err, fallback_field="evidence"),
            message=err.message,
            status=err.status,
        )
    o = created[0]
    return redirect(f"/objections/{o.id}", flash=f"已提出第{o.id}号异议，答复期限 {o.due_date.isoformat()}")


# ---------------------------------------------------------------- lists


def _names(session: Session) -> dict[int, str]:
    return {d.id: d.name for d in org.list_departments(session)}


def _list(
    request: Request, session: Session, title: str, intro: str, items: list[Objection], **extra: Any
) -> Response:
    return render_page(
        request,
        "objections_list.html",
        {
            "title": title,
            "intro": intro,
            "items": items,
            "names": _names(session),
            "today": clock.today_in_china(),
            **extra,
        },
    )


@router.get("/objections/inbox", summary="本部门的数据异议")
def inbox(request: Request, session: DbSession, actor: PageActor, closed: bool = False) -> Response:
    items = service.inbox(session, actor, include_closed=closed)
    return _list(
        request,
        session,
        "数据异议",
        "其他部门或群众对本部门数据提出的异议。请在期限内核实：属实的填写正确值确认更正（生成新的数据版本），"
        "不属实的写明理由驳回；超期未答复的将升级到平台督办。",
        items,
        closed=closed,
        toggle="/objections/inbox" + ("" if closed else "?closed=1"),
    )


@router.get("/objections/escalated", summary="异议督办")
def escalated(request: Request, session: DbSession, actor: PageActor) -> Response:
    items = service.escalation_queue(session, actor)
    return _list(
        request,
        session,
        "异议督办",
        "超过答复期限仍未处理的异议。可改派给应负责的部门、延长期限，或由平台直接确认或驳回。",
        items,
        stats_link=True,
    )


@router.get("/objections/my", summary="我的异议")
def my(request: Request, session: DbSession, actor: PageActor) -> Response:
    return _list(request, session, "我的异议", "我提出的数据异议及其处理结果。", service.mine(session, actor))


# ---------------------------------------------------------------- statistics


def _date(text: str | None, name: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise field_error(name, f"日期格式应为 YYYY-MM-DD：{text}") from None


@router.get("/objections/stats", summary="异议定责统计")
def stats_page(
    request: Request,
    session: DbSession,
    actor: PageActor,
    start: Annotated[str | None, Query()] = None,
    end: Annotated[str | None, Query()] = None,
) -> Response:
    try:
        result = service.stats(session, actor, _date(start, "start"), _date(end, "end"))
    except DomainError as err:
        return error_page(request, err)
    chart = {
        "departments": [d.department_name for d in result.departments],
        "overdue": [d.overdue for d in result.departments],
        "open": [d.open for d in result.departments],
        "confirmed": [d.confirmed for d in result.departments],
        "rejected": [d.rejected for d in result.departments],
        "median": [d.median_days_to_fix for d in result.departments],
    }
    return render_page(request, "objections_stats.html", {"stats": result, "chart": chart})


# ---------------------------------------------------------------- one objection


def _detail(
    request: Request,
    session: Session,
    actor: Actor,
    objection_id: int,
    *,
    errors: dict[str, str] | None = None,
    message: str = "",
    status: int = 200,
) -> Response:
    try:
        o = service.get(session, actor, objection_id)
    except NotFound as err:
        return error_page(request, err)
    spec = _spec_or_none(session, o.resource_code)
    fixable = [f for f in spec.fields if not f.is_key] if spec else []
    return render_page(
        request,
        "objections_detail.html",
        {
            "o": o,
            "c": service.content(session, actor, o),
            "events": service.events(session, o),
            "names": _names(session),
            "labels": LABELS,
            "action_labels": ACTION_LABELS,
            "fixable": fixable,
            "field_labels": {f.name: f.label for f in spec.fields} if spec else {},
            "can_answer": o.is_open and service.can_answer(actor, o),
            "is_operator": o.is_open and service.is_operator(actor),
            "departments": [(d.id, d.name) for d in org.list_departments(session) if d.active],
            "today": clock.today_in_china(),
            "errors": errors or {},
            "message": message,
            "correction_available": service.correction_available(),
        },
        status=status,
    )


@router.get("/objections/{objection_id}", summary="异议详情")
def detail(request: Request, session: DbSession, actor: PageActor, objection_id: int) -> Response:
    return _detail(request, session, actor, objection_id)


@router.get("/objections/{objection_id}/attachment", summary="证明材料")
def attachment_file(session: DbSession, actor: PageActor, objection_id: int) -> Response:
    o = service.get(session, actor, objection_id)
    if not o.attachment_key:
        raise NotFound("该异议没有证明材料")
    return Response(
        attachments.read(o.attachment_key),
        media_type=o.attachment_type or "application/octet-stream",
        headers={"Content-Disposition": "attachment", "X-Content-Type-Options": "nosniff"},
    )


def _act(
    request: Request, session: Session, actor: Actor, objection_id: int, action: Callable[[], Any], done: str
) -> Response:
    err = attempt(session, action)
    if err is not None and err.status in (401, 403, 404):
        return error_page(request, err)
    if err is not None:
        return _detail(
            request,
            session,
            actor,
            objection_id,
            errors=field_errors(err),
            message=err.message,
            status=err.status,
        )
    return redirect(f"/objections/{objection_id}", flash=done)


@router.post("/objections/{objection_id}/confirm", summary="确认并更正")
async def confirm(
    request: Request, session: DbSession, actor: PageActor, objection_id: int, note: Text = ""
) -> Response:
    form = await request.form()
    corrected = {str(k)[4:]: str(v) for k, v in form.items() if str(k).startswith("fix-") and str(v).strip()}
    return _act(
        request,
        session,
        actor,
        objection_id,
        lambda: service.confirm(session, actor, objection_id, corrected=corrected, note=note),
        "已确认并更正，生成了新的数据版本",
    )


@router.post("/objections/{objection_id}/reject", summary="驳回")
def reject(
    request: Request, session: DbSession, actor: PageActor, objection_id: int, reason: Text = ""
) -> Response:
    return _act(
        request,
        session,
        actor,
        objection_id,
        lambda: service.reject(session, actor, objection_id, reason),
        "已驳回",
    )


@router.post("/objections/{objection_id}/reassign", summary="改派")
def reassign(
    request: Request,
    session: DbSession,
    actor: PageActor,
    objection_id: int,
    department_id: Text = "",
    note: Text = "",
) -> Response:
    def run() -> None:
        require(actor, Perm.CATALOG_REVIEW)
        if not department_id.strip().isdigit():
            raise field_error("department_id", "请选择改派的部门")
        service.reassign(session, actor, objection_id, int(department_id), note)

    return _act(request, session, actor, objection_id, run, "已改派，答复期限重新计算")


@router.post("/objections/{objection_id}/extend", summary="延长期限")
def extend(
    request: Request,
    session: DbSession,
    actor: PageActor,
    objection_id: int,
    days: Text = "",
    note: Text = "",
) -> Response:
    def run() -> None:
        if not days.strip().isdigit():
            raise field_error("days", "请填写延长的工作日数（整数）")
        service.extend(session, actor, objection_id, int(days), note)

    return _act(request, session, actor, objection_id, run, "已延长答复期限")
