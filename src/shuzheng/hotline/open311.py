"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2/, JSON and XML, so existing
Open311 clients and apps can file and read requests.

Mapping (docs/hotline.md has the table): a service is a topic of the taxonomy (service_code = topic
code); the request type and urgency are the two attributes of every service definition; posting needs an
`api_key` issued by the operator; requests are public to read but never carry contact details, and phone
numbers or 身份证号 written inside descriptions are masked. Errors use Open311's format:
`[{"code": 400, "description": "..."}]` (XML: `<errors><error>…`).
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.orm import Session

from shuzheng.errors import DomainError, NotFound, ValidationFailed
from shuzheng.hotline import attachments, service, taxonomy
from shuzheng.hotline.models import (
    KIND_LABELS,
    HotlineRequest,
    Kind,
    StandardAddress,
    Status,
)
from shuzheng.kit import clock
from shuzheng.web.deps import DbSession
from shuzheng.web.errors import validation_details

PREFIX = "/open311/v2"
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
MAX_RESULTS = 1000
DEFAULT_WINDOW = dt.timedelta(days=90)

GROUPS = {
    "公用事业": ("water", "heating", "gas", "power"),
    "城市管理": ("urban", "noise", "environment", "traffic", "property"),
    "市场监管": ("market", "food_safety"),
    "民生服务": ("education", "medical", "social_security", "housing", "household", "employment"),
    "其他": ("other",),
}
GROUP_OF = {code: group for group, codes in GROUPS.items() for code in codes}
CLOSED = (Status.RESOLVED.value, Status.CLOSED.value)


# ---------------------------------------------------------------- rendering


def _fmt(request: Request) -> str:
    fmt = request.path_params.get("fmt") or request.url.path.rsplit(".", 1)[-1]
    return fmt if fmt in FORMATS else "json"


def _element(parent: ET.Element, tag: str, value: Any) -> None:
    child = ET.SubElement(parent, tag)
    if isinstance(value, list):
        for item in value:
            _element(child, tag[:-1] if tag.endswith("s") else "item", item)
    elif isinstance(value, dict):
        for k, v in value.items():
            _element(child, k, v)
    elif value is not None:
        child.text = str(value).lower() if isinstance(value, bool) else str(value)


def render(
    fmt: str, root: str, item: str, rows: list[dict[str, Any]] | dict[str, Any], status: int = 200
) -> Response:
    if fmt == "xml":
        top = ET.Element(root)
        for row in rows if isinstance(rows, list) else [rows]:
            node = ET.SubElement(top, item) if isinstance(rows, list) else top
            for k, v in row.items():
                _element(node, k, v)
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(
            top, encoding="utf-8", xml_declaration=False
        )
        return Response(body, status_code=status, media_type=FORMATS["xml"])
    return Response(
        json.dumps(rows, ensure_ascii=False, default=str), status_code=status, media_type=FORMATS["json"]
    )


def error(fmt: str, status: int, description: str) -> Response:
    return render(fmt, "errors", "error", [{"code": status, "description": description}], status)


