"""The catalog API: the lifecycle over JSON with bearer tokens, errors in the common envelope, Excel."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from shuzheng.security import service as accounts
from tests import factories as f

PERSON = {
    "name": "人口基础信息",
    "summary": "全市户籍人口",
    "catalog_type": "基础",
    "source_system": "人口管理信息系统",
    "share_type": "有条件",
    "share_conditions": "依职责",
    "fields": [
        {
            "name": "id_number",
            "label": "身份证号",
            "required": True,
            "is_key": True,
            "identifier": "id_number",
        },
        {"name": "birth_date", "label": "出生日期", "data_type": "date", "min_value": "1900-01-01"},
        {"name": "height", "label": "身高（米）", "data_type": "decimal", "min_value": 0.3, "max_value": 2.6},
    ],
    "rules": [{"kind": "id_number_birth_date", "fields": ["id_number", "出生日期"]}],
}


def _auth(session, account) -> dict[str, str]:  # type: ignore[no-untyped-def]
    token = accounts.issue_tokens(session, account).access_token
    session.commit()  # a refused request rolls back; keep the account
    return {"Authorization": f"Bearer {token}"}


def test_the_lifecycle_over_json(client, session) -> None:
    dept = f.department(session)
    officer = _auth(session, f.staff(session, "data_officer", dept=dept))
    operator = _auth(session, f.staff(session, "platform_admin"))
    other = _auth(session, f.staff(session, "data_officer"))
    reader = _auth(session, f.staff(session, "hotline_agent"))

    assert client.get("/api/catalog/resources").status_code == 401
    created = client.post(
        "/api/catalog/resources", json={**PERSON, "classification": "101001001"}, headers=officer
    )
    assert created.status_code == 201, created.text
    body = created.json()
    code = body["resource"]["code"]
    assert code == f"101001001-{dept.code}-00001" and body["published"] is None
    assert body["draft"]["status"] == "draft" and body["draft"]["content"]["fields"][2]["max_value"] == "2.6"

    denied = client.put(f"/api/catalog/resources/{code}/draft", json=PERSON, headers=other)
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "permission_denied"
    assert client.get(f"/api/catalog/resources/{code}", headers=reader).status_code == 404  # unpublished

    bad = client.put(
        f"/api/catalog/resources/{code}/draft",
        json={**PERSON, "fields": [{**PERSON["fields"][0], "required": False}], "rules": []},
        headers=officer,
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["details"] == [
        {"field": "fields[0].required", "message": "第1个信息项「身份证号」·必填：主键信息项必须为必填"}
    ]

    assert client.post(f"/api/catalog/resources/{code}/submit", headers=officer).status_code == 200
    queue = client.get("/api/catalog/review-queue", headers=operator).json()
    assert [(q["code"], q["version"], q["is_new"]) for q in queue if q["code"] == code] == [(code, 1, True)]
    assert client.get("/api/catalog/review-queue", headers=officer).status_code == 403
    rejected = client.post(
        f"/api/catalog/resources/{code}/reject", json={"reason": "请补充摘要"}, headers=operator
    )
    assert rejected.json()["draft"]["review_reason"] == "请补充摘要"
    client.post(f"/api/catalog/resources/{code}/submit", headers=officer)
    approved = client.post(f"/api/catalog/resources/{code}/approve", json={"version": 1}, headers=operator)
    assert approved.status_code == 200 and approved.json()["published"]["version"] == 1

    found = client.get("/api/catalog/resources", params={"q": "rkjc"}, headers=reader).json()
    assert [i["code"] for i in found["items"]] == [code] and found["items"][0][
        "share_type_label"
    ] == "有条件共享"
    detail = client.get(f"/api/catalog/resources/{code}", headers=reader).json()
    assert detail["draft"] is None and [x["name"] for x in detail["published"]["fields"]][:1] == ["id_number"]

    client.put(
        f"/api/catalog/resources/{code}/draft", json={**PERSON, "update_cycle": "daily"}, headers=officer
    )
    client.post(f"/api/catalog/resources/{code}/submit", headers=officer)
    client.post(f"/api/catalog/resources/{code}/approve", headers=operator)
    history = client.get(f"/api/catalog/resources/{code}/versions", headers=reader).json()
    assert [(v["version"], v["status"]) for v in history] == [(2, "published"), (1, "superseded")]
    assert history[0]["diff"]["attributes"][0]["after"] == "daily"
    assert (
        client.get(f"/api/catalog/resources/{code}/versions/1", headers=reader).json()["update_cycle"]
        == "monthly"
    )

    conflict = client.post(f"/api/catalog/resources/{code}/approve", headers=operator)
    assert conflict.status_code == 409 and "没有待审核的版本" in conflict.json()["error"]["message"]
    retired = client.post(f"/api/catalog/resources/{code}/retire", json={"reason": "停用"}, headers=officer)
    assert retired.json()["resource"]["status"] == "retired"
    assert client.get("/api/catalog/resources/101001001-x-00001", headers=reader).status_code == 404


def test_export_and_import_over_http(client, session) -> None:
    dept = f.department(session)
    officer = _auth(session, f.staff(session, "data_officer", dept=dept))
    code = client.post(
        "/api/catalog/resources", json={**PERSON, "classification": "101001001"}, headers=officer
    ).json()["resource"]["code"]
    exported = client.get("/api/catalog/export.xlsx", params={"drafts": "true"}, headers=officer)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(exported.content))
    assert [r[0] for r in wb["数据资源"].iter_rows(min_row=2, values_only=True)] == [code]

    same = client.post(
        "/api/catalog/import", files={"file": ("catalog.xlsx", exported.content)}, headers=officer
    )
    assert same.status_code == 200 and same.json()["unchanged"] == [code]
    junk = client.post(
        "/api/catalog/import", files={"file": ("catalog.xlsx", b"not a workbook")}, headers=officer
    )
    assert junk.status_code == 400 and "不是有效的 Excel" in junk.json()["error"]["message"]
    assert client.get("/api/catalog/vocabulary", headers=officer).json()["theme"]["02"] == "社会保障"
