"""The hotline pages over HTTP, per role: intake, the dispatcher's queue, a request's actions, the
department workbench, 我的诉求, the leader overview, hotspots, the daily report and the operator's page."""

from __future__ import annotations

import datetime as dt

import httpx
from fastapi.testclient import TestClient

from shuzheng.hotline import jobs, service
from shuzheng.kit import clock
from shuzheng.security import service as accounts
from tests.hotline.factories import City, dispatched, no_auto_dispatch, submit

CSRF = "test-csrf-token"


def as_user(client: TestClient, city: City, key: str) -> TestClient:
    raw = accounts.start_web_session(city.session, city.accounts[key])
    city.session.commit()  # an error response rolls back to here
    client.cookies.clear()
    client.cookies.set("sz_session", raw)
    client.cookies.set("sz_csrf", CSRF)
    return client


def post(client: TestClient, url: str, **data: str) -> httpx.Response:
    return client.post(url, data={"csrf_token": CSRF, **data}, follow_redirects=False)


def test_each_role_sees_its_hotline_pages(city: City, client: TestClient) -> None:
    dispatched(city)
    for key, path, needle in [
        ("agent", "/hotline/intake", "受理诉求"),
        ("dispatcher", "/hotline/queue", "派单台"),
        ("dispatcher", "/hotline/report", "日清日结"),
        ("zjj", "/hotline/workbench", "12345工单"),
        ("leader", "/hotline/overview", "12345 总览"),
        ("leader", "/hotline/hotspots", "民意热点"),
        ("citizen", "/hotline/my", "我的诉求"),
        ("admin", "/hotline/admin", "权责清单"),
        ("agent", "/hotline/requests", "工单查询"),
    ]:
        r = as_user(client, city, key).get(path)
        assert r.status_code == 200, (key, path, r.text[:300])
        assert needle in r.text, (key, path)
    assert as_user(client, city, "citizen").get("/hotline/queue").status_code == 403
    assert as_user(client, city, "zjj").get("/hotline/intake").status_code == 403


def test_intake_page_submits_and_shows_errors_in_place(city: City, client: TestClient) -> None:
    no_auto_dispatch(city.session)
    c = as_user(client, city, "agent")
    bad = post(c, "/hotline/intake", content="", contact_phone="123")
    assert bad.status_code == 422
    assert "诉求内容不能为空" in bad.text or "诉求内容" in bad.text
    ok = post(
        c,
        "/hotline/intake",
        content="人民路12号停水了",
        address="东城区东华街道人民路12号",
        contact_name="王五",
        contact_phone="13812345678",
        topic_code="water",
        type_code="complaint",
        kind="normal",
        channel="phone",
    )
    assert ok.status_code == 303 and ok.headers["location"].startswith("/hotline/requests/")
    page = c.get(ok.headers["location"])
    assert "138****5678" in page.text and "13812345678" not in page.text
    assert "已进入派单队列" in c.cookies.get("sz_flash", "") or page.status_code == 200


def test_the_loop_through_the_pages(city: City, client: TestClient) -> None:
    no_auto_dispatch(city.session)
    req = submit(city).request
    dispatcher = as_user(client, city, "dispatcher")
    assert req.title in dispatcher.get("/hotline/queue").text
    r = post(
        dispatcher,
        f"/hotline/requests/{req.id}/act/dispatch?back=/hotline/queue",
        department_id=str(city.dept("zjj").id),
    )
    assert r.status_code == 303 and r.headers["location"] == "/hotline/queue"

    unit = as_user(client, city, "zjj")
    assert req.title in unit.get("/hotline/workbench").text
    assert post(unit, f"/hotline/requests/{req.id}/act/accept").status_code == 303
    short = post(unit, f"/hotline/requests/{req.id}/act/resolve", result="好")
    assert short.status_code == 422 and "太短" in short.text
    assert (
        post(unit, f"/hotline/requests/{req.id}/act/resolve", result="已修复管道恢复供水").status_code == 303
    )

    agent = as_user(client, city, "agent")
    missing = post(agent, f"/hotline/requests/{req.id}/act/callback", satisfaction="satisfied")
    assert missing.status_code == 422
    done = post(agent, f"/hotline/requests/{req.id}/act/callback", solved="yes", satisfaction="satisfied")
    assert done.status_code == 303
    city.session.refresh(req)
    assert req.status == "closed"


