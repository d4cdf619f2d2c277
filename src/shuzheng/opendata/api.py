"""Open-data JSON routes: the CKAN Action API (ckan.py), developer API keys, and 可用不可见 aggregates."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from shuzheng.opendata import aggregate, ckan, service
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
