"""The data catalog (目录) in real Chromium against the real app served by uvicorn on a committed throwaway
database: a department's data officer drafts a resource with its fields (信息项) on the catalog pages and
submits it; the platform operator reviews and publishes it, then a revision, whose diff and history are on
the resource's page; any staff member finds it in the 一本账 by provider, by Chinese words and by pinyin
initials; once data is loaded, the resource page leads to the objection form; the Excel export downloads.

Forms are filled through their labels (get_by_label), so a control without a proper label fails the test.
Set SHUZHENG_CATALOG_SHOTS=/some/folder to keep a full-page screenshot of every catalog page visited.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from shuzheng.catalog import service as catalog
from shuzheng.config import get_settings
from shuzheng.ingest import service as ingest
from shuzheng.kit.identifiers import make_uscc
from shuzheng.org import service as org
from shuzheng.security import service as accounts
from tests import factories as f
from tests.browser.live import log_in, screenshot, serve
from tests.catalog import factories as cf

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("SHUZHENG_CATALOG_SHOTS", "")
PROVIDER = "示范市市场监督管理局"
OTHER = "示范市公安局"
RESOURCE = "市场主体登记信息"
COMPANIES = [
    (make_uscc("91", "370800", f"MA{n:06d}"), f"示范{name}有限公司", f"20{10 + n:02d}-03-0{n}")
    for n, name in enumerate(["科技", "商贸", "食品"], start=1)
]


@dataclass(frozen=True)
class CatalogServer:
    url: str
    engine: Engine
    officer: str
    operator: str
    other_code: str


@pytest.fixture
def catalog_server(
    fresh_database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CatalogServer]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SHUZHENG_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    with Session(fresh_database.engine) as session:
        provider = f.department(session, name=PROVIDER)
        f.staff(session, "data_officer", dept=provider, username="li.na", name="李娜")
        bureau = f.department(session, name="示范市大数据局")
        f.staff(session, "platform_admin", dept=bureau, username="zhao.lei", name="赵磊")
        # Another provider's resource, so that browsing by department has something to leave out.
        police = f.department(session, name=OTHER)
        other = cf.Cast(
            police, f.actor(session, f.staff(session, "data_officer", dept=police)), f.admin(session)
        )
        other_code = cf.published(session, other)
        session.commit()
    try:
        with serve(fresh_database.engine, name="uvicorn-catalog") as url:
            yield CatalogServer(url, fresh_database.engine, "li.na", "zhao.lei", other_code)
    finally:
        get_settings.cache_clear()


def shot(page: Page, name: str) -> None:
    screenshot(page, SHOTS, name)


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=name, exact=True).click()


def card(page: Page, n: int) -> Locator:
    """The n-th (1-based) 信息项 card of the editing form, a fieldset named by its legend."""
    return page.get_by_role("group", name=re.compile(f"^第{n}个信息项"))


def fill_field(
    page: Page,
    n: int,
    name: str,
    label: str,
    *,
    data_type: str = "字符型",
    level: str = "一般数据",
    identifier: str | None = None,
    key: bool = False,
    required: bool = False,
) -> None:
    c = card(page, n)
    c.get_by_label("字段名").fill(name)
    c.get_by_label("中文名称").fill(label)
    c.get_by_label("数据类型").select_option(label=data_type)
    c.get_by_label("分级").select_option(label=level)
    if identifier:
        c.get_by_label("标识类型").select_option(label=identifier)
    if key:
        c.get_by_label("主键").check()
    if required or key:
        c.get_by_label("必填", exact=True).check()


def load_data(server: CatalogServer, code: str, folder: Path) -> None:
    """The provider's data, loaded through ingest as the server's command line would."""
    path = folder / "companies.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["统一社会信用代码", "企业名称", "成立日期"])
        writer.writerows(COMPANIES)
    with Session(server.engine) as session:
        ingest.load(session, None, code, path)
        session.commit()


def workbook_cells(path: Path | str) -> set[str]:
    book = load_workbook(io.BytesIO(Path(path).read_bytes()), read_only=True)
    return {str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c}


def test_officer_drafts_operator_publishes_staff_find_it_object_and_export(
    page: Page, catalog_server: CatalogServer, tmp_path: Path
) -> None:
    server = catalog_server

    # ---- the data officer drafts a new resource on the catalog pages
    log_in(page, server.url, server.officer)
    nav(page, "目录编制")
    expect(page.get_by_role("heading", name="目录编制", exact=True)).to_be_visible()
    shot(page, "01-workbench-empty")
    page.get_by_role("link", name="新建目录条目").click()
    expect(page.get_by_role("heading", name="新建目录条目", exact=True)).to_be_visible()
    expect(page.get_by_label("资源提供方")).to_have_value(re.compile(r"\d+"))
    page.get_by_label("资源名称").fill(RESOURCE)
    page.get_by_label("资源摘要").fill("全市市场主体的登记信息：统一社会信用代码、名称、成立日期")
    page.get_by_label("目录类型").select_option(label="部门信息资源")
    page.get_by_label("资源格式").select_option(label="数据库")
    page.get_by_label("更新周期").select_option(label="每日")
    page.get_by_label("来源业务系统").fill("市场主体登记注册系统")
    share = page.get_by_role("region", name="共享与开放")
    share.get_by_label("共享类型").select_option(label="有条件共享")
    share.get_by_label("共享条件").fill("用于政务服务和监管执法")
    share.get_by_label("共享方式").select_option(label="接口调用")
    share.get_by_label("开放类型").select_option(label="不予开放")
    fill_field(page, 1, "uscc", "统一社会信用代码", identifier="统一社会信用代码", key=True)
    fill_field(page, 2, "EntName", "企业名称", required=True)  # not a valid field name: corrected below
    fill_field(page, 3, "established", "成立日期", data_type="日期型")
    shot(page, "02-draft-form")
    page.get_by_role("button", name="保存草稿").click()

    # The refusal names the wrong field; its link takes the keyboard there.
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("提交的信息有误")
    expect(summary).to_contain_text("第2个信息项「企业名称」")
    shot(page, "03-draft-form-error")
    summary.get_by_role("link").first.click()
    expect(card(page, 2).get_by_label("字段名")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("ent_name")
    page.get_by_role("button", name="保存草稿").click()

    expect(page.get_by_role("status")).to_contain_text("已保存草稿")
    expect(page.get_by_role("heading", level=1)).to_contain_text(RESOURCE)
    expect(page.get_by_role("heading", level=1)).to_contain_text("未发布")
    code = page.locator("[data-code]").inner_text()
    assert re.fullmatch(r"3\d{8}-dept\d+-\d{5}", code), code
    shot(page, "04-detail-draft")
    page.get_by_role("button", name="提交审核").click()
    expect(page.get_by_role("status")).to_contain_text("已提交审核")
    expect(page.get_by_role("heading", name=re.compile("未发布的第1版"))).to_contain_text("待审核")

    # ---- the platform operator reviews and publishes it
    log_in(page, server.url, server.operator)
    nav(page, "目录审核")
    row = page.get_by_role("row").filter(has_text=RESOURCE)
    expect(row).to_contain_text(code)
    expect(row).to_contain_text("新资源")
    shot(page, "05-review-queue")
    row.get_by_role("link", name="审核").click()
    review = page.locator("#open")
    expect(review).to_contain_text("首个版本：3 个信息项")
    shot(page, "06-review-detail")
    page.get_by_role("button", name="审核通过并发布").click()
    expect(page.get_by_role("status")).to_contain_text(f"已发布 {code} 第1版")
    expect(page.get_by_role("row").filter(has_text=RESOURCE)).to_have_count(0)

    # ---- a revision: the officer adds a field and changes the update cycle, submits in one go
    log_in(page, server.url, server.officer)
    page.goto(f"{server.url}/catalog/{code}")
    page.get_by_role("link", name="修订（形成新版本）").click()
    page.get_by_label("更新周期").select_option(label="每周")
    fill_field(page, 4, "capital", "注册资本（万元）", data_type="数值型")
    page.get_by_role("button", name="保存并提交审核").click()
    expect(page.get_by_role("status")).to_contain_text("已提交审核")

    log_in(page, server.url, server.operator)
    nav(page, "目录审核")
    page.get_by_role("row").filter(has_text=RESOURCE).get_by_role("link", name="审核").click()
    review = page.locator("#open")
    expect(review.get_by_role("heading", name="与现行版本相比")).to_be_visible()
    expect(review).to_contain_text("更新周期：每日 → 每周")
    expect(review).to_contain_text("新增信息项 注册资本（万元）")
    shot(page, "07-review-revision-diff")
    page.get_by_role("button", name="审核通过并发布").click()
    expect(page.get_by_role("status")).to_contain_text(f"已发布 {code} 第2版")

    page.goto(f"{server.url}/catalog/{code}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("已发布 第2版")
    history = page.locator("#versions")
    expect(history.locator("[data-version]")).to_have_count(2)
    expect(history.locator("[data-version='2']")).to_contain_text("新增信息项 注册资本（万元）")
    history.locator("[data-version='1'] summary").click()
    expect(history.locator("[data-version='1']")).to_contain_text("首个版本")
    expect(page.get_by_role("region", name="编制与审核记录")).to_contain_text("赵磊")
    shot(page, "08-detail-history")

    # ---- the 一本账: by department, in Chinese, by pinyin initials
    nav(page, "数据资源目录")
    expect(page.get_by_role("heading", name=re.compile("数据资源目录"))).to_be_visible()
    results = page.get_by_role("table", name="数据资源列表")
    expect(results.get_by_role("link", name=RESOURCE)).to_be_visible()
    expect(results.get_by_role("link", name="人口基础信息")).to_be_visible()
    shot(page, "09-browse")
    page.get_by_label("提供方").select_option(label=PROVIDER)
    page.get_by_role("button", name="检索").click()
    expect(page.get_by_role("heading", name="检索结果：1 个")).to_be_visible()
    expect(results.get_by_role("link", name=RESOURCE)).to_be_visible()
    expect(results.get_by_role("link", name="人口基础信息")).to_have_count(0)
    shot(page, "10-browse-by-department")
    page.get_by_role("link", name="清除条件").click()

    search = page.get_by_role("search", name="检索数据资源")
    for words in ("市场主体", "scztdj", "注册资本"):
        search.get_by_label("关键词").fill(words)
        search.get_by_label("关键词").press("Enter")
        expect(page.get_by_role("heading", name="检索结果：1 个")).to_be_visible()
        expect(results.get_by_role("link", name=RESOURCE)).to_be_visible()
    shot(page, "11-search-pinyin")
    search.get_by_label("关键词").fill("没有这样的资源")
    search.get_by_label("关键词").press("Enter")
    expect(results).to_contain_text("没有找到符合条件的资源")
    shot(page, "12-search-empty")

    # ---- with data loaded, the resource page shows its fields and leads to the objection form
    load_data(server, code, tmp_path)
    page.goto(f"{server.url}/catalog?q=scztdjxx")
    results.get_by_role("link", name=RESOURCE).click()
    fields = page.get_by_role("table", name="信息项")
    for label in ("统一社会信用代码", "企业名称", "成立日期", "注册资本（万元）"):
        expect(fields.get_by_role("rowheader", name=label)).to_be_visible()
    expect(fields.get_by_role("row").filter(has_text="uscc")).to_contain_text("主键")
    shot(page, "13-detail-published")
    page.get_by_role("link", name="对这条数据提出异议").click()
    expect(page.get_by_role("heading", name=f"提出数据异议：{RESOURCE}")).to_be_visible()
    uscc, name, _ = COMPANIES[1]
    page.get_by_label("统一社会信用代码").fill(uscc)
    page.get_by_label("有误的信息项").select_option(label="企业名称（ent_name）")
    page.get_by_label("现有值").fill(name)
    page.get_by_label("建议更正为").fill("示范商贸集团有限公司")
    page.get_by_label("异议理由和依据").fill("营业执照记载的名称已于2024年变更")
    shot(page, "14-objection-form")
    page.get_by_role("button", name="提交异议").click()
    expect(page.get_by_role("status")).to_contain_text("号异议")

    # ---- the Excel export downloads a workbook with the resource and its fields
    log_in(page, server.url, server.officer)
    nav(page, "目录编制")
    with page.expect_download() as info:
        page.get_by_role("link", name="导出本部门目录（Excel）").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    assert {code, RESOURCE, "注册资本（万元）"} <= workbook_cells(download.path())

    # ---- and any staff member exports the 一本账, here one provider's part of it
    log_in(page, server.url, server.operator)
    page.goto(server.url + "/catalog")
    page.get_by_label("提供方").select_option(label=PROVIDER)
    page.get_by_role("button", name="检索").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="导出该提供方的目录（Excel）").click()
    cells = workbook_cells(info.value.path())
    assert {code, RESOURCE} <= cells and "人口基础信息" not in cells


def submitted_resource(server: CatalogServer, name: str) -> str:
    """A resource of the officer's department waiting for review, made through the catalog's services."""
    with Session(server.engine) as session:
        account = accounts.find_account_by_login(session, server.officer)
        assert account is not None and account.department_id is not None
        c = cf.Cast(
            org.get_department(session, account.department_id), f.actor(session, account), f.admin(session)
        )
        code = cf.draft(session, c, cf.person(name)).resource.code
        catalog.submit(session, c.officer, code)
        session.commit()
    return code


def retire_with_an_expired_form(page: Page, server: CatalogServer) -> None:
    """Posts the 停用 form of the other provider's resource with a CSRF token that no longer matches."""
    page.goto(f"{server.url}/catalog/{server.other_code}")
    retire = page.get_by_role("region", name="停用资源")
    retire.locator("input[name=csrf_token]").evaluate("el => el.value = 'expired'")
    retire.get_by_label("停用理由").fill("数据已并入新资源")
    retire.get_by_role("button", name="停用").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("CSRF 校验失败")


