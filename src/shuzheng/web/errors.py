"""One place that turns errors into responses: our JSON envelope for the API, a friendly page for people.
No stack trace ever reaches a client."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shuzheng.errors import DomainError, InternalError, ServiceUnavailable, TooManyRequests, ValidationFailed

log = logging.getLogger("shuzheng.errors")

HTTP_STATUS_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求有误"),
    401: ("not_authenticated", "请先登录"),
    403: ("permission_denied", "没有权限执行此操作"),
    404: ("not_found", "找不到您访问的页面或接口"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("payload_too_large", "请求内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
}

# Pydantic error types in Chinese; anything else falls back to a generic reason.
VALIDATION_MESSAGES: dict[str, str] = {
    "missing": "必填",
    "string_too_short": "内容太短",
    "string_too_long": "内容太长",
    "string_type": "应为文本",
    "string_pattern_mismatch": "格式不正确",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为是或否",
    "date_parsing": "应为日期（如 2026-10-01）",
    "date_from_datetime_parsing": "应为日期（如 2026-10-01）",
    "datetime_parsing": "应为日期时间",
    "json_invalid": "JSON 格式不正确",
    "model_attributes_type": "格式不正确",
    "dict_type": "应为对象",
    "list_type": "应为列表",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大",
    "greater_than": "数值太小",
    "less_than": "数值太大",
    "value_error": "取值不正确",
    "extra_forbidden": "不允许的字段",
    "too_short": "条目太少",
    "too_long": "条目太多",
}


def wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/open311/", "/healthz", "/metrics")):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def error_response(request: Request, err: DomainError) -> Response:
    request.state.error_code = err.code
    headers = {"Retry-After": str(err.retry_after)} if isinstance(err, TooManyRequests) else None
    if wants_json(request):
        return JSONResponse(err.to_dict(), status_code=err.status, headers=headers)
    from shuzheng.web.templating import render_error_page

    return render_error_page(request, err, headers=headers)


def validation_details(errors: list[Any]) -> list[dict[str, str]]:
    details = []
    for e in errors:
        loc = [
            str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path", "form", "header", "cookie")
        ]
        field = ".".join(loc) or "请求体"
        reason = VALIDATION_MESSAGES.get(e.get("type", ""), "取值不正确")
        if e.get("type") == "enum" and e.get("ctx", {}).get("expected"):
            reason += f"（可选：{e['ctx']['expected']}）"
        details.append({"field": field, "message": reason})
    return details


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        return error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def request_validation(request: Request, exc: RequestValidationError) -> Response:
        details = validation_details(list(exc.errors()))
        summary = "；".join(f"{d['field']}：{d['message']}" for d in details[:5])
        return error_response(request, ValidationFailed(f"提交的数据不符合要求：{summary}", details=details))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code, message = HTTP_STATUS_ERRORS.get(exc.status_code, ("http_error", "请求无法完成"))
        err = DomainError(message, code=code)
        err.status = exc.status_code
        return error_response(request, err)

    @app.exception_handler(OperationalError)
    async def database_down(request: Request, exc: OperationalError) -> Response:
        log.error("database unavailable: %s", type(exc.orig).__name__ if exc.orig else "unknown")
        return error_response(
            request, ServiceUnavailable("数据库暂时不可用，请稍后再试", code="database_unavailable")
        )

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError) -> Response:
        log.exception("database error")
        return error_response(request, InternalError())

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error")
        return error_response(request, InternalError())
