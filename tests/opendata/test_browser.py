"""Finding and downloading an open dataset in Chromium, without logging in."""

from __future__ import annotations

import csv
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import browser_context_args, browser_type_launch_args  # noqa: F401


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
