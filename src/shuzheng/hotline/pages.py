"""Hotline pages: the agent's intake (suggestions as you type), the dispatcher's queue, the department
workbench, a request's page with the actions its reader may take, the citizen's 我的诉求, the leader's
overview with charts, hotspots, the daily report, and the operator's lists. Thin: rules live in
service.py; every action runs in a savepoint so a refused one leaves nothing behind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session

from shuzheng.errors import DomainError, NotFound, PermissionDenied, field_error
from shuzheng.hotline import deadlines, routing, service, stats, taxonomy
from shuzheng.hotline.api import uploads
from shuzheng.hotline.models import (
    CHANNEL_LABELS,
    KIND_LABELS,
    LOCATION_LABELS,
    SATISFACTION_LABELS,
    STATUS_LABELS,
    Channel,
    HotlineRequest,
    Kind,
    LocationStatus,
    Satisfaction,
    Status,
)
from shuzheng.kit import clock
from shuzheng.org import service as org
from shuzheng.security.roles import Actor, Perm, Role, require
from shuzheng.web.deps import DbSession, PageActor, csrf_protect
from shuzheng.web.navigation import NavItem
from shuzheng.web.pageutils import attempt, error_page, field_errors, redirect, render_page

router = APIRouter(tags=["页面：12345"], dependencies=[Depends(csrf_protect)], include_in_schema=False)

NAV = {
    Role.HOTLINE_AGENT: [NavItem("受理诉求", "/hotline/intake"), NavItem("工单查询", "/hotline/requests")],
    Role.DISPATCHER: [
        NavItem("派单台", "/hotline/queue"),
        NavItem("受理诉求", "/hotline/intake"),
        NavItem("工单查询", "/hotline/requests"),
        NavItem("民意热点", "/hotline/hotspots"),
        NavItem("日清日结", "/hotline/report"),
    ],
    Role.DATA_OFFICER: [NavItem("12345工单", "/hotline/workbench")],
    Role.APPROVER: [NavItem("12345工单", "/hotline/workbench")],
    Role.LEADER: [NavItem("12345总览", "/hotline/overview"), NavItem("民意热点", "/hotline/hotspots")],
    Role.CITIZEN: [NavItem("我的诉求", "/hotline/my")],
    Role.ENTERPRISE: [NavItem("我的诉求", "/hotline/my")],
    Role.PLATFORM_ADMIN: [NavItem("12345配置", "/hotline/admin")],
}

STATIC_DIR = Path(__file__).resolve().parent / "static"
Text = Annotated[str, Form()]
INTAKE_LABELS = {
    "content": "诉求内容",
    "address": "问题地址",
    "contact_name": "来电人姓名",
    "contact_phone": "联系电话",
    "type_code": "诉求类型",
    "topic_code": "诉求领域",
    "kind": "办理类别",
    "channel": "受理渠道",
    "attachments": "附件",
}
ACTION_LABELS = {
    "intake": "受理",
    "dispatch": "派单",
    "accept": "签收",
    "transfer": "下派",
    "dispute": "申请退单",
    "arbitrate": "仲裁",
    "extension_request": "申请延期",
    "extension_decide": "延期审批",
    "supervise": "督办",
    "pause": "暂停计时",
    "resume": "恢复计时",
    "resolve": "办结",
    "callback": "回访",
    "reopen": "重办",
    "merge": "合并",
    "merged_in": "合并",
    "reclassify": "更正分类",
    "relocate": "更正地址",
    "faq_answer": "即问即答",
    "warn": "预警",
    "overdue": "超期",
    "progress": "进展",
}


def _common() -> dict[str, Any]:
    return {
        "type_options": [(c.code, c.label) for c in taxonomy.TYPES],
        "topic_options": [(c.code, c.label) for c in taxonomy.TOPICS],
        "kind_options": [(k.value, KIND_LABELS[k]) for k in Kind],
        "satisfaction_options": [(s.value, SATISFACTION_LABELS[s]) for s in Satisfaction],
        "type_label": taxonomy.type_label,
        "topic_label": taxonomy.topic_label,
        "status_label": service.status_label,
        "channel_label": service.channel_label,
        "kind_label": lambda k: KIND_LABELS.get(Kind(k), k) if k in Kind._value2member_map_ else k,
        "location_label": lambda s: LOCATION_LABELS.get(LocationStatus(s), s),
        "queue_reason_label": lambda r: service.QUEUE_REASONS.get(r or "", "待派单"),
        "action_label": lambda a: ACTION_LABELS.get(a, a),
        "number": service.request_number,
        "now": clock.now(),
    }


def _page(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> Response:
    return render_page(request, template, {**_common(), **(context or {})}, status=status)


def _departments(session: Session) -> list[tuple[int, str]]:
    return [(d.id, d.name) for d in org.list_departments(session) if d.active]


def _dept_names(session: Session) -> dict[int, str]:
    return {d.id: d.name for d in org.list_departments(session)}


SCRIPTS = frozenset({"hotline.js", "overview.js"})


@router.get("/hotline/static/{name}", summary="12345 页面脚本")
def script(name: str) -> Response:
    if name not in SCRIPTS:
        raise NotFound(f"文件不存在：{name}")
    return FileResponse(
        STATIC_DIR / name, media_type="text/javascript", headers={"Cache-Control": "public, max-age=3600"}
    )


# ---------------------------------------------------------------- intake (agent)


def _intake_page(
    request: Request, template: str, values: dict[str, str], err: DomainError | None = None
) -> Response:
    """An intake form (the agent's or the citizen's 我要反映): empty, or again with what was typed and
    why it was refused."""
    context = {
        "values": values,
        "errors": field_errors(err, fallback_field="content") if err else {},
        "labels": INTAKE_LABELS,
        "message": err.message if err else "",
        "channel_options": [(c.value, CHANNEL_LABELS[c]) for c in Channel if c is not Channel.OPEN311],
    }
    return _page(request, template, context, status=err.status if err else 200)


def _submit_form(
    session: Session, actor: Actor, channel: str, values: dict[str, str], files: list[UploadFile] | None
) -> tuple[service.Submitted | None, DomainError | None]:
    """File a request from an intake form's values (an empty field is one not given) in a savepoint:
    what was filed, or why it was refused, with nothing left behind."""

    def given(name: str) -> str | None:
        return values.get(name) or None

    data = service.Intake(
        channel=channel,
        content=values["content"],
        type_code=given("type_code"),
        topic_code=given("topic_code"),
        kind=given("kind"),
        contact_name=given("contact_name"),
        contact_phone=given("contact_phone"),
        address=given("address"),
        attachments=uploads(files),
    )
    result: list[service.Submitted] = []
    err = attempt(session, lambda: result.append(service.submit(session, actor, data)))
    return (result[0] if err is None else None), err


@router.get("/hotline/intake", summary="受理诉求")
def intake_form(request: Request, session: DbSession, actor: PageActor) -> Response:
    require(actor, Perm.HOTLINE_INTAKE)
    return _intake_page(request, "hotline_intake.html", {"channel": "phone", "kind": "normal"})


@router.post("/hotline/intake", summary="受理诉求（提交）")
def intake_submit(
    request: Request,
    session: DbSession,
    actor: PageActor,
    content: Text = "",
    address: Text = "",
    contact_name: Text = "",
    contact_phone: Text = "",
    channel: Text = "phone",
    type_code: Text = "",
    topic_code: Text = "",
    kind: Text = "normal",
    files: Annotated[list[UploadFile] | None, File(alias="attachments")] = None,
) -> Response:
    require(actor, Perm.HOTLINE_INTAKE)
    values = {
        "content": content,
        "address": address,
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "channel": channel,
        "type_code": type_code,
        "topic_code": topic_code,
        "kind": kind,
    }
    done, err = _submit_form(session, actor, channel, values, files)
    if done is None:
        return _intake_page(request, "hotline_intake.html", values, err)
    req = done.request
    if done.auto_dispatched:
        where = (
            f"已自动派至{org.get_department(session, req.department_id).name}" if req.department_id else ""
        )
    elif req.answer_source == "faq":
        where = "已由知识库直接答复"
    else:
        where = f"已进入派单队列（{service.QUEUE_REASONS.get(req.queue_reason or '', '待派单')}）"
    return redirect(
        f"/hotline/requests/{req.id}", flash=f"已受理，工单号 {service.request_number(req)}，{where}"
    )


# ---------------------------------------------------------------- a request's page


def _actions_for(session: Session, actor: Actor, req: HotlineRequest) -> dict[str, Any]:
    status = Status(req.status)
    dispatcher = actor.can(Perm.HOTLINE_DISPATCH)
    agent = actor.can(Perm.HOTLINE_INTAKE)
    unit = req.department_id is not None and actor.can(Perm.HOTLINE_HANDLE, department=req.department_id)
    children: list[tuple[int, str]] = []
    if unit and status in (Status.DISPATCHED, Status.HANDLING) and req.department_id is not None:
        below = org.subtree_ids(session, req.department_id) - {req.department_id}
        children = [(i, n) for i, n in _departments(session) if i in below]
    return {
        "dispatch": dispatcher and status in (Status.PENDING, Status.DISPATCHED, Status.HANDLING),
        "merge": dispatcher and status is Status.PENDING,
        "reclassify": dispatcher and status not in (Status.CLOSED,),
        "relocate": dispatcher and status is Status.PENDING,
        "supervise": dispatcher
        and status in (Status.DISPATCHED, Status.HANDLING, Status.DISPUTED, Status.WAITING),
        "accept": unit and status is Status.DISPATCHED,
        "dispute": unit and status in (Status.DISPATCHED, Status.HANDLING),
        "transfer": children,
        "extension": unit and status in (Status.HANDLING, Status.WAITING),
        "pause": unit and status is Status.HANDLING,
        "resume": (unit or agent) and status is Status.WAITING,
        "resolve": unit and status is Status.HANDLING,
        "callback": agent and status is Status.RESOLVED,
        "reveal": agent or unit,
        "any_unit": unit,
    }


def _request_context(session: Session, actor: Actor, req: HotlineRequest, **extra: Any) -> dict[str, Any]:
    route = service.route_for(session, req) if req.status == Status.PENDING else None
    duplicates = service.find_duplicates(session, req) if req.status == Status.PENDING else []
    return {
        "req": req,
        "contact": extra.pop("contact", None) or service.masked_contact(req),
        "revealed": extra.pop("revealed", False),
        "timeline": service.timeline(session, req, public_only=not actor.is_staff),
        "attachments": service.attachments_of(session, req),
        "disputes": service.pending_disputes(session, req),
        "extensions": service.pending_extensions(session, req),
        "callbacks": service.callbacks_of(session, req),
        "department": org.get_department(session, req.department_id) if req.department_id else None,
        "departments": _departments(session),
        "dept_names": _dept_names(session),
        "route": route,
        "duplicates": duplicates,
        "can": _actions_for(session, actor, req),
        "district": stats.district_name(session, req.district_code),
        "action_error": extra.pop("action_error", None),
        **extra,
    }


@router.get("/hotline/requests/{request_id}", summary="工单详情")
def request_page(request_id: int, request: Request, session: DbSession, actor: PageActor) -> Response:
    req = service.get_request(session, actor, request_id)
    if not actor.is_staff:
        return redirect(f"/hotline/my/{req.id}")
    return _page(request, "hotline_request.html", _request_context(session, actor, req))


@router.post("/hotline/requests/{request_id}/contact", summary="查看完整联系方式")
def reveal(request_id: int, request: Request, session: DbSession, actor: PageActor) -> Response:
    req = service.get_request(session, actor, request_id)
    contacts: list[service.Contact] = []
    err = attempt(session, lambda: contacts.append(service.reveal_contact(session, actor, request_id)))
    if err is not None:
        return _page(
            request,
            "hotline_request.html",
            _request_context(session, actor, req, action_error=err),
            status=err.status,
        )
    return _page(
        request,
        "hotline_request.html",
        _request_context(session, actor, req, contact=contacts[0], revealed=True),
    )


def _int(value: str, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise field_error(field, "请选择") from None


ACTION_DONE = {
    "dispatch": "已派单",
    "accept": "已签收",
    "transfer": "已下派",
    "dispute": "已提交退单申请，等待派单员仲裁；仲裁前请继续跟进",
    "extension": "已提交延期申请",
    "pause": "已暂停计时，等待群众补充",
    "resume": "已恢复计时",
    "resolve": "已办结，等待回访",
    "callback": "已记录回访",
    "supervise": "已督办",
    "reclassify": "已更正分类",
    "merge": "已合并到原工单",
    "relocate": "已更正地址",
}


@router.post("/hotline/requests/{request_id}/act/{action}", summary="办理操作")
def act(
    request_id: int,
    action: str,
    request: Request,
    session: DbSession,
    actor: PageActor,
    department_id: Text = "",
    kind: Text = "",
    note: Text = "",
    reason: Text = "",
    result: Text = "",
    amount: Text = "",
    solved: Text = "",
    satisfaction: Text = "",
    type_code: Text = "",
    topic_code: Text = "",
    original_id: Text = "",
    address: Text = "",
) -> Response:
    s = session
    calls: dict[str, Callable[[], Any]] = {
        "dispatch": lambda: service.dispatch(
            s, actor, request_id, _int(department_id, "department_id"), kind=kind or None, note=note
        ),
        "accept": lambda: service.accept(s, actor, request_id),
        "transfer": lambda: service.transfer(
            s, actor, request_id, _int(department_id, "department_id"), note
        ),
        "dispute": lambda: service.dispute(
            s, actor, request_id, reason, int(department_id) if department_id.isdigit() else None
        ),
        "extension": lambda: service.request_extension(s, actor, request_id, _int(amount, "amount"), reason),
        "pause": lambda: service.wait_for_citizen(s, actor, request_id, note),
        "resume": lambda: service.resume(s, actor, request_id, note),
        "resolve": lambda: service.resolve(s, actor, request_id, result),
        "callback": lambda: service.callback(
            s, actor, request_id, solved=solved == "yes", satisfaction=satisfaction, note=note
        ),
        "supervise": lambda: service.supervise(s, actor, request_id, note),
        "reclassify": lambda: service.reclassify(s, actor, request_id, type_code, topic_code),
        "merge": lambda: service.merge(s, actor, request_id, _int(original_id, "original_id"), note),
        "relocate": lambda: service.relocate(s, actor, request_id, address),
    }
    call = calls.get(action)
    if call is None:
        raise NotFound(f"未知的操作：{action}")
    if action == "callback" and solved not in ("yes", "no"):
        err: DomainError | None = field_error("solved", "请选择是否已解决")
    else:
        err = attempt(session, call)
    back = request.query_params.get("back") or f"/hotline/requests/{request_id}"
    if err is not None:
        req = service.get_request(session, actor, request_id)
        return _page(
            request,
            "hotline_request.html",
            _request_context(session, actor, req, action_error=err, failed_action=action),
            status=err.status,
        )
    if not back.startswith("/hotline/"):
        back = f"/hotline/requests/{request_id}"
    return redirect(back, flash=ACTION_DONE[action])


@router.post("/hotline/disputes/{dispute_id}/arbitrate", summary="仲裁退单")
def arbitrate(
    dispute_id: int,
    request: Request,
    session: DbSession,
    actor: PageActor,
    decision: Text = "",
    department_id: Text = "",
    note: Text = "",
) -> Response:
    require(actor, Perm.HOTLINE_DISPATCH)
    uphold = decision == "uphold"
    new_dept = int(department_id) if department_id.isdigit() else None
    err = attempt(
        session,
        lambda: service.arbitrate(
            session, actor, dispute_id, uphold=uphold, new_department_id=new_dept, note=note
        ),
    )
    if err is not None:
        return _queue_page(request, session, actor, action_error=err, status=err.status)
    return redirect("/hotline/queue", flash="已同意退单并改派" if uphold else "已驳回退单，原单位继续办理")


@router.post("/hotline/extensions/{extension_id}/decide", summary="审批延期")
def decide_extension(
    extension_id: int,
    request: Request,
    session: DbSession,
    actor: PageActor,
    decision: Text = "",
    note: Text = "",
) -> Response:
    require(actor, Perm.HOTLINE_DISPATCH)
    approve = decision == "approve"
    err = attempt(
        session, lambda: service.decide_extension(session, actor, extension_id, approve=approve, note=note)
    )
    if err is not None:
        return _queue_page(request, session, actor, action_error=err, status=err.status)
    return redirect("/hotline/queue", flash="已同意延期" if approve else "已驳回延期申请")


# ---------------------------------------------------------------- lists


def _queue_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    action_error: DomainError | None = None,
    status: int = 200,
) -> Response:
    q = service.dispatcher_queue(session, actor)
    routes = {r.id: service.route_for(session, r) for r in q.pending}
    request_ids = [d.request_id for d in q.disputes] + [e.request_id for e in q.extensions]
    titles = {rid: service.get_request(session, actor, rid) for rid in request_ids}
    return _page(
        request,
        "hotline_queue.html",
        {
            "q": q,
            "routes": routes,
            "departments": _departments(session),
            "dept_names": _dept_names(session),
            "requests_by_id": titles,
            "action_error": action_error,
            "notifications": service.notifications_for(session, actor, limit=8),
        },
        status=status,
    )


@router.get("/hotline/queue", summary="派单台")
def queue(request: Request, session: DbSession, actor: PageActor) -> Response:
    return _queue_page(request, session, actor)


@router.get("/hotline/workbench", summary="承办单位工作台")
def workbench(request: Request, session: DbSession, actor: PageActor) -> Response:
    rows = service.department_requests(session, actor)
    recent = service.department_requests(session, actor, statuses=(Status.RESOLVED,), limit=20)
    return _page(
        request,
        "hotline_workbench.html",
        {
            "rows": rows,
            "recent": recent,
            "dept_names": _dept_names(session),
            "notifications": service.notifications_for(session, actor, limit=10),
        },
    )


@router.get("/hotline/requests", summary="工单查询")
def search(
    request: Request,
    session: DbSession,
    actor: PageActor,
    status: Annotated[str, Query()] = "",
    topic_code: Annotated[str, Query()] = "",
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> Response:
    per_page = 50
    rows = service.search_requests(
        session,
        actor,
        status=status or None,
        topic_code=topic_code or None,
        limit=per_page + 1,
        offset=(page - 1) * per_page,
    )
    return _page(
        request,
        "hotline_list.html",
        {
            "rows": rows[:per_page],
            "more": len(rows) > per_page,
            "page": page,
            "status": status,
            "topic_code": topic_code,
            "dept_names": _dept_names(session),
            "status_options": [(s.value, STATUS_LABELS[s]) for s in Status],
        },
    )


# ---------------------------------------------------------------- citizens: 我的诉求


@router.get("/hotline/my", summary="我的诉求")
def my_requests(request: Request, session: DbSession, actor: PageActor) -> Response:
    rows = service.my_requests(session, actor)
    return _page(
        request,
        "hotline_my.html",
        {
            "rows": rows,
            "dept_names": _dept_names(session),
            "notifications": service.notifications_for(session, actor),
        },
    )


@router.get("/hotline/my/new", summary="我要反映")
def my_new(request: Request, session: DbSession, actor: PageActor) -> Response:
    require(actor, Perm.SELF_SERVICE)
    return _intake_page(request, "hotline_my_new.html", {})


@router.post("/hotline/my/new", summary="我要反映（提交）")
def my_new_submit(
    request: Request,
    session: DbSession,
    actor: PageActor,
    content: Text = "",
    address: Text = "",
    topic_code: Text = "",
    contact_phone: Text = "",
    files: Annotated[list[UploadFile] | None, File(alias="attachments")] = None,
) -> Response:
    require(actor, Perm.SELF_SERVICE)
    values = {
        "content": content,
        "address": address,
        "topic_code": topic_code,
        "contact_phone": contact_phone,
    }
    done, err = _submit_form(session, actor, "web", values, files)
    if done is None:
        return _intake_page(request, "hotline_my_new.html", values, err)
    req = done.request
    return redirect(f"/hotline/my/{req.id}", flash=f"已提交，工单号 {service.request_number(req)}")


@router.get("/hotline/my/{request_id}", summary="我的诉求详情")
def my_request(request_id: int, request: Request, session: DbSession, actor: PageActor) -> Response:
    req = service.get_request(session, actor, request_id)
    return _page(
        request,
        "hotline_my_request.html",
        {
            "req": req,
            "timeline": service.timeline(session, req, public_only=True),
            "department": org.get_department(session, req.department_id) if req.department_id else None,
        },
    )


@router.post("/hotline/my/{request_id}/rate", summary="评价")
def my_rate(
    request_id: int,
    request: Request,
    session: DbSession,
    actor: PageActor,
    solved: Text = "",
    satisfaction: Text = "",
    note: Text = "",
) -> Response:
    if solved not in ("yes", "no"):
        err: DomainError | None = field_error("solved", "请选择问题是否已解决")
    else:
        err = attempt(
            session,
            lambda: service.callback(
                session, actor, request_id, solved=solved == "yes", satisfaction=satisfaction, note=note
            ),
        )
    if err is not None:
        req = service.get_request(session, actor, request_id)
        return _page(
            request,
            "hotline_my_request.html",
            {
                "req": req,
                "timeline": service.timeline(session, req, public_only=True),
                "action_error": err,
                "department": org.get_department(session, req.department_id) if req.department_id else None,
            },
            status=err.status,
        )
    return redirect(f"/hotline/my/{request_id}", flash="感谢您的评价")


# ---------------------------------------------------------------- leaders: overview, hotspots, report


@router.get("/hotline/overview", summary="12345 总览")
def overview(request: Request, session: DbSession, actor: PageActor) -> Response:
    view = stats.overview(session, actor, days=30)
    names = _dept_names(session)
    chart = {
        "days": view.days,
        "volume": view.volume,
        "topics": [{"name": n, "value": v} for n, v in view.by_topic[:10]],
        "districts": [{"name": n, "value": v} for n, v in view.by_district],
        "rates": [
            {
                "name": r.department_name,
                "response": _pct(r.response_rate),
                "solve": _pct(r.solve_rate),
                "satisfaction": _pct(r.satisfaction_rate),
            }
            for r in view.rates
            if r.score is not None
        ][:12],
    }
    return _page(
        request,
        "hotline_overview.html",
        {
            "view": view,
            "chart": chart,
            "dept_names": names,
            "district": stats.district_name(session, view.district_code) if view.district_code else "全市",
            "district_name": lambda c: stats.district_name(session, c),
            "notifications": service.notifications_for(session, actor, limit=8),
        },
    )


def _pct(v: float | None) -> float | None:
    return round(100 * v, 1) if v is not None else None


@router.get("/hotline/hotspots", summary="民意热点")
def hotspots(request: Request, session: DbSession, actor: PageActor) -> Response:
    rows = service.list_hotspots(session, actor, days=60)
    return _page(
        request,
        "hotline_hotspots.html",
        {
            "rows": rows,
            "dept_names": _dept_names(session),
            "district_name": lambda c: stats.district_name(session, c),
        },
    )


@router.get("/hotline/hotspots/{hotspot_id}", summary="民意热点详情")
def hotspot(hotspot_id: int, request: Request, session: DbSession, actor: PageActor) -> Response:
    h, rows = service.get_hotspot(session, actor, hotspot_id)
    return _page(
        request,
        "hotline_hotspot.html",
        {
            "spot": h,
            "rows": rows,
            "dept_names": _dept_names(session),
            "district": stats.district_name(session, h.district_code),
            "can_open": actor.can(Perm.HOTLINE_INTAKE) or actor.is_staff,
        },
    )


@router.get("/hotline/report", summary="日清日结")
def report(
    request: Request, session: DbSession, actor: PageActor, day: Annotated[str, Query()] = ""
) -> Response:
    if not (actor.can(Perm.DASHBOARD_VIEW) or actor.can(Perm.HOTLINE_DISPATCH)):
        raise PermissionDenied("没有权限查看日报")
    try:
        when = dt.date.fromisoformat(day) if day else clock.today_in_china()
    except ValueError:
        return error_page(request, field_error("day", "日期格式应为 2026-03-01"))
    end = when
    start = end - dt.timedelta(days=29)
    return _page(
        request,
        "hotline_report.html",
        {
            "r": stats.daily_report(session, when),
            "day": when,
            "prev": when - dt.timedelta(days=1),
            "next": when + dt.timedelta(days=1),
            "rates": stats.department_rates(session, start, end),
            "start": start,
            "end": end,
        },
    )


# ---------------------------------------------------------------- the operator


def _admin_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    new_key: str | None = None,
    action_error: DomainError | None = None,
    status: int = 200,
) -> Response:
    require(actor, Perm.ORG_MANAGE)
    city = address_city(session)
    regions = ([(city, "全市")] if city else []) + _city_regions(session)
    settings_values = deadlines.all_settings(session)
    return _page(
        request,
        "hotline_admin.html",
        {
            "entries": routing.list_responsibilities(session),
            "dept_names": _dept_names(session),
            "region_names": dict(regions),
            "regions": regions,
            "departments": _departments(session),
            "settings": [(k, settings_values[k], spec) for k, spec in deadlines.SETTINGS.items()],
            "clients": service.list_api_clients(session, actor) if actor.can(Perm.KEYS_MANAGE) else [],
            "new_key": new_key,
            "action_error": action_error,
        },
        status=status,
    )


def address_city(session: Session) -> str | None:
    from shuzheng.hotline import address

    return address.city_code(session)


def _city_regions(session: Session) -> list[tuple[str, str]]:
    from shuzheng.hotline import address

    cmap = address.city_map(session)
    found = [(code, name) for name, code in cmap.districts.items()]
    found += [
        (code, f"{next((n for n, c in cmap.districts.items() if c == d), '')}{name}")
        for name, (code, d) in cmap.townships.items()
    ]
    return sorted(found)


@router.get("/hotline/admin", summary="12345 配置")
def admin(request: Request, session: DbSession, actor: PageActor) -> Response:
    return _admin_page(request, session, actor)


@router.post("/hotline/admin/responsibilities", summary="保存权责清单条目")
def admin_set_responsibility(
    request: Request,
    session: DbSession,
    actor: PageActor,
    topic_code: Text = "",
    region_code: Text = "",
    department_id: Text = "",
    note: Text = "",
) -> Response:
    err = attempt(
        session,
        lambda: service.set_responsibility(
            session,
            actor,
            topic_code=topic_code,
            region_code=region_code,
            department_id=_int(department_id, "department_id"),
            note=note,
        ),
    )
    if err is not None:
        return _admin_page(request, session, actor, action_error=err, status=err.status)
    return redirect("/hotline/admin", flash="已保存权责清单条目")


@router.post("/hotline/admin/responsibilities/{entry_id}/delete", summary="删除权责清单条目")
def admin_delete_responsibility(
    entry_id: int, request: Request, session: DbSession, actor: PageActor
) -> Response:
    err = attempt(session, lambda: service.delete_responsibility(session, actor, entry_id))
    if err is not None:
        return _admin_page(request, session, actor, action_error=err, status=err.status)
    return redirect("/hotline/admin", flash="已删除")


@router.post("/hotline/admin/settings", summary="保存参数")
def admin_settings(
    request: Request, session: DbSession, actor: PageActor, key: Text = "", value: Text = ""
) -> Response:
    def save() -> None:
        try:
            number = int(value)
        except ValueError:
            raise field_error(key or "value", "应为整数") from None
        service.put_setting(session, actor, key, number)

    err = attempt(session, save)
    if err is not None:
        return _admin_page(request, session, actor, action_error=err, status=err.status)
    return redirect("/hotline/admin#settings", flash="已保存参数")


@router.post("/hotline/admin/apikeys", summary="发放接入密钥")
def admin_create_key(request: Request, session: DbSession, actor: PageActor, name: Text = "") -> Response:
    created: list[str] = []
    err = attempt(session, lambda: created.append(service.create_api_client(session, actor, name)[1]))
    if err is not None:
        return _admin_page(request, session, actor, action_error=err, status=err.status)
    # Shown once, in this response only.
    return _admin_page(request, session, actor, new_key=created[0])


@router.post("/hotline/admin/apikeys/{name}/revoke", summary="停用接入密钥")
def admin_revoke_key(name: str, request: Request, session: DbSession, actor: PageActor) -> Response:
    err = attempt(session, lambda: service.revoke_api_client(session, actor, name))
    if err is not None:
        return _admin_page(request, session, actor, action_error=err, status=err.status)
    return redirect("/hotline/admin#apikeys", flash=f"已停用：{name}")
