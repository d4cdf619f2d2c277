"""Developer API keys: create (shown once), list, revoke — only one's own, or any for the operator —
each creation and revocation in the ledger; a revoked key stops working at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shuzheng.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied
from shuzheng.ledger.models import LedgerEntry
from shuzheng.opendata import service
from shuzheng.security import service as accounts
from tests import factories as f
from tests.opendata.factories import seed


def _auth(session, account) -> dict[str, str]:  # type: ignore[no-untyped-def]
    token = accounts.issue_tokens(session, account).access_token
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def _entries(session, action: str) -> list[LedgerEntry]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(select(LedgerEntry).where(LedgerEntry.action == action).order_by(LedgerEntry.seq))
    )


def test_create_list_and_revoke_are_ledgered_and_never_reveal_the_key(session) -> None:
    me = f.actor(session, f.citizen(session))
    key, raw = service.create_api_key(session, me, "  停车应用 ")
    assert raw.startswith("od_") and key.prefix == raw[:10] and key.label == "停车应用"
    assert service.key_status(key) == "active"
    created = _entries(session, "opendata.key_create")[-1]
    assert created.actor_id == me.account_id and created.subject == f"opendata_key:{key.id}"
    assert raw not in created.payload and key.key_digest not in created.payload
    assert [k.id for k in service.api_keys(session, me)] == [key.id]

    revoked = service.revoke_api_key(session, me, key.id)
    assert revoked.revoked_at is not None and service.key_status(revoked) == "revoked"
    assert '"by_owner":true' in _entries(session, "opendata.key_revoke")[-1].payload
    service.revoke_api_key(session, me, key.id)  # again: nothing changes, nothing is recorded twice
    assert len([e for e in _entries(session, "opendata.key_revoke") if e.subject == created.subject]) == 1
    with pytest.raises(PermissionDenied):
        service.check_api_key(session, raw)


def test_only_the_owner_or_the_operator_may_revoke(session) -> None:
    owner = f.actor(session, f.citizen(session))
    other = f.actor(session, f.citizen(session))
    officer = f.actor(session, f.staff(session, "data_officer"))
    key, _ = service.create_api_key(session, owner, "应用")
    for stranger in (other, officer):
        with pytest.raises(NotFound):  # not even told the key exists
            service.revoke_api_key(session, stranger, key.id)
        with pytest.raises(PermissionDenied):
            service.api_keys(session, stranger, everyone=True)
    with pytest.raises(NotAuthenticated):
        service.revoke_api_key(session, None, key.id)
    operator = f.admin(session)
    assert key.id in [k.id for k in service.api_keys(session, operator, everyone=True)]
    assert service.revoke_api_key(session, operator, key.id).revoked_at is not None
    assert '"by_owner":false' in _entries(session, "opendata.key_revoke")[-1].payload


def test_an_account_keeps_a_bounded_number_of_active_keys(session, monkeypatch) -> None:
    monkeypatch.setattr(service, "MAX_ACTIVE_KEYS", 2)
    me = f.actor(session, f.citizen(session))
    first, _ = service.create_api_key(session, me, "一")
    service.create_api_key(session, me, "二")
    with pytest.raises(Conflict):
        service.create_api_key(session, me, "三")
    service.revoke_api_key(session, me, first.id)
    service.create_api_key(session, me, "三")


def test_key_routes(client, session, tmp_path) -> None:
    opened = seed(session, tmp_path)
    mine = _auth(session, f.citizen(session))
    theirs = _auth(session, f.citizen(session))
    assert client.get("/api/opendata/keys").status_code == 401
    created = client.post("/api/opendata/keys", json={"label": "停车应用"}, headers=mine)
    assert created.status_code == 201
    body = created.json()
    raw, key_id = body["key"], body["id"]
    assert body["status"] == "active" and body["last_used_at"] is None

    rid = client.get("/api/3/action/package_show", params={"id": opened.code}).json()["result"]["resources"][
        0
    ]["id"]
    search = {"resource_id": rid, "limit": 1}
    assert client.get(
        "/api/3/action/datastore_search", params=search, headers={"Authorization": raw}
    ).is_success

    listed = client.get("/api/opendata/keys", headers=mine).json()["keys"]
    assert [k["id"] for k in listed] == [key_id] and "key" not in listed[0]
    assert listed[0]["calls"] == 1 and listed[0]["last_used_at"] is not None
    assert client.get("/api/opendata/keys", headers=theirs).json()["keys"] == []
    assert client.get("/api/opendata/keys", params={"all": "true"}, headers=theirs).status_code == 403

    assert client.delete(f"/api/opendata/keys/{key_id}", headers=theirs).status_code == 404
    gone = client.delete(f"/api/opendata/keys/{key_id}", headers=mine)
    assert gone.status_code == 200 and gone.json()["status_label"] == "已停用"
    assert client.post(f"/api/opendata/keys/{key_id}/revoke", headers=mine).json()["status"] == "revoked"
    refused = client.get("/api/3/action/datastore_search", params=search, headers={"Authorization": raw})
    assert refused.status_code == 403

    operator = _auth(session, f.staff(session, "platform_admin"))
    everyone = client.get("/api/opendata/keys", params={"all": "true"}, headers=operator).json()["keys"]
    assert key_id in [k["id"] for k in everyone]
