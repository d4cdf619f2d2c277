"""Ingest over JSON under /api/ingest. Thin: every rule is in service.py."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from shuzheng.catalog import service as catalog
from shuzheng.errors import field_error
from shuzheng.ingest import receive, service
from shuzheng.ingest.schemas import LoadOut, RejectedRowOut, RejectsPage, VersionOut
from shuzheng.web.deps import ApiActor, DbSession

router = APIRouter(prefix="/api/ingest", tags=["数据汇聚"])


def _mapping(raw: str | None) -> dict[str, str] | None:
    if not raw:
        return None
    try:
        mapping = json.loads(raw)
    except json.JSONDecodeError:
        raise field_error("mapping", '列映射应为JSON对象，如 {"证件号码": "id_number"}') from None
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise field_error("mapping", '列映射应为JSON对象，如 {"证件号码": "id_number"}')
    return mapping


_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "CSV、xlsx、JSON Lines 或 Parquet 文件（不超过 SHUZHENG_MAX_UPLOAD_BYTES，默认 2 GB）",
                    },
                    "incremental": {
                        "type": "boolean",
                        "default": False,
                        "description": "增量：按主键更新或新增",
                    },
                    "mapping": {
                        "type": "string",
                        "description": '列映射（JSON），如 {"证件号码": "id_number"}',
                    },
                },
            }
        }
    },
}


@router.post(
    "/{code}/versions",
    status_code=201,
    response_model=LoadOut,
    summary="上传文件，生成数据资源的新版本（未变化时返回200，不生成新版本）",
    openapi_extra={"requestBody": _UPLOAD_BODY},
)
async def upload(code: str, request: Request, actor: ApiActor, session: DbSession) -> LoadOut | JSONResponse:
    """The file is streamed to disk as it arrives (receive.py), so it may be far larger than the app-wide
    request limit; the load itself runs in a worker thread."""
    async with receive.staged_upload(request, session, actor, code) as received:
        incremental = receive.flag(received.fields, "incremental")
        mapping = _mapping(received.fields.get("mapping"))
        summary = await run_in_threadpool(
            service.load,
            session,
            actor,
            code,
            received.path,
            incremental=incremental,
            mapping=mapping,
            source_name=received.filename,
            source_sm3=received.digest,
        )
    out = LoadOut.of(summary)
    if summary.unchanged:
        return JSONResponse(out.model_dump(mode="json"), status_code=200)
    return out


@router.get("/{code}/versions", response_model=list[VersionOut], summary="数据资源的数据版本（新的在前）")
def versions(code: str, actor: ApiActor, session: DbSession) -> list[VersionOut]:
    spec = catalog.published_spec(session, code)
    service.require_view(actor, spec.provider_department_id)
    return [VersionOut.of(v) for v in service.list_versions(session, code)]


@router.get("/{code}/versions/{number}", response_model=VersionOut, summary="一个数据版本")
def version(code: str, number: int, actor: ApiActor, session: DbSession) -> VersionOut:
    v = service.get_version(session, code, number)
    service.require_view(actor, v.department_id)
    return VersionOut.of(v)


@router.get("/{code}/versions/{number}/rejects", response_model=RejectsPage, summary="该版本拒收的记录及原因")
def rejects(
    code: str,
    number: int,
    actor: ApiActor,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> RejectsPage:
    total, rows = service.read_rejects(session, actor, code, number, limit=limit, offset=offset)
    return RejectsPage(total=total, offset=offset, items=[RejectedRowOut.of(r) for r in rows])