def test_refusals_keep_the_page_layout_a_stale_review_and_an_expired_form(
    page: Page, catalog_server: CatalogServer
) -> None:
    server = catalog_server
    code = submitted_resource(server, "食品生产许可信息")

    # The operator opens the review; meanwhile the officer withdraws the submission in another browser.
    log_in(page, server.url, server.operator)
    nav(page, "目录审核")
    page.get_by_role("link", name="审核 食品生产许可信息").click()
    browser = page.context.browser
    assert browser is not None
    officer = browser.new_context(locale="zh-CN")
    try:
        other = officer.new_page()
        log_in(other, server.url, server.officer)
        other.goto(f"{server.url}/catalog/{code}")
        other.get_by_role("button", name="撤回审核").click()
        expect(other.get_by_role("status")).to_contain_text("已撤回")
    finally:
        officer.close()

    # Approving what is no longer there is refused in the page, which stays whole and says why.
    page.get_by_role("button", name="审核通过并发布").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("操作未完成")
    expect(page.get_by_role("heading", level=1)).to_contain_text("食品生产许可信息")
    expect(page.get_by_role("banner")).to_contain_text("赵磊")
    expect(page.get_by_role("navigation", name="主导航")).to_be_visible()
    shot(page, "15-review-refused")

    # A form posted after its page expired (CSRF token no longer matching): the friendly error page,
    # rendered after the request's transaction rolled back, keeps the layout and offers a way on.
    retire_with_an_expired_form(page, server)
    expect(page.get_by_text("csrf_failed")).to_be_visible()
    expect(page.get_by_role("banner")).to_be_visible()
    expect(page.get_by_role("contentinfo")).to_be_visible()
    expect(page.get_by_role("link", name="返回首页")).to_be_visible()
    shot(page, "16-error-page")
    page.go_back()
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_contain_text("人口基础信息")
    expect(page.get_by_role("heading", level=1)).not_to_contain_text("已停用")


def test_the_error_page_for_an_expired_form_still_shows_who_is_logged_in(
    page: Page, catalog_server: CatalogServer
) -> None:
    server = catalog_server
    log_in(page, server.url, server.operator)
    retire_with_an_expired_form(page, server)
    expect(page.get_by_role("banner")).to_contain_text("赵磊", timeout=2000)


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_catalog_pages_fit_a_phone_screen(page: Page, catalog_server: CatalogServer, elder: bool) -> None:
    server = catalog_server
    log_in(page, server.url, server.officer)
    if elder:  # a logged-in person's 长辈模式 is kept on their account, not in a cookie
        page.get_by_role("button", name="长辈模式").click()
        expect(page.locator("html")).to_have_class("elder")
    page.set_viewport_size({"width": 360, "height": 740})
    for path in (
        "/catalog",
        "/catalog?q=rkjc",
        f"/catalog/{server.other_code}",
        "/catalog/workbench",
        "/catalog/new",
    ):
        page.goto(server.url + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} 在窄屏上出现横向滚动（{overflow}px）"
        if not elder:
            shot(page, "17-phone-" + re.sub(r"\W+", "-", path).strip("-"))
