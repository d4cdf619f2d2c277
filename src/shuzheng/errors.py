"""Domain errors. Each carries an HTTP status, a machine code and a Chinese message for people.

Services raise these; the API renders {"error": {"code", "message", "details"}} and pages render a
friendly error page. Anything else is a bug and becomes a generic 500 without a stack trace.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "bad_request"
    default_message = "请求有误"

    def __init__(self, message: str | None = None, *, code: str | None = None, details: Any = None):
        self.message = message or self.default_message
        if code:
            self.code = code
        self.details = details
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"
    default_message = "提交的数据不符合要求"


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    default_message = "请先登录"


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"
    default_message = "没有权限执行此操作"


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = "找不到请求的资源"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = "与已有数据冲突"


class Locked(DomainError):
    status = 423
    code = "locked"
    default_message = "账号已被临时锁定"


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_requests"
    default_message = "请求过于频繁，请稍后再试"

    def __init__(self, message: str | None = None, *, retry_after: int = 1, **kw: Any):
        super().__init__(message, **kw)
        self.retry_after = retry_after


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"
    default_message = "请求内容过大"


class ServiceUnavailable(DomainError):
    status = 503
    code = "service_unavailable"
    default_message = "服务暂时不可用，请稍后再试"


def field_error(field: str, reason: str) -> ValidationFailed:
    """The common case: one field is wrong. Details list fields the same way request validation does."""
    return ValidationFailed(f"{field}：{reason}", details=[{"field": field, "message": reason}])


class InternalError(DomainError):
    status = 500
    code = "internal_error"
    default_message = "服务器内部错误，请联系管理员"
