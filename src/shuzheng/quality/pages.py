"""Quality pages: the platform's ranking of departments with the problem data, a data officer's own
department, and one resource's breakdown and trend. Thin: every rule is in service.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from shuzheng.catalog.models import UPDATE_CYCLE_LABELS
from shuzheng.errors import DomainError, PermissionDenied
from shuzheng.ingest.validate import CATEGORY_LABELS
from shuzheng.quality import scoring, service
from shuzheng.security.roles import Perm, Role
from shuzheng.web.deps import DbSession, PageActor, csrf_protect
from shuzheng.web.navigation import NavItem
from shuzheng.web.pageutils import error_page, render_page

router = APIRouter(tags=["页面：数据质量"], dependencies=[Depends(csrf_protect)], include_in_schema=False)

NAV = {
    Role.PLATFORM_ADMIN: [NavItem("数据质量", "/quality")],
    Role.LEADER: [NavItem("数据质量", "/quality")],
    Role.DATA_OFFICER: [NavItem("我的数据质量", "/quality/mine")],
}


def _common() -> dict[str, Any]:
    return {
        "dimension_labels": scoring.LABELS,
        "weights": scoring.WEIGHTS,
        "category_labels": CATEGORY_LABELS,
        "cycle_labels": UPDATE_CYCLE_LABELS,
    }


@router.get("/quality", summary="全市数据质量")
def overview(request: Request, session: DbSession, actor: PageActor) -> Response:
    try:
        ranking, qualities = service.overview(session, actor)
    except DomainError as err:
        return error_page(request, err)
    chart = {
        "departments": [d.department_name for d in ranking if d.score is not None],
        "scores": [d.score for d in ranking if d.score is not None],
    }
    context = {
        **_common(),
        "ranking": ranking,
        "problems": service.problems(qualities),
        "chart": chart,
        "mine": False,
    }
    return render_page(request, "quality_overview.html", context)


@router.get("/quality/mine", summary="我的数据质量")
def mine(request: Request, session: DbSession, actor: PageActor) -> Response:
    if actor.department_id is None or not actor.can(Perm.DATA_LOAD, department=actor.department_id):
        return error_page(request, PermissionDenied("没有权限：查看本部门数据质量（需要数据专员角色）"))
    try:
        ranking, qualities = service.overview(session, actor, actor.department_id)
    except DomainError as err:
        return error_page(request, err)
    chart = {
        "departments": [q.name for q in qualities if q.score is not None],
        "scores": [q.score for q in qualities if q.score is not None],
    }
    context = {
        **_common(),
        "ranking": ranking,
        "qualities": qualities,
        "problems": service.problems(qualities),
        "chart": chart,
        "mine": True,
    }
    return render_page(request, "quality_overview.html", context)


@router.get("/quality/resources/{code}", summary="数据资源的质量")
def resource(request: Request, session: DbSession, actor: PageActor, code: str) -> Response:
    try:
        q = service.resource_quality(session, actor, code)
    except DomainError as err:
        return error_page(request, err)
    chart = {
        "versions": [f"第{t.version}版" for t in q.trend],
        "scores": [t.score for t in q.trend],
        "dimensions": [scoring.LABELS[k] for k in scoring.WEIGHTS],
        "values": [round(q.dimensions.get(k, 0) * 100, 1) for k in scoring.WEIGHTS],
    }
    return render_page(request, "quality_resource.html", {**_common(), "q": q, "chart": chart})
