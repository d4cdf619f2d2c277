"""Navigation by role: each domain adds its entries here as it grows."""

from __future__ import annotations

from dataclasses import dataclass

from shuzheng.security.models import Account
from shuzheng.security.roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str


NAV_BY_ROLE: dict[Role, list[NavItem]] = {
    Role.PLATFORM_ADMIN: [NavItem("账号管理", "/admin/accounts"), NavItem("工作日历", "/admin/calendar")],
    Role.DATA_OFFICER: [],
    Role.APPROVER: [],
    Role.HOTLINE_AGENT: [],
    Role.DISPATCHER: [],
    Role.LEADER: [],
    Role.CITIZEN: [NavItem("我的信息", "/me")],
    Role.ENTERPRISE: [NavItem("企业信息", "/me")],
}


def navigation_for(account: Account | None) -> list[NavItem]:
    if account is None:
        return []
    items: list[NavItem] = [NavItem("首页", "/")]
    for role_name in account.role_names:
        for item in NAV_BY_ROLE.get(Role(role_name), []):
            if item not in items:
                items.append(item)
    return items
