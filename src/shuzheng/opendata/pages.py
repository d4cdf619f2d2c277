"""Public open-data portal (no login): browse and search, dataset page with preview, downloads, and the
DCAT-AP catalog."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from shuzheng.errors import DomainError, field_error
from shuzheng.opendata import applications, dcat, service
from shuzheng.security.roles import Role
from shuzheng.web.deps import DbSession, PageActor, PageActorOptional, csrf_protect
from shuzheng.web.navigation import NavItem
from shuzheng.web.pageutils import error_page, redirect, render_page

router = APIRouter(tags=["页面：公共数据开放"], dependencies=[Depends(csrf_protect)], include_in_schema=False)

NAV = {role: [NavItem("公共数据开放", "/opendata")] for role in Role}

MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
}
RDF_MEDIA = {"ttl": "text/turtle; charset=utf-8", "jsonld": "application/ld+json"}


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/opendata")
def portal(
    request: Request, session: DbSession, actor: PageActorOptional, q: str = "", org: str = "", tag: str = ""
) -> Response:
    everything = service.open_datasets(session)
    found = [
        d
        for d in everything
        if (not q or q.lower() in f"{d.title} {d.notes} {d.organization.title}".lower())
        and (not org or d.organization.name == org)
        and (not tag or tag in d.tags)
    ]
    orgs = Counter((d.organization.name, d.organization.title) for d in found)
    tags = Counter(t for d in found for t in d.tags)
    return render_page(
        request,
        "opendata_portal.html",
        {
            "datasets": found,
            "conditional": service.conditional_datasets(session),
            "orgs": orgs.most_common(),
            "tags": tags.most_common(),
            "q": q,
            "org": org,
            "tag": tag,
        },
    )


@router.get("/opendata/datasets/{name}")
def dataset_page(request: Request, session: DbSession, actor: PageActorOptional, name: str) -> Response:
    d = service.find_dataset(session, name)
    return render_page(
        request,
        "opendata_dataset.html",
        {
            "d": d,
            "page": service.preview(d),
            "usage": service.usage(session, d.code),
            "base": _base(request),
        },
    )


@router.get("/opendata/datasets/{name}/download.{fmt}")
def download(session: DbSession, name: str, fmt: str, version: int | None = None) -> FileResponse:
    """The open fields of a version (the latest by default), written by DuckDB's COPY to a temporary
    file that is streamed and then removed."""
    if fmt not in service.FORMATS:
        raise field_error("format", f"不支持的格式「{fmt}」，可选 csv、json、parquet")
    d = service.find_dataset(session, name)
    dist = service.distribution_of(d, version)
    folder = Path(tempfile.mkdtemp(prefix="opendata-"))
    target = service.export(d, dist, fmt, folder / f"data.{fmt}")
    service.count_use(session, d.code, f"download_{fmt}")
    return FileResponse(
        target,
        media_type=MEDIA[fmt],
        filename=f"{d.name}-v{dist.version}.{fmt}",
        background=BackgroundTask(_remove, folder),
    )


def _remove(folder: Path) -> None:
    for child in folder.iterdir():
        child.unlink(missing_ok=True)
    folder.rmdir()


@router.get("/catalog.{fmt}")
def dcat_catalog(request: Request, session: DbSession, fmt: str) -> Response:
    if fmt not in RDF_MEDIA:
        raise field_error("format", "目录格式只支持 ttl 和 jsonld")
    graph = dcat.catalog_graph(_base(request), service.open_datasets(session))
    return Response(dcat.serialize(graph, fmt), media_type=RDF_MEDIA[fmt])


@router.get("/dataset/{name}.{fmt}")
def dcat_dataset(request: Request, session: DbSession, name: str, fmt: str) -> Response:
    if fmt not in RDF_MEDIA:
        raise field_error("format", "目录格式只支持 ttl 和 jsonld")
    graph = dcat.dataset_graph(_base(request), service.find_dataset(session, name))
    return Response(dcat.serialize(graph, fmt), media_type=RDF_MEDIA[fmt])


@router.get("/opendata/applications")
def applications_page(request: Request, session: DbSession, actor: PageActor) -> Response:
    return render_page(
        request,
        "opendata_applications.html",
        {
            "conditional": service.conditional_datasets(session),
            "mine": applications.for_applicant(session, actor),
            "to_decide": applications.for_provider(session, actor) if actor.is_staff else [],
            "labels": applications.STATUS_LABELS,
        },
    )


@router.post("/opendata/applications")
def apply_form(
    request: Request,
    session: DbSession,
    actor: PageActor,
    resource: Annotated[str, Form()],
    purpose: Annotated[str, Form()] = "",
) -> Response:
    try:
        applications.apply(session, actor, resource, purpose)
    except DomainError as err:
        session.rollback()
        return error_page(request, err)
    return redirect("/opendata/applications", flash="申请已提交，请等待提供部门审核")


@router.post("/opendata/applications/{application_id}/decision")
def decide_form(
    request: Request,
    session: DbSession,
    actor: PageActor,
    application_id: int,
    decision: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> Response:
    try:
        applications.decide(session, actor, application_id, approve=decision == "approve", reason=reason)
    except DomainError as err:
        session.rollback()
        return error_page(request, err)
    return redirect("/opendata/applications", flash="已处理申请")
