"""Roles, permissions, and the one authorisation check services call: `require`."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from shuzheng.errors import NotAuthenticated, PermissionDenied


class AccountKind(StrEnum):
    CITIZEN = "citizen"
    ENTERPRISE = "enterprise"
    STAFF = "staff"


class Role(StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    DATA_OFFICER = "data_officer"
    APPROVER = "approver"
    HOTLINE_AGENT = "hotline_agent"
    DISPATCHER = "dispatcher"
    LEADER = "leader"
    CITIZEN = "citizen"
    ENTERPRISE = "enterprise"


ROLE_LABELS = {
    Role.PLATFORM_ADMIN: "平台管理员",
    Role.DATA_OFFICER: "数据专员",
    Role.APPROVER: "审批人员",
    Role.HOTLINE_AGENT: "12345话务员",
    Role.DISPATCHER: "派单员",
    Role.LEADER: "领导",
    Role.CITIZEN: "群众",
    Role.ENTERPRISE: "企业",
}

STAFF_ROLES = frozenset(
    {Role.PLATFORM_ADMIN, Role.DATA_OFFICER, Role.APPROVER, Role.HOTLINE_AGENT, Role.DISPATCHER, Role.LEADER}
)


class Perm(StrEnum):
    ACCOUNTS_MANAGE = "accounts.manage"
    ORG_MANAGE = "org.manage"
    CALENDAR_MANAGE = "calendar.manage"
    KEYS_MANAGE = "keys.manage"
    LEDGER_READ = "ledger.read"
    AUDIT_READ = "audit.read"
    CATALOG_PUBLISH = "catalog.publish"
    CATALOG_REVIEW = "catalog.review"
    DATA_LOAD = "data.load"
    SHARING_REQUEST = "sharing.request"
    SHARING_APPROVE = "sharing.approve"
    APPLICATION_REVIEW = "services.review"
    LICENCE_ISSUE = "licences.issue"
    HOTLINE_INTAKE = "hotline.intake"
    HOTLINE_DISPATCH = "hotline.dispatch"
    HOTLINE_HANDLE = "hotline.handle"
    DASHBOARD_VIEW = "dashboard.view"
    SELF_SERVICE = "self.service"


PERM_LABELS = {
    Perm.ACCOUNTS_MANAGE: "管理账号",
    Perm.ORG_MANAGE: "管理组织机构",
    Perm.CALENDAR_MANAGE: "维护工作日历",
    Perm.KEYS_MANAGE: "管理密钥",
    Perm.LEDGER_READ: "查看存证账本",
    Perm.AUDIT_READ: "查看审计记录",
    Perm.CATALOG_PUBLISH: "编制发布目录",
    Perm.CATALOG_REVIEW: "审核目录",
    Perm.DATA_LOAD: "汇聚数据",
    Perm.SHARING_REQUEST: "申请共享数据",
    Perm.SHARING_APPROVE: "审批共享申请",
    Perm.APPLICATION_REVIEW: "审批办件",
    Perm.LICENCE_ISSUE: "签发电子证照",
    Perm.HOTLINE_INTAKE: "受理12345诉求",
    Perm.HOTLINE_DISPATCH: "派发12345工单",
    Perm.HOTLINE_HANDLE: "办理12345工单",
    Perm.DASHBOARD_VIEW: "查看驾驶舱",
    Perm.SELF_SERVICE: "办理个人事务",
}

ROLE_PERMS: dict[Role, frozenset[Perm]] = {
    Role.PLATFORM_ADMIN: frozenset(Perm),
    Role.DATA_OFFICER: frozenset(
        {
            Perm.CATALOG_PUBLISH,
            Perm.DATA_LOAD,
            Perm.SHARING_REQUEST,
            Perm.SHARING_APPROVE,
            Perm.HOTLINE_HANDLE,
        }
    ),
    Role.APPROVER: frozenset({Perm.APPLICATION_REVIEW, Perm.LICENCE_ISSUE, Perm.HOTLINE_HANDLE}),
    Role.HOTLINE_AGENT: frozenset({Perm.HOTLINE_INTAKE}),
    Role.DISPATCHER: frozenset({Perm.HOTLINE_INTAKE, Perm.HOTLINE_DISPATCH}),
    Role.LEADER: frozenset({Perm.DASHBOARD_VIEW, Perm.AUDIT_READ}),
    Role.CITIZEN: frozenset({Perm.SELF_SERVICE}),
    Role.ENTERPRISE: frozenset({Perm.SELF_SERVICE}),
}

# These roles act for the whole city, whichever department the person sits in: the platform operator,
# and the 12345 centre, which takes requests about and dispatches to every department.
CITYWIDE_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.HOTLINE_AGENT, Role.DISPATCHER})


@dataclass(frozen=True)
class Actor:
    """Who is acting: built once per request/command from the account, passed to every service."""

    account_id: int
    kind: AccountKind
    display_name: str
    roles: frozenset[Role]
    department_id: int | None = None
    # The actor's department and every department below it.
    scope: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_staff(self) -> bool:
        return self.kind is AccountKind.STAFF

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    def can(self, perm: Perm, *, department: int | None = None) -> bool:
        for role in self.roles:
            if perm not in ROLE_PERMS[role]:
                continue
            if department is None or role in CITYWIDE_ROLES or department in self.scope:
                return True
        return False


def require(actor: Actor | None, perm: Perm, *, department: int | None = None) -> Actor:
    """Raise unless `actor` holds `perm` (for `department`, when the action concerns one)."""
    if actor is None:
        raise NotAuthenticated()
    if not actor.can(perm):
        raise PermissionDenied(f"没有权限：{PERM_LABELS[perm]}", details={"permission": perm.value})
    if department is not None and not actor.can(perm, department=department):
        raise PermissionDenied(
            f"没有权限：{PERM_LABELS[perm]}（超出本部门范围）",
            details={"permission": perm.value, "department_id": department},
        )
    return actor
