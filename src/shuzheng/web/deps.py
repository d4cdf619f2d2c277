"""Dependencies every route uses: the request's DB session, who is calling, and CSRF protection.

The session is committed *before* the response is sent (scope="function"), so a client never sees the
result of an action whose transaction — and ledger entry — did not commit.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from shuzheng.db import Database
from shuzheng.errors import DomainError, NotAuthenticated
from shuzheng.kit.ids import token
from shuzheng.security import service as accounts
from shuzheng.security.models import Account
from shuzheng.security.roles import Actor

SESSION_COOKIE = "sz_session"
CSRF_COOKIE = "sz_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

log = logging.getLogger("shuzheng.web")


class CsrfFailed(DomainError):
    status = 403
    code = "csrf_failed"
    default_message = "页面已过期或请求来源不明（CSRF 校验失败），请刷新页面后重试"


def get_database(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


def get_session(request: Request) -> Iterator[Session]:
    with get_database(request).unit_of_work() as session:
        yield session


DbSession = Annotated[Session, Depends(get_session, scope="function")]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def csrf_token_for(request: Request) -> str:
    """The CSRF token to embed in this page's forms (a new one is set as a cookie if missing)."""
    existing = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if existing:
        return existing
    request.state.new_csrf = token(24)
    return request.state.new_csrf  # type: ignore[no-any-return]


async def _check_csrf(request: Request) -> None:
    if request.method in SAFE_METHODS:
        return
    expected = request.cookies.get(CSRF_COOKIE, "")
    presented = request.headers.get(CSRF_HEADER, "")
    if not presented and "form" in request.headers.get("content-type", ""):
        presented = str((await request.form()).get(CSRF_FIELD, ""))
    if not expected or not hmac.compare_digest(expected, presented):
        raise CsrfFailed()


async def csrf_protect(request: Request, session: DbSession) -> None:
    """Page routers depend on this: every unsafe request must echo the CSRF cookie in a form field.

    A router's dependencies run before the route's own, so a refused post has not read the login yet;
    it is read here, only then, so that the error page still shows who is logged in (and their
    navigation). The session is the request's own (the dependency cache shares it with the route)."""
    try:
        await _check_csrf(request)
    except CsrfFailed:
        if getattr(request.state, "viewer", None) is None:
            try:
                await run_in_threadpool(page_account, request, session)
            except Exception:  # the layout is a courtesy: never let it hide the refusal
                log.warning("could not read the login for a refused form post", exc_info=True)
        raise


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a page, copied out of the ORM row when the request starts: the layout and the
    error page still need it after the request's transaction rolled back and the row is detached."""

    id: int
    kind: str
    display_name: str
    username: str | None
    role_names: tuple[str, ...]
    elder_mode: bool
    department_id: int | None

    @classmethod
    def of(cls, account: Account) -> Viewer:
        return cls(
            id=account.id,
            kind=account.kind,
            display_name=account.display_name,
            username=account.username,
            role_names=tuple(account.role_names),
            elder_mode=account.elder_mode,
            department_id=account.department_id,
        )


def page_account(request: Request, session: DbSession) -> Account | None:
    account = accounts.resolve_web_session(session, request.cookies.get(SESSION_COOKIE))
    request.state.account = account
    request.state.viewer = Viewer.of(account) if account is not None else None
    return account


def page_actor_optional(
    session: DbSession, account: Annotated[Account | None, Depends(page_account)]
) -> Actor | None:
    return accounts.actor_for(session, account) if account is not None else None


def page_actor(actor: Annotated[Actor | None, Depends(page_actor_optional)]) -> Actor:
    if actor is None:
        raise NotAuthenticated()
    return actor


def api_actor_optional(request: Request, session: DbSession) -> Actor | None:
    """Bearer token for other systems; our own pages' scripts may use the session cookie, and then any
    unsafe method must carry the CSRF token in the X-CSRF-Token header. A plain function on purpose: it
    does blocking database work, which must run in the thread pool, not on the event loop."""
    raw = _bearer(request)
    if raw:
        return accounts.actor_for(session, accounts.account_from_access_token(session, raw))
    account = accounts.resolve_web_session(session, request.cookies.get(SESSION_COOKIE))
    if account is None:
        return None
    if request.method not in SAFE_METHODS:
        expected = request.cookies.get(CSRF_COOKIE, "")
        if not expected or not hmac.compare_digest(expected, request.headers.get(CSRF_HEADER, "")):
            raise CsrfFailed()
    return accounts.actor_for(session, account)


def api_actor(actor: Annotated[Actor | None, Depends(api_actor_optional)]) -> Actor:
    if actor is None:
        raise NotAuthenticated("请提供有效的访问令牌（Authorization: Bearer …）")
    return actor


PageActor = Annotated[Actor, Depends(page_actor)]
PageActorOptional = Annotated[Actor | None, Depends(page_actor_optional)]
ApiActor = Annotated[Actor, Depends(api_actor)]
ApiActorOptional = Annotated[Actor | None, Depends(api_actor_optional)]
