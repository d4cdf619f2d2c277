"""Catalog pages: the 一本账 (browse and search, every staff member), a resource's page (fields, versions
and their diffs), the data officer's workbench and editing form, Excel exchange, and the operator's
review queue. Thin: every rule is in service.py and excel.py."""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from shuzheng.catalog import excel, service, snapshots
from shuzheng.catalog.models import (
    BASE_LIBRARIES,
    CATALOG_TYPE_LABELS,
    DATA_TYPE_LABELS,
    EVENT_LABELS,
    FORMAT_LABELS,
    IDENTIFIER_LABELS,
    LEVEL_LABELS,
    OPEN_TYPE_LABELS,
    RESOURCE_STATUS_LABELS,
    REVISION_STATUS_LABELS,
    RULE_KIND_LABELS,
    SHARE_METHOD_LABELS,
    SHARE_TYPE_LABELS,
    THEMES,
    UPDATE_CYCLE_LABELS,
    CatalogResource,
    ResourceStatus,
    RevisionStatus,
)
from shuzheng.catalog.validation import RESOURCE_LABELS, FieldInput, ResourceInput, RuleInput
from shuzheng.errors import DomainError, PayloadTooLarge
from shuzheng.org import service as org
from shuzheng.security.roles import STAFF_ROLES, Actor, Perm, Role, require
from shuzheng.web.deps import DbSession, PageActor, csrf_protect
from shuzheng.web.navigation import NavItem
from shuzheng.web.pageutils import error_page, field_errors, redirect, render_page
from shuzheng.web.templating import templates

router = APIRouter(tags=["页面：数据资源目录"], dependencies=[Depends(csrf_protect)], include_in_schema=False)

BROWSE = NavItem("数据资源目录", "/catalog")
NAV = {role: [BROWSE] for role in Role if role in STAFF_ROLES}
NAV[Role.DATA_OFFICER] = [BROWSE, NavItem("目录编制", "/catalog/workbench", also=("/catalog/new",))]
NAV[Role.PLATFORM_ADMIN] = [BROWSE, NavItem("目录审核", "/catalog/review")]

PAGE_SIZE = 20
BLANK_FIELD_ROWS = 3
MORE_FIELD_ROWS = 5

templates.env.globals["catalog_label"] = snapshots.display

OPTIONS = {
    "catalog_type": list(CATALOG_TYPE_LABELS.items()),
    "theme": list(THEMES.items()),
    "format": list(FORMAT_LABELS.items()),
    "update_cycle": list(UPDATE_CYCLE_LABELS.items()),
    "share_type": list(SHARE_TYPE_LABELS.items()),
    "share_method": list(SHARE_METHOD_LABELS.items()),
    "open_type": list(OPEN_TYPE_LABELS.items()),
    "level": list(LEVEL_LABELS.items()),
    "data_type": list(DATA_TYPE_LABELS.items()),
    "identifier": list(IDENTIFIER_LABELS.items()),
    "rule_kind": list(RULE_KIND_LABELS.items()),
}


async def _form(request: Request) -> FormData:
    return await request.form()


PostedForm = Annotated[FormData, Depends(_form)]


def _labels() -> dict[str, Any]:
    return {
        "options": OPTIONS,
        "resource_status_labels": RESOURCE_STATUS_LABELS,
        "revision_status_labels": REVISION_STATUS_LABELS,
        "event_labels": EVENT_LABELS,
        "resource_labels": RESOURCE_LABELS,
        "base_libraries": BASE_LIBRARIES,
    }


# ---------------------------------------------------------------- 一本账


