"""The working-day calendar over JSON: anyone logged in reads, only the calendar permission imports."""

from __future__ import annotations

import csv
import io

from shuzheng.security import service as accounts
from tests import factories as f
from tests.kit.calendar_helpers import SAMPLE_2027, stored_year


def _auth(session, *roles: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    account = f.staff(session, *roles)
    token = accounts.issue_tokens(session, account).access_token
    # A refused request rolls the session back; keep the account (the test's outer transaction still
    # discards it at the end).
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def _sample_days() -> list[dict[str, str]]:
    lines = [
        line for line in SAMPLE_2027.read_text(encoding="utf-8").splitlines() if not line.startswith("#")
    ]
    return [
        {"date": r[0], "kind": r[1], "name": r[2]}
        for r in list(csv.reader(io.StringIO("\n".join(lines))))[1:]
    ]


def test_reading_needs_a_login(client) -> None:
    assert client.get("/api/calendar/2026").status_code == 401
    assert client.get("/api/calendar/working-days/add?start=2026-09-30&n=3").status_code == 401


def test_a_year_reads_like_the_notice(client, session) -> None:
    r = client.get("/api/calendar/2026", headers=_auth(session, "hotline_agent"))
    assert r.status_code == 200
    body = r.json()
    assert (body["status"], body["source"], body["holidays"], body["workdays"]) == (
        "official",
        "chinese-calendar",
        33,
        6,
    )
    spring = next(p for p in body["periods"] if p["name"] == "春节")
    assert spring["workdays"] == ["2026-02-14", "2026-02-28"] and len(spring["holidays"]) == 9
    assert {
        "date": "2026-10-10",
        "weekday": "星期六",
        "kind": "workday",
        "kind_label": "上班",
        "name": "国庆节",
    } in body["days"]
    years = client.get("/api/calendar", headers=_auth(session, "approver")).json()
    assert [y["year"] for y in years] == list(range(2004, 2027))


def test_working_day_arithmetic_and_the_provisional_flag(client, session) -> None:
    headers = _auth(session, "approver")
    r = client.get("/api/calendar/working-days/add", params={"start": "2026-09-30", "n": 3}, headers=headers)
    assert r.json() | {} == {
        "start": "2026-09-30",
        "n": 3,
        "result": "2026-10-10",
        "weekday": "星期六",
        "provisional": False,
        "years_without_data": [],
        "note": None,
    }
    r = client.get("/api/calendar/working-days/add", params={"start": "2026-12-30", "n": 3}, headers=headers)
    assert (r.json()["result"], r.json()["provisional"], r.json()["years_without_data"]) == (
        "2027-01-04",
        True,
        [2027],
    )
    assert "2027年尚无正式的节假日安排" in r.json()["note"]
    r = client.get(
        "/api/calendar/working-days/between",
        params={"start": "2026-02-13", "end": "2026-02-24"},
        headers=headers,
    )
    assert (r.json()["working_days"], r.json()["provisional"]) == (2, False)
    day = client.get("/api/calendar/days/2026-02-14", headers=headers).json()
    assert (day["working_day"], day["kind"], day["name"], day["weekday"]) == (
        True,
        "workday",
        "春节",
        "星期六",
    )


def test_bad_query_parameters_are_422_in_chinese(client, session) -> None:
    headers = _auth(session, "approver")
    r = client.get(
        "/api/calendar/working-days/add", params={"start": "2026-13-01", "n": "x"}, headers=headers
    )
    assert r.status_code == 422
    fields = {d["field"] for d in r.json()["error"]["details"]}
    assert fields == {"start", "n"}
    r = client.get("/api/calendar/working-days/add", params={"start": "1900-01-01", "n": 1}, headers=headers)
    assert r.status_code == 422 and "1950" in r.json()["error"]["message"]


def test_the_operator_imports_a_year_and_results_become_final(client, session) -> None:
    headers = _auth(session, "platform_admin")
    r = client.post("/api/calendar/2027", json={"days": _sample_days()}, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["year"], body["source"], body["holidays"], body["workdays"], body["complete"]) == (
        2027,
        "api",
        29,
        5,
        True,
    )
    assert body["summary"].startswith("已导入2027年节假日正式安排（新增）")
    r = client.get("/api/calendar/working-days/add", params={"start": "2026-12-30", "n": 3}, headers=headers)
    assert (r.json()["result"], r.json()["provisional"]) == ("2027-01-05", False)
    assert client.get("/api/calendar/2027", headers=headers).json()["status"] == "official"


def test_a_draft_posted_by_api_keeps_results_provisional(client, session) -> None:
    headers = _auth(session, "platform_admin")
    r = client.post("/api/calendar/2027", json={"days": _sample_days(), "draft": True}, headers=headers)
    assert r.status_code == 200 and r.json()["complete"] is False
    r = client.get("/api/calendar/working-days/add", params={"start": "2026-12-30", "n": 3}, headers=headers)
    assert (r.json()["result"], r.json()["provisional"]) == ("2027-01-05", True)


def test_a_bad_entry_is_422_naming_its_item_and_nothing_is_written(client, session) -> None:
    days = [*_sample_days(), {"date": "2027-10-08", "kind": "上班", "name": "国庆节"}]
    r = client.post("/api/calendar/2027", json={"days": days}, headers=_auth(session, "platform_admin"))
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "calendar_invalid"
    assert error["details"] == [
        {
            "field": f"第{len(days)}条",
            "message": "2027-10-08是星期五，本来就是工作日；调休上班的日期只能是星期六或星期日",
        }
    ]
    assert stored_year(session, 2027) == (None, 0)


def test_only_the_calendar_permission_may_post(client, session) -> None:
    for role in ("data_officer", "leader", "dispatcher"):
        r = client.post("/api/calendar/2027", json={"days": _sample_days()}, headers=_auth(session, role))
        assert r.status_code == 403 and r.json()["error"]["code"] == "permission_denied"
    citizen = f.citizen(session)
    token = accounts.issue_tokens(session, citizen).access_token
    r = client.post(
        "/api/calendar/2027", json={"days": _sample_days()}, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 403
    assert stored_year(session, 2027) == (None, 0)
