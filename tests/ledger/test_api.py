"""The ledger API end to end: public heads and proofs, protected entries, witnesses, and bad requests
answered with a precise 4xx in the error envelope — never a 500."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from shuzheng.ledger import merkle
from shuzheng.ledger import service as ledger
from shuzheng.security.crypto import sm2
from tests import factories as f


def _bearer(client, account) -> dict[str, str]:  # type: ignore[no-untyped-def]
    r = client.post("/api/auth/token", json={"login": account.username, "password": f.PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _fill(session, n: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        ledger.append(session, action="test.step", subject=f"case:{i}", payload={"i": i})


def test_no_tree_head_yet_is_a_404(client) -> None:
    r = client.get("/api/ledger/sth")
    assert r.status_code == 404 and "尚未生成签名树头" in r.json()["error"]["message"]


def test_admin_produces_a_head_that_anyone_can_fetch_and_check(client, session) -> None:
    admin = f.staff(session, "platform_admin")
    headers = _bearer(client, admin)
    _fill(session, 9)
    assert client.post("/api/ledger/sth").status_code == 401
    assert (
        client.post("/api/ledger/sth", headers=_bearer(client, f.staff(session, "leader"))).status_code == 403
    )
    made = client.post("/api/ledger/sth", headers=headers)
    assert made.status_code == 201, made.text
    head = client.get("/api/ledger/sth").json()
    assert head == made.json()
    assert (
        head["signed_message"]
        == f"shuzheng-sth-v1\n{head['tree_size']}\n{head['root_hash']}\n{head['timestamp_ms']}\n"
    )
    keys = {k["key_id"]: k for k in client.get("/api/keys").json()}
    public_key = sm2.public_key_from_pem(keys[head["key_id"]]["public_key_pem"])
    assert sm2.verify(public_key, head["signed_message"].encode(), base64.b64decode(head["signature"]))
    assert client.get(f"/api/ledger/sth/{head['tree_size']}").json() == head

    size, root = head["tree_size"], bytes.fromhex(head["root_hash"])
    proof = client.get("/api/ledger/proof/inclusion", params={"seq": 3, "size": size}).json()
    path = [bytes.fromhex(h) for h in proof["audit_path"]]
    assert merkle.verify_inclusion(bytes.fromhex(proof["leaf_hash"]), 3, size, path, root)

    # An auditor with read access recomputes the leaf from the entry's fields.
    entry = client.get("/api/ledger/entries/3", headers=headers).json()
    assert entry["leaf_hash"] == proof["leaf_hash"]
    assert merkle.sm3(entry["payload_json"].encode()).hex() == entry["payload_digest"]
    time = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=entry["time_us"])
    fields = (
        entry["actor_id"],
        entry["actor_label"],
        entry["action"],
        entry["subject"],
        entry["payload_digest"],
    )
    assert merkle.hash_leaf(ledger.leaf_bytes(3, time, *fields)).hex() == entry["leaf_hash"]

    _fill(session, 5)
    client.post("/api/ledger/sth", headers=headers)
    newer = client.get("/api/ledger/sth").json()
    consistency = client.get(
        "/api/ledger/proof/consistency", params={"first": size, "second": newer["tree_size"]}
    )
    body = consistency.json()
    assert merkle.verify_consistency(
        size,
        newer["tree_size"],
        root,
        bytes.fromhex(newer["root_hash"]),
        [bytes.fromhex(h) for h in body["proof"]],
    )


def test_entries_need_the_ledger_permission(client, session) -> None:
    _fill(session, 3)
    assert client.get("/api/ledger/entries/0").status_code == 401
    officer = f.staff(session, "data_officer")
    denied = client.get("/api/ledger/entries/0", headers=_bearer(client, officer))
    assert denied.status_code == 403 and "查看存证账本" in denied.json()["error"]["message"]
    headers = _bearer(client, f.staff(session, "platform_admin"))
    page = client.get("/api/ledger/entries", params={"start": 1, "end": 3}, headers=headers).json()
    assert [e["seq"] for e in page["entries"]] == [1, 2] and page["tree_size"] == ledger.size(session)
    missing = client.get("/api/ledger/entries/999999", headers=headers)
    assert missing.status_code == 404 and "序号 999999" in missing.json()["error"]["message"]
    too_many = client.get("/api/ledger/entries", params={"start": 0, "end": 5000}, headers=headers)
    assert too_many.status_code == 422 and "最多查询 1000 条" in too_many.json()["error"]["message"]


@pytest.mark.parametrize(
    ("url", "params", "status", "text"),
    [
        ("/api/ledger/proof/inclusion", {"seq": 5, "size": 5}, 422, "序号 5 不在大小为 5 的树中"),
        ("/api/ledger/proof/inclusion", {"seq": -1, "size": 5}, 422, "序号不能为负数"),
        ("/api/ledger/proof/inclusion", {"seq": 0, "size": 99}, 422, "超出账本当前大小"),
        ("/api/ledger/proof/inclusion", {"seq": 0, "size": 10**40}, 422, "超出账本当前大小"),
        ("/api/ledger/proof/inclusion", {"seq": "abc", "size": 5}, 422, "seq：应为整数"),
        ("/api/ledger/proof/inclusion", {"size": 5}, 422, "seq：必填"),
        ("/api/ledger/proof/inclusion", {"seq": 0, "size": 0}, 422, "树大小至少为 1"),
        ("/api/ledger/proof/consistency", {"first": 4, "second": 2}, 422, "不能大于 second"),
        ("/api/ledger/proof/consistency", {"first": 0, "second": 2}, 422, "树大小至少为 1"),
        ("/api/ledger/proof/consistency", {"first": 1, "second": 50}, 422, "超出账本当前大小"),
        ("/api/ledger/proof/consistency", {"first": "1.5", "second": 2}, 422, "first：应为整数"),
        ("/api/ledger/sth/-3", {}, 422, "树大小不能为负数"),
        ("/api/ledger/sth/x", {}, 422, "size：应为整数"),
        ("/api/ledger/sth/123456789012345678901234567890", {}, 404, "没有树大小为"),
        ("/api/ledger/sth/3/note", {}, 404, "没有树大小为 3"),
    ],
)
def test_bad_requests_get_a_precise_4xx(client, session, url, params, status, text) -> None:
    _fill(session, 5)
    r = client.get(url, params=params)
    assert r.status_code == status, r.text
    assert text in r.json()["error"]["message"]


def test_a_witness_cosigns_an_exported_head(client, session) -> None:
    admin_headers = _bearer(client, f.staff(session, "platform_admin"))
    province = sm2.generate_keypair()
    registered = client.post(
        "/api/ledger/witnesses",
        json={"name": "省级平台", "public_key_pem": sm2.public_key_to_pem(province.public_key)},
        headers=admin_headers,
    )
    assert registered.status_code == 201
    assert [w["name"] for w in client.get("/api/ledger/witnesses").json()] == ["省级平台"]
    bad_pem = client.post(
        "/api/ledger/witnesses", json={"name": "乙", "public_key_pem": "garbage"}, headers=admin_headers
    )
    assert bad_pem.status_code == 422 and bad_pem.json()["error"]["details"][0]["field"] == "public_key_pem"

    _fill(session, 4)
    size = client.post("/api/ledger/sth", headers=admin_headers).json()["tree_size"]
    note = client.get(f"/api/ledger/sth/{size}/note").json()
    assert note["cosignature_message"] == "shuzheng-cosignature-v1\n" + note["signed_message"]
    assert sm2.verify(
        sm2.public_key_from_pem(note["public_key_pem"]),
        note["signed_message"].encode(),
        base64.b64decode(note["signature"]),
    )
    # The province checks our signature, then signs the cosignature message with its own key.
    cosig = base64.b64encode(sm2.sign(province.private_key, note["cosignature_message"].encode())).decode()
    forged = base64.b64encode(sm2.sign(province.private_key, note["signed_message"].encode())).decode()
    refused = client.post(
        f"/api/ledger/sth/{size}/cosignatures", json={"witness": "省级平台", "signature": forged}
    )
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "bad_cosignature"
    unknown = client.post(
        f"/api/ledger/sth/{size}/cosignatures", json={"witness": "某市", "signature": cosig}
    )
    assert unknown.status_code == 404
    accepted = client.post(
        f"/api/ledger/sth/{size}/cosignatures", json={"witness": "省级平台", "signature": cosig}
    )
    assert accepted.status_code == 201, accepted.text
    shown = client.get(f"/api/ledger/sth/{size}").json()["cosignatures"]
    assert [(c["witness"], c["signature"]) for c in shown] == [("省级平台", cosig)]
    assert (
        client.get("/api/ledger/sth").json()["tree_size"] == size
    )  # the cosign entry does not need a new head
