"""SM2 signing keys: wrapped private keys, one active key per owner, rotation, traced use, bad keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from shuzheng.config import get_settings
from shuzheng.errors import NotFound, PermissionDenied, ValidationFailed
from shuzheng.ledger import service as ledger
from shuzheng.ledger.models import LedgerEntry
from shuzheng.security import keys
from shuzheng.security.crypto import sm2
from shuzheng.security.crypto.sm3 import sm3_hex
from shuzheng.security.master import forget_cached_keys
from tests import factories as f


def _last_entry(session) -> LedgerEntry:  # type: ignore[no-untyped-def]
    return session.scalar(select(LedgerEntry).order_by(LedgerEntry.seq.desc()).limit(1))


def test_platform_key_is_created_once_wrapped_and_traced(session) -> None:
    key = keys.ensure_platform_key(session)
    assert keys.ensure_platform_key(session) is key
    assert (key.key_id, key.owner, key.algorithm, key.status) == (
        "platform-1",
        "platform",
        "SM2-SM3",
        "active",
    )
    assert len(key.public_key) == 65 and key.public_key[0] == 4
    private = keys._unwrap(key)
    raw = session.execute(
        text("SELECT private_key_enc FROM security_signing_keys WHERE key_id = 'platform-1'")
    ).scalar()
    assert private not in bytes(raw) and private.hex() not in repr(key.__dict__)
    assert sm2.public_key_from_private(private) == key.public_key
    created = _last_entry(session)
    assert (created.action, created.subject) == ("key.create", "key:platform-1")
    assert json.loads(created.payload)["public_key_sm3"] == sm3_hex(key.public_key)


def test_department_keys_and_owner_validation(session) -> None:
    dept = f.department(session)
    key = keys.ensure_department_key(session, dept.id)
    assert key.key_id == f"dept-{dept.id}-1" and key.owner == f"department:{dept.id}"
    assert keys.active_key(session, f"department:{dept.id}") is key
    with pytest.raises(NotFound, match="部门不存在"):
        keys.ensure_department_key(session, 999_999)
    for bad in ("dept:1", "department:", "department:0", "department:abc", "PLATFORM", ""):
        with pytest.raises(ValidationFailed) as info:
            keys.ensure_key(session, bad)
        assert info.value.details[0]["field"] == "owner"


def test_signing_is_traced_with_purpose_and_digest_but_not_the_data(session) -> None:
    dept = f.department(session)
    approver = f.actor(session, f.staff(session, "approver", dept=dept))
    data = "电子证照 #42".encode()
    signed = keys.sign(session, f"department:{dept.id}", data, purpose="licence.issue", actor=approver)
    assert keys.verify(session, signed.key_id, data, signed.signature)
    assert sm2.verify(signed.public_key, data, signed.signature)
    assert not keys.verify(session, signed.key_id, data + b"!", signed.signature)
    assert not keys.verify(session, "no-such-key", data, signed.signature)
    trace = _last_entry(session)
    assert (trace.action, trace.subject, trace.actor_id) == (
        "key.sign",
        f"key:{signed.key_id}",
        approver.account_id,
    )
    assert json.loads(trace.payload) == {
        "owner": f"department:{dept.id}",
        "key_id": signed.key_id,
        "purpose": "licence.issue",
        "data_sm3": sm3_hex(data),
    }
    size = ledger.size(session)
    keys.sign(session, "platform", b"x", purpose="internal", actor=None, trace=False)
    keys.ensure_platform_key(session)
    assert ledger.size(session) == size + 1  # only the platform key's creation, no key.sign entry
    with pytest.raises(ValidationFailed):
        keys.sign(session, "platform", b"x", purpose=" ", actor=None)


def test_rotation_retires_the_old_key_which_still_verifies(session) -> None:
    admin = f.admin(session)
    old = keys.ensure_platform_key(session)
    before = keys.sign(session, keys.PLATFORM, b"old document", purpose="test", actor=admin)
    new = keys.rotate(session, admin, keys.PLATFORM)
    assert new.key_id == "platform-2" and new.status == "active"
    assert old.status == "retired" and old.retired_at is not None
    assert keys.active_key(session, keys.PLATFORM) is new
    assert keys.verify(session, "platform-1", b"old document", before.signature)
    after = keys.sign(session, keys.PLATFORM, b"new document", purpose="test", actor=admin)
    assert after.key_id == "platform-2"
    rotated = session.scalar(select(LedgerEntry).where(LedgerEntry.action == "key.rotate"))
    assert json.loads(rotated.payload)["retired_key_id"] == "platform-1"
    assert [k.key_id for k in keys.public_keys(session, keys.PLATFORM)] == ["platform-1", "platform-2"]


def test_rotation_needs_the_keys_permission(session) -> None:
    with pytest.raises(PermissionDenied, match="管理密钥"):
        keys.rotate(session, f.actor(session, f.staff(session, "approver")), keys.PLATFORM)
    with pytest.raises(NotFound):
        keys.rotate(session, f.admin(session), "department:987654")


def test_the_database_allows_only_one_active_key_per_owner(session) -> None:
    key = keys.ensure_platform_key(session)
    nested = session.begin_nested()
    with pytest.raises(IntegrityError):
        session.execute(
            text(
                "INSERT INTO security_signing_keys (key_id, owner, algorithm, public_key, private_key_enc, status, created_at)"
                " VALUES ('platform-x', 'platform', 'SM2-SM3', :pk, :enc, 'active', :t)"
            ),
            {"pk": key.public_key, "enc": key.private_key_enc, "t": key.created_at},
        )
    nested.rollback()


def test_a_wrong_master_key_is_a_clear_error_naming_the_key(session, monkeypatch) -> None:
    keys.ensure_platform_key(session)  # wrapped under the test master key
    # The server restarted with another master key.
    with _master_key(monkeypatch, "a5" * 32), pytest.raises(keys.KeyUnavailable) as info:
        keys.sign(session, keys.PLATFORM, b"data", purpose="test", actor=None)
    assert "无法解密密钥 platform-1" in info.value.message and "主密钥不符" in info.value.message
    assert info.value.status == 503 and info.value.details == {"key_id": "platform-1"}


@contextmanager
def _master_key(monkeypatch, hex_key: str) -> Iterator[None]:  # type: ignore[no-untyped-def]
    with monkeypatch.context() as m:
        m.setenv("SHUZHENG_MASTER_KEY", hex_key)
        get_settings.cache_clear()
        forget_cached_keys()
        try:
            yield
        finally:
            get_settings.cache_clear()
            forget_cached_keys()
    get_settings.cache_clear()
    forget_cached_keys()


def test_a_wrapped_key_moved_to_another_row_does_not_open(session) -> None:
    dept = f.department(session)
    platform = keys.ensure_platform_key(session)
    department = keys.ensure_department_key(session, dept.id)
    department.private_key_enc = platform.private_key_enc  # swapped blob: the key id is the AAD
    session.flush()
    with pytest.raises(keys.KeyUnavailable, match=f"无法解密密钥 dept-{dept.id}-1"):
        keys.sign(session, f"department:{dept.id}", b"data", purpose="test", actor=None)


def test_init_all_gives_every_active_department_a_key(session) -> None:
    a, b = f.department(session), f.department(session)
    made = keys.init_all(session)
    owners = {k.owner for k in made}
    assert {"platform", f"department:{a.id}", f"department:{b.id}"} <= owners
    assert [k.key_id for k in keys.init_all(session)] == [k.key_id for k in made]  # idempotent


# --- API ---------------------------------------------------------------------------------------------


def _bearer(client, account) -> dict[str, str]:  # type: ignore[no-untyped-def]
    r = client.post("/api/auth/token", json={"login": account.username, "password": f.PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_public_keys_are_public_and_rotation_is_for_admins(client, session) -> None:
    keys.ensure_platform_key(session)
    listed = client.get("/api/keys")
    assert listed.status_code == 200
    platform = next(k for k in listed.json() if k["key_id"] == "platform-1")
    assert sm2.public_key_from_pem(platform["public_key_pem"]).hex() == platform["public_key_hex"]
    assert "private" not in json.dumps(listed.json()).lower()

    assert client.post("/api/keys/platform/rotate").status_code == 401
    approver = f.staff(session, "approver")
    assert client.post("/api/keys/platform/rotate", headers=_bearer(client, approver)).status_code == 403
    admin = f.staff(session, "platform_admin")
    rotated = client.post("/api/keys/platform/rotate", headers=_bearer(client, admin))
    assert rotated.status_code == 200 and rotated.json()["key_id"] == "platform-2"
    statuses = {
        k["key_id"]: k["status"] for k in client.get("/api/keys", params={"owner": "platform"}).json()
    }
    assert statuses == {"platform-1": "retired", "platform-2": "active"}
    bad = client.post("/api/keys/nobody/rotate", headers=_bearer(client, admin))
    assert bad.status_code == 422 and "密钥归属" in bad.json()["error"]["message"]
