"""Accounts and login over JSON. Thin: every rule is in service.py."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from shuzheng.errors import NotAuthenticated
from shuzheng.org import service as org
from shuzheng.security import service
from shuzheng.security.roles import ROLE_LABELS
from shuzheng.security.schemas import (
    AccountOut,
    CitizenRegistration,
    EnterpriseRegistration,
    LoginRequest,
    Preferences,
    RefreshRequest,
    RolesUpdate,
    StaffCreate,
    TokenOut,
)
from shuzheng.web.deps import ApiActor, DbSession
from shuzheng.web.errors import error_response

router = APIRouter(prefix="/api", tags=["账号与登录"])


@router.post("/auth/register/citizen", status_code=201, response_model=AccountOut, summary="群众注册")
def register_citizen(body: CitizenRegistration, session: DbSession) -> AccountOut:
    return AccountOut.of(service.register_citizen(session, **body.model_dump()))


@router.post("/auth/register/enterprise", status_code=201, response_model=AccountOut, summary="企业注册")
def register_enterprise(body: EnterpriseRegistration, session: DbSession) -> AccountOut:
    return AccountOut.of(service.register_enterprise(session, **body.model_dump()))


@router.post("/auth/token", response_model=TokenOut, summary="登录，获取访问令牌和刷新令牌")
def login(body: LoginRequest, request: Request, session: DbSession) -> TokenOut | Response:
    result = service.authenticate(session, body.login, body.password)
    if result.error is not None or result.account is None:
        # Returned, not raised: the failure counter must be committed.
        return error_response(request, result.error or NotAuthenticated())
    pair = service.issue_tokens(session, result.account)
    return TokenOut(**pair.__dict__)


@router.post("/auth/refresh", response_model=TokenOut, summary="用刷新令牌换取新令牌（一次性）")
def refresh(body: RefreshRequest, request: Request, session: DbSession) -> TokenOut | Response:
    try:
        pair = service.refresh_tokens(session, body.refresh_token)
    except NotAuthenticated as err:
        # Reuse detection revokes the token family; that must be committed.
        return error_response(request, err)
    return TokenOut(**pair.__dict__)


@router.get("/me", response_model=AccountOut, summary="当前账号（证件号已脱敏）")
def me(actor: ApiActor, session: DbSession) -> AccountOut:
    return AccountOut.of(service.get_account(session, actor.account_id))


@router.put("/me/preferences", response_model=AccountOut, summary="个人偏好（长辈模式）")
def preferences(body: Preferences, actor: ApiActor, session: DbSession) -> AccountOut:
    service.set_elder_mode(session, actor, body.elder_mode)
    return AccountOut.of(service.get_account(session, actor.account_id))


@router.get("/accounts", response_model=list[AccountOut], summary="工作人员账号列表")
def list_staff(actor: ApiActor, session: DbSession) -> list[AccountOut]:
    return [AccountOut.of(a) for a in service.list_staff(session, actor)]


@router.post("/accounts", status_code=201, response_model=AccountOut, summary="创建工作人员账号（一人一号）")
def create_staff(body: StaffCreate, actor: ApiActor, session: DbSession) -> AccountOut:
    return AccountOut.of(service.create_staff(session, actor, **body.model_dump()))


@router.put("/accounts/{account_id}/roles", response_model=AccountOut, summary="调整角色")
def set_roles(account_id: int, body: RolesUpdate, actor: ApiActor, session: DbSession) -> AccountOut:
    return AccountOut.of(service.set_roles(session, actor, account_id, body.roles))


@router.post("/accounts/{account_id}/unlock", response_model=AccountOut, summary="解除登录锁定")
def unlock(account_id: int, actor: ApiActor, session: DbSession) -> AccountOut:
    return AccountOut.of(service.unlock(session, actor, account_id))


@router.get("/roles", summary="角色列表")
def roles() -> list[dict[str, str]]:
    return [{"role": r.value, "label": label} for r, label in ROLE_LABELS.items()]


@router.get("/org/departments", summary="部门列表", tags=["组织机构"])
def departments(actor: ApiActor, session: DbSession) -> list[dict[str, object]]:
    return [
        {
            "id": d.id,
            "code": d.code,
            "name": d.name,
            "short_name": d.short_name,
            "kind": d.kind,
            "region_code": d.region_code,
            "parent_id": d.parent_id,
            "uscc": d.uscc,
        }
        for d in org.list_departments(session)
    ]


@router.get("/org/regions/{code}", summary="行政区划及其下级", tags=["组织机构"])
def region(code: str, actor: ApiActor, session: DbSession) -> dict[str, object]:
    r = org.get_region(session, code)
    return {
        "code": r.code,
        "name": r.name,
        "level": r.level,
        "parent_code": r.parent_code,
        "children": [
            {"code": c.code, "name": c.name, "level": c.level} for c in org.region_children(session, code)
        ],
    }
