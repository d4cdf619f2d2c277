"""Pages for data officers: their department's resources, uploading a file for one, and a version's
summary with its rejected rows. Thin: every rule is in service.py."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from shuzheng.catalog import service as catalog
from shuzheng.catalog.spec import ResourceSpec
from shuzheng.errors import DomainError, PermissionDenied
from shuzheng.ingest import receive, service
from shuzheng.ingest.validate import CATEGORY_LABELS
from shuzheng.kit.uploads import StreamedFile
from shuzheng.quality import service as quality
from shuzheng.security.roles import Actor, Perm, Role, require
from shuzheng.web.deps import (
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    CsrfFailed,
    DbSession,
    PageActor,
    csrf_protect,
)
from shuzheng.web.navigation import NavItem
from shuzheng.web.pageutils import error_page, redirect, render_page

router = APIRouter(tags=["页面：数据汇聚"], include_in_schema=False)
# Every page but the upload sits behind csrf_protect, which reads the whole form before the route runs;
# the upload streams its body to disk and checks the token itself, before a byte of the file is stored.
_pages = APIRouter(dependencies=[Depends(csrf_protect)])

NAV = {
    Role.DATA_OFFICER: [NavItem("数据汇聚", "/ingest")],
    Role.PLATFORM_ADMIN: [NavItem("数据汇聚", "/ingest")],
}
REJECTS_PAGE = 50


def _my_specs(session: Session, actor: Actor) -> list[ResourceSpec]:
    require(actor, Perm.DATA_LOAD)
    specs = catalog.published_specs(session)
    if actor.can(Perm.CATALOG_REVIEW):
        return specs
    return [s for s in specs if actor.can(Perm.DATA_LOAD, department=s.provider_department_id)]


@_pages.get("/ingest", summary="数据汇聚")
def index(request: Request, session: DbSession, actor: PageActor) -> Response:
    try:
        specs = _my_specs(session, actor)
    except PermissionDenied as err:
        return error_page(request, err)
    latest = service.versions_by_codes(session, [s.code for s in specs])
    rows = []
    for spec in specs:
        version = latest.get(spec.code)
        report = quality.report_for(session, version.id) if version else None
        rows.append({"spec": spec, "version": version, "score": report.score if report else None})
    return render_page(request, "ingest_index.html", {"rows": rows})


def _resource_context(session: Session, actor: Actor, code: str) -> dict[str, Any]:
    spec = catalog.published_spec(session, code)
    service.require_view(actor, spec.provider_department_id)
    return {
        "spec": spec,
        "versions": service.list_versions(session, code),
        "can_load": service.can_load(actor, spec),
        "category_labels": CATEGORY_LABELS,
    }


@_pages.get("/ingest/{code}", summary="资源的数据版本与上传")
def resource(request: Request, session: DbSession, actor: PageActor, code: str) -> Response:
    try:
        context = _resource_context(session, actor, code)
    except DomainError as err:
        return error_page(request, err)
    return render_page(request, "ingest_resource.html", context)


def _check_csrf(request: Request, fields: dict[str, str]) -> None:
    expected = request.cookies.get(CSRF_COOKIE, "").encode()
    presented = (request.headers.get(CSRF_HEADER) or fields.get(CSRF_FIELD, "")).encode()
    if not expected or not hmac.compare_digest(expected, presented):
        raise CsrfFailed()


def _load(session: Session, actor: Actor, code: str, received: StreamedFile) -> service.LoadSummary:
    with session.begin_nested():
        return service.load(
            session,
            actor,
            code,
            received.path,
            incremental=received.fields.get("incremental") == "1",
            source_name=received.filename,
            source_sm3=received.digest,
        )


def _failed(request: Request, session: Session, actor: Actor, code: str, err: DomainError) -> Response:
    try:
        context = _resource_context(session, actor, code)
    except DomainError as outer:
        return error_page(request, outer)
    return render_page(request, "ingest_resource.html", {**context, "load_error": err}, status=err.status)


@router.post("/ingest/{code}/upload", summary="上传数据文件")
async def upload(request: Request, session: DbSession, actor: PageActor, code: str) -> Response:
    """The form's CSRF token comes before its file; the file is streamed to disk (receive.py) and loaded
    in a worker thread."""
    try:
        async with receive.staged_upload(
            request, session, actor, code, before_file=lambda fields: _check_csrf(request, fields)
        ) as received:
            _check_csrf(request, received.fields)
            summary = await run_in_threadpool(_load, session, actor, code, received)
    except CsrfFailed:
        raise
    except DomainError as err:
        return await run_in_threadpool(_failed, request, session, actor, code, err)
    if summary.unchanged or summary.version is None:
        return redirect(f"/ingest/{code}", flash=f"未生成新版本：{summary.unchanged_reason}", level="info")
    number = summary.version.number
    return redirect(
        f"/ingest/{code}/versions/{number}",
        flash=f"已生成第{number}版：读取{summary.rows_read}行，通过{summary.accepted}行，拒收{summary.rejected}行",
    )


@_pages.get("/ingest/{code}/versions/{number}", summary="数据版本详情与拒收记录")
def version(
    request: Request,
    session: DbSession,
    actor: PageActor,
    code: str,
    number: int,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    try:
        spec = catalog.published_spec(session, code)
        v = service.get_version(session, code, number)
        total, rejects = service.read_rejects(session, actor, code, number, limit=REJECTS_PAGE, offset=offset)
    except DomainError as err:
        return error_page(request, err)
    report = quality.report_for(session, v.id)
    context = {
        "spec": spec,
        "version": v,
        "report": report,
        "total": total,
        "rejects": rejects,
        "offset": offset,
        "page": REJECTS_PAGE,
        "labels": {f.name: f.label for f in spec.fields},
        "category_labels": CATEGORY_LABELS,
    }
    return render_page(request, "ingest_version.html", context)


router.include_router(_pages)
