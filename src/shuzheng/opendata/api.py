"""Open-data JSON routes: the CKAN Action API (ckan.py), developer API keys (create, list, revoke), and
可用不可见 aggregates with the applications that open them."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from shuzheng.opendata import aggregate, applications, ckan, service
from shuzheng.opendata.models import ApiKey, Application
from shuzheng.web.deps import ApiActor, DbSession

router = APIRouter(tags=["开放数据"])
router.include_router(ckan.router)


class AggregateRequest(BaseModel):
    resource: str = Field(description="目录编码")
    group_by: list[str] = Field(description="分组信息项（1–3 个，不含标识和个人信息）")
    sum: list[str] = Field(default_factory=list, description="求和的数值信息项")
    purpose: str = Field(description="查询用途（记入存证台账）")


@router.post("/api/opendata/aggregate", summary="可用不可见：分组计数与求和（小于 k 的分组不返回）")
def aggregate_query(body: AggregateRequest, session: DbSession, actor: ApiActor) -> dict[str, Any]:
    result = aggregate.run(session, actor, body.resource, body.group_by, body.sum, body.purpose)
    return asdict(result)


class KeyRequest(BaseModel):
    label: str = Field(description="用途说明（1–64 字）")


def _key(k: ApiKey) -> dict[str, Any]:
    status = service.key_status(k)
    return {
        "id": k.id,
        "label": k.label,
        "prefix": k.prefix,
        "account_id": k.account_id,
        "status": status,
        "status_label": service.KEY_STATUS_LABELS[status],
        "calls": k.calls,
        "created_at": k.created_at.isoformat(),
        "last_used_at": k.last_used_at.isoformat() if k.last_used_at else None,
        "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
    }


@router.post("/api/opendata/keys", status_code=201, summary="申请开发者密钥（只显示一次）")
def create_key(body: KeyRequest, session: DbSession, actor: ApiActor) -> dict[str, Any]:
    key, raw = service.create_api_key(session, actor, body.label)
    return {**_key(key), "key": raw}


@router.get("/api/opendata/keys", summary="我的开发者密钥（不含密钥本身）；平台管理员可看全部")
def list_keys(
    session: DbSession,
    actor: ApiActor,
    everyone: bool = Query(False, alias="all", description="全部账号的密钥（需“管理密钥”权限）"),
) -> dict[str, Any]:
    return {"keys": [_key(k) for k in service.api_keys(session, actor, everyone=everyone)]}


@router.delete("/api/opendata/keys/{key_id}", summary="停用开发者密钥（本人或平台管理员）")
def revoke_key(key_id: int, session: DbSession, actor: ApiActor) -> dict[str, Any]:
    return _key(service.revoke_api_key(session, actor, key_id))


@router.post(
    "/api/opendata/keys/{key_id}/revoke", summary="停用开发者密钥（同 DELETE，供不能发 DELETE 的客户端）"
)
def revoke_key_post(key_id: int, session: DbSession, actor: ApiActor) -> dict[str, Any]:
    return _key(service.revoke_api_key(session, actor, key_id))


class ApplicationRequest(BaseModel):
    resource: str = Field(description="目录编码")
    purpose: str = Field(description="用途")


class DecisionRequest(BaseModel):
    approve: bool
    reason: str = ""
    valid_until: dt.date | None = Field(
        None, description="批准的有效期截止日（含当日）；默认且最长为批准之日起 365 天"
    )


def _application(a: Application) -> dict[str, Any]:
    state = applications.state(a)
    return {
        "id": a.id,
        "resource": a.resource_code,
        "applicant": a.applicant_label,
        "purpose": a.purpose,
        "status": state,
        "status_label": applications.STATUS_LABELS[state],
        "reason": a.reason,
        "created_at": a.created_at.isoformat(),
        "decided_at": a.decided_at.isoformat() if a.decided_at else None,
        "valid_until": a.valid_until.isoformat() if a.valid_until else None,
    }


@router.post("/api/opendata/applications", status_code=201, summary="申请使用有条件开放数据")
def apply(body: ApplicationRequest, session: DbSession, actor: ApiActor) -> dict[str, Any]:
    return _application(applications.apply(session, actor, body.resource, body.purpose))


@router.get("/api/opendata/applications", summary="我的申请；提供部门看到待审核的申请")
def list_applications(session: DbSession, actor: ApiActor) -> dict[str, Any]:
    mine = applications.for_applicant(session, actor)
    to_decide = applications.for_provider(session, actor) if actor.is_staff else []
    return {"mine": [_application(a) for a in mine], "to_decide": [_application(a) for a in to_decide]}


@router.post("/api/opendata/applications/{application_id}/decision", summary="提供部门批准或驳回申请")
def decide(application_id: int, body: DecisionRequest, session: DbSession, actor: ApiActor) -> dict[str, Any]:
    decided = applications.decide(
        session, actor, application_id, approve=body.approve, reason=body.reason, valid_until=body.valid_until
    )
    return _application(decided)