class Open311Route(APIRoute):
    """Errors in Open311's own format (validation failures are 400, as the spec says), JSON or XML by the
    extension of the path."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except DomainError as err:
                request.state.error_code = err.code
                status = 400 if isinstance(err, ValidationFailed) else err.status
                return error(_fmt(request), status, _describe(err))
            except RequestValidationError as err:
                details = validation_details(list(err.errors()))
                text = "；".join(f"{d['field']}：{d['message']}" for d in details)
                return error(_fmt(request), 400, text or "请求有误")

        return route


def _describe(err: DomainError) -> str:
    details = err.details if isinstance(err.details, list) else []
    parts = [f"{d['field']}：{d['message']}" for d in details if isinstance(d, dict) and d.get("field")]
    return "；".join(parts) if parts and len(parts) > 1 else err.message


router = APIRouter(prefix=PREFIX, tags=["Open311 GeoReport v2"], route_class=Open311Route)


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise NotFound(f"不支持的格式：{fmt}（可用 json 或 xml）")
    return fmt


# ---------------------------------------------------------------- services


def _service(code: str) -> dict[str, Any]:
    label = taxonomy.topic_label(code)
    return {
        "service_code": code,
        "service_name": label,
        "description": f"{label}方面的咨询、求助、投诉、举报、建议、表扬",
        "metadata": True,
        "type": "realtime",
        "keywords": label,
        "group": GROUP_OF.get(code, "其他"),
    }


ATTRIBUTES = [
    {
        "variable": True,
        "code": "request_type",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": "不填则由平台自动判断",
        "order": 1,
        "description": "诉求类型",
        "values": [{"key": c.code, "name": c.label} for c in taxonomy.TYPES],
    },
    {
        "variable": True,
        "code": "urgency",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": "默认一般",
        "order": 2,
        "description": "紧急程度",
        "values": [{"key": k.value, "name": KIND_LABELS[k]} for k in Kind],
    },
]


@router.get("/discovery.{fmt}", summary="Open311 服务发现")
def discovery(fmt: str, request: Request) -> Response:
    _check_format(fmt)
    base = str(request.base_url).rstrip("/") + PREFIX + "/"
    body = {
        "changeset": "2026-11-21T00:00:00+08:00",
        "contact": "示范市12345政务服务便民热线中心",
        "key_service": "向平台运营方（市大数据局）申请 api_key",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": "2026-11-21T00:00:00+08:00",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return render(fmt, "discovery", "endpoint", body)


@router.get("/services.{fmt}", summary="服务（诉求领域）列表")
def services(fmt: str) -> Response:
    _check_format(fmt)
    return render(fmt, "services", "service", [_service(c.code) for c in taxonomy.TOPICS])


@router.get("/services/{service_code}.{fmt}", summary="服务定义（属性）")
def service_definition(service_code: str, fmt: str) -> Response:
    _check_format(fmt)
    if service_code not in taxonomy.TOPIC_LABELS:
        raise NotFound(f"service_code 不存在：{service_code}")
    return render(
        fmt,
        "service_definition",
        "service_definition",
        {"service_code": service_code, "attributes": ATTRIBUTES},
    )


# ---------------------------------------------------------------- requests


async def form_fields(request: Request) -> dict[str, Any]:
    """POST bodies: form-urlencoded (the spec), multipart (with a `media` file), or JSON."""
    content_type = request.headers.get("content-type", "")
    if "application/json" in content_type:
        try:
            data = await request.json()
        except ValueError:
            raise ValidationFailed("JSON 格式不正确") from None
        if not isinstance(data, dict):
            raise ValidationFailed("请求体应为对象")
        return {str(k): v for k, v in data.items()}
    form = await request.form()
    fields: dict[str, Any] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            fields[key] = value
        else:
            data = await value.read(attachments.MAX_BYTES + 1)
            fields.setdefault("__files__", []).append(attachments.Upload(value.filename or "media", data))
    return fields


def _float(fields: dict[str, Any], key: str) -> float | None:
    raw = fields.get(key)
    if raw in (None, ""):
        return None
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{key}：应为数字", details=[{"field": key, "message": "应为数字"}]) from None


def _text(fields: dict[str, Any], key: str) -> str | None:
    value = fields.get(key)
    return str(value).strip() if value not in (None, "") else None


def _address_by_id(session: Session, raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        found = session.get(StandardAddress, int(raw))
    except ValueError:
        found = None
    if found is None:
        raise ValidationFailed(
            f"address_id：标准地址不存在：{raw}",
            details=[{"field": "address_id", "message": "标准地址不存在"}],
        )
    return found.full_address


@router.post("/requests.{fmt}", summary="提交诉求（需 api_key）")
def create_request(
    fmt: str, session: DbSession, fields: Annotated[dict[str, Any], Depends(form_fields)]
) -> Response:
    _check_format(fmt)
    client = service.client_for_key(session, _text(fields, "api_key"))
    code = _text(fields, "service_code")
    if not code:
        raise ValidationFailed(
            "service_code：必填（可选值见 services.json）",
            details=[{"field": "service_code", "message": "必填"}],
        )
    if code not in taxonomy.TOPIC_LABELS:
        raise ValidationFailed(
            f"service_code：不存在：{code}（可选值见 services.json）",
            details=[{"field": "service_code", "message": "不存在"}],
        )
    lat, lon = _float(fields, "lat"), _float(fields, "long")
    address = _text(fields, "address_string") or _address_by_id(session, _text(fields, "address_id"))
    if address is None and (lat is None or lon is None):
        raise ValidationFailed(
            "缺少位置：请提供 lat 和 long，或 address_string，或 address_id",
            details=[{"field": "location", "message": "必填"}],
        )
    description = _text(fields, "description")
    if not description:
        raise ValidationFailed(
            "description：必填（诉求内容）", details=[{"field": "description", "message": "必填"}]
        )
    name = "".join(p for p in (_text(fields, "last_name"), _text(fields, "first_name")) if p) or None
    media = _text(fields, "media_url")
    data = service.Intake(
        channel="open311",
        content=description,
        type_code=_text(fields, "attribute[request_type]"),
        topic_code=code,
        kind=_text(fields, "attribute[urgency]"),
        contact_name=name,
        contact_phone=_text(fields, "phone"),
        contact_email=_text(fields, "email"),
        address=address,
        lat=lat,
        lon=lon,
        attachments=fields.get("__files__", []),
        note=f"附件链接：{media}" if media else None,
    )
    result = service.submit(session, None, data, api_client=client)
    req = result.request
    notice = "已受理，将由12345热线中心派单办理"
    if req.answer_source == "faq":
        notice = "已由知识库直接答复：" + (req.result_text or "")
    elif req.due_at is not None:
        notice = f"已派至承办单位，预计 {_iso(req.due_at)} 前办结"
    body = [
        {"service_request_id": str(req.id), "token": req.token, "service_notice": notice, "account_id": None}
    ]
    return render(fmt, "service_requests", "request", body, status=201)


def _iso(t: dt.datetime | None) -> str | None:
    return t.astimezone(clock.CHINA_TZ).isoformat(timespec="seconds") if t else None


def _parse_time(raw: str | None, field: str) -> dt.datetime | None:
    if not raw:
        return None
    try:
        t = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(
            f"{field}：应为 ISO 8601 时间，如 2026-03-01T00:00:00+08:00",
            details=[{"field": field, "message": "格式不正确"}],
        ) from None
    return t if t.tzinfo else t.replace(tzinfo=clock.CHINA_TZ)


def _status_notes(session: Session, req: HotlineRequest) -> str | None:
    if req.status in CLOSED and req.result_text:
        return service.redact_text(req.result_text)
    events = service.timeline(session, req, public_only=True)
    return service.redact_text(events[-1].note) if events and events[-1].note else None


def _department_name(session: Session, department_id: int | None) -> str | None:
    from shuzheng.org import service as org

    return org.get_department(session, department_id).name if department_id else None


def as_open311(session: Session, req: HotlineRequest) -> dict[str, Any]:
    return {
        "service_request_id": str(req.id),
        "status": "closed" if req.status in CLOSED else "open",
        "status_notes": _status_notes(session, req),
        "service_name": taxonomy.topic_label(req.topic_code),
        "service_code": req.topic_code,
        "description": service.redact_text(req.content),
        "agency_responsible": _department_name(session, req.department_id),
        "service_notice": None,
        "requested_datetime": _iso(req.created_at),
        "updated_datetime": _iso(req.updated_at),
        "expected_datetime": _iso(req.due_at) if req.status not in CLOSED else None,
        "address": req.address_normalized or req.address_text,
        "address_id": str(req.standard_address_id) if req.standard_address_id else None,
        "zipcode": None,
        "lat": req.lat,
        "long": req.lon,
        "media_url": None,
    }


@router.get("/requests.{fmt}", summary="查询诉求（公开，不含联系方式）")
def list_requests(
    fmt: str,
    session: DbSession,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: str | None = None,
) -> Response:
    _check_format(fmt)
    query = select(HotlineRequest)
    if service_request_id:
        try:
            ids = [int(x) for x in service_request_id.split(",") if x.strip()]
        except ValueError:
            raise ValidationFailed(
                "service_request_id：应为逗号分隔的编号",
                details=[{"field": "service_request_id", "message": "格式不正确"}],
            ) from None
        query = query.where(HotlineRequest.id.in_(ids))
    else:
        end = _parse_time(end_date, "end_date") or clock.now()
        start = _parse_time(start_date, "start_date") or end - DEFAULT_WINDOW
        if end < start:
            raise ValidationFailed(
                "end_date：不能早于 start_date", details=[{"field": "end_date", "message": "早于 start_date"}]
            )
        query = query.where(HotlineRequest.created_at >= start, HotlineRequest.created_at <= end)
    if service_code:
        query = query.where(HotlineRequest.topic_code.in_([c.strip() for c in service_code.split(",")]))
    if status:
        if status not in ("open", "closed"):
            raise ValidationFailed(
                "status：应为 open 或 closed", details=[{"field": "status", "message": "取值不正确"}]
            )
        query = query.where(
            HotlineRequest.status.in_(CLOSED) if status == "closed" else HotlineRequest.status.notin_(CLOSED)
        )
    rows = session.scalars(query.order_by(HotlineRequest.created_at.desc()).limit(MAX_RESULTS))
    return render(fmt, "service_requests", "request", [as_open311(session, r) for r in rows])


@router.get("/requests/{service_request_id}.{fmt}", summary="查询单个诉求")
def get_request(service_request_id: str, fmt: str, session: DbSession) -> Response:
    _check_format(fmt)
    req = session.get(HotlineRequest, int(service_request_id)) if service_request_id.isdigit() else None
    if req is None:
        raise NotFound(f"service_request_id 不存在：{service_request_id}")
    return render(fmt, "service_requests", "request", [as_open311(session, req)])


@router.get("/tokens/{token}.{fmt}", summary="用 token 查询诉求编号")
def by_token(token: str, fmt: str, session: DbSession) -> Response:
    _check_format(fmt)
    req = session.scalar(select(HotlineRequest).where(HotlineRequest.token == token))
    if req is None:
        raise NotFound(f"token 不存在：{token}")
    return render(fmt, "service_requests", "request", [{"service_request_id": str(req.id), "token": token}])
