"""Quality over JSON under /api/quality. Thin: every rule is in service.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shuzheng.quality import service
from shuzheng.quality.schemas import DepartmentQualityOut, ResourceQualityOut
from shuzheng.web.deps import ApiActor, DbSession

router = APIRouter(prefix="/api/quality", tags=["数据质量"])


@router.get(
    "/resources/{code}", response_model=ResourceQualityOut, summary="数据资源的质量评分、分项、原因和趋势"
)
def resource(code: str, actor: ApiActor, session: DbSession) -> ResourceQualityOut:
    return ResourceQualityOut.of(service.resource_quality(session, actor, code))


@router.get("/departments", response_model=list[DepartmentQualityOut], summary="各部门数据质量排名")
def departments(actor: ApiActor, session: DbSession) -> list[DepartmentQualityOut]:
    ranking, _ = service.overview(session, actor)
    return [DepartmentQualityOut.of(d) for d in ranking]


@router.get(
    "/problems",
    response_model=list[ResourceQualityOut],
    summary="问题数据：未汇聚、评分低、超期或有拒收记录的资源",
)
def problems(
    actor: ApiActor,
    session: DbSession,
    department_id: Annotated[int | None, Query(description="只看该部门（数据专员只能看本部门）")] = None,
) -> list[ResourceQualityOut]:
    _, qualities = service.overview(session, actor, department_id)
    return [ResourceQualityOut.of(q, detail=False) for q in service.problems(qualities)]
