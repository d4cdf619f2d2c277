"""The application pages: a citizen applies for a conditional dataset; its provider approves (for a period\nit may shorten); the approval expires and the citizen applies again."""

from __future__ import annotations

import datetime as dt

from shuzheng.kit import clock
from shuzheng.security import service as accounts
from shuzheng.security.models import Account
from tests import factories as f
from tests.opendata.factories import seed

CSRF = "opendata-test-csrf"


def _login(client, session, account) -> None:  # type: ignore[no-untyped-def]
    client.cookies.set("sz_session", accounts.start_web_session(session, account))
    client.cookies.set("sz_csrf", CSRF)
    session.commit()


def _post(client, url: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": CSRF, **data}, follow_redirects=False)


def test_apply_then_the_provider_approves(client, session, tmp_path) -> None:
    opened = seed(session, tmp_path)
    assert "人口基础信息" in client.get("/opendata").text  # listed as conditional, needing an application
    assert client.get("/opendata/applications", follow_redirects=False).status_code == 303  # login first
    _login(client, session, f.citizen(session))
    page = client.get("/opendata/applications")
    assert page.status_code == 200 and opened.person_code in page.text
    r = _post(
        client, "/opendata/applications", {"resource": opened.person_code, "purpose": "高校人口结构研究"}
    )
    assert r.status_code == 303
    assert "待审核" in client.get("/opendata/applications").text
    _login(client, session, session.get(Account, opened.cast.officer.account_id))
    page = client.get("/opendata/applications")
    assert "高校人口结构研究" in page.text
    app_id = page.text.split("/opendata/applications/")[1].split("/")[0]
    refused = _post(client, f"/opendata/applications/{app_id}/decision", {"decision": "reject"})
    assert refused.status_code == 422 and "驳回时请写明理由" in refused.text
    assert (
        _post(client, f"/opendata/applications/{app_id}/decision", {"decision": "approve"}).status_code == 303
    )
    assert "已批准" in client.get("/opendata/applications").text


def test_the_provider_sets_the_period_and_the_applicant_sees_it_expire(client, session, tmp_path) -> None:
    opened = seed(session, tmp_path)
    citizen = f.citizen(session)
    officer = session.get(Account, opened.cast.officer.account_id)
    start = clock.now()
    _login(client, session, citizen)
    _post(client, "/opendata/applications", {"resource": opened.person_code, "purpose": "高校人口结构研究"})
    _login(client, session, officer)
    page = client.get("/opendata/applications").text
    default = (clock.today_in_china() + dt.timedelta(days=365)).isoformat()
    assert f'value="{default}"' in page and f'max="{default}"' in page  # 默认且最长 365 天
    app_id = page.split("/opendata/applications/")[1].split("/")[0]
    decision = f"/opendata/applications/{app_id}/decision"
    bad = _post(client, decision, {"decision": "approve", "valid_until": "明年"})
    assert bad.status_code == 422 and "2027-06-30" in bad.text
    until = (clock.today_in_china() + dt.timedelta(days=10)).isoformat()
    assert _post(client, decision, {"decision": "approve", "valid_until": until}).status_code == 303
    _login(client, session, citizen)
    mine = client.get("/opendata/applications").text
    assert "已批准" in mine and f"有效期至 {until}" in mine and '#apply">重新申请' not in mine
    with clock.frozen(start + dt.timedelta(days=12)):
        _login(client, session, citizen)
        mine = client.get("/opendata/applications").text
        assert "已过期" in mine and f"有效期至 {until}" in mine
        link = f"/opendata/applications?resource={opened.person_code}"
        assert link in mine
        assert f'value="{opened.person_code}" selected' in client.get(link).text
        again = _post(
            client,
            "/opendata/applications",
            {"resource": opened.person_code, "purpose": "高校人口结构研究（续）"},
        )
        assert again.status_code == 303
        assert "待审核" in client.get("/opendata/applications").text