def test_a_dispute_is_arbitrated_from_the_queue(city: City, client: TestClient) -> None:
    req = dispatched(city)
    unit = as_user(client, city, "zjj")
    r = post(
        unit,
        f"/hotline/requests/{req.id}/act/dispute",
        reason="属于小区二次供水，应由物业负责",
        department_id=str(city.dept("donghua").id),
    )
    assert r.status_code == 303
    dispatcher = as_user(client, city, "dispatcher")
    queue = dispatcher.get("/hotline/queue").text
    assert "属于小区二次供水" in queue
    [d] = service.pending_disputes(city.session)
    no_note = post(dispatcher, f"/hotline/disputes/{d.id}/arbitrate", decision="reject")
    assert no_note.status_code == 422
    ok = post(
        dispatcher,
        f"/hotline/disputes/{d.id}/arbitrate",
        decision="uphold",
        department_id=str(city.dept("donghua").id),
        note="同意",
    )
    assert ok.status_code == 303
    city.session.refresh(req)
    assert req.department_id == city.dept("donghua").id


def test_revealing_the_contact_on_the_page(city: City, client: TestClient) -> None:
    req = dispatched(city)
    page = post(as_user(client, city, "agent"), f"/hotline/requests/{req.id}/contact")
    assert page.status_code == 200 and "13812345678" in page.text


def test_citizen_files_and_rates_in_my_requests(city: City, client: TestClient) -> None:
    c = as_user(client, city, "citizen")
    r = post(
        c,
        "/hotline/my/new",
        content="小区门口路灯坏了一个月",
        address="东城区东华街道人民路12号",
        topic_code="urban",
    )
    assert r.status_code == 303
    rid = int(r.headers["location"].rsplit("/", 1)[1])
    assert "小区门口路灯坏了一个月" in c.get(f"/hotline/my/{rid}").text
    unit = city.actor("cgj")
    service.accept(city.session, unit, rid)
    service.resolve(city.session, unit, rid, "已更换路灯灯泡")
    c = as_user(client, city, "citizen")
    assert "评价办理结果" in c.get(f"/hotline/my/{rid}").text
    assert post(c, f"/hotline/my/{rid}/rate", solved="yes", satisfaction="basic").status_code == 303
    other = dispatched(city, contact_phone="13700000000")
    assert c.get(f"/hotline/my/{other.id}").status_code == 404


def test_the_citizens_form_comes_back_with_what_they_typed_and_why_it_was_refused(
    city: City, client: TestClient
) -> None:
    c = as_user(client, city, "citizen")
    assert "诉求内容" in c.get("/hotline/my/new").text
    bad = post(c, "/hotline/my/new", content="灯", address="东城区东华街道人民路12号", contact_phone="123")
    assert bad.status_code == 422 and "东城区东华街道人民路12号" in bad.text
    assert "诉求内容太短" in bad.text
    assert service.my_requests(city.session, city.actor("citizen")) == []


def test_overview_hotspot_and_admin_pages(city: City, client: TestClient) -> None:
    with clock.frozen(dt.datetime(2026, 3, 1, 10, tzinfo=clock.CHINA_TZ)):
        submit(city, contact_phone="13600009999", content="水压低")  # a past to rise above
    for i in range(6):
        submit(city, contact_phone=f"1360000{i:04d}", content=f"{i}号楼停水")
    with clock.frozen(dt.datetime(2026, 3, 11, 1, tzinfo=clock.CHINA_TZ)):
        [spot] = jobs.daily(city.session).hotspots
    leader = as_user(client, city, "leader")
    overview = leader.get("/hotline/overview").text
    assert "hotline-chart-data" in overview and "echarts.min.js" in overview
    detail = leader.get(f"/hotline/hotspots/{spot.id}")
    assert detail.status_code == 200 and "0号楼停水" in detail.text

    admin = as_user(client, city, "admin")
    created = post(admin, "/hotline/admin/apikeys", name="区网格系统")
    assert created.status_code == 200 and "sz311_" in created.text
    assert "sz311_" not in admin.get("/hotline/admin").text.split("区网格系统")[0][-200:]
    bad = post(admin, "/hotline/admin/settings", key="urgent_hours", value="abc")
    assert bad.status_code == 422
