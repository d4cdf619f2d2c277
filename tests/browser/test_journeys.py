"""Journeys through the web shell in real Chromium: citizen login + 长辈模式 + logout, the staff
workbench, keyboard access to the skip link, and narrow screens."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def _font_size(page: Page) -> float:
    return float(page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)"))


def _log_in(page: Page, server: LiveServer, login: str) -> None:
    page.goto(server.url + "/")
    page.get_by_role("banner").get_by_role("link", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name="登录", exact=True)).to_be_visible()
    page.get_by_label("账号").fill(login)
    page.get_by_label("密码").fill(server.seeded.password)
    page.get_by_role("main").get_by_role("button", name="登录", exact=True).click()


def test_citizen_logs_in_turns_on_elder_mode_which_survives_a_reload_then_logs_out(
    page: Page, live_server: LiveServer
) -> None:
    seeded = live_server.seeded
    _log_in(page, live_server, seeded.citizen_id_number)
    expect(page.get_by_role("heading", name=f"您好，{seeded.citizen_name}")).to_be_visible()
    # The 身份证号 is shown masked, never in full.
    expect(
        page.get_by_text(seeded.citizen_id_number[:4] + "*" * 10 + seeded.citizen_id_number[-4:])
    ).to_be_visible()
    assert seeded.citizen_id_number not in page.content()

    toggle = page.get_by_role("button", name="长辈模式")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    normal_size = _font_size(page)
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")

    page.reload()
    expect(page.locator("html")).to_have_class("elder")
    expect(page.get_by_role("button", name="长辈模式")).to_have_attribute("aria-pressed", "true")
    assert _font_size(page) >= normal_size * 1.25

    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("status")).to_have_text("您已安全退出登录")
    expect(page.get_by_role("banner").get_by_role("link", name="登录", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="退出登录")).to_have_count(0)


def test_staff_logs_in_with_username_and_sees_the_workbench_with_their_department(
    page: Page, live_server: LiveServer
) -> None:
    seeded = live_server.seeded
    _log_in(page, live_server, seeded.staff_username)
    expect(page.get_by_role("heading", name="工作台", exact=True)).to_be_visible()
    expect(page.get_by_role("main").get_by_text(seeded.department_name)).to_be_visible()
    expect(page.get_by_role("banner").get_by_text(seeded.staff_name)).to_be_visible()
    expect(page.get_by_role("main").get_by_text("审批人员")).to_be_visible()
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link", name="首页")).to_have_attribute(
        "aria-current", "page"
    )


def test_tab_from_the_page_start_reaches_the_skip_link_which_moves_focus_to_main(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.url + "/login")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要内容")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0, "the focused skip link must be on screen"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The next Tab continues inside the main content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_pages_fit_a_narrow_phone_screen_without_sideways_scrolling(
    page: Page, live_server: LiveServer, elder: bool
) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.context.add_cookies([{"name": "sz_elder", "value": "1" if elder else "0", "url": live_server.url}])
    for path in ("/", "/login", "/register", "/register?kind=enterprise", "/no-such-page"):
        page.goto(live_server.url + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} 在窄屏上出现横向滚动（{overflow}px）"
