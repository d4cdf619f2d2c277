"""Hotline journeys in real Chromium (Debian's /usr/bin/chromium via Playwright), against the real app
served by uvicorn on a committed throwaway database — the approach of tests/browser/conftest.py:

1. an agent takes a call (suggestions as they type, keyboard submit) → the dispatcher dispatches it from
   the queue → the unit signs for it and replies → the agent calls back and closes it;
2. a unit disputes an assignment → the dispatcher arbitrates from the queue and it goes elsewhere."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from shuzheng.hotline import service
from tests.browser.conftest import browser_type_launch_args  # noqa: F401
from tests.browser.live import log_in, serve
from tests.hotline.factories import build_city, no_auto_dispatch, submit

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Hotline:
    url: str
    users: dict[str, str]  # role key → username
    departments: dict[str, str]  # key → name
    disputed_title: str


@pytest.fixture
def hotline(fresh_database, tmp_path, monkeypatch) -> Iterator[Hotline]:  # type: ignore[no-untyped-def]
    from shuzheng.config import get_settings

    monkeypatch.setattr(get_settings(), "var_dir", tmp_path)
    with Session(fresh_database.engine) as session:
        city = build_city(session)
        dispatched = submit(
            city, content="小区楼顶水箱漏水，物业一直不管", contact_phone="13900002222"
        ).request
        assert dispatched.status == "dispatched"
        no_auto_dispatch(session)
        users = {k: a.username for k, a in city.accounts.items() if a.username}
        departments = {k: d.name for k, d in city.depts.items()}
        session.commit()
    service.predict("停水")  # the classifier trains at first use; not inside a browser timeout
    with serve(fresh_database.engine) as url:
        yield Hotline(url, users, departments, "小区楼顶水箱漏水，物业一直不管")


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1280, "height": 900}}


def flash(page: Page) -> Any:
    return page.locator(".flash")


def test_intake_dispatch_reply_and_callback(page: Page, hotline: Hotline) -> None:
    log_in(page, hotline.url, hotline.users["agent"])
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="受理诉求").click()
    content = page.get_by_label("诉求内容")
    expect(content).to_be_focused()  # the agent types straight away
    content.fill("人民路12号家里停水两天了，整栋楼都没有水，请尽快处理")
    page.get_by_label("问题地址").fill("东城区东华街道人民路12号")
    panel = page.locator("[data-suggest-panel]")
    expect(panel.get_by_text("已定位：示范市东城区东华街道人民路12号")).to_be_visible(timeout=20_000)
    page.get_by_label("诉求领域").select_option("water")
    page.get_by_label("诉求类型").select_option("complaint")
    expect(panel.get_by_text(hotline.departments["zjj"])).to_be_visible(timeout=20_000)
    page.get_by_label("来电人姓名").fill("王五")
    page.get_by_label("联系电话").fill("13812345678")
    page.get_by_label("联系电话").press("Control+Enter")
    expect(flash(page)).to_contain_text("已受理")
    expect(flash(page)).to_contain_text("已进入派单队列")
    number = re.search(r"工单号 (\d+)", flash(page).inner_text()).group(1)  # type: ignore[union-attr]
    expect(page.get_by_text("138****5678")).to_be_visible()

    log_in(page, hotline.url, hotline.users["dispatcher"])
    page.goto(hotline.url + "/hotline/queue")
    row = page.get_by_role("row").filter(has_text=number)
    row.get_by_label(f"工单 {number} 的承办单位").select_option(label=hotline.departments["zjj"])
    row.get_by_role("button", name=f"派单：{number}").click()
    expect(flash(page)).to_have_text("已派单")
    expect(page.get_by_role("row").filter(has_text=number)).to_have_count(0)

    log_in(page, hotline.url, hotline.users["zjj"])
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="12345工单").click()
    page.get_by_role("link", name=number).click()
    page.get_by_role("button", name="签收").click()
    expect(flash(page)).to_have_text("已签收")
    page.get_by_label("办理结果").fill("已派维修人员更换阀门，现已恢复供水")
    page.get_by_role("button", name="办结", exact=True).click()
    expect(flash(page)).to_have_text("已办结，等待回访")

    log_in(page, hotline.url, hotline.users["agent"])
    page.goto(hotline.url + "/hotline/requests?status=resolved")
    page.get_by_role("link", name=number).click()
    page.get_by_label("已解决").check()
    page.get_by_label("满意", exact=True).check()
    page.get_by_role("button", name="提交回访").click()
    expect(flash(page)).to_have_text("已记录回访")
    expect(page.locator(".page-header").get_by_text("已结案")).to_be_visible()
    timeline = page.locator(".timeline")
    for step in ("受理", "派单", "签收", "办结", "回访"):
        expect(timeline.get_by_text(step, exact=True)).to_be_visible()


def test_a_dispute_is_arbitrated_by_the_dispatcher(page: Page, hotline: Hotline) -> None:
    log_in(page, hotline.url, hotline.users["zjj"])
    page.goto(hotline.url + "/hotline/workbench")
    page.get_by_role("link", name=re.compile(r"^\d+$")).first.click()
    expect(page.get_by_role("heading", name=hotline.disputed_title)).to_be_visible()
    page.get_by_label("退单理由").fill("属于小区物业管理的二次供水设施，应由属地街道督促物业维修")
    page.get_by_label("建议承办单位").select_option(label=hotline.departments["donghua"])
    page.get_by_role("button", name="申请退单").click()
    expect(flash(page)).to_contain_text("已提交退单申请")

    log_in(page, hotline.url, hotline.users["dispatcher"])
    page.goto(hotline.url + "/hotline/queue")
    dispute = page.locator("form").filter(has_text=hotline.disputed_title)
    expect(dispute.get_by_text("属于小区物业管理的二次供水设施")).to_be_visible()
    dispute.get_by_label("同意退单并改派").check()
    expect(dispute.get_by_label("改派单位")).to_have_value(re.compile(r"\d+"))  # the unit's suggestion
    dispute.get_by_label("仲裁意见").fill("同意，由属地街道督促物业维修")
    dispute.get_by_role("button", name="提交仲裁").click()
    expect(flash(page)).to_have_text("已同意退单并改派")
    expect(page.locator("form").filter(has_text=hotline.disputed_title)).to_have_count(0)

    log_in(page, hotline.url, hotline.users["donghua"])
    page.goto(hotline.url + "/hotline/workbench")
    expect(page.get_by_role("rowheader", name=hotline.disputed_title)).to_be_visible()
