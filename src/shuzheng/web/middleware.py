"""ASGI middleware: request id, access log, metrics, and the request body size limit."""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shuzheng.web.logs import log_event, request_id_var
from shuzheng.web.metrics import Metrics

log = logging.getLogger("shuzheng.http")


class RequestContextMiddleware:
    """Gives every request an id (kept from X-Request-ID when a caller sends a sane one), logs one JSON
    line per request without query strings, and records metrics by route template."""

    def __init__(self, app: ASGIApp, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if incoming.isascii() and 8 <= len(incoming) <= 64 else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            if status >= 400:
                code = scope.get("state", {}).get("error_code", str(status))
                self.metrics.errors.labels(code).inc()
            log_event(log, "request", method=method, route=route, status=status, ms=round(elapsed * 1000, 1))
            request_id_var.reset(token)


BODY_LIMIT_KEY = "shuzheng.body_limit"


@dataclass
class BodyLimit:
    """The body size limit of one request. The middleware puts it in the scope; a route that takes large
    uploads raises it (`allow_body`) before it reads the body."""

    max_bytes: int


def allow_body(scope: Scope, max_bytes: int) -> None:
    """Let this request's body grow to `max_bytes` (for the few upload routes that stream to disk).
    Call it before reading the body; outside the middleware (a bare test app) it does nothing."""
    limit = scope.get(BODY_LIMIT_KEY)
    if isinstance(limit, BodyLimit):
        limit.max_bytes = max_bytes


class BodySizeLimitMiddleware:
    """Refuses bodies over the limit with 413, whether announced by Content-Length or streamed. The limit
    is the app-wide one unless the route raised it for its request (`allow_body`), so it is applied when
    the body is read, not before the route is known."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = BodyLimit(self.max_bytes)
        scope[BODY_LIMIT_KEY] = limit
        declared_header = dict(scope.get("headers") or []).get(b"content-length")
        declared = int(declared_header) if declared_header is not None and declared_header.isdigit() else None
        seen = 0
        refused = False

        async def refuse() -> Message:
            nonlocal refused
            # Answer now and tell the app the client is gone; whatever it does next is dropped.
            refused = True
            await self._refuse(send, limit.max_bytes)
            return {"type": "http.disconnect"}

        async def counting_receive() -> Message:
            nonlocal seen
            if refused:
                return {"type": "http.disconnect"}
            if declared is not None and declared > limit.max_bytes:
                return await refuse()
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit.max_bytes:
                    return await refuse()
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:
                await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not refused:
                raise

    async def _refuse(self, send: Send, max_bytes: int) -> None:
        limit_mb = max_bytes / 1024 / 1024
        body: dict[str, Any] = {
            "error": {
                "code": "payload_too_large",
                "message": f"请求内容过大（上限 {limit_mb:g} MB）",
                "details": {"max_bytes": max_bytes},
            }
        }
        payload = json.dumps(body, ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
