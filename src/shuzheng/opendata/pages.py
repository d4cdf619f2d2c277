"""Public open-data portal (no login): browse and search, dataset page with preview, downloads, and the
DCAT-AP catalog; for signed-in users, applications for conditional datasets and developer API keys."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from shuzheng.errors import DomainError, field_error
from shuzheng.kit import clock
from shuzheng.opendata import applications, dcat, service
from shuzheng.opendata.models import ApiKey
from shuzheng.security.roles import Actor, Role
from shuzheng.web.deps import DbSession, PageActor, PageActorOptional, csrf_protect
from shuzheng.web.navigation import NavItem
from shuzheng.web.pageutils import error_page, field_errors, redirect, render_page

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
            "section": "portal",
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
            "section": "portal",
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


def _applications_context(session: Session, actor: Actor, resource: str = "") -> dict[str, object]:
    today = clock.today_in_china()
    return {
        "section": "applications",
        "conditional": service.conditional_datasets(session),
        "mine": applications.for_applicant(session, actor),
        "to_decide": applications.for_provider(session, actor) if actor.is_staff else [],
        "labels": applications.STATUS_LABELS,
        "state": applications.state,
        "today": today,
        "max_until": applications.default_valid_until(today),
        "approval_days": service.approval_days(),
        "selected": resource,
    }


@router.get("/opendata/applications")
def applications_page(request: Request, session: DbSession, actor: PageActor, resource: str = "") -> Response:
    return render_page(request, "opendata_applications.html", _applications_context(session, actor, resource))


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


def _date(value: str, name: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise field_error(name, "请填写形如 2027-06-30 的日期") from None


@router.post("/opendata/applications/{application_id}/decision")
def decide_form(
    request: Request,
    session: DbSession,
    actor: PageActor,
    application_id: int,
    decision: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    valid_until: Annotated[str, Form()] = "",
) -> Response:
    try:
        approve = decision == "approve"
        applications.decide(
            session,
            actor,
            application_id,
            approve=approve,
            reason=reason,
            valid_until=_date(valid_until, "valid_until") if approve else None,
        )
    except DomainError as err:
        session.rollback()
        return error_page(request, err)
    return redirect("/opendata/applications", flash="已处理申请")


# ---------------------------------------------------------------- developer API keys


def _keys_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    label: str = "",
    errors: dict[str, str] | None = None,
    created: ApiKey | None = None,
    raw_key: str = "",
    status: int = 200,
) -> Response:
    headers = {"Cache-Control": "no-store"}  # a page that shows a new key must not be kept anywhere
    return render_page(
        request,
        "opendata_keys.html",
        {
            "section": "keys",
            "keys": service.api_keys(session, actor),
            "status": service.key_status,
            "labels": service.KEY_STATUS_LABELS,
            "key_limit": service.KEY_LIMIT,
            "anonymous_limit": service.ANONYMOUS_LIMIT,
            "label": label,
            "errors": errors or {},
            "created": created,
            "raw_key": raw_key,
            "base": _base(request),
        },
        status=status,
        headers=headers,
    )


@router.get("/opendata/keys")
def keys_page(request: Request, session: DbSession, actor: PageActor) -> Response:
    return _keys_page(request, session, actor)


@router.post("/opendata/keys")
def create_key_form(
    request: Request, session: DbSession, actor: PageActor, label: Annotated[str, Form()] = ""
) -> Response:
    """Shows the new key in the response itself (never in a redirect, a cookie or a log): once."""
    try:
        key, raw = service.create_api_key(session, actor, label)
    except DomainError as err:
        session.rollback()
        errors = field_errors(err, fallback_field="label")
        return _keys_page(request, session, actor, label=label, errors=errors, status=err.status)
    return _keys_page(request, session, actor, created=key, raw_key=raw)


@router.get("/opendata/keys/{key_id}/revoke")
def revoke_key_confirm(request: Request, session: DbSession, actor: PageActor, key_id: int) -> Response:
    key = service.get_api_key(session, actor, key_id)
    if key.revoked_at is not None:
        return redirect("/opendata/keys", flash=f"密钥「{key.label}」已停用", level="info")
    return render_page(request, "opendata_key_revoke.html", {"key": key, "section": "keys"})


@router.post("/opendata/keys/{key_id}/revoke")
def revoke_key_form(request: Request, session: DbSession, actor: PageActor, key_id: int) -> Response:
    try:
        key = service.revoke_api_key(session, actor, key_id)
    except DomainError as err:
        session.rollback()
        return error_page(request, err)
    return redirect("/opendata/keys", flash=f"已停用密钥「{key.label}」，使用它的请求将被拒绝")
