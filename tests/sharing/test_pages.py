"""Sharing pages: the consumer files a demand, the provider approves it before the deadline, the consumer
gets credentials (secret shown once), the operator sees the 需求清单, KPIs and the trace look-up, and the
citizen sees who used their data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from shuzheng.kit import clock
from shuzheng.security import service as accounts
from shuzheng.sharing import service
from shuzheng.sharing.models import SharingDemand
from tests import factories as f
from tests.sharing import factories as sf

CSRF = "sharing-test-csrf"


@pytest.fixture
def w(session, tmp_path: Path) -> sf.World:  # type: ignore[no-untyped-def]
    return sf.world(session, tmp_path)


def _login(client, session, actor) -> None:  # type: ignore[no-untyped-def]
    account = accounts.get_account(session, actor.account_id)
    client.cookies.set("sz_session", accounts.start_web_session(session, account))
    client.cookies.set("sz_csrf", CSRF)
    session.commit()


def _post(client, url: str, data: dict | None = None):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": CSRF, **(data or {})}, follow_redirects=False)


def test_demand_approval_credentials_and_trace_through_the_pages(client, session, w) -> None:  # type: ignore[no-untyped-def]
    _login(client, session, w.consumer_officer)
    assert w.person in client.get("/sharing/demands/new").text
    page = client.get(f"/sharing/demands/new?resource={w.person}")
    assert page.status_code == 200 and "身份证号" in page.text
    end = (clock.today_in_china() + dt.timedelta(days=60)).isoformat()
    form = {
        "resource_code": w.person,
        "fields": ["id_number", "name"],
        "purpose": "低保核验",
        "legal_basis": "",
        "period_end": end,
    }
    r = _post(client, "/sharing/demands/new", form)
    assert r.status_code == 422 and "依据" in r.text
    r = _post(client, "/sharing/demands/new", {**form, "legal_basis": "《社会救助暂行办法》"})
    assert r.status_code == 303
    demand_id = session.query(SharingDemand.id).scalar()
    assert "待提供方审核" in client.get("/sharing").text

    _login(client, session, w.provider_officer)
    inbox = client.get("/sharing/inbox")
    assert f"第{demand_id}号" in inbox.text and "审核期限" in inbox.text
    r = _post(client, f"/sharing/demands/{demand_id}/approve", {"fields": ["id_number"], "period_end": end})
    assert r.status_code == 303
    [a] = service.agreements_for(session, w.provider_officer)
    assert a.fields == ["id_number"]

    _login(client, session, w.consumer_officer)
    r = _post(client, f"/sharing/agreements/{a.id}/credentials")
    assert r.status_code == 200 and "只显示这一次" in r.text and a.client_id in r.text

    creds = service.issue_credentials(session, w.consumer_officer, a.id)
    raw, _ = service.issue_token(session, creds.client_id, creds.client_secret)
    service.lookup(session, service.agreement_for_token(session, raw), w.person, sf.ROWS[0][0])
    citizen = f.actor(session, f.citizen(session, id_number=sf.ROWS[0][0]))
    _login(client, session, citizen)
    page = client.get("/sharing/my-data")
    assert page.status_code == 200 and "市民政局" in page.text and "低保核验" in page.text

    _login(client, session, w.operator)
    page = client.get("/sharing/operator", params={"id_number": sf.ROWS[0][0]})
    assert page.status_code == 200 and "统一提供数据服务比例" in page.text and "市民政局" in page.text


def test_reject_and_demand_list_pages(client, session, w) -> None:  # type: ignore[no-untyped-def]
    d = sf.demand(session, w)
    wanted = service.file_demand(
        session, w.consumer_officer, sf.demand_input(None, fields=[], wanted="养老床位数据")
    )
    _login(client, session, w.provider_officer)
    assert _post(client, f"/sharing/demands/{d.id}/reject", {"reason": ""}).status_code == 303
    assert d.status == service.PENDING
    assert _post(client, f"/sharing/demands/{d.id}/reject", {"reason": "超出最小必要范围"}).status_code == 303
    session.refresh(d)
    assert d.status == service.REJECTED
    _login(client, session, w.operator)
    assert "养老床位数据" in client.get("/sharing/operator").text
    assert (
        _post(
            client, f"/sharing/demands/{wanted.id}/assign", {"department_id": str(w.provider.id)}
        ).status_code
        == 303
    )
    session.refresh(wanted)
    assert wanted.status == service.ASSIGNED


def test_demand_for_data_nobody_publishes_from_the_page(client, session, w) -> None:  # type: ignore[no-untyped-def]
    _login(client, session, w.consumer_officer)
    page = client.get("/sharing/demands/new?resource=-")
    assert page.status_code == 200 and "所需数据的说明" in page.text
    end = (clock.today_in_china() + dt.timedelta(days=60)).isoformat()
    form = {
        "wanted": "全市养老机构床位数据",
        "purpose": "养老补贴测算",
        "legal_basis": "《养老机构管理办法》",
        "period_end": end,
    }
    r = _post(client, "/sharing/demands/new", form)
    assert r.status_code == 303
    [d] = service.consumer_demands(session, w.consumer_officer)
    assert d.status == service.UNMATCHED and d.wanted == "全市养老机构床位数据"


def test_pages_refuse_people_without_the_role(client, session, w) -> None:  # type: ignore[no-untyped-def]
    citizen = f.actor(session, f.citizen(session))
    _login(client, session, citizen)
    assert client.get("/sharing/inbox").status_code == 403
    assert client.get("/sharing/operator").status_code == 403
    assert client.get("/sharing/my-data").status_code == 200