@router.get("/catalog", summary="数据资源目录（一本账）")
def browse(
    request: Request,
    session: DbSession,
    actor: PageActor,
    q: Annotated[str, Query()] = "",
    department_id: Annotated[str, Query()] = "",
    catalog_type: Annotated[str, Query()] = "",
    theme: Annotated[str, Query()] = "",
    share_type: Annotated[str, Query()] = "",
    open_type: Annotated[str, Query()] = "",
    page: Annotated[int, Query(ge=1, le=10000)] = 1,
) -> Response:
    try:
        service.require_staff(actor)
    except DomainError as err:
        return error_page(request, err)
    chosen: dict[str, str | None] = {
        "catalog_type": catalog_type if catalog_type in CATALOG_TYPE_LABELS else None,
        "theme": theme if theme in THEMES else None,
        "share_type": share_type if share_type in SHARE_TYPE_LABELS else None,
        "open_type": open_type if open_type in OPEN_TYPE_LABELS else None,
    }
    text = q.strip()[:100]
    department = int(department_id) if department_id.isdigit() else None
    found = service.browse(
        session,
        actor,
        query=text,
        department_id=department,
        **chosen,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    filters: dict[str, object] = {"q": text, "department_id": department, **chosen}
    facets = service.facets(session, actor)
    query = {k: ("" if v is None else str(v)) for k, v in filters.items()}
    context = {
        **_labels(),
        "found": found,
        "facets": facets,
        "filters": query,
        "filtered": any(query.values()),
        "page": page,
        "pages": max(1, math.ceil(found.total / PAGE_SIZE)),
        "page_query": "&".join(f"{k}={v}" for k, v in query.items() if v),
        "departments": [d for d, _ in facets.departments],
    }
    return render_page(request, "catalog_browse.html", context)


# ---------------------------------------------------------------- the data officer's workbench


@router.get("/catalog/workbench", summary="目录编制")
def workbench(request: Request, session: DbSession, actor: PageActor) -> Response:
    return _workbench(request, session, actor)


def _workbench(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    import_error: DomainError | None = None,
    status: int = 200,
) -> Response:
    try:
        resources = service.worklist(session, actor)
    except DomainError as err:
        return error_page(request, err)
    providers = {d.id: d for d in org.list_departments(session)}
    rows = [
        {
            "resource": r,
            "provider": providers[r.provider_department_id],
            "open": service.open_revision(session, r),
        }
        for r in resources
    ]
    context = {
        **_labels(),
        "rows": rows,
        "import_error": import_error,
        "import_problems": _problems(import_error),
    }
    return render_page(request, "catalog_workbench.html", context, status=status)


def _problems(err: DomainError | None) -> list[dict[str, Any]]:
    details = err.details if err is not None and isinstance(err.details, list) else []
    return [d for d in details if isinstance(d, dict) and "message" in d]


@router.post("/catalog/import", summary="导入目录（Excel）")
def import_workbook(
    request: Request,
    session: DbSession,
    actor: PageActor,
    file: Annotated[UploadFile | None, File()] = None,
    submit: Annotated[str, Form()] = "",
) -> Response:
    try:
        if file is None or not file.filename:
            raise DomainError("请选择要上传的目录文件（.xlsx）", code="catalog_import_no_file")
        data = file.file.read(excel.MAX_BYTES + 1)
        if len(data) > excel.MAX_BYTES:
            raise PayloadTooLarge(f"文件过大：目录文件不超过 {excel.MAX_BYTES // 1024 // 1024} MB")
        with session.begin_nested():
            outcome = excel.import_catalog(session, actor, data, submit=bool(submit))
    except DomainError as err:
        return _workbench(request, session, actor, import_error=err, status=err.status)
    return redirect("/catalog/workbench", flash=outcome.summary)


# ---------------------------------------------------------------- the editing form


@router.get("/catalog/new", summary="新建目录条目")
def new_form(request: Request, session: DbSession, actor: PageActor) -> Response:
    try:
        require(actor, Perm.CATALOG_PUBLISH)
    except DomainError as err:
        return error_page(request, err)
    values = {"provider_department_id": actor.department_id, "classification": ""}
    return _render_form(request, session, actor, None, ResourceInput(name=""), values, {})


@router.post("/catalog/new", summary="新建目录条目（提交）")
def new_submit(request: Request, session: DbSession, actor: PageActor, form: PostedForm) -> Response:
    try:
        require(actor, Perm.CATALOG_PUBLISH)
    except DomainError as err:
        return error_page(request, err)
    data = _input_from_form(form)
    values = {
        "provider_department_id": str(form.get("provider_department_id", "")),
        "classification": str(form.get("classification", "")).strip(),
    }
    if form.get("action") == "more":
        return _render_form(request, session, actor, None, data, values, {}, extra_rows=MORE_FIELD_ROWS)
    provider = values["provider_department_id"]
    try:
        with session.begin_nested():
            revision = service.create_resource(
                session,
                actor,
                provider_department_id=int(provider) if provider.isdigit() else (actor.department_id or 0),
                data=data,
                classification=values["classification"] or None,
            )
    except DomainError as err:
        return _render_form(
            request, session, actor, None, data, values, _errors(err), err=err, status=err.status
        )
    code = revision.resource.code
    return redirect(f"/catalog/{code}", flash=f"已保存草稿，资源代码 {code}；完善后请提交审核")


@router.get("/catalog/{code}/edit", summary="编辑目录条目")
def edit_form(request: Request, session: DbSession, actor: PageActor, code: str) -> Response:
    try:
        resource = service.get_resource(session, code)
        require(actor, Perm.CATALOG_PUBLISH, department=resource.provider_department_id)
    except DomainError as err:
        return error_page(request, err)
    revision = service.open_revision(session, resource) or service.published_revision(session, resource)
    assert revision is not None
    return _render_form(request, session, actor, resource, service.input_of(revision), {}, {})


@router.post("/catalog/{code}/edit", summary="编辑目录条目（提交）")
def edit_submit(
    request: Request, session: DbSession, actor: PageActor, code: str, form: PostedForm
) -> Response:
    try:
        resource = service.get_resource(session, code)
        require(actor, Perm.CATALOG_PUBLISH, department=resource.provider_department_id)
    except DomainError as err:
        return error_page(request, err)
    data = _input_from_form(form)
    if form.get("action") == "more":
        return _render_form(request, session, actor, resource, data, {}, {}, extra_rows=MORE_FIELD_ROWS)
    try:
        with session.begin_nested():
            outcome = service.save_draft(session, actor, code, data)
            if form.get("action") == "submit":
                service.submit(session, actor, code)
    except DomainError as err:
        return _render_form(
            request, session, actor, resource, data, {}, _errors(err), err=err, status=err.status
        )
    if form.get("action") == "submit":
        return redirect(f"/catalog/{code}", flash="已提交审核，请等待平台审核")
    message = "已保存草稿" if outcome.changed else "内容没有变化"
    return redirect(f"/catalog/{code}", flash=message)


def _errors(err: DomainError) -> dict[str, str]:
    """Service paths (fields[2].pattern) as the form's input names (f-2-pattern)."""
    found = field_errors(err)
    renamed = {}
    for path, message in found.items():
        match = re.fullmatch(r"(fields|rules)\[(\d+)\]\.(\w+)", path)
        key = f"{'f' if match[1] == 'fields' else 'r'}-{match[2]}-{match[3]}" if match else path
        renamed[key] = message
    return renamed


def _render_form(
    request: Request,
    session: Session,
    actor: Actor,
    resource: CatalogResource | None,
    data: ResourceInput,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    err: DomainError | None = None,
    status: int = 200,
    extra_rows: int = 0,
) -> Response:
    blank = FieldInput(name="", label="", data_type="")
    fields = [*data.fields, *([blank] * (BLANK_FIELD_ROWS + extra_rows))]
    rules = [*data.rules, RuleInput(kind="", fields=[], message="")]
    providers = [d for d in org.list_departments(session) if actor.can(Perm.CATALOG_PUBLISH, department=d.id)]
    context = {
        **_labels(),
        "resource": resource,
        "data": data,
        "fields": fields,
        "rules": rules,
        "values": values,
        "errors": errors,
        "error": err,
        "providers": [(d.id, d.name) for d in providers],
    }
    return render_page(request, "catalog_form.html", context, status=status)


def _input_from_form(form: FormData) -> ResourceInput:
    def text(name: str) -> str:
        return str(form.get(name, "") or "").strip()

    data = ResourceInput(
        name=text("name"),
        summary=text("summary"),
        catalog_type=text("catalog_type"),
        theme=text("theme") or None,
        format=text("format"),
        update_cycle=text("update_cycle"),
        source_system=text("source_system"),
        share_type=text("share_type"),
        share_conditions=text("share_conditions"),
        share_method=text("share_method") or None,
        open_type=text("open_type"),
        open_conditions=text("open_conditions"),
        related=excel.split_list(text("related")),
    )
    indexes = sorted({int(m[1]) for k in form if (m := re.fullmatch(r"f-(\d+)-name", k))})
    for i in indexes:
        p = f"f-{i}-"
        if text(p + "delete") or not (text(p + "name") or text(p + "label")):
            continue
        data.fields.append(
            FieldInput(
                name=text(p + "name"),
                label=text(p + "label"),
                data_type=text(p + "data_type"),
                required=bool(text(p + "required")),
                is_key=bool(text(p + "is_key")),
                level=text(p + "level"),
                sensitive_pi=bool(text(p + "sensitive_pi")),
                share_type=text(p + "share_type"),
                open_type=text(p + "open_type"),
                identifier=text(p + "identifier") or None,
                code_list=excel.split_list(text(p + "code_list")) or None,
                pattern=text(p + "pattern") or None,
                min_value=text(p + "min_value") or None,
                max_value=text(p + "max_value") or None,
                max_length=int(text(p + "max_length")) if text(p + "max_length").isdigit() else None,
                to_simplified=bool(text(p + "to_simplified")),
                description=text(p + "description"),
            )
        )
    rule_indexes = sorted({int(m[1]) for k in form if (m := re.fullmatch(r"r-(\d+)-kind", k))})
    for i in rule_indexes:
        p = f"r-{i}-"
        if text(p + "delete") or not text(p + "kind"):
            continue
        data.rules.append(
            RuleInput(
                kind=text(p + "kind"),
                fields=excel.split_list(text(p + "fields")),
                message=text(p + "message"),
            )
        )
    return data


# ---------------------------------------------------------------- the operator's review queue


@router.get("/catalog/review", summary="目录审核")
def review_queue(request: Request, session: DbSession, actor: PageActor) -> Response:
    try:
        items = service.review_queue(session, actor)
    except DomainError as err:
        return error_page(request, err)
    return render_page(request, "catalog_review.html", {**_labels(), "items": items})


@router.post("/catalog/{code}/approve", summary="审核通过")
def approve(
    request: Request, session: DbSession, actor: PageActor, code: str, version: Annotated[str, Form()] = ""
) -> Response:
    try:
        with session.begin_nested():
            revision = service.approve(
                session, actor, code, version=int(version) if version.isdigit() else None
            )
    except DomainError as err:
        return _detail(request, session, actor, code, action_error=err, status=err.status)
    return redirect("/catalog/review", flash=f"已发布 {code} 第{revision.number}版")


@router.post("/catalog/{code}/reject", summary="退回")
def reject(
    request: Request,
    session: DbSession,
    actor: PageActor,
    code: str,
    reason: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
) -> Response:
    try:
        with session.begin_nested():
            service.reject(session, actor, code, reason, version=int(version) if version.isdigit() else None)
    except DomainError as err:
        return _detail(request, session, actor, code, action_error=err, status=err.status, reason=reason)
    return redirect("/catalog/review", flash=f"已退回 {code}，提供部门将看到退回理由")


# ---------------------------------------------------------------- a resource


@router.get("/catalog/{code}", summary="数据资源详情")
def detail(request: Request, session: DbSession, actor: PageActor, code: str) -> Response:
    return _detail(request, session, actor, code)


def _detail(
    request: Request,
    session: Session,
    actor: Actor,
    code: str,
    *,
    action_error: DomainError | None = None,
    status: int = 200,
    reason: str = "",
) -> Response:
    try:
        view = service.view(session, actor, code)
    except DomainError as err:
        return error_page(request, err)
    shown = view.published or view.open_snapshot or {}
    context = {
        **_labels(),
        "view": view,
        "shown": shown,
        "retired": view.resource.status == ResourceStatus.RETIRED,
        "open_status": RevisionStatus(view.open.status) if view.open is not None else None,
        "action_error": action_error,
        "reason": reason,
    }
    return render_page(request, "catalog_detail.html", context, status=status)


@router.post("/catalog/{code}/submit", summary="提交审核")
def submit(request: Request, session: DbSession, actor: PageActor, code: str) -> Response:
    return _act(request, session, actor, code, lambda: service.submit(session, actor, code), "已提交审核")


@router.post("/catalog/{code}/withdraw", summary="撤回审核")
def withdraw(request: Request, session: DbSession, actor: PageActor, code: str) -> Response:
    return _act(
        request, session, actor, code, lambda: service.withdraw(session, actor, code), "已撤回，可继续修改"
    )


@router.post("/catalog/{code}/retire", summary="停用")
def retire(
    request: Request, session: DbSession, actor: PageActor, code: str, reason: Annotated[str, Form()] = ""
) -> Response:
    return _act(
        request, session, actor, code, lambda: service.retire(session, actor, code, reason), "已停用该资源"
    )


def _act(request: Request, session: Session, actor: Actor, code: str, action: Any, message: str) -> Response:
    try:
        with session.begin_nested():
            action()
    except DomainError as err:
        return _detail(request, session, actor, code, action_error=err, status=err.status)
    return redirect(f"/catalog/{code}", flash=message)
