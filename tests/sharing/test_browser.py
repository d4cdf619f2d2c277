"""The sharing journey in real Chromium (Debian's /usr/bin/chromium via Playwright) against the real app
served by uvicorn on a committed throwaway database: a consumer's data officer files a demand → the
provider approves it → the consumer issues credentials (the secret shown once) → their system calls the
API → the citizen sees who used their data."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from shuzheng.security import service as accounts
from tests import factories as f
from tests.browser.conftest import browser_type_launch_args  # noqa: F401
from tests.browser.live import log_in, serve
from tests.sharing import factories as sf

pytestmark = pytest.mark.browser
PERSON = sf.ROWS[0]


@dataclass(frozen=True)
class Live:
    url: str
    code: str
    consumer: str
    provider: str
    citizen: str


@pytest.fixture
def live(fresh_database, tmp_path: Path) -> Iterator[Live]:  # type: ignore[no-untyped-def]
    with Session(fresh_database.engine) as session:
        w = sf.world(session, tmp_path)
        consumer = accounts.get_account(session, w.consumer_officer.account_id).username
        provider = accounts.get_account(session, w.provider_officer.account_id).username
        f.citizen(session, name=PERSON[1], id_number=PERSON[0])
        session.commit()
    with serve(fresh_database.engine) as url:
        yield Live(url, w.person, consumer or "", provider or "", PERSON[0])


def test_demand_approval_api_call_and_the_citizen_sees_it(page: Page, live: Live) -> None:
    log_in(page, live.url, live.consumer)
    page.goto(live.url + "/sharing/demands/new")
    page.get_by_label("数据资源（供给清单）").select_option(live.code)
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("身份证号（id_number）").check()
    page.get_by_label("性别（sex）").check()
    page.get_by_label("用途").fill("低保对象身份核验")
    page.get_by_label("依据（法律法规或部门职责）").fill("《社会救助暂行办法》")
    page.get_by_role("button", name="提交需求").click()
    expect(page.get_by_text("待提供方审核").first).to_be_visible()

    log_in(page, live.url, live.provider)
    page.goto(live.url + "/sharing/inbox")
    page.get_by_role("button", name="同意", exact=True).click()
    expect(page.get_by_text("已同意").first).to_be_visible()

    log_in(page, live.url, live.consumer)
    page.goto(live.url + "/sharing")
    page.get_by_role("button", name="签发调用凭据").click()
    expect(page.get_by_text("只显示这一次")).to_be_visible()
    client_id, secret = (page.locator("dd code").nth(i).inner_text() for i in range(2))

    token = httpx.post(
        live.url + "/api/sharing/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    ).json()["access_token"]
    r = httpx.get(
        f"{live.url}/api/sharing/v1/{live.code}/lookup",
        params={"key": live.citizen},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200 and r.json()["found"] and set(r.json()["record"]) == {"id_number", "sex"}

    log_in(page, live.url, live.citizen)
    page.get_by_role("link", name="我的数据被谁用了").first.click()
    row = page.get_by_role("row").filter(has_text="市民政局")
    expect(row).to_contain_text("低保对象身份核验")
