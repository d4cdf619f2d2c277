"""Approved applications for conditional datasets expire: 365 days by default, earlier if the provider
says so; an expired approval opens nothing, shows as 已过期, and its applicant may apply again."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest
from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from shuzheng.errors import Conflict, PermissionDenied, ValidationFailed
from shuzheng.kit import clock
from shuzheng.ledger.models import LedgerEntry
from shuzheng.migrate import downgrade, upgrade
from shuzheng.opendata import aggregate, applications
from shuzheng.opendata.models import Application
from shuzheng.security import service as accounts
from shuzheng.security.models import Account
from tests import factories as f
from tests.opendata.factories import seed

NOON = dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC)  # 12:00 in China


@pytest.fixture
def opened(session, tmp_path):  # type: ignore[no-untyped-def]
    return seed(session, tmp_path)


def _query(session, actor, code):  # type: ignore[no-untyped-def]
    return aggregate.run(session, actor, code, ["sex"], purpose="人口结构研究")


def test_an_approval_lasts_a_year_by_default_then_expires(session, opened) -> None:
    citizen = f.actor(session, f.citizen(session))
    with clock.frozen(NOON):
        a = applications.apply(session, citizen, opened.person_code, "高校人口结构研究")
        applications.decide(session, opened.cast.officer, a.id, approve=True)
        assert a.valid_until == dt.date(2027, 3, 2)
        assert applications.state(a) == "approved"
        _query(session, citizen, opened.person_code)
        with pytest.raises(Conflict):  # still valid: no second application
            applications.apply(session, citizen, opened.person_code, "另一个课题研究")
        decided = session.scalars(
            select(LedgerEntry).where(LedgerEntry.action == "opendata.application_approved")
        ).all()[-1]
        assert '"valid_until":"2027-03-02"' in decided.payload

        clock.advance(dt.timedelta(days=365))  # 2027-03-02, the last day
        assert applications.has_approved(session, citizen, opened.person_code)
        clock.advance(dt.timedelta(days=1))
        assert applications.state(a) == "expired"
        assert applications.STATUS_LABELS[applications.state(a)] == "已过期"
        assert not applications.has_approved(session, citizen, opened.person_code)
        with pytest.raises(PermissionDenied) as refused:
            _query(session, citizen, opened.person_code)
        assert refused.value.code == "application_expired" and "2027-03-02" in refused.value.message

        again = applications.apply(session, citizen, opened.person_code, "高校人口结构研究（续）")
        assert again.status == "pending"
        applications.decide(session, opened.cast.officer, again.id, approve=True)
        _query(session, citizen, opened.person_code)


def test_the_provider_may_choose_a_shorter_period_never_a_longer_one(session, opened) -> None:
    citizen = f.actor(session, f.citizen(session))
    with clock.frozen(NOON):
        a = applications.apply(session, citizen, opened.person_code, "高校人口结构研究")
        for bad in (dt.date(2026, 3, 1), dt.date(2027, 3, 3)):
            with pytest.raises(ValidationFailed):
                applications.decide(session, opened.cast.officer, a.id, approve=True, valid_until=bad)
        applications.decide(
            session, opened.cast.officer, a.id, approve=True, valid_until=dt.date(2026, 6, 30)
        )
        assert a.valid_until == dt.date(2026, 6, 30)
        clock.advance(dt.timedelta(days=121))  # 2026-07-01
        assert applications.state(a) == "expired"


def test_a_rejection_has_no_period(session, opened) -> None:
    citizen = f.actor(session, f.citizen(session))
    a = applications.apply(session, citizen, opened.person_code, "高校人口结构研究")
    applications.decide(session, opened.cast.officer, a.id, approve=False, reason="用途不明确")
    assert a.valid_until is None and applications.state(a) == "rejected"


def test_the_api_shows_the_period_and_the_expired_state(client, session, opened) -> None:
    def auth(account: Account) -> dict[str, str]:
        token = accounts.issue_tokens(session, account).access_token
        session.commit()
        return {"Authorization": f"Bearer {token}"}

    person = f.citizen(session)
    citizen = auth(person)
    provider = auth(session.get(Account, opened.cast.officer.account_id))
    applied = client.post(
        "/api/opendata/applications",
        json={"resource": opened.person_code, "purpose": "高校人口结构研究"},
        headers=citizen,
    ).json()
    decision = f"/api/opendata/applications/{applied['id']}/decision"
    too_late = (clock.today_in_china() + dt.timedelta(days=400)).isoformat()
    r = client.post(decision, json={"approve": True, "valid_until": too_late}, headers=provider)
    assert r.status_code == 422
    until = (clock.today_in_china() + dt.timedelta(days=30)).isoformat()
    approved = client.post(decision, json={"approve": True, "valid_until": until}, headers=provider).json()
    assert approved["status"] == "approved" and approved["valid_until"] == until
    with clock.frozen(clock.now() + dt.timedelta(days=32)):
        citizen = auth(person)  # the earlier token has expired too
        mine = client.get("/api/opendata/applications", headers=citizen).json()["mine"]
        assert mine[0]["status"] == "expired" and mine[0]["status_label"] == "已过期"
        body = {"resource": opened.person_code, "group_by": ["sex"], "purpose": "人口结构研究"}
        assert client.post("/api/opendata/aggregate", json=body, headers=citizen).status_code == 403
        again = client.post(
            "/api/opendata/applications",
            json={"resource": opened.person_code, "purpose": "高校人口结构研究（续）"},
            headers=citizen,
        )
        assert again.status_code == 201


def test_migration_0010_gives_earlier_approvals_the_default_period(fresh_database) -> None:
    engine = fresh_database.engine
    downgrade(engine, "0009")
    with Session(engine) as s:
        dept, account = f.department(s).id, f.citizen(s).id
        s.commit()
    rows: list[dict[str, Any]] = [
        {"status": "approved", "decided_at": dt.datetime(2026, 1, 31, 18, 0, tzinfo=dt.UTC)},  # 2月1日, China
        {"status": "pending", "decided_at": None},
    ]
    table = cast(Table, Application.__table__)
    with engine.begin() as conn:
        for row in rows:
            conn.execute(
                insert(table).values(
                    resource_code="R1",
                    department_id=dept,
                    applicant_id=account,
                    applicant_label="某",
                    purpose="研究用途说明",
                    created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                    **row,
                )
            )
    upgrade(engine)
    with engine.connect() as conn:
        found = dict(conn.execute(select(table.c.status, table.c.valid_until).order_by(table.c.id)).all())
    assert found == {"approved": dt.date(2027, 2, 1), "pending": None}
