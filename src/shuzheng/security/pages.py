"""Account pages: landing and home per role, login/logout, registration, my profile, 长辈模式, and the
platform administrator's staff accounts. Thin: every rule is in security/service.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from shuzheng.errors import DomainError, NotAuthenticated, PermissionDenied, TooManyRequests
from shuzheng.org import service as org
from shuzheng.security import service
from shuzheng.security.models import Account
from shuzheng.security.roles import (
    PERM_LABELS,
    ROLE_LABELS,
    ROLE_PERMS,
    STAFF_ROLES,
    AccountKind,
    Actor,
    Perm,
    Role,
    require,
)
from shuzheng.web.deps import SESSION_COOKIE, DbSession, PageActor, PageActorOptional, csrf_protect
from shuzheng.web.navigation import NavItem
from shuzheng.web.pageutils import (
    clear_session_cookie,
    elder_cookie_on,
    error_page,
    field_errors,
    redirect,
    render_page,
    role_labels,
    safe_next,
    set_elder_cookie,
    set_session_cookie,
)
from shuzheng.web.templating import elder_mode

router = APIRouter(tags=["页面：账号"], dependencies=[Depends(csrf_protect)], include_in_schema=False)

NAV = {
    Role.PLATFORM_ADMIN: [NavItem("账号管理", "/admin/accounts")],
    Role.CITIZEN: [NavItem("我的信息", "/me")],
    Role.ENTERPRISE: [NavItem("企业信息", "/me")],
}

TextField = Annotated[str, Form()]
KIND_LABELS = {
    AccountKind.CITIZEN: "个人（群众）",
    AccountKind.ENTERPRISE: "企业",
    AccountKind.STAFF: "工作人员",
}
# Staff roles in the order an administrator reads them, with their Chinese labels.
STAFF_ROLE_OPTIONS = [(r.value, ROLE_LABELS[r]) for r in Role if r in STAFF_ROLES]

CITIZEN_LABELS = {
    "name": "姓名",
    "id_number": "身份证号",
    "phone": "手机号",
    "password": "密码",
    "password_confirm": "确认密码",
}
ENTERPRISE_LABELS = {
    "name": "企业名称",
    "uscc": "统一社会信用代码",
    "password": "密码",
    "password_confirm": "确认密码",
}
STAFF_LABELS = {
    "username": "用户名",
    "display_name": "姓名",
    "department_id": "所属部门",
    "roles": "角色",
    "password": "初始密码",
}


# ---------------------------------------------------------------- home


@router.get("/", summary="首页")
def home(request: Request, session: DbSession, actor: PageActorOptional) -> Response:
    if actor is None:
        return render_page(request, "landing.html")
    account = service.get_account(session, actor.account_id)
    if actor.is_staff:
        return render_page(request, "home_staff.html", _workbench(request, session, actor))
    return render_page(request, "home_person.html", {"me": _identity(account)})


def _identity(account: Account) -> dict[str, Any]:
    """What a person may see about their own account: identifiers masked."""
    return {
        "account": account,
        "kind_label": KIND_LABELS.get(AccountKind(account.kind), account.kind),
        "id_number": service.masked_id_number(account),
        "phone": service.masked_phone(account),
    }


def _workbench(request: Request, session: Session, actor: Actor) -> dict[str, Any]:
    from shuzheng.web.navigation import navigation_for

    department = org.get_department(session, actor.department_id) if actor.department_id else None
    modules = [item for item in navigation_for(request.state.account) if item.href != "/"]
    perms = sorted({p for role in actor.roles for p in ROLE_PERMS[role]}, key=list(Perm).index)
    context: dict[str, Any] = {
        "department": department,
        "roles": [ROLE_LABELS[r] for r in Role if r in actor.roles],
        "modules": modules,
        "permissions": [PERM_LABELS[p] for p in perms],
    }
    if actor.can(Perm.ACCOUNTS_MANAGE) and actor.can(Perm.ORG_MANAGE):
        context["overview"] = _platform_overview(session, actor)
    return context


def _platform_overview(session: Session, actor: Actor) -> dict[str, int]:
    by_kind = service.count_accounts(session, actor)
    return {
        "departments": len(org.list_departments(session)),
        "staff": by_kind.get(AccountKind.STAFF.value, 0),
        "citizens": by_kind.get(AccountKind.CITIZEN.value, 0),
        "enterprises": by_kind.get(AccountKind.ENTERPRISE.value, 0),
    }


# ---------------------------------------------------------------- login / logout


@router.get("/login", summary="登录")
def login_form(
    request: Request, actor: PageActorOptional, next: Annotated[str | None, Query()] = None
) -> Response:
    if actor is not None:
        return redirect(safe_next(next))
    return render_page(request, "login.html", {"next": safe_next(next, default=""), "login": ""})


@router.post("/login", summary="登录（提交）")
def login_submit(
    request: Request,
    session: DbSession,
    actor: PageActorOptional,
    login: TextField = "",
    password: TextField = "",
    next: TextField = "",
) -> Response:
    login = login.strip()[:64]
    context: dict[str, Any] = {"next": safe_next(next, default=""), "login": login}
    missing = {}
    if not login:
        missing["login"] = "请输入账号（用户名、身份证号或统一社会信用代码）"
    if not password:
        missing["password"] = "请输入密码"
    if missing:
        return render_page(request, "login.html", {**context, "errors": missing}, status=422)

    result = service.authenticate(session, login, password)
    if result.error is not None or result.account is None:
        # Returned, not raised: the failure counter is committed with this response.
        err = result.error or NotAuthenticated("账号或密码错误")
        headers = {"Retry-After": str(err.retry_after)} if isinstance(err, TooManyRequests) else None
        return render_page(
            request, "login.html", {**context, "error": err}, status=err.status, headers=headers
        )

    return _logged_in(request, session, result.account, safe_next(next))


def _logged_in(
    request: Request, session: Session, account: Account, target: str, flash: str = ""
) -> Response:
    """Start a fresh web session; the one this browser had (if any) ends, so no session is fixed or left
    behind. 长辈模式 chosen on this device before logging in is kept for the account."""
    service.end_web_session(session, request.cookies.get(SESSION_COOKIE))
    if elder_cookie_on(request) and not account.elder_mode:
        service.set_elder_mode(session, service.actor_for(session, account), True)
    raw = service.start_web_session(session, account)
    response = redirect(target, flash=flash or None)
    set_session_cookie(response, raw)
    if account.elder_mode:
        set_elder_cookie(response, True)
    return response


@router.post("/logout", summary="退出登录")
def logout(request: Request, session: DbSession) -> Response:
    service.end_web_session(session, request.cookies.get(SESSION_COOKIE))
    response = redirect("/", flash="您已安全退出登录")
    clear_session_cookie(response)
    return response


# ---------------------------------------------------------------- 长辈模式


@router.post("/preferences/elder-mode", summary="切换长辈模式")
def toggle_elder_mode(
    request: Request,
    session: DbSession,
    actor: PageActorOptional,
    enabled: TextField = "",
    next: TextField = "",
) -> Response:
    """`enabled` says the wanted state ("1"/"0") so a double submit cannot flip it back; without it the
    mode toggles. Logged in: saved to the account. Always: remembered by this device."""
    wanted = {"1": True, "0": False}.get(enabled, not elder_mode(request))
    if actor is not None:
        service.set_elder_mode(session, actor, wanted)
    response: Response
    if "application/json" in request.headers.get("accept", ""):
        response = JSONResponse({"elder_mode": wanted})
    else:
        response = redirect(safe_next(next), flash="已开启长辈模式" if wanted else "已关闭长辈模式")
    set_elder_cookie(response, wanted)
    return response


# ---------------------------------------------------------------- registration


@router.get("/register", summary="注册")
def register_form(
    request: Request, actor: PageActorOptional, kind: Annotated[str, Query()] = "citizen"
) -> Response:
    if actor is not None:
        return redirect("/")
    return _render_register(request, "enterprise" if kind == "enterprise" else "citizen", {}, {})


def _render_register(
    request: Request, kind: str, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    labels = ENTERPRISE_LABELS if kind == "enterprise" else CITIZEN_LABELS
    context = {"kind": kind, "values": values, "errors": errors, "labels": labels}
    return render_page(request, "register.html", context, status=status)


def _password_errors(password: str, confirm: str) -> dict[str, str]:
    if not password:
        return {"password": "请设置密码"}
    if password != confirm:
        return {"password_confirm": "两次输入的密码不一致"}
    return {}


def _required(values: dict[str, str], labels: dict[str, str], *names: str) -> dict[str, str]:
    return {name: f"请填写{labels[name]}" for name in names if not values.get(name)}


@router.post("/register/citizen", summary="群众注册（提交）")
def register_citizen(
    request: Request,
    session: DbSession,
    name: TextField = "",
    id_number: TextField = "",
    phone: TextField = "",
    password: TextField = "",
    password_confirm: TextField = "",
) -> Response:
    values = {"name": name.strip(), "id_number": id_number.strip(), "phone": phone.strip()}
    errors = _required(values, CITIZEN_LABELS, "name", "id_number") | _password_errors(
        password, password_confirm
    )
    if errors:
        return _render_register(request, "citizen", values, errors, status=422)
    try:
        with session.begin_nested():
            account = service.register_citizen(
                session,
                name=values["name"],
                id_number=values["id_number"],
                password=password,
                phone=values["phone"] or None,
            )
    except DomainError as err:
        errors = field_errors(err, fallback_field="id_number")
        return _render_register(request, "citizen", values, errors, status=err.status)
    return _logged_in(request, session, account, "/", flash="注册成功，欢迎使用数政")


@router.post("/register/enterprise", summary="企业注册（提交）")
def register_enterprise(
    request: Request,
    session: DbSession,
    name: TextField = "",
    uscc: TextField = "",
    password: TextField = "",
    password_confirm: TextField = "",
) -> Response:
    values = {"name": name.strip(), "uscc": uscc.strip().upper()}
    errors = _required(values, ENTERPRISE_LABELS, "name", "uscc") | _password_errors(
        password, password_confirm
    )
    if errors:
        return _render_register(request, "enterprise", values, errors, status=422)
    try:
        with session.begin_nested():
            account = service.register_enterprise(
                session, name=values["name"], uscc=values["uscc"], password=password
            )
    except DomainError as err:
        errors = field_errors(err, fallback_field="uscc")
        return _render_register(request, "enterprise", values, errors, status=err.status)
    return _logged_in(request, session, account, "/", flash="注册成功，欢迎使用数政")


# ---------------------------------------------------------------- my profile


@router.get("/me", summary="我的信息")
def me(request: Request, session: DbSession, actor: PageActor) -> Response:
    account = service.get_account(session, actor.account_id)
    department = org.get_department(session, account.department_id) if account.department_id else None
    return render_page(request, "account_me.html", {"me": _identity(account), "department": department})


# ---------------------------------------------------------------- staff accounts (platform administrator)


def _not_admin(request: Request, actor: Actor) -> Response | None:
    """The 403 page for anyone who may not manage accounts (the services check again)."""
    try:
        require(actor, Perm.ACCOUNTS_MANAGE)
    except PermissionDenied as err:
        return error_page(request, err)
    return None


@router.get("/admin/accounts", summary="账号管理")
def admin_accounts(request: Request, session: DbSession, actor: PageActor) -> Response:
    return _not_admin(request, actor) or _render_admin(request, session, actor)


def _render_admin(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    action_error: DomainError | None = None,
    status: int = 200,
) -> Response:
    from shuzheng.kit import clock

    staff = service.list_staff(session, actor)
    departments = org.list_departments(session)
    names = {d.id: d.name for d in departments}
    t = clock.now()
    rows = [
        {
            "account": a,
            "department": names.get(a.department_id, "—") if a.department_id else "—",
            "locked": bool(
                (a.locked_until and a.locked_until > t) or (a.next_attempt_at and a.next_attempt_at > t)
            ),
            "is_self": a.id == actor.account_id,
        }
        for a in staff
    ]
    context = {
        "rows": rows,
        "department_options": [(d.id, d.name) for d in departments if d.active],
        "role_options": STAFF_ROLE_OPTIONS,
        "values": values or {"roles": []},
        "errors": errors or {},
        "labels": STAFF_LABELS,
        "action_error": action_error,
    }
    return render_page(request, "account_admin.html", context, status=status)


@router.post("/admin/accounts", summary="创建工作人员账号")
def admin_create_staff(
    request: Request,
    session: DbSession,
    actor: PageActor,
    username: TextField = "",
    display_name: TextField = "",
    department_id: TextField = "",
    password: TextField = "",
    roles: Annotated[list[str] | None, Form()] = None,
) -> Response:
    if denied := _not_admin(request, actor):
        return denied
    values: dict[str, Any] = {
        "username": username.strip(),
        "display_name": display_name.strip(),
        "department_id": department_id,
        "roles": roles or [],
    }
    errors = _required(values, STAFF_LABELS, "username", "display_name")
    if not department_id.isdigit():
        errors["department_id"] = "请选择所属部门"
    if not roles:
        errors["roles"] = "请至少选择一个角色"
    if not password:
        errors["password"] = "请设置初始密码"
    if errors:
        return _render_admin(request, session, actor, values=values, errors=errors, status=422)
    try:
        with session.begin_nested():
            created = service.create_staff(
                session,
                actor,
                username=values["username"],
                display_name=values["display_name"],
                department_id=int(department_id),
                roles=values["roles"],
                password=password,
            )
    except DomainError as err:
        errors = field_errors(err, fallback_field="username")
        return _render_admin(request, session, actor, values=values, errors=errors, status=err.status)
    return redirect(
        "/admin/accounts", flash=f"已创建工作人员账号：{created.username}（{created.display_name}）"
    )


@router.post("/admin/accounts/{account_id}/roles", summary="调整角色")
def admin_set_roles(
    request: Request,
    session: DbSession,
    actor: PageActor,
    account_id: int,
    roles: Annotated[list[str] | None, Form()] = None,
) -> Response:
    if denied := _not_admin(request, actor):
        return denied
    try:
        with session.begin_nested():
            account = service.set_roles(session, actor, account_id, roles or [])
    except DomainError as err:
        return _render_admin(request, session, actor, action_error=err, status=err.status)
    labels = "、".join(role_labels(account.role_names))
    return redirect("/admin/accounts", flash=f"已更新 {account.display_name} 的角色：{labels}")


@router.post("/admin/accounts/{account_id}/unlock", summary="解除登录锁定")
def admin_unlock(request: Request, session: DbSession, actor: PageActor, account_id: int) -> Response:
    if denied := _not_admin(request, actor):
        return denied
    try:
        with session.begin_nested():
            account = service.unlock(session, actor, account_id)
    except DomainError as err:
        return _render_admin(request, session, actor, action_error=err, status=err.status)
    return redirect("/admin/accounts", flash=f"已解除 {account.display_name} 的登录锁定")
