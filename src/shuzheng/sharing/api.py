"""Sharing over JSON. Staff routes under /api/sharing (demands, agreements, credentials, trace) and the
data service for other departments' systems: OAuth2 client credentials at /api/sharing/oauth/token and
/api/sharing/v1/{resource_code}/lookup|query with a bearer token. Thin: every rule is in service.py; the
request session commits before the response leaves, so no row is served without its ledger entry."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Query, Request
from fastapi.responses import FileResponse
from sqlalchemy import select

from shuzheng.errors import DomainError, field_error
from shuzheng.kit import clock
from shuzheng.sharing import jobs, service
from shuzheng.sharing.models import SharingAgreement, SharingDemand, SharingExport
from shuzheng.sharing.schemas import ApproveInput, AssignInput, DemandInput, ReasonInput
from shuzheng.web.deps import ApiActor, DbSession, get_database

router = APIRouter(prefix="/api/sharing", tags=["数据共享"])

RESERVED_PARAMS = frozenset({"limit", "offset", "fields"})


def demand_out(d: SharingDemand) -> dict[str, Any]:
    return {
        "id": d.id,
        "resource_code": d.resource_code,
        "resource_name": d.resource_name,
        "wanted": d.wanted,
        "provider_department_id": d.provider_department_id,
        "consumer_department_id": d.consumer_department_id,
        "fields": d.fields,
        "unmasked_fields": d.unmasked_fields,
        "purpose": d.purpose,
        "legal_basis": d.legal_basis,
        "period_start": d.period_start.isoformat(),
        "period_end": d.period_end.isoformat(),
        "expected_volume": d.expected_volume,
        "status": d.status,
        "status_label": service.DEMAND_STATUS_LABELS[d.status],
        "due_date": d.due_date.isoformat() if d.due_date else None,
        "assigned_department_id": d.assigned_department_id,
        "filed_at": d.filed_at.isoformat(),
        "decided_at": d.decided_at.isoformat() if d.decided_at else None,
        "decision_reason": d.decision_reason,
    }


def agreement_out(a: SharingAgreement) -> dict[str, Any]:
    state = service.agreement_state(a, clock.today_in_china())
    return {
        "id": a.id,
        "demand_id": a.demand_id,
        "resource_code": a.resource_code,
        "resource_name": a.resource_name,
        "provider_department_id": a.provider_department_id,
        "consumer_department_id": a.consumer_department_id,
        "fields": a.fields,
        "unmasked_fields": a.unmasked_fields,
        "purpose": a.purpose,
        "valid_from": a.valid_from.isoformat(),
        "valid_until": a.valid_until.isoformat(),
        "daily_quota": a.daily_quota,
        "status": state,
        "status_label": service.AGREEMENT_STATUS_LABELS[state],
        "client_id": a.client_id,
    }


def _demand_with_agreement(session: DbSession, d: SharingDemand) -> dict[str, Any]:
    out = demand_out(d)
    agreement = session.scalar(select(SharingAgreement).where(SharingAgreement.demand_id == d.id))
    out["agreement"] = agreement_out(agreement) if agreement else None
    return out


@router.post("/demands", status_code=201, summary="提出共享需求")
def file_demand(body: DemandInput, session: DbSession, actor: ApiActor) -> dict[str, Any]:
    return _demand_with_agreement(session, service.file_demand(session, actor, body))


@router.get("/demands", summary="本部门提出的共享需求")
def my_demands(session: DbSession, actor: ApiActor) -> list[dict[str, Any]]:
    return [demand_out(d) for d in service.consumer_demands(session, actor)]


@router.get("/inbox", summary="待本部门审核的共享需求")
def inbox(session: DbSession, actor: ApiActor, pending_only: bool = True) -> list[dict[str, Any]]:
    return [demand_out(d) for d in service.provider_demands(session, actor, pending_only=pending_only)]


@router.get("/demand-list", summary="需求清单（暂无数源的需求）")
def demand_list(session: DbSession, actor: ApiActor) -> list[dict[str, Any]]:
    return [demand_out(d) for d in service.demand_list(session, actor)]


@router.post("/demands/{demand_id}/approve", summary="同意共享（可缩小范围）")
def approve(demand_id: int, body: ApproveInput, session: DbSession, actor: ApiActor) -> dict[str, Any]:
    return agreement_out(service.approve(session, actor, demand_id, body))


@router.post("/demands/{demand_id}/reject", summary="驳回共享需求")
def reject(demand_id: int, body: ReasonInput, session: DbSession, actor: ApiActor) -> dict[str, Any]:
    return demand_out(service.reject(session, actor, demand_id, body.reason))


@router.post("/demands/{demand_id}/assign", summary="指派部门编制数据（需求清单）")
def assign(demand_id: int, body: AssignInput, session: DbSession, actor: ApiActor) -> dict[str, Any]:
    return demand_out(service.assign(session, actor, demand_id, body.department_id))


@router.get("/agreements", summary="本部门的共享授权")
def agreements(session: DbSession, actor: ApiActor) -> list[dict[str, Any]]:
    return [agreement_out(a) for a in service.agreements_for(session, actor)]


@router.post("/agreements/{agreement_id}/revoke", summary="撤销共享授权")
def revoke(agreement_id: int, body: ReasonInput, session: DbSession, actor: ApiActor) -> dict[str, Any]:
    return agreement_out(service.revoke(session, actor, agreement_id, body.reason))


@router.post(
    "/agreements/{agreement_id}/credentials", status_code=201, summary="签发调用凭据（密钥只显示一次）"
)
def credentials(agreement_id: int, session: DbSession, actor: ApiActor) -> dict[str, Any]:
    c = service.issue_credentials(session, actor, agreement_id)
    return {"client_id": c.client_id, "client_secret": c.client_secret}


@router.get("/trace", summary="查询某人或某企业的数据被谁使用（运营方）")
def operator_trace(
    session: DbSession, actor: ApiActor, id_number: str = "", uscc: str = ""
) -> list[dict[str, Any]]:
    return [_access_out(v) for v in service.operator_trace(session, actor, id_number=id_number, uscc=uscc)]


@router.get("/my-trace", summary="我的数据被谁用了")
def my_trace(session: DbSession, actor: ApiActor) -> list[dict[str, Any]]:
    return [_access_out(v) for v in service.my_trace(session, actor)]


def _access_out(v: service.AccessView) -> dict[str, Any]:
    return {
        "time": v.time.isoformat(),
        "consumer": v.consumer,
        "resource_code": v.resource_code,
        "resource_name": v.resource_name,
        "purpose": v.purpose,
        "agreement_id": v.agreement_id,
        "ledger_seq": v.ledger_seq,
    }


# ---------------------------------------------------------------- data service for other systems


def _basic(request: Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(value.strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


@router.post("/oauth/token", summary="获取访问令牌（OAuth2 客户端凭据模式）")
def oauth_token(
    request: Request,
    session: DbSession,
    grant_type: Annotated[str, Form()] = "",
    client_id: Annotated[str, Form()] = "",
    client_secret: Annotated[str, Form()] = "",
) -> dict[str, Any]:
    if grant_type != "client_credentials":
        raise DomainError("仅支持 grant_type=client_credentials", code="unsupported_grant_type")
    basic = _basic(request)
    if basic:
        client_id, client_secret = basic
    raw, ttl = service.issue_token(session, client_id, client_secret)
    return {"access_token": raw, "token_type": "bearer", "expires_in": ttl}


def _bearer_agreement(request: Request, session: DbSession) -> SharingAgreement:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return service.agreement_for_token(session, value.strip() if scheme.lower() == "bearer" else None)


Agreement = Annotated[SharingAgreement, Depends(_bearer_agreement)]


def _field_list(fields: str | None) -> list[str] | None:
    return [f.strip() for f in fields.split(",") if f.strip()] if fields else None


@router.get("/v1/{resource_code}/lookup", summary="按主键查询一条记录")
def lookup(
    resource_code: str, session: DbSession, agreement: Agreement, key: str = "", fields: str | None = None
) -> dict[str, Any]:
    return service.lookup(session, agreement, resource_code, key, _field_list(fields))


@router.get("/v1/{resource_code}/query", summary="按条件分页查询（limit 上限 100）")
def query(
    resource_code: str,
    request: Request,
    session: DbSession,
    agreement: Agreement,
    limit: Annotated[int, Query()] = 20,
    offset: Annotated[int, Query()] = 0,
    fields: str | None = None,
) -> dict[str, Any]:
    return service.query(
        session,
        agreement,
        resource_code,
        _filters(request),
        limit=limit,
        offset=offset,
        fields=_field_list(fields),
    )


def _filters(request: Request) -> dict[str, str]:
    filters: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name in RESERVED_PARAMS:
            continue
        if name in filters:
            raise field_error(name, "同一信息项只能给一个查询条件")
        filters[name] = value
    return filters


def export_out(e: SharingExport) -> dict[str, Any]:
    return {
        "export_id": e.id,
        "status": e.status,
        "status_label": service.EXPORT_STATUS_LABELS[e.status],
        "fields": e.fields,
        "filters": e.filters,
        "requested_at": e.requested_at.isoformat(),
        "finished_at": e.finished_at.isoformat() if e.finished_at else None,
        "row_count": e.row_count,
        "file_sha256": e.file_digest,
        "error": e.error,
        "download": f"/api/sharing/v1/exports/{e.id}/file" if e.status == service.DONE else None,
        "expires_at": expires.isoformat() if (expires := service.export_expires_at(e)) else None,
    }


def export_runner(request: Request) -> Callable[[], object]:
    """What produces queued exports after the response (tests replace it: their transaction never commits)."""
    db = get_database(request)
    return lambda: jobs.run_queued(db)


@router.post("/v1/{resource_code}/exports", status_code=202, summary="批量导出（异步任务，生成 CSV 文件）")
def request_export(
    resource_code: str,
    request: Request,
    session: DbSession,
    agreement: Agreement,
    background: BackgroundTasks,
    runner: Annotated[Callable[[], object], Depends(export_runner)],
    fields: str | None = None,
) -> dict[str, Any]:
    export = service.request_export(session, agreement, resource_code, _filters(request), _field_list(fields))
    background.add_task(runner)  # runs after this request has committed
    return export_out(export)


@router.get("/v1/exports/{export_id}", summary="导出任务状态")
def export_status(export_id: int, session: DbSession, agreement: Agreement) -> dict[str, Any]:
    return export_out(service.get_export(session, agreement, export_id))


@router.get("/v1/exports/{export_id}/file", summary="下载导出文件")
def export_download(export_id: int, session: DbSession, agreement: Agreement) -> FileResponse:
    path = service.export_file(session, agreement, export_id)
    return FileResponse(path, media_type="text/csv; charset=utf-8", filename=f"export-{export_id}.csv")
