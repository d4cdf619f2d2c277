"""Navigation by role: each domain adds its entries here as it grows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from shuzheng.security.roles import Role


class HasRoles(Protocol):
    @property
    def role_names(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    # Pages outside `href` that belong to this entry (目录编制 owns /catalog/new, not under its link).
    also: tuple[str, ...] = ()


def _collected() -> dict[Role, list[NavItem]]:
    """Every domain's pages.NAV, merged in domain order."""
    from shuzheng.registry import domain_modules

    merged: dict[Role, list[NavItem]] = {}
    for module in domain_modules("pages"):
        for role, items in getattr(module, "NAV", {}).items():
            merged.setdefault(role, []).extend(items)
    return merged


_nav_cache: dict[Role, list[NavItem]] | None = None


def navigation_for(account: HasRoles | None) -> list[NavItem]:
    global _nav_cache
    if account is None:
        return []
    if _nav_cache is None:
        _nav_cache = _collected()
    items: list[NavItem] = [NavItem("首页", "/")]
    for role_name in account.role_names:
        for item in _nav_cache.get(Role(role_name), []):
            if item not in items:
                items.append(item)
    return items
