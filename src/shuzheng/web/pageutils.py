"""Helpers that page routes share on top of `web/templating.py`: safe redirects, one-time flash messages,
the login and 长辈模式 cookies, and the template globals and filters the base layout uses.

Importing this module registers the globals on the shared Jinja2 environment; `security/pages.py` imports
it, and the app always loads that module, so every page can rely on them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

import shuzheng
from shuzheng.config import get_settings
from shuzheng.errors import DomainError, TooManyRequests
from shuzheng.kit.clock import CHINA_TZ
from shuzheng.security.roles import ROLE_LABELS, Role
from shuzheng.web.deps import SESSION_COOKIE
from shuzheng.web.navigation import NavItem
from shuzheng.web.templating import ELDER_COOKIE, render, templates

FLASH_COOKIE = "sz_flash"
FLASH_LEVELS = frozenset({"success", "info", "error"})
ELDER_COOKIE_DAYS = 365


# ---------------------------------------------------------------- redirects


def safe_next(target: str | None, default: str = "/") -> str:
    """Where to go after login or a toggle: only a path on this site, never another host.

    `//evil.example` and `/\\evil.example` are host references to browsers, so they are refused too."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(c in target for c in "\r\n\t"):
        return default
    return target


def redirect(url: str, *, flash: str | None = None, level: str = "success") -> RedirectResponse:
    """A 303 after a POST (so reloading does not resubmit), optionally with a one-time message."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        set_flash(response, flash, level)
    return response


# ---------------------------------------------------------------- flash messages


def set_flash(response: Response, message: str, level: str = "success") -> None:
    level = level if level in FLASH_LEVELS else "info"
    response.set_cookie(
        FLASH_COOKIE,
        quote(f"{level}:{message}", safe=""),
        max_age=60,
        httponly=True,
        samesite="lax",
        secure=get_settings().cookie_secure,
    )


def flash_message(request: Request) -> dict[str, str] | None:
    """The pending flash message, if any: {"level": ..., "text": ...}. Jinja escapes the text."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    level, _, text = unquote(raw).partition(":")
    if level not in FLASH_LEVELS or not text:
        return None
    return {"level": level, "text": text[:200]}


def render_page(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """`templating.render`, and the flash message shown on this page is cleared so it shows only once."""
    response = render(request, template, context, status=status, headers=headers)
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, httponly=True, samesite="lax")
    return response


def error_page(request: Request, err: DomainError) -> Response:
    """The friendly error page, rendered by the route itself. A DomainError that escapes a route is
    rendered only after the request's session has rolled back, which detaches the logged-in account, so
    the layout cannot show who is logged in; a route that expects an error (e.g. 403) returns this."""
    headers = {"Retry-After": str(err.retry_after)} if isinstance(err, TooManyRequests) else None
    return render_page(request, "error.html", {"error": err}, status=err.status, headers=headers)


# ---------------------------------------------------------------- cookies


def set_session_cookie(response: Response, raw_token: str) -> None:
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE,
        raw_token,
        max_age=settings.web_session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax", secure=get_settings().cookie_secure)


def set_elder_cookie(response: Response, enabled: bool) -> None:
    """The device remembers 长辈模式 too, so it survives logging out and works before logging in."""
    response.set_cookie(
        ELDER_COOKIE,
        "1" if enabled else "0",
        max_age=ELDER_COOKIE_DAYS * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=get_settings().cookie_secure,
    )


def elder_cookie_on(request: Request) -> bool:
    return request.cookies.get(ELDER_COOKIE) == "1"


# ---------------------------------------------------------------- form errors


def field_errors(err: DomainError, *, fallback_field: str | None = None) -> dict[str, str]:
    """Map a DomainError's details ([{"field", "message"}]) to {field: message} for the form macros.
    An error without field details is attached to `fallback_field` when given (e.g. a duplicate 身份证号)."""
    found: dict[str, str] = {}
    details = err.details if isinstance(err.details, list) else []
    for item in details:
        if isinstance(item, dict) and item.get("field"):
            found.setdefault(str(item["field"]), str(item.get("message") or err.message))
    if not found and fallback_field:
        found[fallback_field] = err.message
    return found


# ---------------------------------------------------------------- template globals and filters


def human_error(err: DomainError) -> str:
    """A DomainError for people: the per-field reasons when it has them (without internal field names)."""
    details = err.details if isinstance(err.details, list) else []
    reasons = [str(d["message"]) for d in details if isinstance(d, dict) and d.get("message")]
    return "；".join(reasons) if reasons else err.message


def role_label(role: str | Role) -> str:
    try:
        return ROLE_LABELS[Role(role)]
    except ValueError:
        return str(role)


def role_labels(role_names: list[str]) -> list[str]:
    """Labels in the platform's role order (administrator first), not alphabetical by code."""
    order = {role.value: i for i, role in enumerate(Role)}
    return [role_label(r) for r in sorted(role_names, key=lambda r: order.get(r, len(order)))]


def china_time(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Datetimes are stored in UTC; people read them in Beijing time."""
    if value is None:
        return ""
    return value.astimezone(CHINA_TZ).strftime(fmt)


def is_current(request: Request, href: str) -> bool:
    """Whether a link covers this page: the home link only "/", other links also their sub-pages. Several
    links of one navigation may cover a page (数据资源目录 and 目录审核 both cover /catalog/review); mark
    the one `current_nav_item` picks."""
    path = request.url.path
    target = urlsplit(href).path or "/"
    if target == "/":
        return path == "/"
    return path == target or path.startswith(target.rstrip("/") + "/")


def current_nav_item(request: Request, items: Sequence[NavItem]) -> NavItem | None:
    """The one navigation item to mark aria-current="page": of those covering this page (by their link or
    the extra paths they claim), the most specific (longest path); the first listed when two are
    equally long."""
    best: NavItem | None = None
    best_length = -1
    for item in items:
        for href in (item.href, *item.also):
            length = len((urlsplit(href).path or "/").rstrip("/"))
            if length > best_length and is_current(request, href):
                best, best_length = item, length
    return best


def attempt(session: Session, action: Callable[[], Any]) -> DomainError | None:
    """Run a service call from a form post in a savepoint: a refused action rolls back to here and the
    page shows why (the request's transaction goes on and commits what came before)."""
    try:
        with session.begin_nested():
            action()
    except DomainError as err:
        return err
    return None


def current_url(request: Request) -> str:
    """This page's path and query, to come back to after a POST from the layout (e.g. 长辈模式)."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


templates.env.globals.update(
    flash_message=flash_message,
    role_label=role_label,
    is_current=is_current,
    current_nav_item=current_nav_item,
    current_url=current_url,
    asset_version=shuzheng.__version__,
)
templates.env.filters["china_time"] = china_time
templates.env.filters["role_label"] = role_label
templates.env.filters["role_labels"] = role_labels
templates.env.filters["human_error"] = human_error
