"""The operator's calendar page: a year's holidays, the deadline calculator, and uploading a year."""

from __future__ import annotations

from shuzheng.security import service as accounts
from tests import factories as f
from tests.kit.calendar_helpers import SAMPLE_2027, stored_year

CSRF = "calendar-test-csrf"


def _login(client, session, *roles: str) -> None:  # type: ignore[no-untyped-def]
    account = f.staff(session, *roles)
    client.cookies.set("sz_session", accounts.start_web_session(session, account))
    client.cookies.set("sz_csrf", CSRF)
    session.commit()  # a refused request rolls back; keep the login


def _upload(client, data: bytes, name: str = "calendar-2027.csv", **form: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/admin/calendar/import",
        data={"csrf_token": CSRF, **form},
        files={"file": (name, data, "text/csv")},
        follow_redirects=False,
    )


def test_the_admin_sees_a_year_as_the_notice_gives_it(client, session) -> None:
    _login(client, session, "platform_admin")
    r = client.get("/admin/calendar?year=2026")
    assert r.status_code == 200
    assert "2月15日至2月23日放假，共9天；2月14日（星期六）、2月28日（星期六）上班" in r.text
    assert 'href="/admin/calendar"' in r.text  # in the navigation
    missing = client.get("/admin/calendar?year=2027")
    assert "2027年尚无节假日安排" in missing.text


def test_the_calculator_says_when_a_result_is_provisional(client, session) -> None:
    _login(client, session, "platform_admin")
    final = client.get("/admin/calendar", params={"year": 2026, "start": "2026-09-29", "n": "5"})
    assert "2026-10-12</time></strong>（星期一）" in final.text and "data-provisional" not in final.text
    provisional = client.get("/admin/calendar", params={"start": "2026-12-30", "n": "3"})
    assert "2027-01-04" in provisional.text and "data-provisional" in provisional.text
    wrong = client.get("/admin/calendar", params={"start": "2026-02-30", "n": "3"})
    assert wrong.status_code == 200 and "起算日期：日期「2026-02-30」不存在" in wrong.text


def test_uploading_the_sample_imports_2027(client, session) -> None:
    _login(client, session, "platform_admin")
    r = _upload(client, SAMPLE_2027.read_bytes())
    assert r.status_code == 303 and r.headers["location"] == "/admin/calendar?year=2027"
    page = client.get(r.headers["location"])
    assert "已导入2027年节假日正式安排" in page.text  # the flash message
    assert "春节" in page.text and "尚无节假日安排" not in page.text
    assert stored_year(session, 2027)[1] == 34


def test_a_bad_upload_lists_its_rows_and_writes_nothing(client, session) -> None:
    _login(client, session, "platform_admin")
    data = "日期,类型,名称\n2027-10-01,放假,国庆节\n2027-10-01,放假,国庆节\n2027-10-08,上班,国庆节\n".encode(
        "gbk"
    )
    r = _upload(client, data, year="2027")
    assert r.status_code == 422
    assert "导入未完成，未写入任何数据" in r.text
    assert "第3行：日期 2027-10-01 与第2行重复" in r.text and "第4行：2027-10-08是星期五" in r.text
    assert stored_year(session, 2027) == (None, 0)
    empty = _upload(client, b"", name="")
    assert empty.status_code in (400, 422) and "请选择要上传的 CSV 或 JSON 文件" in empty.text


def test_the_upload_needs_the_csrf_token(client, session) -> None:
    _login(client, session, "platform_admin")
    r = client.post(
        "/admin/calendar/import",
        data={"csrf_token": "forged"},
        files={"file": ("c.csv", SAMPLE_2027.read_bytes(), "text/csv")},
    )
    assert r.status_code == 403
    assert stored_year(session, 2027) == (None, 0)


def test_other_staff_may_not_use_the_page(client, session) -> None:
    _login(client, session, "data_officer")
    assert client.get("/admin/calendar").status_code == 403
    assert _upload(client, SAMPLE_2027.read_bytes()).status_code == 403
    assert stored_year(session, 2027) == (None, 0)
