"""Main navigation highlighting: exactly one item is aria-current="page", the most specific one covering
the page (目录审核 on /catalog/review, not 数据资源目录 as well), for every domain's NAV and every role."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from starlette.requests import Request

from shuzheng.security import service
from shuzheng.security.roles import STAFF_ROLES, Role
from shuzheng.web.navigation import NavItem, navigation_for
from shuzheng.web.pageutils import current_nav_item, is_current
from tests import factories as f

CURRENT = re.compile(r'<a href="([^"]+)" aria-current="page">([^<]+)</a>')


@dataclass(frozen=True)
class Roles:
    role_names: tuple[str, ...]


def at(path: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": []})


def current(path: str, items: list[NavItem]) -> str | None:
    item = current_nav_item(at(path), items)
    return item.label if item else None


CATALOG = [NavItem("首页", "/"), NavItem("数据资源目录", "/catalog"), NavItem("目录审核", "/catalog/review")]


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/", "首页"),
        ("/catalog", "数据资源目录"),
        ("/catalog/", "数据资源目录"),
        ("/catalog/review", "目录审核"),
        ("/catalog/review/", "目录审核"),
        ("/catalog/new", "数据资源目录"),
        ("/catalog/ZY-001/edit", "数据资源目录"),
        ("/catalog.xlsx", None),  # a sibling, not a sub-page
        ("/catalogue", None),
        ("/catalog/reviewed", "数据资源目录"),
        ("/me", None),
    ],
)
def test_the_most_specific_item_is_current(path: str, label: str | None) -> None:
    assert current(path, CATALOG) == label


def test_an_item_may_claim_pages_outside_its_link() -> None:
    items = [
        NavItem("数据资源目录", "/catalog"),
        NavItem("目录编制", "/catalog/workbench", also=("/catalog/new",)),
    ]
    assert current("/catalog/new", items) == "目录编制"
    assert current("/catalog/workbench", items) == "目录编制"
    assert current("/catalog/ZY-001", items) == "数据资源目录"


def test_the_order_of_the_items_does_not_matter() -> None:
    assert current("/catalog/review", list(reversed(CATALOG))) == "目录审核"


def test_is_current_still_tells_whether_a_link_covers_the_page() -> None:
    assert is_current(at("/catalog/review"), "/catalog") and is_current(
        at("/catalog/review"), "/catalog/review"
    )
    assert not is_current(at("/catalog"), "/") and is_current(at("/"), "/")
    assert is_current(at("/admin/calendar"), "/admin/calendar?year=2026")


# Every role alone, and a staff member holding every staff role (people are citizens, enterprises or staff).
ROLE_SETS = [(role,) for role in Role] + [tuple(r for r in Role if r in STAFF_ROLES)]


@pytest.mark.parametrize("roles", ROLE_SETS, ids=lambda roles: "+".join(r.value for r in roles))
def test_every_items_own_page_and_sub_pages_highlight_that_item_alone(roles: tuple[Role, ...]) -> None:
    """Each domain's NAV, alone and all together: an item's own page marks that item; a page under it
    marks it or an item for a more specific part of it, never a less specific one."""
    items = navigation_for(Roles(tuple(r.value for r in roles)))
    assert len({i.href for i in items}) == len(items), "同一地址在导航中出现两次"
    for item in items:
        assert current_nav_item(at(item.href), items) == item
        if item.href != "/":
            below = current_nav_item(at(item.href.rstrip("/") + "/123"), items)
            assert below is not None and below.href.startswith(item.href)


@pytest.mark.parametrize(
    ("roles", "path", "label"),
    [
        (("data_officer",), "/catalog/workbench", "目录编制"),
        (("data_officer",), "/catalog/new", "目录编制"),  # claimed with NavItem.also
        (("data_officer",), "/catalog", "数据资源目录"),
        (("platform_admin",), "/catalog/review", "目录审核"),
        (("data_officer",), "/sharing/inbox", "共享审核"),
        (("data_officer",), "/sharing", "数据共享"),
        (("data_officer", "leader"), "/quality/mine", "我的数据质量"),
    ],
)
def test_pages_mark_exactly_one_item_of_the_main_navigation(
    client, session, roles: tuple[str, ...], path: str, label: str
) -> None:
    account = f.staff(session, *roles, name="钱多多")
    client.cookies.set("sz_session", service.start_web_session(session, account))
    r = client.get(path)
    assert r.status_code == 200, r.text[:500]
    nav = r.text.split('aria-label="主导航"', 1)[1].split("</nav>", 1)[0]
    assert [m.group(2) for m in CURRENT.finditer(nav)] == [label]
