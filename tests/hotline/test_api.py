"""The hotline JSON API end to end through the real app: intake with attachments, the loop, the
operator's lists, the numbers, and clear 4xx errors for bad input."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from shuzheng.kit import clock
from shuzheng.security import service as accounts
from tests.hotline.factories import City, no_auto_dispatch

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def bearer(city: City, key: str) -> dict[str, str]:
    # The app's session rolls back to the last commit on an error: keep the city through it.
    city.session.commit()
    # Access tokens are checked against the real time, so they are issued at the real time.
    with clock.frozen(dt.datetime.now(dt.UTC)):
        pair = accounts.issue_tokens(city.session, city.accounts[key])
    return {"Authorization": f"Bearer {pair.access_token}"}


INTAKE = {
    "channel": "phone",
    "content": "人民路12号停水两天了",
    "type_code": "complaint",
    "topic_code": "water",
    "contact_name": "王五",
    "contact_phone": "13812345678",
    "address": "东城区东华街道人民路12号",
}


def test_intake_to_callback_over_the_api(city: City, client: TestClient) -> None:
    no_auto_dispatch(city.session)
    agent, dispatcher, unit = bearer(city, "agent"), bearer(city, "dispatcher"), bearer(city, "zjj")
    r = client.post("/api/hotline/requests", json=INTAKE, headers=agent)
    assert r.status_code == 201, r.text
    body = r.json()
    rid = body["request"]["id"]
    assert body["request"]["contact_phone"] == "138****5678" and "13812345678" not in r.text
    assert body["route"]["department_id"] == city.dept("zjj").id

    queue = client.get("/api/hotline/queue", headers=dispatcher).json()
    assert [q["id"] for q in queue["pending"]] == [rid]
    r = client.post(
        f"/api/hotline/requests/{rid}/dispatch",
        json={"department_id": city.dept("zjj").id},
        headers=dispatcher,
    )
    assert r.status_code == 200 and r.json()["status"] == "dispatched"
    assert [w["id"] for w in client.get("/api/hotline/workbench", headers=unit).json()] == [rid]
    assert client.post(f"/api/hotline/requests/{rid}/accept", headers=unit).json()["status"] == "handling"
    r = client.post(f"/api/hotline/requests/{rid}/resolve", json={"result": "已修复，恢复供水"}, headers=unit)
    assert r.json()["status"] == "resolved"
    r = client.post(
        f"/api/hotline/requests/{rid}/callback",
        json={"solved": True, "satisfaction": "satisfied"},
        headers=agent,
    )
    assert r.json()["status"] == "closed"
    detail = client.get(f"/api/hotline/requests/{rid}", headers=dispatcher).json()
    assert [e["action"] for e in detail["timeline"]] == [
        "intake",
        "dispatch",
        "accept",
        "resolve",
        "callback",
    ]
    contact = client.post(f"/api/hotline/requests/{rid}/contact", headers=agent).json()
    assert contact["phone"] == "13812345678"


def test_bad_input_gets_a_clear_4xx_naming_the_field(city: City, client: TestClient) -> None:
    agent = bearer(city, "agent")
    cases = [
        ({**INTAKE, "content": ""}, 422, "content"),
        ({**INTAKE, "content": "长" * 10_000}, 422, "content"),
        ({**INTAKE, "contact_phone": "1234"}, 422, "contact_phone"),
        ({**INTAKE, "topic_code": "weather"}, 422, "topic_code"),
        ({**INTAKE, "kind": "very"}, 422, "kind"),
    ]
    for payload, status, field in cases:
        r = client.post("/api/hotline/requests", json=payload, headers=agent)
        assert r.status_code == status, (field, r.text)
        assert r.json()["error"]["details"][0]["field"] == field
    r = client.post("/api/hotline/requests", json=INTAKE)
    assert r.status_code == 401


def test_form_intake_with_attachments_checks_their_type(city: City, client: TestClient) -> None:
    citizen = bearer(city, "citizen")
    ok = client.post(
        "/api/hotline/requests/form",
        data={
            "content": "小区门口井盖丢失，很危险",
            "address": "东城区东华街道人民路12号",
            "topic_code": "urban",
        },
        files=[("attachments", ("现场.png", PNG, "image/png"))],
        headers=citizen,
    )
    assert ok.status_code == 201, ok.text
    rid = ok.json()["request"]["id"]
    detail = client.get(f"/api/hotline/requests/{rid}", headers=citizen).json()
    [att] = detail["attachments"]
    got = client.get(att["url"], headers=citizen)
    assert got.status_code == 200 and got.content == PNG and got.headers["content-type"] == "image/png"

    bad = client.post(
        "/api/hotline/requests/form",
        data={"content": "井盖丢失"},
        files=[("attachments", ("photo.jpg", b"<?php echo 1; ?>", "image/jpeg"))],
        headers=citizen,
    )
    assert bad.status_code == 422 and "photo.jpg" in bad.json()["error"]["message"]
    mine = client.get("/api/hotline/my/requests", headers=citizen).json()
    assert [m["id"] for m in mine] == [rid]


def test_suggestions_while_typing(city: City, client: TestClient) -> None:
    r = client.post(
        "/api/hotline/suggest",
        json={"content": "停水了", "address": "东城区东华街道人民路12号", "topic_code": "water"},
        headers=bearer(city, "agent"),
    )
    assert r.status_code == 200
    body = r.json()
    assert body["location_status"] == "located" and body["route"]["department_id"] == city.dept("zjj").id
    assert (
        client.post("/api/hotline/suggest", json={"content": "x"}, headers=bearer(city, "zjj")).status_code
        == 403
    )


def test_the_operator_maintains_the_responsibility_list_and_settings(city: City, client: TestClient) -> None:
    admin, unit = bearer(city, "admin"), bearer(city, "zjj")
    entry = {"topic_code": "gas", "region_code": "379902", "department_id": city.dept("dcq").id}
    assert client.put("/api/hotline/responsibilities", json=entry, headers=unit).status_code == 403
    r = client.put("/api/hotline/responsibilities", json=entry, headers=admin)
    assert r.status_code == 200, r.text
    listed = client.get("/api/hotline/responsibilities?topic_code=gas", headers=bearer(city, "agent")).json()
    assert [e["department_id"] for e in listed] == [city.dept("dcq").id]
    bad = client.put("/api/hotline/responsibilities", json={**entry, "region_code": "999999"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "region_code"
    assert client.delete(f"/api/hotline/responsibilities/{r.json()['id']}", headers=admin).status_code == 204

    assert (
        client.put("/api/hotline/settings/urgent_hours", json={"value": 12}, headers=admin).json()["value"]
        == 12
    )
    bad = client.put("/api/hotline/settings/urgent_hours", json={"value": 0}, headers=admin)
    assert bad.status_code == 422


def test_rates_report_and_hotspots_for_leaders(city: City, client: TestClient) -> None:
    leader = bearer(city, "leader")
    client.post("/api/hotline/requests", json=INTAKE, headers=bearer(city, "agent"))
    rates = client.get("/api/hotline/rates?start=2026-03-01&end=2026-03-10", headers=leader)
    assert rates.status_code == 200 and rates.json()[0]["department_id"] == city.dept("zjj").id
    report = client.get("/api/hotline/report?day=2026-03-10", headers=leader).json()
    assert report["received"] == 1
    assert client.get("/api/hotline/rates?start=2026-03-10&end=2026-03-01", headers=leader).status_code == 422
    assert client.get("/api/hotline/rates", headers=bearer(city, "citizen")).status_code == 403
    assert client.get("/api/hotline/hotspots", headers=leader).json() == []
