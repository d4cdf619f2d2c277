"""Catalog pages: the 一本账 for every staff member, the officer's form and workbench, the review queue."""

from __future__ import annotations

import io

from openpyxl import Workbook

from shuzheng.catalog import service
from shuzheng.security import service as accounts
from tests import factories as f
from tests.catalog import factories as cf

CSRF = "catalog-test-csrf"


def _login(client, session, account) -> None:  # type: ignore[no-untyped-def]
    client.cookies.set("sz_session", accounts.start_web_session(session, account))
    client.cookies.set("sz_csrf", CSRF)
    session.commit()  # a refused request rolls back; keep the login


def _post(client, url: str, data: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": CSRF, **(data or {})}, follow_redirects=False)


def _form(**fields: str) -> dict[str, str]:
    base = {
        "name": "人口基础信息",
        "catalog_type": "base",
        "format": "database",
        "update_cycle": "daily",
        "share_type": "conditional",
        "share_method": "api",
        "open_type": "none",
        "summary": "全市户籍人口",
        "source_system": "人口管理信息系统",
        "share_conditions": "依职责",
        "f-0-name": "id_number",
        "f-0-label": "身份证号",
        "f-0-data_type": "string",
        "f-0-level": "core",
        "f-0-share_type": "conditional",
        "f-0-open_type": "none",
        "f-0-identifier": "id_number",
        "f-0-required": "1",
        "f-0-is_key": "1",
        "f-0-sensitive_pi": "1",
        "f-1-name": "",
        "f-1-label": "",
        "r-0-kind": "",
    }
    return {**base, **fields}


def test_every_staff_member_browses_and_searches_the_catalog(client, session) -> None:
    c = cf.cast(session)
    code = cf.published(session, c)
    service.save_draft(session, c.officer, code, cf.person(fields=[*cf.person_fields()[:3]], rules=[]))
    service.submit(session, c.officer, code)
    service.approve(session, c.operator, code)
    _login(client, session, f.staff(session, "hotline_agent"))

    page = client.get("/catalog", params={"q": "rkjc"})
    assert page.status_code == 200
    assert 'href="/catalog"' in page.text and f'href="/catalog/{code}"' in page.text
    assert client.get("/catalog", params={"q": "没有这个资源"}).text.count(f'href="/catalog/{code}"') == 0

    detail = client.get(f"/catalog/{code}")
    assert detail.status_code == 200
    assert "核心数据" in detail.text and "个人敏感" in detail.text and "身份证号" in detail.text
    assert "删除信息项" in detail.text and "出生日期" in detail.text  # the diff of version 2
    assert "编辑草稿" not in detail.text and "修订" not in detail.text and "停用资源" not in detail.text
    assert client.get("/catalog/workbench").status_code == 403
    assert client.get("/catalog/review").status_code == 403


def test_an_officer_compiles_submits_and_the_operator_reviews(client, session) -> None:
    c = cf.cast(session)
    officer = f.staff(session, "data_officer", dept=c.dept)
    _login(client, session, officer)
    assert "目录编制" in client.get("/catalog").text  # in the navigation

    bad = _post(client, "/catalog/new", _form(**{"classification": "101001001", "f-0-required": ""}))
    assert bad.status_code == 422
    assert (
        "第1个信息项「身份证号」·必填：主键信息项必须为必填" in bad.text
        and 'href="#f-0-required"' in bad.text
    )
    created = _post(client, "/catalog/new", _form(classification="101001001"))
    assert created.status_code == 303
    code = created.headers["location"].removeprefix("/catalog/")
    assert code == f"101001001-{c.dept.code}-00001"
    assert code in client.get("/catalog/workbench").text
    edit = client.get(f"/catalog/{code}/edit")
    assert edit.status_code == 200 and 'value="id_number"' in edit.text
    more = _post(client, f"/catalog/{code}/edit", _form(action="more"))
    assert more.status_code == 200 and "第9个信息项" in more.text  # 1 + 3 blank + 5 more
    submitted = _post(client, f"/catalog/{code}/edit", _form(action="submit"))
    assert submitted.status_code == 303
    assert service.open_revision(session, service.get_resource(session, code)).status == "submitted"

    _login(client, session, f.staff(session, "platform_admin"))
    queue = client.get("/catalog/review")
    assert code in queue.text and "新资源" in queue.text
    review = client.get(f"/catalog/{code}")
    assert "审核通过并发布" in review.text and "退回修改" in review.text
    refused = _post(client, f"/catalog/{code}/reject", {"reason": "", "version": "1"})
    assert refused.status_code == 422 and "请填写退回理由" in refused.text
    approved = _post(client, f"/catalog/{code}/approve", {"version": "1"})
    assert approved.status_code == 303
    assert service.published_spec(session, code).version == 1


def test_another_departments_officer_cannot_edit(client, session) -> None:
    c = cf.cast(session)
    code = cf.published(session, c)
    _login(client, session, f.staff(session, "data_officer"))
    assert client.get(f"/catalog/{code}/edit").status_code == 403
    assert _post(client, f"/catalog/{code}/edit", _form()).status_code == 403
    assert _post(client, f"/catalog/{code}/retire", {"reason": "x"}).status_code == 403


def test_a_bad_upload_is_listed_on_the_workbench(client, session) -> None:
    c = cf.cast(session)
    _login(client, session, f.staff(session, "data_officer", dept=c.dept))
    wb = Workbook()
    ws = wb.active
    ws.title = "数据资源"
    ws.append(["资源代码", "资源名称"])
    ws.append(["101001001-nope-00001", "人口"])
    wb.create_sheet("信息项").append(["资源代码", "字段名", "中文名称"])
    out = io.BytesIO()
    wb.save(out)
    r = client.post(
        "/catalog/import",
        data={"csrf_token": CSRF},
        files={"file": ("catalog.xlsx", out.getvalue())},
        follow_redirects=False,
    )
    assert r.status_code == 422
    assert "导入未完成，未写入任何数据" in r.text and "工作表「数据资源」第2行" in r.text
