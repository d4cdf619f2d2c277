"""Pages of the 12345 configuration, data sharing and data quality in real Chromium (Debian's
/usr/bin/chromium), at desktop width (1280 px) and phone width (390 px), normal and 长辈模式:

- no page scrolls sideways (the document is never wider than the window);
- on the 12345 configuration page the forms under the tables keep a gap from them, and each setting's
  保存 button sits on the same line as its input at desktop width;
- a consumer's agreements name their fields by the catalog's labels, and the operator's trace form keeps
  the identifier that was looked up.

Set SHUZHENG_REVIEW_SHOTS=/some/folder to keep a full-page screenshot of every page visited.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from shuzheng.config import get_settings
from shuzheng.hotline import service as hotline
from shuzheng.security import service as accounts
from shuzheng.sharing import service as sharing
from tests import factories as f
from tests.browser.live import log_in, screenshot, serve
from tests.hotline.factories import build_city, dispatched
from tests.sharing import factories as sf

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("SHUZHENG_REVIEW_SHOTS", "")
WIDTHS = {"desktop": 1280, "phone": 390}


@dataclass(frozen=True)
class Mode:
    width: int
    elder: bool

    @property
    def name(self) -> str:
        return f"{self.width}-{'elder' if self.elder else 'normal'}"


MODES = [
    pytest.param(Mode(width, elder), id=f"{name}-{'elder' if elder else 'normal'}")
    for name, width in WIDTHS.items()
    for elder in (False, True)
]


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SHUZHENG_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@dataclass(frozen=True)
class HotlineSite:
    url: str
    admin: str


@pytest.fixture
def hotline_site(fresh_database, lake) -> Iterator[HotlineSite]:  # type: ignore[no-untyped-def]
    with Session(fresh_database.engine) as session:
        city = build_city(session)
        dispatched(city)
        hotline.create_api_client(session, city.actor("admin"), "市政务服务网")
        admin = city.accounts["admin"].username
        assert admin
        session.commit()
    with serve(fresh_database.engine, name="uvicorn-review-hotline") as url:
        yield HotlineSite(url, admin)


@dataclass(frozen=True)
class SharingSite:
    url: str
    person: str
    consumer: str
    provider: str
    operator: str
    citizen: str


@pytest.fixture
def sharing_site(fresh_database, lake, tmp_path: Path) -> Iterator[SharingSite]:  # type: ignore[no-untyped-def]
    """An approved agreement that has been called once for a citizen, a demand waiting for the provider
    and one the provider refused: every sharing page has rows to show."""
    with Session(fresh_database.engine) as session:
        w = sf.world(session, tmp_path)
        agreement = sf.agreement(session, w)
        sharing.lookup(session, agreement, w.person, sf.ROWS[0][0])
        sf.demand(session, w, purpose="城乡居民医疗救助对象身份核验", fields=["id_number", "name"])
        refused = sf.demand(session, w, purpose="临时救助核查", fields=["id_number", "name"])
        sharing.reject(session, w.provider_officer, refused.id, "用途与所申请字段不相符，请补充依据")
        f.citizen(session, name=sf.ROWS[0][1], id_number=sf.ROWS[0][0])
        names = {
            key: accounts.get_account(session, actor.account_id).username or ""
            for key, actor in (
                ("consumer", w.consumer_officer),
                ("provider", w.provider_officer),
                ("operator", w.operator),
            )
        }
        session.commit()
    with serve(fresh_database.engine, name="uvicorn-review-sharing") as url:
        yield SharingSite(url, w.person, citizen=sf.ROWS[0][0], **names)


def enter(page: Page, base: str, username: str, mode: Mode) -> None:
    """Log in at desktop width, switch 长辈模式 on or off (it is kept on the account), then resize."""
    elder = mode.elder
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, base, username)
    toggle = page.get_by_role("button", name="长辈模式")
    if (toggle.get_attribute("aria-pressed") == "true") != elder:
        toggle.click()
    html = expect(page.locator("html"))
    html.to_have_class("elder") if elder else html.not_to_have_class("elder")
    page.set_viewport_size({"width": mode.width, "height": 900})


def visit(page: Page, url: str, name: str, mode: Mode) -> None:
    """Open `url`, check it does not scroll sideways, and keep a screenshot when asked to."""
    page.goto(url)
    expect(page.get_by_role("main")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    screenshot(page, SHOTS, f"{name}-{mode.name}")
    assert overflow <= 0, f"{url} 在 {mode.width}px 宽（{mode.name}）时出现横向滚动（{overflow}px）"


@pytest.mark.parametrize("mode", MODES)
def test_the_hotline_configuration_page(page: Page, hotline_site: HotlineSite, mode: Mode) -> None:
    enter(page, hotline_site.url, hotline_site.admin, mode)
    visit(page, hotline_site.url + "/hotline/admin", "hotline-admin", mode)
    for action in ("/hotline/admin/responsibilities", "/hotline/admin/apikeys"):
        gap = page.locator(f"form[action='{action}']").evaluate(
            "el => el.getBoundingClientRect().top - el.previousElementSibling.getBoundingClientRect().bottom"
        )
        assert gap >= 12, f"{action} 的表单紧贴上方表格（间距 {gap}px）"
    if mode.width >= 1000:
        for form in page.locator("form[action='/hotline/admin/settings']").all():
            field, button = form.locator("input[name=value]"), form.get_by_role("button")
            field_box, button_box = field.bounding_box(), button.bounding_box()
            assert field_box and button_box
            assert button_box["y"] < field_box["y"] + field_box["height"], "保存按钮换到了输入框下面"


@pytest.mark.parametrize("mode", MODES)
def test_the_sharing_and_quality_pages(page: Page, sharing_site: SharingSite, mode: Mode) -> None:
    s = sharing_site
    enter(page, s.url, s.consumer, mode)
    visit(page, s.url + "/sharing", "sharing-home", mode)
    fields = page.get_by_role("main").locator("td[data-label=信息项]")
    expect(fields).to_have_text("身份证号、姓名、性别、出生日期")  # the catalog's labels, not column names
    visit(page, s.url + "/sharing/demands/new", "sharing-new", mode)
    visit(page, f"{s.url}/sharing/demands/new?resource={s.person}", "sharing-new-fields", mode)

    enter(page, s.url, s.provider, mode)
    visit(page, s.url + "/sharing/inbox", "sharing-inbox", mode)
    visit(page, s.url + "/quality/mine", "quality-mine", mode)

    enter(page, s.url, s.operator, mode)
    visit(page, s.url + "/sharing/operator", "sharing-operator", mode)
    visit(page, f"{s.url}/sharing/operator?id_number={s.citizen}", "sharing-operator-trace", mode)
    expect(page.get_by_label("身份证号")).to_have_value(s.citizen)  # what was looked up stays in view
    visit(page, s.url + "/quality", "quality", mode)
    visit(page, f"{s.url}/quality/resources/{s.person}", "quality-resource", mode)

    enter(page, s.url, s.citizen, mode)
    visit(page, s.url + "/sharing/my-data", "sharing-my-data", mode)
    expect(page.get_by_role("main")).to_contain_text("市民政局")
