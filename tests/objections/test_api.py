"""Objections over JSON: the lifecycle with bearer tokens, and bad input — a Chinese message naming the
field, the right status, and nothing written (no row, no ledger entry, no file)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from shuzheng.ledger.models import LedgerEntry
from shuzheng.objections import attachments
from shuzheng.objections.models import Objection
from shuzheng.security import service as accounts
from tests import factories as f
from tests.objections import factories as of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _auth(session, actor) -> dict[str, str]:  # type: ignore[no-untyped-def]
    token = accounts.issue_tokens(session, accounts.get_account(session, actor.account_id)).access_token
    session.commit()  # a refused request rolls back; keep the accounts
    return {"Authorization": f"Bearer {token}"}


def _counts(session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    objections = session.scalar(select(func.count()).select_from(Objection))
    entries = session.scalar(
        select(func.count()).select_from(LedgerEntry).where(LedgerEntry.action.like("objection.%"))
    )
    return objections, entries


def _body(code: str, **kw: object) -> dict[str, object]:
    body: dict[str, object] = {
        "resource_code": code,
        "record": {"身份证号": f.id_number()},
        "field": "出生日期",
        "claimed_value": "1988-06-11",
        "proposed_value": "1988-06-01",
        "evidence": "户口簿第3页",
    }
    body.update(kw)
    return body


def test_file_answer_and_read_over_json(client, session, corrections) -> None:
    w = of.world(session)
    filer, officer, other = (
        _auth(session, w.filer),
        _auth(session, w.officer),
        _auth(session, w.other_officer),
    )
    operator = _auth(session, w.operator)
    assert client.post("/api/objections", json=_body(w.code)).status_code == 401

    r = client.post("/api/objections", json=_body(w.code), headers=filer)
    assert r.status_code == 201, r.text
    o = r.json()
    assert o["status"] == "filed" and o["field"] == "birth_date" and o["link"] == f"/objections/{o['id']}"
    assert o["events"][0]["action"] == "file"

    again = client.post("/api/objections", json=_body(w.code, record=o["record_values"]), headers=other)
    assert again.status_code == 409
    assert f"第{o['id']}号" in again.json()["error"]["message"]
    assert again.json()["error"]["details"]["link"] == f"/objections/{o['id']}"

    assert [x["id"] for x in client.get("/api/objections/inbox", headers=officer).json()] == [o["id"]]
    assert client.get("/api/objections/inbox", headers=other).json() == []
    refused = client.post(f"/api/objections/{o['id']}/confirm", json={}, headers=other)
    assert refused.status_code == 403
    assert "责任部门" in refused.json()["error"]["message"]
    done = client.post(f"/api/objections/{o['id']}/confirm", json={"note": "已核"}, headers=officer)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "confirmed" and done.json()["corrected_version"] == 7
    assert client.get(f"/api/objections/{o['id']}", headers=filer).json()["status_label"] == "已更正"
    assert (
        client.get(
            f"/api/objections/{o['id']}", headers=_auth(session, f.actor(session, f.staff(session, "leader")))
        ).status_code
        == 404
    )
    stats = client.get("/api/objections/stats?start=2000-01-01&end=2100-01-01", headers=operator).json()
    assert stats["total"] == 1 and stats["departments"][0]["confirmed"] == 1
    assert client.get("/api/objections/stats", headers=officer).status_code == 403


def test_attachment_is_stored_and_served(client, session, var_dir) -> None:
    w = of.world(session)
    filer = _auth(session, w.filer)
    form = {"resource_code": w.code, "record": json.dumps({"id_number": f.id_number()}), "evidence": "见证明"}
    r = client.post(
        "/api/objections/form",
        data=form,
        files={"attachment": ("证明.pdf", PDF, "application/pdf")},
        headers=filer,
    )
    assert r.status_code == 201, r.text
    got = client.get(r.json()["attachment"], headers=filer)
    assert got.status_code == 200 and got.content == PDF and got.headers["content-type"] == "application/pdf"


@pytest.mark.parametrize(
    ("change", "status", "field", "words"),
    [
        ({"resource_code": "999999999-xxx-00001"}, 422, "resource_code", "没有资源代码"),
        ({"field": "身高"}, 422, "field", "没有信息项「身高」"),
        ({"evidence": "   "}, 422, "evidence", "请写明异议理由"),
        ({"record": {}}, 422, "record", "请填写定位记录的主键：身份证号"),
        ({"record": {"姓名": "张三"}}, 422, "record", "不是主键"),
        ({"field": None}, 422, "field", "请选择有误的信息项"),
        ({"evidence": "长" * 2001}, 422, "evidence", "不能超过2000个字"),
    ],
)
def test_bad_input_over_json(client, session, change, status, field, words) -> None:  # type: ignore[no-untyped-def]
    w = of.world(session)
    filer = _auth(session, w.filer)
    before = _counts(session)
    r = client.post("/api/objections", json=_body(w.code, **change), headers=filer)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert words in error["message"]
    assert error["details"][0]["field"] == field
    assert _counts(session) == before


@pytest.mark.parametrize(
    ("name", "data", "status", "words"),
    [
        ("大文件.pdf", b"%PDF-" + b"0" * attachments.MAX_BYTES, 413, "不能超过 5 MB"),
        ("脚本.pdf", b"#!/bin/sh\nrm -rf /\n", 422, "文件类型不支持"),
        ("压缩包.xlsx", b"PK\x03\x04 zip but not a workbook", 422, "文件类型不支持"),
        ("空.pdf", b"", 422, "空文件"),
    ],
)
def test_bad_attachments_write_nothing(client, session, var_dir, name, data, status, words) -> None:  # type: ignore[no-untyped-def]
    w = of.world(session)
    filer = _auth(session, w.filer)
    before = _counts(session)
    form = {"resource_code": w.code, "record": json.dumps({"id_number": f.id_number()}), "evidence": "见证明"}
    r = client.post(
        "/api/objections/form",
        data=form,
        files={"attachment": (name, data, "application/pdf")},
        headers=filer,
    )
    assert r.status_code == status, r.text
    assert words in r.json()["error"]["message"]
    assert r.json()["error"]["details"][0]["field"] == "attachment"
    assert _counts(session) == before
    assert not (var_dir / "objections").exists()


def test_bad_record_json_in_the_form(client, session) -> None:
    w = of.world(session)
    r = client.post(
        "/api/objections/form",
        data={"resource_code": w.code, "record": "[1, 2", "evidence": "x"},
        headers=_auth(session, w.filer),
    )
    assert r.status_code == 422 and "JSON" in r.json()["error"]["message"]
