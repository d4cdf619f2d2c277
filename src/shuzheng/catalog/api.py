"""The catalog over JSON under /api/catalog. Thin: every rule is in service.py and excel.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response

from shuzheng.catalog import excel, service
from shuzheng.catalog.models import (
    CATALOG_TYPE_LABELS,
    DATA_TYPE_LABELS,
    FORMAT_LABELS,
    IDENTIFIER_LABELS,
    LEVEL_LABELS,
    OPEN_TYPE_LABELS,
    REVISION_STATUS_LABELS,
    RULE_KIND_LABELS,
    SHARE_METHOD_LABELS,
    SHARE_TYPE_LABELS,
    THEMES,
    UPDATE_CYCLE_LABELS,
    CatalogResource,
    RevisionStatus,
)
from shuzheng.catalog.schemas import (
    DraftOut,
    ImportOut,
    ProviderOut,
    QueueItemOut,
    RejectIn,
    ResourceCreate,
    ResourceIn,
    ResourceOut,
    ResourcePage,
    ResourceSummaryOut,
    RetireIn,
    ReviewIn,
    VersionOut,
)
from shuzheng.errors import PayloadTooLarge, field_error
from shuzheng.kit import clock
from shuzheng.org import service as org
from shuzheng.web.deps import ApiActor, DbSession

router = APIRouter(prefix="/api/catalog", tags=["数据资源目录"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _summary(session: DbSession, resource: CatalogResource) -> ResourceSummaryOut:
    return ResourceSummaryOut.of(resource, service.provider_of(session, resource))


def _resource_out(session: DbSession, actor: ApiActor, code: str) -> ResourceOut:
    v = service.view(session, actor, code)
    draft = None
    if v.open is not None and v.open_snapshot is not None:
        status = RevisionStatus(v.open.status)
        draft = DraftOut(
            version=v.open.number,
            status=status.value,
            status_label=REVISION_STATUS_LABELS[status],
            review_reason=v.open.review_reason,
            content=v.open_snapshot,
            diff=v.open_diff,
        )
    return ResourceOut(
        resource=ResourceSummaryOut.of(v.resource, v.provider), published=v.published, draft=draft
    )


@router.get("/resources", response_model=ResourcePage, summary="一本账：检索已发布的数据资源")
def list_resources(
    actor: ApiActor,
    session: DbSession,
    q: Annotated[
        str | None, Query(description="关键词：中文、拼音首字母（如 rkjc）或全拼，空格分隔表示同时包含")
    ] = None,
    department_id: Annotated[int | None, Query(description="提供方部门")] = None,
    catalog_type: Annotated[str | None, Query(description="base/theme/department")] = None,
    theme: Annotated[str | None, Query(description="主题编号，如 02")] = None,
    share_type: Annotated[str | None, Query()] = None,
    open_type: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE_SIZE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ResourcePage:
    found = service.browse(
        session,
        actor,
        query=q,
        department_id=department_id,
        catalog_type=catalog_type,
        theme=theme,
        share_type=share_type,
        open_type=open_type,
        limit=limit,
        offset=offset,
    )
    items = [ResourceSummaryOut.of(r, found.providers[r.provider_department_id]) for r in found.items]
    return ResourcePage(total=found.total, limit=limit, offset=offset, items=items)


@router.get("/vocabulary", summary="目录的取值及中文名称（类型、主题、分级等）")
def vocabulary(actor: ApiActor) -> dict[str, dict[str, str]]:
    service.require_staff(actor)

    def plain(labels: Any) -> dict[str, str]:
        return {str(k): v for k, v in labels.items()}

    return {
        "catalog_type": plain(CATALOG_TYPE_LABELS),
        "theme": dict(THEMES),
        "format": plain(FORMAT_LABELS),
        "update_cycle": plain(UPDATE_CYCLE_LABELS),
        "share_type": plain(SHARE_TYPE_LABELS),
        "share_method": plain(SHARE_METHOD_LABELS),
        "open_type": plain(OPEN_TYPE_LABELS),
        "level": plain(LEVEL_LABELS),
        "data_type": plain(DATA_TYPE_LABELS),
        "identifier": plain(IDENTIFIER_LABELS),
        "rule_kind": plain(RULE_KIND_LABELS),
    }


@router.get("/worklist", response_model=list[ResourceSummaryOut], summary="本部门编制的目录（含未发布）")
def worklist(actor: ApiActor, session: DbSession) -> list[ResourceSummaryOut]:
    return [_summary(session, r) for r in service.worklist(session, actor)]


@router.get("/review-queue", response_model=list[QueueItemOut], summary="待审核的目录")
def review_queue(actor: ApiActor, session: DbSession) -> list[QueueItemOut]:
    return [
        QueueItemOut(
            code=item.resource.code,
            name=item.revision.name,
            provider=ProviderOut(id=item.provider.id, code=item.provider.code, name=item.provider.name),
            version=item.revision.number,
            is_new=item.is_new,
            submitted_at=item.revision.submitted_at,
        )
        for item in service.review_queue(session, actor)
    ]


@router.get("/export.xlsx", summary="导出目录（Excel）", response_class=Response)
def export(
    actor: ApiActor,
    session: DbSession,
    department_id: Annotated[int | None, Query(description="只导出该提供方的资源")] = None,
    drafts: Annotated[bool, Query(description="可编辑的资源导出其草稿（供修改后再导入）")] = False,
) -> Response:
    data = excel.export_catalog(session, actor, department_id=department_id, include_drafts=drafts)
    stamp = clock.today_in_china().strftime("%Y%m%d")
    name = f"catalog-{stamp}.xlsx"
    if department_id is not None:
        name = f"catalog-{org.get_department(session, department_id).code}-{stamp}.xlsx"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/import", response_model=ImportOut, summary="导入目录（Excel，全部成功或全部不写入）")
def import_workbook(
    actor: ApiActor,
    session: DbSession,
    file: Annotated[UploadFile, File(description=".xlsx 文件")],
    submit: Annotated[bool, Form(description="导入后直接提交审核")] = False,
) -> ImportOut:
    data = file.file.read(excel.MAX_BYTES + 1)
    if len(data) > excel.MAX_BYTES:
        raise PayloadTooLarge(f"文件过大：目录文件不超过 {excel.MAX_BYTES // 1024 // 1024} MB")
    outcome = excel.import_catalog(session, actor, data, submit=submit)
    return ImportOut(
        created=outcome.created,
        revised=outcome.revised,
        unchanged=outcome.unchanged,
        submitted=outcome.submitted,
        summary=outcome.summary,
    )


@router.post("/resources", status_code=201, response_model=ResourceOut, summary="新建目录条目（草稿）")
def create(body: ResourceCreate, actor: ApiActor, session: DbSession) -> ResourceOut:
    department_id = body.provider_department_id or actor.department_id
    if department_id is None:
        raise field_error("provider_department_id", "请指定提供方部门")
    revision = service.create_resource(
        session,
        actor,
        provider_department_id=department_id,
        data=body.to_input(),
        classification=body.classification,
        code=body.code,
    )
    return _resource_out(session, actor, revision.resource.code)


@router.get("/resources/{code}", response_model=ResourceOut, summary="数据资源详情（含信息项）")
def get(code: str, actor: ApiActor, session: DbSession) -> ResourceOut:
    return _resource_out(session, actor, code)


@router.put(
    "/resources/{code}/draft", response_model=ResourceOut, summary="编辑草稿（已发布的资源形成新版本）"
)
def edit_draft(code: str, body: ResourceIn, actor: ApiActor, session: DbSession) -> ResourceOut:
    service.save_draft(session, actor, code, body.to_input())
    return _resource_out(session, actor, code)


@router.get("/resources/{code}/versions", response_model=list[VersionOut], summary="版本及与上一版本的差异")
def versions(code: str, actor: ApiActor, session: DbSession) -> list[VersionOut]:
    service.view(session, actor, code)  # the same visibility as the resource itself
    return [
        VersionOut(
            version=v.number,
            status=v.status,
            status_label=v.status_label,
            publish_date=v.revision.publish_date,
            review_reason=v.revision.review_reason,
            diff=v.diff,
        )
        for v in service.versions(session, code, actor=actor)
    ]


@router.get("/resources/{code}/versions/{number}", summary="某一版本的完整内容（快照）")
def version(code: str, number: int, actor: ApiActor, session: DbSession) -> dict[str, Any]:
    return service.snapshot_of_version(session, actor, code, number)


@router.post("/resources/{code}/submit", response_model=ResourceOut, summary="提交审核")
def submit(code: str, actor: ApiActor, session: DbSession) -> ResourceOut:
    service.submit(session, actor, code)
    return _resource_out(session, actor, code)


@router.post("/resources/{code}/withdraw", response_model=ResourceOut, summary="撤回审核")
def withdraw(code: str, actor: ApiActor, session: DbSession) -> ResourceOut:
    service.withdraw(session, actor, code)
    return _resource_out(session, actor, code)


@router.post("/resources/{code}/approve", response_model=ResourceOut, summary="审核通过并发布")
def approve(code: str, actor: ApiActor, session: DbSession, body: ReviewIn | None = None) -> ResourceOut:
    service.approve(session, actor, code, version=body.version if body else None)
    return _resource_out(session, actor, code)


@router.post("/resources/{code}/reject", response_model=ResourceOut, summary="退回（须写明理由）")
def reject(code: str, body: RejectIn, actor: ApiActor, session: DbSession) -> ResourceOut:
    service.reject(session, actor, code, body.reason, version=body.version)
    return _resource_out(session, actor, code)


@router.post("/resources/{code}/retire", response_model=ResourceOut, summary="停用资源（须写明理由）")
def retire(code: str, body: RetireIn, actor: ApiActor, session: DbSession) -> ResourceOut:
    service.retire(session, actor, code, body.reason)
    return _resource_out(session, actor, code)
