"""Rendering pages: one Jinja2 environment over every domain's templates, with what every page needs
(the current user, navigation for their roles, the CSRF token, 长辈模式)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader

from shuzheng.config import get_settings
from shuzheng.errors import DomainError, NotAuthenticated
from shuzheng.web.deps import CSRF_COOKIE, CSRF_FIELD, csrf_token_for

PACKAGE_DIR = Path(__file__).resolve().parent.parent
ELDER_COOKIE = "sz_elder"


def _template_dirs() -> list[Path]:
    """web/templates first (base layout), then each domain's templates/ folder."""
    dirs = [PACKAGE_DIR / "web" / "templates"]
    dirs += sorted(p for p in PACKAGE_DIR.glob("*/templates") if p.parent.name != "web")
    return dirs


templates = Jinja2Templates(directory=str(PACKAGE_DIR / "web" / "templates"))
templates.env.loader = ChoiceLoader([FileSystemLoader(str(d)) for d in _template_dirs()])
templates.env.globals["CSRF_FIELD"] = CSRF_FIELD


def elder_mode(request: Request) -> bool:
    viewer = getattr(request.state, "viewer", None)
    if viewer is not None:
        return bool(viewer.elder_mode)
    return request.cookies.get(ELDER_COOKIE) == "1"


def base_context(request: Request) -> dict[str, Any]:
    from shuzheng.web.navigation import navigation_for

    viewer = getattr(request.state, "viewer", None)
    return {
        "request": request,
        "account": viewer,
        "nav": navigation_for(viewer),
        "csrf_token": csrf_token_for(request),
        "elder_mode": elder_mode(request),
    }


def finish(request: Request, response: Response) -> Response:
    new_csrf = getattr(request.state, "new_csrf", None)
    if new_csrf:
        response.set_cookie(
            CSRF_COOKIE, new_csrf, httponly=True, samesite="strict", secure=get_settings().cookie_secure
        )
    return response


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    ctx = base_context(request)
    ctx.update(context or {})
    response = templates.TemplateResponse(request, template, ctx, status_code=status, headers=headers)
    return finish(request, response)


def render_error_page(request: Request, err: DomainError, headers: dict[str, str] | None = None) -> Response:
    if isinstance(err, NotAuthenticated) and request.method == "GET":
        target = request.url.path
        return RedirectResponse(f"/login?next={target}", status_code=303)
    try:
        return render(request, "error.html", {"error": err}, status=err.status, headers=headers)
    except Exception:  # the error page itself must never fail into a stack trace
        return HTMLResponse(f"<h1>{err.message}</h1>", status_code=err.status, headers=headers)
