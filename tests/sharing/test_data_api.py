"""The data service API through the real app: OAuth2 client credentials, lookup and query with only the
agreed fields and masking, the ledger entry and access-log rows written with each response, the trace,
and bad input (expired/revoked credentials, fields outside the agreement, injection, unknown resources,
oversized limits, quota) answered with our error envelope and nothing traced for a refused call."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shuzheng.errors import PermissionDenied
from shuzheng.kit import clock
from shuzheng.ledger.models import LedgerEntry
from shuzheng.security import service as accounts
from shuzheng.sharing import service
from shuzheng.sharing.models import SharingAccess, SharingAgreement, SharingToken
from tests import factories as f
from tests.sharing import factories as sf

PERSON = sf.ROWS[0]  # [身份证号, 姓名, 性别, 出生日期]


@pytest.fixture
def w(session, tmp_path: Path) -> sf.World:  # type: ignore[no-untyped-def]
    return sf.world(session, tmp_path)


def _staff(session, actor) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with clock.frozen(dt.datetime.now(dt.UTC)):
        token = accounts.issue_tokens(session, accounts.get_account(session, actor.account_id)).access_token
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def _access_count(session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    entries = session.scalar(
        select(func.count()).select_from(LedgerEntry).where(LedgerEntry.action == "sharing.access")
    )
    return entries, session.scalar(select(func.count()).select_from(SharingAccess))


@pytest.fixture
def api(client, session, w):  # type: ignore[no-untyped-def]
    """An approved agreement on the person resource and a bearer token for it."""
    agreement = sf.agreement(session, w)
    headers, creds = sf.bearer(client, session, w.consumer_officer, agreement.id)
    return agreement, headers, creds


def test_demand_approval_and_credentials_over_json(client, session, w) -> None:  # type: ignore[no-untyped-def]
    body = {
        "resource_code": w.person,
        "fields": ["id_number", "name"],
        "purpose": "低保核验",
        "legal_basis": "《社会救助暂行办法》",
        "period_end": (clock.today_in_china() + dt.timedelta(days=90)).isoformat(),
        "expected_volume": 100,
    }
    r = client.post("/api/sharing/demands", json=body, headers=_staff(session, w.consumer_officer))
    assert r.status_code == 201, r.text
    demand = r.json()
    assert demand["status"] == "pending" and demand["agreement"] is None
    provider = _staff(session, w.provider_officer)
    assert [d["id"] for d in client.get("/api/sharing/inbox", headers=provider).json()] == [demand["id"]]
    r = client.post(
        f"/api/sharing/demands/{demand['id']}/approve", json={"fields": ["id_number"]}, headers=provider
    )
    assert r.status_code == 200 and r.json()["fields"] == ["id_number"]
    consumer = _staff(session, w.consumer_officer)
    r = client.post(f"/api/sharing/agreements/{r.json()['id']}/credentials", headers=consumer)
    assert r.status_code == 201
    secret = r.json()["client_secret"]
    stored = session.scalar(select(SharingAgreement.client_secret_hash))
    assert stored and secret not in stored  # only the hash is kept
    r = client.post("/api/sharing/demands", json={**body, "fields": []}, headers=consumer)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "fields"


def test_lookup_returns_agreed_fields_masked_and_traces_the_person(client, session, w, api) -> None:  # type: ignore[no-untyped-def]
    agreement, headers, _ = api
    r = client.get(f"/api/sharing/v1/{w.person}/lookup", params={"key": PERSON[0]}, headers=headers)
    assert r.status_code == 200, r.text
    record = r.json()["record"]
    assert record["sex"] == PERSON[2] and record["birth_date"] == PERSON[3]
    assert (
        record["id_number"] != PERSON[0]
        and record["id_number"].startswith(PERSON[0][:4])
        and "*" in record["id_number"]
    )
    assert record["name"] == PERSON[1][0] + "*" * (len(PERSON[1]) - 1)
    assert set(r.json()["masked_fields"]) == {"id_number", "name"}
    entry = session.scalar(select(LedgerEntry).where(LedgerEntry.action == "sharing.access"))
    payload = json.loads(entry.payload)
    assert PERSON[0] not in entry.payload and PERSON[0] not in entry.subject
    assert payload["key_hash"] == service.person_subject(PERSON[0]) == entry.subject
    assert (
        payload["rows"] == 1
        and payload["agreement_id"] == agreement.id
        and payload["purpose"] == agreement.purpose
    )
    citizen = f.actor(session, f.citizen(session, id_number=PERSON[0]))
    [seen] = service.my_trace(session, citizen)
    assert seen.agreement_id == agreement.id and seen.consumer == "市民政局" and seen.ledger_seq == entry.seq
    other = f.actor(session, f.citizen(session, id_number=sf.ROWS[1][0]))
    assert service.my_trace(session, other) == []
    assert [v.agreement_id for v in service.operator_trace(session, w.operator, id_number=PERSON[0])] == [
        agreement.id
    ]


def test_explicit_grant_serves_the_clear_value(client, session, w) -> None:  # type: ignore[no-untyped-def]
    agreement = sf.agreement(session, w, unmasked_fields=["name"])
    headers, _ = sf.bearer(client, session, w.consumer_officer, agreement.id)
    r = client.get(
        f"/api/sharing/v1/{w.person}/lookup",
        params={"key": PERSON[0]},
        headers=headers,
    )
    assert r.json()["record"]["name"] == PERSON[1] and r.json()["masked_fields"] == ["id_number"]


def test_query_paginates_caps_the_limit_and_says_so(client, session, w, api) -> None:  # type: ignore[no-untyped-def]
    _, headers, _ = api
    r = client.get(
        f"/api/sharing/v1/{w.person}/query", params={"sex": "1", "limit": 5, "offset": 2}, headers=headers
    )
    body = r.json()
    assert r.status_code == 200 and body["total"] == sum(1 for row in sf.ROWS if row[2] == "1")
    assert len(body["records"]) == 5 and not body["limit_capped"]
    r = client.get(f"/api/sharing/v1/{w.person}/query", params={"limit": 5000}, headers=headers)
    assert r.json()["limit"] == service.MAX_LIMIT and r.json()["limit_capped"] and "100" in r.json()["notice"]
    assert len(r.json()["records"]) == len(sf.ROWS)
    assert _access_count(session) == (2, 5 + len(sf.ROWS))


def test_injection_shaped_filters_are_bound_or_refused(client, session, w, api) -> None:  # type: ignore[no-untyped-def]
    _, headers, _ = api
    r = client.get(f"/api/sharing/v1/{w.person}/query", params={"sex": "1' OR '1'='1"}, headers=headers)
    assert r.status_code == 200 and r.json()["total"] == 0 and r.json()["records"] == []
    before = _access_count(session)
    r = client.get(f"/api/sharing/v1/{w.person}/query", params={'sex" OR 1=1 --': "1"}, headers=headers)
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_failed"
    r = client.get(f"/api/sharing/v1/{w.person}/lookup", params={"key": "x' OR 1=1 --"}, headers=headers)
    assert r.status_code == 200 and r.json()["found"] is False
    assert _access_count(session)[0] == before[0] + 1


def test_fields_outside_the_agreement_are_refused_and_not_traced(client, session, w) -> None:  # type: ignore[no-untyped-def]
    agreement = sf.agreement(session, w, fields=["id_number", "sex"])
    headers, _ = sf.bearer(client, session, w.consumer_officer, agreement.id)
    r = client.get(f"/api/sharing/v1/{w.person}/lookup", params={"key": PERSON[0]}, headers=headers)
    assert set(r.json()["record"]) == {"id_number", "sex"}
    before = _access_count(session)
    r = client.get(
        f"/api/sharing/v1/{w.person}/lookup", params={"key": PERSON[0], "fields": "name"}, headers=headers
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "field_not_agreed"
    r = client.get(f"/api/sharing/v1/{w.person}/query", params={"name": PERSON[1]}, headers=headers)
    assert r.status_code == 403 and r.json()["error"]["code"] == "field_not_agreed"
    assert _access_count(session) == before


def test_unknown_resource_and_other_resource(client, session, w, api) -> None:  # type: ignore[no-untyped-def]
    _, headers, _ = api
    r = client.get("/api/sharing/v1/nope/lookup", params={"key": "1"}, headers=headers)
    assert r.status_code == 404 and r.json()["error"]["message"]
    r = client.get(f"/api/sharing/v1/{w.open_code}/query", headers=headers)
    assert r.status_code == 403 and r.json()["error"]["code"] == "resource_not_agreed"


def test_bad_credentials_expired_tokens_and_revoked_agreements(client, session, w, api) -> None:  # type: ignore[no-untyped-def]
    agreement, headers, creds = api
    r = client.post(
        "/api/sharing/oauth/token",
        data={"grant_type": "client_credentials", "client_id": creds.client_id, "client_secret": "wrong"},
    )
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_client"
    r = client.post("/api/sharing/oauth/token", data={"grant_type": "password"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "unsupported_grant_type"
    assert client.get(f"/api/sharing/v1/{w.person}/lookup", params={"key": "1"}).status_code == 401
    raw, _ = service.issue_token(session, creds.client_id, creds.client_secret)
    assert (
        session.scalar(select(func.count()).select_from(SharingToken).where(SharingToken.token_hash == raw))
        == 0
    )
    session.commit()
    with clock.frozen(clock.now() + service.TOKEN_TTL + dt.timedelta(seconds=1)):
        r = client.get(
            f"/api/sharing/v1/{w.person}/lookup",
            params={"key": PERSON[0]},
            headers={"Authorization": f"Bearer {raw}"},
        )
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_token"
    with clock.frozen(clock.now() + dt.timedelta(days=400)):
        r = client.get(f"/api/sharing/v1/{w.person}/lookup", params={"key": PERSON[0]}, headers=headers)
    assert r.status_code in (401, 403)
    service.revoke(session, w.provider_officer, agreement.id, "停止共享")
    session.commit()
    r = client.get(f"/api/sharing/v1/{w.person}/lookup", params={"key": PERSON[0]}, headers=headers)
    assert r.status_code == 403 and r.json()["error"]["code"] == "agreement_inactive"
    assert _access_count(session) == (0, 0)


def test_daily_quota(client, session, w) -> None:  # type: ignore[no-untyped-def]
    demand = sf.demand(session, w)
    from shuzheng.sharing.schemas import ApproveInput

    agreement = service.approve(session, w.provider_officer, demand.id, ApproveInput(daily_quota=1))
    headers, _ = sf.bearer(client, session, w.consumer_officer, agreement.id)
    assert (
        client.get(
            f"/api/sharing/v1/{w.person}/lookup", params={"key": PERSON[0]}, headers=headers
        ).status_code
        == 200
    )
    r = client.get(f"/api/sharing/v1/{w.person}/lookup", params={"key": PERSON[0]}, headers=headers)
    assert r.status_code == 429 and r.json()["error"]["code"] == "quota_exceeded"
    assert _access_count(session) == (1, 1)


def test_rate_limit_per_agreement(client, session, w, api, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _, headers, _ = api
    monkeypatch.setattr(service, "BURST", 2.0)
    monkeypatch.setattr(service, "_buckets", {})
    at = clock.now()
    with clock.frozen(at):
        for _ in range(2):
            ok = client.get(f"/api/sharing/v1/{w.person}/lookup", params={"key": PERSON[0]}, headers=headers)
            assert ok.status_code == 200
        r = client.get(f"/api/sharing/v1/{w.person}/lookup", params={"key": PERSON[0]}, headers=headers)
        assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
    with clock.frozen(at + dt.timedelta(seconds=1)):
        r = client.get(f"/api/sharing/v1/{w.person}/lookup", params={"key": PERSON[0]}, headers=headers)
        assert r.status_code == 200
    assert _access_count(session) == (3, 3)


def test_usage_per_resource_and_kpis(client, session, w, api) -> None:  # type: ignore[no-untyped-def]
    _, headers, _ = api
    for row in sf.ROWS[:3]:
        client.get(f"/api/sharing/v1/{w.person}/lookup", params={"key": row[0]}, headers=headers)
    [usage] = service.usage_by_resource(session, w.operator)
    assert (usage.resource_code, usage.agreements, usage.calls, usage.rows) == (w.person, 1, 3, 3)
    k = service.kpis(session, w.operator)
    assert k.served_resources == 1 and k.shareable_resources == 2  # 人口 and the unconditional one
    assert k.served_ratio == 0.5 and k.decided_demands == 1 and k.median_fulfilment_hours is not None
    with pytest.raises(PermissionDenied):
        service.kpis(session, w.consumer_officer)
