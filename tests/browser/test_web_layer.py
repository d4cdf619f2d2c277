"""The shared web layer in real Chromium (Debian's /usr/bin/chromium), on pages of several domains:

- every button in a page's main content is legible: its text has at least 4.5:1 contrast with what is
  behind it (the white-on-blue `button-quiet` belongs on the blue header only);
- the main navigation marks exactly one entry as the current page, the most specific one;
- a form refused for an expired token still shows who is logged in, their navigation, and says so.

Set SHUZHENG_WEB_SHOTS=/some/folder to keep a screenshot of every page checked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from shuzheng.config import get_settings
from shuzheng.hotline import service as hotline
from tests.browser.live import log_in, screenshot, serve
from tests.hotline.factories import build_city, dispatched

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("SHUZHENG_WEB_SHOTS", "")
MIN_CONTRAST = 4.5  # WCAG 2.x AA for normal text

# For each visible element: the WCAG contrast ratio of its text colour over what is behind it (its own
# background, then its ancestors', composited down to the page's white). A gradient counts by its worst
# colour; a background picture cannot be measured (ratio null).
CONTRASTS_JS = """
(elements) => {
  const colours = (c) => (c.match(/rgba?\\([^)]+\\)/g) || []).map((one) => {
    const p = one.slice(one.indexOf("(") + 1, -1).split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  });
  const over = (top, under) => {
    const a = top[3] + under[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    return [0, 1, 2].map((i) => (top[i] * top[3] + under[i] * under[3] * (1 - top[3])) / a).concat([a]);
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (x, y) => {
    const [hi, lo] = [luminance(x), luminance(y)].sort((a, b) => b - a);
    return (hi + 0.05) / (lo + 0.05);
  };
  return elements
    .filter((el) => el.getClientRects().length > 0)
    .map((el) => {
      const layers = [];  // innermost first; each a list of the colours it may show
      for (let node = el; node; node = node.parentElement) {
        const style = getComputedStyle(node);
        if (style.backgroundImage.includes("url(")) return { text: el.innerText.trim(), ratio: null };
        const layer = colours(style.backgroundColor);
        const gradient = colours(style.backgroundImage);
        if (gradient.length) layers.push(gradient);
        if (layer.length) layers.push(layer);
      }
      let behind = [[255, 255, 255, 1]];
      for (const layer of layers.reverse()) {
        behind = layer.flatMap((top) => behind.map((under) => over(top, under)));
      }
      const [text] = colours(getComputedStyle(el).color);
      const worst = Math.min(...behind.map((b) => ratio(over(text, b), b)));
      return { text: el.innerText.trim(), ratio: worst };
    });
}
"""


@dataclass(frozen=True)
class Site:
    url: str
    admin: str
    agent: str
    request_id: int


@pytest.fixture
def site(fresh_database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SHUZHENG_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    with Session(fresh_database.engine) as session:
        city = build_city(session)
        request_id = dispatched(city).id
        hotline.create_api_client(session, city.actor("admin"), "市政务服务网")
        admin, agent = city.accounts["admin"].username, city.accounts["agent"].username
        assert admin and agent
        session.commit()
    try:
        with serve(fresh_database.engine, name="uvicorn-web-layer") as url:
            yield Site(url, admin, agent, request_id)
    finally:
        get_settings.cache_clear()


def shot(page: Page, name: str) -> None:
    screenshot(page, SHOTS, name)


def assert_buttons_legible(page: Page) -> int:
    found = page.locator("main .button").evaluate_all(CONTRASTS_JS)
    checked = [b for b in found if b["ratio"] is not None]
    weak = [f"{b['text']}（{b['ratio']:.2f}:1）" for b in checked if b["ratio"] < MIN_CONTRAST]
    assert not weak, f"{page.url} 上的按钮文字与背景对比度不足 {MIN_CONTRAST}:1：" + "、".join(weak)
    return len(checked)


def test_buttons_on_hotline_pages_are_legible(page: Page, site: Site) -> None:
    log_in(page, site.url, site.admin)
    page.goto(site.url + "/hotline/admin")
    main = page.get_by_role("main")
    expect(main.get_by_role("button", name=re.compile("^删除 "))).not_to_have_count(0)
    expect(main.get_by_role("button", name="停用 市政务服务网")).to_be_visible()
    assert assert_buttons_legible(page) >= 3
    shot(page, "hotline-admin")

    log_in(page, site.url, site.agent)
    page.goto(f"{site.url}/hotline/requests/{site.request_id}")
    reveal = page.get_by_role("button", name="查看完整联系方式（将记录在案）")
    expect(reveal).to_be_visible()
    assert assert_buttons_legible(page) >= 1
    reveal.scroll_into_view_if_needed()
    shot(page, "hotline-request")
    reveal.click()
    expect(page.locator("[data-contact]")).to_contain_text("13812345678")


def test_the_landing_page_keeps_its_header_style_buttons_on_the_blue_banner(page: Page, site: Site) -> None:
    """`button-light` and `button-quiet` are meant for blue: the landing page's banner is blue too."""
    page.goto(site.url + "/")
    hero = page.locator(".hero")
    expect(hero.locator(".button-quiet")).to_have_count(1)
    assert assert_buttons_legible(page) == 2  # 登录 and 注册账号, measured against the gradient
    shot(page, "landing")


def current_nav(page: Page) -> list[str]:
    nav = page.get_by_role("navigation", name="主导航")
    return [t.strip() for t in nav.locator('[aria-current="page"]').all_inner_texts()]


def test_the_main_navigation_marks_the_most_specific_entry_only(page: Page, site: Site) -> None:
    log_in(page, site.url, site.admin)
    for path, label in (
        ("/catalog/review", "目录审核"),
        ("/catalog", "数据资源目录"),
        ("/hotline/admin", "12345配置"),
        ("/", "首页"),
    ):
        page.goto(site.url + path)
        assert current_nav(page) == [label], path
    page.goto(site.url + "/catalog/review")
    shot(page, "nav-catalog-review")
    log_in(page, site.url, site.agent)
    page.goto(f"{site.url}/hotline/requests/{site.request_id}")
    assert current_nav(page) == ["工单查询"]


def test_an_expired_form_keeps_the_viewer_and_says_the_page_expired(page: Page, site: Site) -> None:
    log_in(page, site.url, site.admin)
    page.goto(site.url + "/hotline/admin")
    form = page.locator("form[action='/hotline/admin/settings']").first
    form.locator("input[name=csrf_token]").evaluate("el => el.value = 'expired'")
    form.get_by_role("button").click()
    expect(page).to_have_title("页面已过期 - 数政")
    expect(page.get_by_role("heading", level=1)).to_contain_text("CSRF 校验失败")
    main = page.get_by_role("main")
    expect(main).to_contain_text("页面已过期")
    expect(main).not_to_contain_text("开通权限")
    banner = page.get_by_role("banner")
    expect(banner.get_by_role("button", name="退出登录")).to_be_visible()
    expect(banner.get_by_role("link", name="注册")).to_have_count(0)
    expect(
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="12345配置")
    ).to_be_visible()
    assert assert_buttons_legible(page) >= 1
    shot(page, "csrf-expired")
