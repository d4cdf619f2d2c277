"""Open data in Chromium: finding and downloading an open dataset without logging in, and a developer
creating an API key (shown once), using it, and revoking it. A failing test leaves a full-page
screenshot under test-results/ (the hook of tests/browser/conftest.py, re-exported by ./conftest.py)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from tests import factories as f
from tests.browser.conftest import browser_context_args, browser_type_launch_args  # noqa: F401

pytestmark = pytest.mark.browser


def test_find_preview_and_download_an_open_dataset(live, page: Page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, _opened = live
    page.goto(f"{url}/opendata")
    page.get_by_label("关键词").fill("停车")
    page.get_by_role("button", name="检索").click()
    expect(page.locator("[data-total]")).to_have_text("1")
    page.get_by_role("link", name="公共停车场信息").click()
    expect(page.get_by_role("heading", name="公共停车场信息")).to_be_visible()
    expect(page.get_by_role("cell", name="第20停车场")).to_be_visible()
    expect(page.get_by_text("13800000001")).to_have_count(0)
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    target = tmp_path / "parking.csv"
    info.value.save_as(target)
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert len(rows) == 30 and "manager_phone" not in rows[0]


def _datastore(url: str, key: str) -> httpx.Response:
    """The first open dataset's rows through the CKAN API, with `key` in the Authorization header."""
    with httpx.Client(base_url=url, timeout=30) as client:
        pkg = client.get("/api/3/action/package_list").json()["result"][0]
        rid = client.get("/api/3/action/package_show", params={"id": pkg}).json()["result"]["resources"][0][
            "id"
        ]
        return client.get(
            "/api/3/action/datastore_search",
            params={"resource_id": rid, "limit": 500},
            headers={"Authorization": key},
        )


def test_a_developer_creates_sees_once_and_revokes_a_key(live, fresh_database, page: Page) -> None:  # type: ignore[no-untyped-def]
    url, _opened = live
    id_number = f.id_number(77)
    with Session(fresh_database.engine) as session:
        f.citizen(session, name="李开发", id_number=id_number)
        session.commit()

    page.goto(f"{url}/opendata")
    page.get_by_role("navigation", name="公共数据开放").get_by_role("link", name="开发者密钥").click()
    expect(page.get_by_role("heading", name="登录", exact=True)).to_be_visible()  # login first, then back
    page.get_by_label("账号").fill(id_number)
    page.get_by_label("密码").fill(f.PASSWORD)
    page.get_by_role("main").get_by_role("button", name="登录", exact=True).click()
    page.goto(f"{url}/opendata/keys")
    expect(page.get_by_role("heading", name="开发者密钥", exact=True)).to_be_visible()
    expect(page.get_by_text("您还没有开发者密钥")).to_be_visible()

    # Keyboard only: type the label, submit with Enter.
    label = page.get_by_label("用途说明")
    label.focus()
    page.keyboard.type("停车导航小程序")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="密钥「停车导航小程序」已创建")).to_be_visible()
    expect(page.get_by_text("密钥只显示这一次")).to_be_visible()
    raw = page.get_by_label("新密钥").input_value()
    assert re.fullmatch(r"od_[\w-]{20,}", raw)
    expect(page.get_by_role("button", name="复制")).to_be_visible()
    row = page.locator("tr", has_text="停车导航小程序")
    expect(row.get_by_text("有效")).to_be_visible()
    expect(row.get_by_text("从未使用")).to_be_visible()

    used = _datastore(url, raw)
    assert used.status_code == 200 and used.json()["result"]["limit"] == 500

    page.reload()  # a GET now (keys.js replaced the POST entry): no second key, the first never shown again
    assert raw not in page.content()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.get_by_label("新密钥")).to_have_count(0)
    row = page.locator("tr", has_text="停车导航小程序")
    expect(row.get_by_role("cell", name="1", exact=True)).to_be_visible()
    expect(row.get_by_text("从未使用")).to_have_count(0)

    row.get_by_role("link", name="停用密钥「停车导航小程序」").click()
    expect(page.get_by_role("heading", name="确认停用密钥「停车导航小程序」？")).to_be_visible()
    page.get_by_role("button", name="确认停用").click()
    expect(page.get_by_role("status")).to_contain_text("已停用密钥「停车导航小程序」")
    expect(page.locator("tr", has_text="停车导航小程序").get_by_text("已停用", exact=True)).to_be_visible()
    assert _datastore(url, raw).status_code == 403
