"""Ingest over HTTP: the upload API with its permission check, versions and rejects; the officer's pages."""

import hashlib

from sqlalchemy import select

from shuzheng.ingest.models import DatasetVersion
from shuzheng.security import service as accounts
from shuzheng.security.models import Account
from tests import factories as f
from tests.ingest.factories import person_csv, person_rows, published_person

CSRF = "ingest-test-csrf"


def _auth(session, account) -> dict[str, str]:  # type: ignore[no-untyped-def]
    token = accounts.issue_tokens(session, account).access_token
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def _login(client, session, account) -> None:  # type: ignore[no-untyped-def]
    client.cookies.set("sz_session", accounts.start_web_session(session, account))
    client.cookies.set("sz_csrf", CSRF)
    session.commit()


def _csv(tmp_path, rows, name="rk.csv"):  # type: ignore[no-untyped-def]
    return (name, person_csv(tmp_path / name, rows).read_bytes(), "text/csv")


def test_upload_versions_and_rejects_over_the_api(client, session, tmp_path) -> None:
    p = published_person(session)
    officer = _auth(session, session.get(Account, p.cast.officer.account_id))
    rows = person_rows(5)
    rows[1][1] = ""
    created = client.post(
        f"/api/ingest/{p.code}/versions", files={"file": _csv(tmp_path, rows)}, headers=officer
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["version"]["number"] == 1 and body["rejected"] == 1 and body["quality_score"] is not None
    again = client.post(
        f"/api/ingest/{p.code}/versions", files={"file": _csv(tmp_path, rows)}, headers=officer
    )
    assert again.status_code == 200 and again.json()["unchanged"] is True
    listed = client.get(f"/api/ingest/{p.code}/versions", headers=officer).json()
    assert [v["number"] for v in listed] == [1]
    rejects = client.get(f"/api/ingest/{p.code}/versions/1/rejects", headers=officer).json()
    assert rejects["total"] == 1 and rejects["items"][0]["row"] == 3
    assert rejects["items"][0]["errors"][0]["reason"] == "必填项为空"


def test_another_department_gets_403_and_bad_files_422(client, session, tmp_path) -> None:
    p = published_person(session)
    other = _auth(session, f.staff(session, "data_officer"))
    refused = client.post(
        f"/api/ingest/{p.code}/versions", files={"file": _csv(tmp_path, person_rows(2))}, headers=other
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    assert client.get(f"/api/ingest/{p.code}/versions", headers=other).status_code == 403
    officer = _auth(session, session.get(Account, p.cast.officer.account_id))
    empty = client.post(
        f"/api/ingest/{p.code}/versions", files={"file": ("e.csv", b"", "text/csv")}, headers=officer
    )
    assert empty.status_code == 422 and "文件为空" in empty.json()["error"]["message"]
    doc = client.post(
        f"/api/ingest/{p.code}/versions",
        files={"file": ("e.doc", b"x", "application/msword")},
        headers=officer,
    )
    assert doc.status_code == 422 and "不支持的文件类型" in doc.json()["error"]["message"]
    unknown = client.post(
        "/api/ingest/999999999-none-00001/versions",
        files={"file": _csv(tmp_path, person_rows(1))},
        headers=officer,
    )
    assert unknown.status_code == 404
    mapped = client.post(
        f"/api/ingest/{p.code}/versions",
        files={
            "file": (
                "m.csv",
                "证件号码,姓名,性别,出生日期\n" + ",".join(person_rows(1)[0]) + "\n",
                "text/csv",
            )
        },
        data={"mapping": '{"证件号码": "id_number"}'},
        headers=officer,
    )
    assert mapped.status_code == 201, mapped.text


def test_the_officer_uploads_on_the_page_and_sees_the_rejects(client, session, tmp_path) -> None:
    p = published_person(session)
    _login(client, session, session.get(Account, p.cast.officer.account_id))
    index = client.get("/ingest")
    assert index.status_code == 200 and p.code in index.text
    rows = person_rows(4)
    rows[2][3] = "2023-02-30"
    upload = _csv(tmp_path, rows)
    posted = client.post(
        f"/ingest/{p.code}/upload", data={"csrf_token": CSRF}, files={"file": upload}, follow_redirects=False
    )
    assert posted.status_code == 303 and posted.headers["location"] == f"/ingest/{p.code}/versions/1"
    version = session.scalar(select(DatasetVersion))  # its source checksum, taken as the upload arrived
    assert version is not None and version.source_sm3 == hashlib.new("sm3", upload[1]).hexdigest()
    page = client.get(f"/ingest/{p.code}/versions/1")
    assert page.status_code == 200
    assert "日期不存在" in page.text and "2023-02-30" in page.text and "拒收的记录（1）" in page.text
    ragged = [*person_rows(2), ["1", "2"]]
    failed = client.post(
        f"/ingest/{p.code}/upload", data={"csrf_token": CSRF}, files={"file": _csv(tmp_path, ragged, "r.csv")}
    )
    assert failed.status_code == 422 and "第4行" in failed.text and "当前版本不受影响" in failed.text
    assert client.get(f"/ingest/{p.code}").text.count("/versions/") == 1


def test_pages_refuse_other_departments(client, session) -> None:
    p = published_person(session)
    _login(client, session, f.staff(session, "data_officer"))
    assert client.get(f"/ingest/{p.code}").status_code == 403
    _login(client, session, f.staff(session, "hotline_agent"))
    assert client.get("/ingest").status_code == 403
