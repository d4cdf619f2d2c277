"""The hotline over JSON (`/api/hotline/...`) and, included here because only `api.py` and `pages.py`
are discovered, the Open311 GeoReport v2 endpoints (`/open311/v2/...`, see open311.py). Thin: every rule
is in service.py."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response

from shuzheng.errors import field_error
from shuzheng.hotline import attachments, deadlines, jobs, open311, routing, service, stats, taxonomy
from shuzheng.hotline.models import Status
from shuzheng.hotline.schemas import (
    ApiClientIn,
    ArbitrateIn,
    CallbackIn,
    DecisionIn,
    DispatchIn,
    DisputeIn,
    DisputeOut,
    ExtensionIn,
    ExtensionOut,
    GridIn,
    HotspotOut,
    IntakeIn,
    MergeIn,
    NoteIn,
    NotificationOut,
    RatesOut,
    ReclassifyIn,
    RelocateIn,
    RequestDetailOut,
    RequestOut,
    ResolveIn,
    ResponsibilityIn,
    SettingIn,
    SubmittedOut,
    SuggestIn,
    SuggestionOut,
    TransferIn,
)
from shuzheng.kit import clock
from shuzheng.security.roles import Perm, require
from shuzheng.web.deps import ApiActor, DbSession

api = APIRouter(prefix="/api/hotline", tags=["12345 接诉即办"])


@api.get("/taxonomy", summary="诉求类型与领域")
def get_taxonomy() -> dict[str, list[dict[str, str]]]:
    return {
        "types": [{"code": c.code, "label": c.label} for c in taxonomy.TYPES],
        "topics": [{"code": c.code, "label": c.label} for c in taxonomy.TOPICS],
    }


# ---------------------------------------------------------------- intake


@api.post("/requests", status_code=201, response_model=SubmittedOut, summary="提交诉求（JSON）")
def submit(body: IntakeIn, actor: ApiActor, session: DbSession) -> SubmittedOut:
    result = service.submit(session, actor, service.Intake(**body.model_dump()))
    return SubmittedOut.of(session, result)


@api.post(
    "/requests/form", status_code=201, response_model=SubmittedOut, summary="提交诉求（表单，可带附件）"
)
def submit_form(
    actor: ApiActor,
    session: DbSession,
    content: Annotated[str, Form()] = "",
    channel: Annotated[str, Form()] = "web",
    type_code: Annotated[str | None, Form()] = None,
    topic_code: Annotated[str | None, Form()] = None,
    kind: Annotated[str | None, Form()] = None,
    contact_name: Annotated[str | None, Form()] = None,
    contact_phone: Annotated[str | None, Form()] = None,
    address: Annotated[str | None, Form()] = None,
    files: Annotated[list[UploadFile] | None, File(alias="attachments")] = None,
) -> SubmittedOut:
    data = service.Intake(
        channel=channel,
        content=content,
        type_code=type_code or None,
        topic_code=topic_code or None,
        kind=kind or None,
        contact_name=contact_name,
        contact_phone=contact_phone,
        address=address,
        attachments=uploads(files),
    )
    return SubmittedOut.of(session, service.submit(session, actor, data))


def uploads(files: list[UploadFile] | None) -> list[attachments.Upload]:
    """Read uploaded files, refusing one over the limit before reading all of it."""
    found = []
    for f in files or []:
        if not f.filename and not f.size:
            continue
        data = f.file.read(attachments.MAX_BYTES + 1)
        found.append(attachments.Upload(f.filename or "", data))
    return found


@api.post("/suggest", response_model=SuggestionOut, summary="边输入边建议：分类、定位、承办单位、知识库答案")
def suggest(body: SuggestIn, actor: ApiActor, session: DbSession) -> SuggestionOut:
    return SuggestionOut.of(service.suggest(session, actor, body.content, body.address, body.topic_code))


# ---------------------------------------------------------------- reading


@api.get("/requests", response_model=list[RequestOut], summary="查询工单")
def search(
    actor: ApiActor,
    session: DbSession,
    status: str | None = None,
    topic_code: str | None = None,
    district_code: str | None = None,
    department_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[RequestOut]:
    found = service.search_requests(
        session,
        actor,
        status=status,
        topic_code=topic_code,
        district_code=district_code,
        department_id=department_id,
        limit=limit,
        offset=offset,
    )
    return [RequestOut.of(session, r) for r in found]


@api.get("/requests/{request_id}", response_model=RequestDetailOut, summary="工单详情与办理过程")
def detail(request_id: int, actor: ApiActor, session: DbSession) -> RequestDetailOut:
    req = service.get_request(session, actor, request_id)
    return RequestDetailOut.detail(session, req, public_only=not actor.is_staff)


@api.post("/requests/{request_id}/contact", summary="查看诉求人完整联系方式（记入存证账本）")
def reveal_contact(request_id: int, actor: ApiActor, session: DbSession) -> dict[str, str]:
    contact = service.reveal_contact(session, actor, request_id)
    return {"name": contact.name, "phone": contact.phone, "email": contact.email}


@api.get("/attachments/{attachment_id}", summary="下载附件")
def attachment(attachment_id: int, actor: ApiActor, session: DbSession) -> Response:
    item, data = service.attachment_bytes(session, actor, attachment_id)
    return Response(
        data,
        media_type=item.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{_quote(item.filename)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@api.get("/my/requests", response_model=list[RequestOut], summary="我的诉求（群众）")
def my_requests(actor: ApiActor, session: DbSession) -> list[RequestOut]:
    return [RequestOut.of(session, r) for r in service.my_requests(session, actor)]


@api.get("/queue", summary="派单员待办：待派单、退单仲裁、延期审批、待回访、超期")
def queue(actor: ApiActor, session: DbSession) -> dict[str, list[object]]:
    q = service.dispatcher_queue(session, actor)
    return {
        "pending": [RequestOut.of(session, r) for r in q.pending],
        "disputes": [DisputeOut.of(session, d) for d in q.disputes],
        "extensions": [ExtensionOut.of(e) for e in q.extensions],
        "callbacks": [RequestOut.of(session, r) for r in q.callbacks],
        "overdue": [RequestOut.of(session, r) for r in q.overdue],
    }


@api.get("/workbench", response_model=list[RequestOut], summary="承办单位待办")
def workbench(actor: ApiActor, session: DbSession) -> list[RequestOut]:
    return [RequestOut.of(session, r) for r in service.department_requests(session, actor)]


@api.get("/notifications", response_model=list[NotificationOut], summary="我的消息")
def notifications(actor: ApiActor, session: DbSession) -> list[NotificationOut]:
    return [NotificationOut.of(n) for n in service.notifications_for(session, actor)]


# ---------------------------------------------------------------- the closed loop


def _out(session: DbSession, req: object) -> RequestOut:
    return RequestOut.of(session, req)  # type: ignore[arg-type]


@api.post("/requests/{request_id}/dispatch", response_model=RequestOut, summary="派单")
def dispatch(request_id: int, body: DispatchIn, actor: ApiActor, session: DbSession) -> RequestOut:
    return _out(
        session,
        service.dispatch(session, actor, request_id, body.department_id, kind=body.kind, note=body.note),
    )


@api.post("/requests/{request_id}/accept", response_model=RequestOut, summary="签收")
def accept(request_id: int, actor: ApiActor, session: DbSession) -> RequestOut:
    return _out(session, service.accept(session, actor, request_id))


@api.post("/requests/{request_id}/transfer", response_model=RequestOut, summary="下派至下级单位")
def transfer(request_id: int, body: TransferIn, actor: ApiActor, session: DbSession) -> RequestOut:
    return _out(session, service.transfer(session, actor, request_id, body.department_id, body.note))


@api.post("/requests/{request_id}/dispute", response_model=DisputeOut, status_code=201, summary="申请退单")
def dispute(request_id: int, body: DisputeIn, actor: ApiActor, session: DbSession) -> DisputeOut:
    item = service.dispute(session, actor, request_id, body.reason, body.suggested_department_id)
    return DisputeOut.of(session, item)


@api.post("/disputes/{dispute_id}/arbitrate", response_model=DisputeOut, summary="仲裁退单")
def arbitrate(dispute_id: int, body: ArbitrateIn, actor: ApiActor, session: DbSession) -> DisputeOut:
    item = service.arbitrate(
        session,
        actor,
        dispute_id,
        uphold=body.uphold,
        new_department_id=body.new_department_id,
        note=body.note,
    )
    return DisputeOut.of(session, item)


@api.post(
    "/requests/{request_id}/extensions", response_model=ExtensionOut, status_code=201, summary="申请延期"
)
def request_extension(
    request_id: int, body: ExtensionIn, actor: ApiActor, session: DbSession
) -> ExtensionOut:
    return ExtensionOut.of(service.request_extension(session, actor, request_id, body.amount, body.reason))


@api.post("/extensions/{extension_id}/decide", response_model=ExtensionOut, summary="审批延期")
def decide_extension(
    extension_id: int, body: DecisionIn, actor: ApiActor, session: DbSession
) -> ExtensionOut:
    return ExtensionOut.of(
        service.decide_extension(session, actor, extension_id, approve=body.approve, note=body.note)
    )


@api.post("/requests/{request_id}/pause", response_model=RequestOut, summary="等待群众补充（暂停计时）")
def pause(request_id: int, body: NoteIn, actor: ApiActor, session: DbSession) -> RequestOut:
    return _out(session, service.wait_for_citizen(session, actor, request_id, body.note or ""))


@api.post("/requests/{request_id}/resume", response_model=RequestOut, summary="恢复计时")
def resume(request_id: int, body: NoteIn, actor: ApiActor, session: DbSession) -> RequestOut:
    return _out(session, service.resume(session, actor, request_id, body.note))


@api.post("/requests/{request_id}/resolve", response_model=RequestOut, summary="答复并办结")
def resolve(request_id: int, body: ResolveIn, actor: ApiActor, session: DbSession) -> RequestOut:
    return _out(session, service.resolve(session, actor, request_id, body.result))


@api.post(
    "/requests/{request_id}/callback", response_model=RequestOut, summary="回访（不满意或未解决将重办）"
)
def callback(request_id: int, body: CallbackIn, actor: ApiActor, session: DbSession) -> RequestOut:
    service.callback(
        session, actor, request_id, solved=body.solved, satisfaction=body.satisfaction, note=body.note
    )
    return _out(session, service.get_request(session, actor, request_id))


@api.post("/requests/{request_id}/supervise", response_model=RequestOut, summary="督办")
def supervise(request_id: int, body: NoteIn, actor: ApiActor, session: DbSession) -> RequestOut:
    return _out(session, service.supervise(session, actor, request_id, body.note))


@api.post(
    "/requests/{request_id}/reclassify", response_model=RequestOut, summary="更正分类（用于模型再训练）"
)
def reclassify(request_id: int, body: ReclassifyIn, actor: ApiActor, session: DbSession) -> RequestOut:
    return _out(session, service.reclassify(session, actor, request_id, body.type_code, body.topic_code))


@api.post("/requests/{request_id}/merge", response_model=RequestOut, summary="合并到原工单")
def merge(request_id: int, body: MergeIn, actor: ApiActor, session: DbSession) -> RequestOut:
    return _out(session, service.merge(session, actor, request_id, body.original_id, body.note))


@api.post("/requests/{request_id}/relocate", response_model=RequestOut, summary="更正地址")
def relocate(request_id: int, body: RelocateIn, actor: ApiActor, session: DbSession) -> RequestOut:
    return _out(session, service.relocate(session, actor, request_id, body.address))


# ---------------------------------------------------------------- the operator's lists


@api.get("/responsibilities", summary="权责清单")
def responsibilities(
    actor: ApiActor, session: DbSession, topic_code: str | None = None
) -> list[dict[str, object]]:
    require(actor, Perm.HOTLINE_INTAKE)
    return [
        {
            "id": e.id,
            "topic_code": e.topic_code,
            "topic_label": taxonomy.topic_label(e.topic_code),
            "region_code": e.region_code,
            "department_id": e.department_id,
            "note": e.note,
        }
        for e in routing.list_responsibilities(session, topic_code)
    ]


@api.put("/responsibilities", summary="新增或修改权责清单条目（平台运营方）")
def set_responsibility(body: ResponsibilityIn, actor: ApiActor, session: DbSession) -> dict[str, object]:
    e = service.set_responsibility(session, actor, **body.model_dump())
    return {
        "id": e.id,
        "topic_code": e.topic_code,
        "region_code": e.region_code,
        "department_id": e.department_id,
        "note": e.note,
    }


@api.delete("/responsibilities/{entry_id}", status_code=204, summary="删除权责清单条目")
def delete_responsibility(entry_id: int, actor: ApiActor, session: DbSession) -> Response:
    service.delete_responsibility(session, actor, entry_id)
    return Response(status_code=204)


@api.put("/grids/{code}", summary="新增或修改网格（平台运营方）")
def set_grid(code: str, body: GridIn, actor: ApiActor, session: DbSession) -> dict[str, object]:
    g = service.set_grid(session, actor, code=code, **body.model_dump())
    return {
        "code": g.code,
        "name": g.name,
        "district_code": g.district_code,
        "township_code": g.township_code,
        "department_id": g.department_id,
    }


@api.get("/settings", summary="时限等参数")
def settings(actor: ApiActor, session: DbSession) -> list[dict[str, object]]:
    require(actor, Perm.HOTLINE_INTAKE)
    values = deadlines.all_settings(session)
    return [
        {"key": k, "value": values[k], "label": spec[1], "min": spec[2], "max": spec[3]}
        for k, spec in deadlines.SETTINGS.items()
    ]


@api.put("/settings/{key}", summary="修改参数（平台运营方）")
def put_setting(key: str, body: SettingIn, actor: ApiActor, session: DbSession) -> dict[str, object]:
    row = service.put_setting(session, actor, key, body.value)
    return {"key": row.key, "value": row.value}


@api.get("/apikeys", summary="Open311 接入系统")
def api_clients(actor: ApiActor, session: DbSession) -> list[dict[str, object]]:
    return [
        {
            "id": c.id,
            "name": c.name,
            "key_hint": c.key_hint,
            "created_at": c.created_at,
            "revoked_at": c.revoked_at,
            "last_used_at": c.last_used_at,
        }
        for c in service.list_api_clients(session, actor)
    ]


@api.post("/apikeys", status_code=201, summary="发放 Open311 接入密钥（只显示一次）")
def create_api_client(body: ApiClientIn, actor: ApiActor, session: DbSession) -> dict[str, object]:
    client, raw = service.create_api_client(session, actor, body.name)
    return {"id": client.id, "name": client.name, "api_key": raw}


@api.delete("/apikeys/{name}", summary="停用接入密钥")
def revoke_api_client(name: str, actor: ApiActor, session: DbSession) -> dict[str, object]:
    client = service.revoke_api_client(session, actor, name)
    return {"name": client.name, "revoked_at": client.revoked_at}


# ---------------------------------------------------------------- numbers


def _date(value: str | None, field: str, default: dt.date) -> dt.date:
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise field_error(field, "应为日期，如 2026-03-01") from None


@api.get("/rates", response_model=list[RatesOut], summary="各单位响应率、解决率、满意率及排名")
def rates(
    actor: ApiActor, session: DbSession, start: str | None = None, end: str | None = None
) -> list[RatesOut]:
    if not (actor.can(Perm.DASHBOARD_VIEW) or actor.can(Perm.HOTLINE_DISPATCH)):
        require(actor, Perm.DASHBOARD_VIEW)
    today = clock.today_in_china()
    lo = _date(start, "start", today - dt.timedelta(days=29))
    hi = _date(end, "end", today)
    if hi < lo:
        raise field_error("end", "结束日期不能早于开始日期")
    return [RatesOut.of(r) for r in stats.department_rates(session, lo, hi)]


@api.get("/report", summary="日清日结日报")
def report(actor: ApiActor, session: DbSession, day: str | None = None) -> dict[str, object]:
    if not (actor.can(Perm.DASHBOARD_VIEW) or actor.can(Perm.HOTLINE_DISPATCH)):
        require(actor, Perm.DASHBOARD_VIEW)
    r = stats.daily_report(session, _date(day, "day", clock.today_in_china()))
    return {**r.__dict__, "clearance_rate": r.clearance_rate}


@api.get("/hotspots", response_model=list[HotspotOut], summary="民意热点")
def hotspots(
    actor: ApiActor, session: DbSession, days: Annotated[int, Query(ge=1, le=366)] = 30
) -> list[HotspotOut]:
    return [HotspotOut.of(h) for h in service.list_hotspots(session, actor, days=days)]


@api.get("/hotspots/{hotspot_id}", summary="民意热点及其诉求")
def hotspot(hotspot_id: int, actor: ApiActor, session: DbSession) -> dict[str, object]:
    h, requests = service.get_hotspot(session, actor, hotspot_id)
    return {"hotspot": HotspotOut.of(h), "requests": [RequestOut.of(session, r) for r in requests]}


@api.post("/jobs/tick", summary="运行时限监控（预警、超期督办）")
def run_tick(actor: ApiActor, session: DbSession) -> dict[str, list[int]]:
    require(actor, Perm.HOTLINE_DISPATCH)
    return jobs.tick(session).__dict__


STATUSES = [s.value for s in Status]

router = APIRouter()
router.include_router(api)
router.include_router(open311.router)
