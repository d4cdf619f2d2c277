"""Open-data JSON routes: the CKAN Action API (ckan.py), developer API keys, and 可用不可见 aggregates."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from shuzheng.opendata import aggregate, applications, ckan, service
from shuzheng.opendata.models import Application
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
    label: str


@router.post("/api/opendata/keys", status_code=201, summary="申请开发者密钥（只显示一次）")
def create_key(body: KeyRequest, session: DbSession, actor: ApiActor) -> dict[str, Any]:
    key, raw = service.create_api_key(session, actor, body.label)
    return {"id": key.id, "label": key.label, "key": raw}


class ApplicationRequest(BaseModel):
    resource: str = Field(description="目录编码")
    purpose: str = Field(description="用途")


class DecisionRequest(BaseModel):
    approve: bool
    reason: str = ""


def _application(a: Application) -> dict[str, Any]:
    return {
        "id": a.id,
        "resource": a.resource_code,
        "applicant": a.applicant_label,
        "purpose": a.purpose,
        "status": a.status,
        "status_label": applications.STATUS_LABELS[a.status],
        "reason": a.reason,
        "created_at": a.created_at.isoformat(),
        "decided_at": a.decided_at.isoformat() if a.decided_at else None,
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
    decided = applications.decide(session, actor, application_id, approve=body.approve, reason=body.reason)
    return _application(decided)
