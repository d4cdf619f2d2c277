"""Objection pages: filing from a resource's entry point, the inbox, answering, the operator's queue and
ranking, 我的异议; a refused action shows why and leaves nothing behind."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from shuzheng.kit import clock
from shuzheng.objections import jobs
from shuzheng.objections.models import Objection, Status
from shuzheng.security import service as accounts
from tests import factories as f
from tests.objections import factories as of

CSRF = "objections-test-csrf"


def _login(client, session, actor) -> None:  # type: ignore[no-untyped-def]
    account = accounts.get_account(session, actor.account_id)
    client.cookies.set("sz_session", accounts.start_web_session(session, account))
    client.cookies.set("sz_csrf", CSRF)
    session.commit()


def _post(client, url: str, data: dict[str, str] | None = None, **kw):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": CSRF, **(data or {})}, follow_redirects=False, **kw)


def test_file_from_the_resource_entry_point_and_answer(client, session, corrections) -> None:
    w = of.world(session)
    _login(client, session, w.filer)
    page = client.get(f"/objections/new?resource={w.code}")
    assert page.status_code == 200 and "身份证号" in page.text and "出生日期" in page.text
    chooser = client.get("/objections/new")
    assert w.code in chooser.text

    number = f.id_number()
    form = {
        "resource_code": w.code,
        "key-id_number": number,
        "field": "birth_date",
        "proposed_value": "1988-06-01",
    }
    refused = _post(client, "/objections/new", {**form, "evidence": ""})
    assert refused.status_code == 422 and "请写明异议理由" in refused.text
    assert session.scalar(select(func.count()).select_from(Objection)) == 0

    done = _post(client, "/objections/new", {**form, "evidence": "户口簿"})
    assert done.status_code == 303
    oid = int(done.headers["location"].rsplit("/", 1)[1])
    assert "第" in client.get(f"/objections/{oid}").text
    assert f"/objections/{oid}" in client.get("/objections/my").text

    _login(client, session, w.other_officer)
    assert client.get(f"/objections/{oid}").status_code == 404
    assert _post(client, f"/objections/{oid}/confirm").status_code == 403

    _login(client, session, w.officer)
    inbox = client.get("/objections/inbox")
    assert f"/objections/{oid}" in inbox.text and "数据异议" in inbox.text
    detail = client.get(f"/objections/{oid}")
    assert number in detail.text and "确认并更正" in detail.text
    assert _post(client, f"/objections/{oid}/reject", {"reason": ""}).status_code == 422
    ok = _post(client, f"/objections/{oid}/confirm", {"fix-birth_date": "1988-06-01", "note": "已核"})
    assert ok.status_code == 303
    assert session.get(Objection, oid).status == Status.CONFIRMED


def test_operator_queue_and_ranking(client, session) -> None:
    w = of.world(session)
    with clock.frozen(dt.datetime(2026, 9, 30, 10, tzinfo=clock.CHINA_TZ)):
        o = of.objection(session, w)
    with clock.frozen(dt.datetime(2026, 10, 14, 10, tzinfo=clock.CHINA_TZ)):
        jobs.tick(session)
    _login(client, session, w.operator)
    queue = client.get("/objections/escalated")
    assert queue.status_code == 200 and f"/objections/{o.id}" in queue.text and "超期督办" in queue.text
    assert "改派" in client.get(f"/objections/{o.id}").text
    bad = _post(client, f"/objections/{o.id}/extend", {"days": "x"})
    assert bad.status_code == 422 and "工作日数" in bad.text
    assert _post(client, f"/objections/{o.id}/extend", {"days": "3"}).status_code == 303
    ranking = client.get("/objections/stats?start=2026-01-01&end=2026-12-31")
    assert ranking.status_code == 200 and w.dept.name in ranking.text and "echarts.min.js" in ranking.text
    assert client.get("/static/objections/stats.js").status_code == 200

    _login(client, session, w.officer)
    assert client.get("/objections/escalated").status_code == 403
    assert client.get("/objections/stats").status_code == 403
