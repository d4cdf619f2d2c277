"""Objections over JSON under /api/objections. Thin: every rule is in service.py."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response

from shuzheng.errors import NotFound, field_error
from shuzheng.kit import clock
from shuzheng.objections import attachments, jobs, service
from shuzheng.objections.schemas import (
    ConfirmIn,
    ExtendIn,
    ObjectionDetailOut,
    ObjectionIn,
    ObjectionOut,
    ReassignIn,
    RejectIn,
    StatsOut,
)
from shuzheng.security.roles import Perm, require
from shuzheng.web.deps import ApiActor, DbSession

api = APIRouter(prefix="/api/objections", tags=["数据异议"])
router = api


def _out(o: object) -> ObjectionOut:
    return ObjectionOut.of(o, clock.today_in_china())  # type: ignore[arg-type]


def _detail(session: DbSession, actor: ApiActor, objection_id: int) -> ObjectionDetailOut:
    o = service.get(session, actor, objection_id)
    return ObjectionDetailOut.detail(
        o, service.content(session, actor, o), service.events(session, o), clock.today_in_china()
    )


@api.post("", status_code=201, summary="提出异议（JSON，无附件）")
def file_objection(body: ObjectionIn, session: DbSession, actor: ApiActor) -> ObjectionDetailOut:
    o = service.file(session, actor, service.ObjectionInput(**body.model_dump()))
    return _detail(session, actor, o.id)


@api.post("/form", status_code=201, summary="提出异议（表单，可附证明材料）")
async def file_objection_with_attachment(
    session: DbSession,
    actor: ApiActor,
    resource_code: Annotated[str, Form()],
    record: Annotated[str, Form(description='主键，JSON 对象，如 {"id_number": "…"}')],
    evidence: Annotated[str, Form()] = "",
    field: Annotated[str | None, Form()] = None,
    claimed_value: Annotated[str | None, Form()] = None,
    proposed_value: Annotated[str | None, Form()] = None,
    attachment: Annotated[UploadFile | None, File()] = None,
) -> ObjectionDetailOut:
    upload = await read_upload(attachment)
    data = service.ObjectionInput(
        resource_code=resource_code,
        record=parse_record(record),
        evidence=evidence,
        field=field,
        claimed_value=claimed_value,
        proposed_value=proposed_value,
    )
    o = service.file(session, actor, data, upload)
    return _detail(session, actor, o.id)


async def read_upload(upload: UploadFile | None) -> attachments.Upload | None:
    if upload is None or not upload.filename:
        return None
    # Read one byte past the limit: enough to refuse, never the whole of a huge file.
    data = await upload.read(attachments.MAX_BYTES + 1)
    return attachments.Upload(upload.filename, data)


def parse_record(raw: str) -> dict[str, str]:
    try:
        value = json.loads(raw or "{}")
    except json.JSONDecodeError:
        raise field_error("record", '主键应为 JSON 对象，例如 {"id_number": "…"}') from None
    if not isinstance(value, dict):
        raise field_error("record", '主键应为 JSON 对象，例如 {"id_number": "…"}')
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


@api.get("", summary="异议列表（本人提出的、本部门的；平台可见全部）")
def list_objections(
    session: DbSession,
    actor: ApiActor,
    status: str | None = None,
    resource_code: str | None = None,
    department_id: int | None = None,
) -> list[ObjectionOut]:
    found = service.search(
        session, actor, status=status, resource_code=resource_code, department_id=department_id
    )
    return [_out(o) for o in found]


@api.get("/inbox", summary="本部门待答复的异议")
def inbox(session: DbSession, actor: ApiActor) -> list[ObjectionOut]:
    return [_out(o) for o in service.inbox(session, actor)]


@api.get("/escalated", summary="超期升级、待平台督办的异议")
def escalated(session: DbSession, actor: ApiActor) -> list[ObjectionOut]:
    return [_out(o) for o in service.escalation_queue(session, actor)]


@api.get("/stats", summary="各部门异议统计（定责）")
def stats(
    session: DbSession,
    actor: ApiActor,
    start: Annotated[dt.date | None, Query(description="提出日期起（含）")] = None,
    end: Annotated[dt.date | None, Query(description="提出日期止（含）")] = None,
) -> StatsOut:
    return StatsOut.of(service.stats(session, actor, start, end))


@api.post("/tick", summary="超期升级（定时任务，也可手动触发）")
def tick(session: DbSession, actor: ApiActor) -> dict[str, list[int]]:
    require(actor, Perm.CATALOG_REVIEW)
    return {"escalated": jobs.tick(session).escalated}


@api.get("/{objection_id}", summary="异议详情")
def detail(objection_id: int, session: DbSession, actor: ApiActor) -> ObjectionDetailOut:
    return _detail(session, actor, objection_id)


@api.get("/{objection_id}/attachment", summary="证明材料")
def attachment(objection_id: int, session: DbSession, actor: ApiActor) -> Response:
    o = service.get(session, actor, objection_id)
    if not o.attachment_key:
        raise NotFound("该异议没有证明材料")
    return Response(
        attachments.read(o.attachment_key),
        media_type=o.attachment_type or "application/octet-stream",
        headers={"Content-Disposition": "attachment", "X-Content-Type-Options": "nosniff"},
    )


@api.post("/{objection_id}/confirm", summary="确认并更正（生成新的数据版本）")
def confirm(objection_id: int, body: ConfirmIn, session: DbSession, actor: ApiActor) -> ObjectionDetailOut:
    service.confirm(session, actor, objection_id, corrected=body.corrected, note=body.note)
    return _detail(session, actor, objection_id)


@api.post("/{objection_id}/reject", summary="驳回（须写明理由）")
def reject(objection_id: int, body: RejectIn, session: DbSession, actor: ApiActor) -> ObjectionDetailOut:
    service.reject(session, actor, objection_id, body.reason)
    return _detail(session, actor, objection_id)


@api.post("/{objection_id}/reassign", summary="改派其他部门（平台）")
def reassign(objection_id: int, body: ReassignIn, session: DbSession, actor: ApiActor) -> ObjectionDetailOut:
    service.reassign(session, actor, objection_id, body.department_id, body.note)
    return _detail(session, actor, objection_id)


@api.post("/{objection_id}/extend", summary="延长答复期限（平台）")
def extend(objection_id: int, body: ExtendIn, session: DbSession, actor: ApiActor) -> ObjectionDetailOut:
    service.extend(session, actor, objection_id, body.days, body.note)
    return _detail(session, actor, objection_id)
