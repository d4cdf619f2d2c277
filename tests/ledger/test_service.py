"""The ledger service inside one transaction: append, leaf format, tree heads, proofs, witnesses."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import struct
from pathlib import Path

import pytest
from sqlalchemy import select, text

from shuzheng.errors import NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from shuzheng.kit import clock
from shuzheng.ledger import merkle
from shuzheng.ledger import service as ledger
from shuzheng.ledger.models import LedgerEntry, LedgerNode
from shuzheng.security import keys
from shuzheng.security.crypto import sm2
from tests import factories as f

T0 = dt.datetime(2026, 11, 21, 8, 30, 15, 123456, tzinfo=dt.UTC)


def _sm3(data: bytes) -> bytes:
    return hashlib.new("sm3", data).digest()


def _leaf_as_documented(seq, time_us, actor_id, label, action, subject, digest_hex) -> bytes:
    """docs/ledger.md "Leaf bytes", written out independently of the service."""

    def s(x: str) -> bytes:
        b = x.encode("utf-8")
        return len(b).to_bytes(4, "big") + b

    body = bytes([1]) + seq.to_bytes(8, "big") + time_us.to_bytes(8, "big")
    body += s("" if actor_id is None else str(actor_id)) + s(label) + s(action) + s(subject)
    return body + bytes.fromhex(digest_hex)


def test_append_writes_a_gapless_entry_whose_hashes_follow_the_documented_format(session) -> None:
    admin = f.admin(session)
    base = ledger.size(session)
    with clock.frozen(T0):
        first = ledger.append(
            session, action="test.decide", subject="application:7", payload={"b": 2, "a": "批准"}, actor=admin
        )
        second = ledger.append(session, action="test.decide", subject="application:8", payload={})
    assert (first.seq, second.seq) == (base, base + 1)
    assert ledger.size(session) == base + 2
    assert first.payload == '{"a":"批准","b":2}'
    assert first.payload_digest == hashlib.new("sm3", first.payload.encode()).hexdigest()
    assert first.time == T0 and first.actor_id == admin.account_id and first.actor_label == "staff"
    assert second.actor_id is None and second.actor_label == "system"
    time_us = 1_795_249_815_123_456  # 2026-11-21T08:30:15.123456Z
    expected = _sm3(
        b"\x00"
        + _leaf_as_documented(
            base, time_us, admin.account_id, "staff", "test.decide", "application:7", first.payload_digest
        )
    )
    assert first.leaf_hash == expected
    stored = session.execute(
        text("SELECT leaf_hash, time FROM ledger_entries WHERE seq = :s"), {"s": base}
    ).one()
    assert bytes(stored.leaf_hash) == expected


def test_leaf_bytes_are_length_prefixed_so_fields_cannot_run_into_each_other() -> None:
    digest = "00" * 32
    a = ledger.leaf_bytes(0, T0, None, "ab", "c.d", "x", digest)
    b = ledger.leaf_bytes(0, T0, None, "a", "bc.d", "x", digest)
    assert a != b
    assert a[:17] == struct.pack(">BQQ", 1, 0, ledger.time_micros(T0))


def test_the_tree_nodes_stored_while_appending_give_the_rfc_root(session) -> None:
    base = ledger.size(session)
    for i in range(13):
        ledger.append(session, action="test.step", subject=f"s:{i}", payload={"i": i})
    n = ledger.size(session)
    leaves = [bytes(h) for h in session.scalars(select(LedgerEntry.leaf_hash).order_by(LedgerEntry.seq))]
    assert len(leaves) == n
    nodes = {(r.level, r.idx): bytes(r.hash) for r in session.scalars(select(LedgerNode))}
    # every perfect subtree of level >= 1, and nothing else
    assert set(nodes) == {(lv, i) for lv in range(1, n.bit_length()) for i in range(n >> lv)}
    assert ledger.root_at(session, n) == merkle.fold_right(_naive_edge(leaves))
    assert base + 13 == n


def _naive_edge(leaves: list[bytes]) -> list[bytes]:
    frontier = merkle.Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    return frontier.hashes


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"action": "Bad Action"}, "action"),
        ({"action": ""}, "action"),
        ({"subject": "  "}, "subject"),
        ({"subject": "a\nb"}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"payload": ["not", "a", "dict"]}, "payload"),
        ({"payload": {"when": dt.date(2026, 1, 1)}}, "payload"),
        ({"payload": {"ratio": float("nan")}}, "payload"),
        ({"payload": {"blob": "x" * 70_000}}, "payload"),
        ({"payload": {"who": {"id_number": f.id_number(7)}}}, "payload.who.id_number"),
        ({"payload": {"phones": ["138 1234 5678"]}}, "payload.phones[0]"),
        ({"actor_label": "a\tb"}, "actor_label"),
    ],
)
def test_bad_appends_are_refused_naming_the_field_and_write_nothing(session, kwargs, field) -> None:
    base = ledger.size(session)
    args = {"action": "test.bad", "subject": "s:1", "payload": {}, **kwargs}
    with pytest.raises(ValidationFailed) as info:
        ledger.append(session, **args)
    assert info.value.details[0]["field"] == field
    assert ledger.size(session) == base


def test_masked_and_hashed_personal_data_is_accepted(session) -> None:
    entry = ledger.append(
        session,
        action="test.access",
        subject="person:3f2a",
        payload={
            "id_number": "3708**********001X",
            "phone": "138****5678",
            "key_sm3": "ab" * 32,
            "n": 12345678901,
        },
    )
    assert json.loads(entry.payload)["phone"] == "138****5678"


def test_a_rolled_back_savepoint_takes_its_entries_and_its_sequence_numbers_with_it(session) -> None:
    kept = ledger.append(session, action="test.kept", subject="s:1", payload={})
    nested = session.begin_nested()
    ledger.append(session, action="test.undone", subject="s:2", payload={})
    ledger.append(session, action="test.undone", subject="s:3", payload={})
    nested.rollback()
    after = ledger.append(session, action="test.kept", subject="s:4", payload={})
    assert after.seq == kept.seq + 1
    assert session.scalar(text("SELECT count(*) FROM ledger_entries WHERE action = 'test.undone'")) == 0
    assert ledger.root_at(session, ledger.size(session)) == ledger.lock(session).root()


def test_append_many_uses_consecutive_numbers(session) -> None:
    base = ledger.size(session)
    made = ledger.append_many(
        session, [ledger.Record("test.bulk", f"s:{i}", {"i": i}, actor_label="import") for i in range(5)]
    )
    assert [e.seq for e in made] == list(range(base, base + 5))
    assert ledger.append_many(session, []) == []


# --- tree heads --------------------------------------------------------------------------------------


def test_tree_head_is_signed_by_the_platform_key_and_not_traced(session) -> None:
    with clock.frozen(T0):
        ledger.append(session, action="test.step", subject="s:1", payload={})
        head = ledger.produce_tree_head(session)
    size = ledger.size(session)
    assert head.tree_size == size  # no key.sign entry was added by signing it
    assert head.root_hash == ledger.root_at(session, size)
    assert head.timestamp_ms == ledger.time_micros(T0) // 1000
    message = f"shuzheng-sth-v1\n{size}\n{head.root_hash.hex()}\n{head.timestamp_ms}\n".encode()
    platform = keys.active_key(session, keys.PLATFORM)
    assert head.key_id == platform.key_id
    assert sm2.verify(platform.public_key, message, head.signature)
    assert keys.verify(session, head.key_id, message, head.signature)
    assert ledger.produce_tree_head(session) is head  # same size: the same head
    assert session.scalar(text("SELECT count(*) FROM ledger_entries WHERE action = 'key.sign'")) == 0


def test_tree_head_timestamps_never_go_back(session) -> None:
    with clock.frozen(T0):
        first = ledger.produce_tree_head(session)
    ledger.append(session, action="test.step", subject="s:1", payload={})
    with clock.frozen(T0 - dt.timedelta(hours=1)):  # the server clock was set back
        second = ledger.produce_tree_head(session)
    assert second.tree_size > first.tree_size and second.timestamp_ms >= first.timestamp_ms
    assert ledger.latest_tree_head(session) is second


def test_tree_head_lookups(session) -> None:
    with pytest.raises(NotFound, match="没有树大小为"):
        ledger.get_tree_head(session, 10**30)
    with pytest.raises(ValidationFailed):
        ledger.get_tree_head(session, -1)


# --- proofs ------------------------------------------------------------------------------------------


def test_inclusion_and_consistency_proofs_verify_against_signed_roots(session) -> None:
    heads = []
    for i in range(37):
        ledger.append(session, action="test.step", subject=f"s:{i}", payload={"i": i})
        if i in (0, 6, 15, 36):
            heads.append(ledger.produce_tree_head(session))
    for head in heads:
        for seq in range(head.tree_size):
            proof = ledger.inclusion_proof(session, seq, head.tree_size)
            assert proof.root_hash == head.root_hash
            assert merkle.verify_inclusion(proof.leaf_hash, seq, head.tree_size, proof.path, head.root_hash)
    for old in heads:
        for new in heads:
            if old.tree_size <= new.tree_size:
                proof = ledger.consistency_proof(session, old.tree_size, new.tree_size)
                assert (proof.first_root, proof.second_root) == (old.root_hash, new.root_hash)
                assert merkle.verify_consistency(
                    old.tree_size, new.tree_size, old.root_hash, new.root_hash, proof.path
                )


@pytest.mark.parametrize(
    ("seq", "size", "field", "reason"),
    [
        (-1, 3, "seq", "不能为负数"),
        (3, 3, "seq", "应小于 3"),
        (0, 0, "size", "至少为 1"),
        (0, 10**9, "size", "超出账本当前大小"),
    ],
)
def test_bad_inclusion_requests_name_the_parameter(session, seq, size, field, reason) -> None:
    for i in range(4):
        ledger.append(session, action="test.step", subject=f"s:{i}", payload={})
    with pytest.raises(ValidationFailed, match=reason) as info:
        ledger.inclusion_proof(session, seq, size)
    assert info.value.details[0]["field"] == field


@pytest.mark.parametrize(
    ("first", "second", "field"),
    [(0, 2, "first"), (-3, 2, "first"), (3, 2, "first"), (1, 10**12, "second")],
)
def test_bad_consistency_requests_name_the_parameter(session, first, second, field) -> None:
    for i in range(4):
        ledger.append(session, action="test.step", subject=f"s:{i}", payload={})
    with pytest.raises(ValidationFailed) as info:
        ledger.consistency_proof(session, first, second)
    assert info.value.details[0]["field"] == field


def test_a_missing_node_is_reported_not_a_crash(session) -> None:
    for i in range(8):
        ledger.append(session, action="test.step", subject=f"s:{i}", payload={})
    size = ledger.size(session)
    session.execute(text("DELETE FROM ledger_nodes WHERE level = 1"))
    with pytest.raises(ledger.LedgerCorrupt, match="树节点缺失"):
        ledger.inclusion_proof(session, 0, size)


# --- reading -----------------------------------------------------------------------------------------


def test_reading_entries_needs_the_ledger_permission(session) -> None:
    admin = f.admin(session)
    officer = f.actor(session, f.staff(session, "data_officer"))
    entry = ledger.append(session, action="test.step", subject="s:1", payload={"k": "v"})
    assert ledger.get_entry(session, admin, entry.seq).payload == '{"k":"v"}'
    with pytest.raises(NotAuthenticated):
        ledger.get_entry(session, None, entry.seq)
    with pytest.raises(PermissionDenied, match="查看存证账本"):
        ledger.get_entry(session, officer, entry.seq)
    with pytest.raises(NotFound, match=f"序号 {entry.seq + 1}"):
        ledger.get_entry(session, admin, entry.seq + 1)
    page = ledger.list_entries(session, admin, entry.seq, entry.seq + 5)
    assert [e.seq for e in page] == [entry.seq]
    assert ledger.list_entries(session, admin, 10**15) == []
    with pytest.raises(ValidationFailed, match="最多"):
        ledger.list_entries(session, admin, 0, 5000)
    with pytest.raises(ValidationFailed, match="不能小于"):
        ledger.list_entries(session, admin, 5, 1)


# --- witnesses ---------------------------------------------------------------------------------------


def test_a_witness_cosignature_is_stored_only_if_it_verifies(session) -> None:
    admin = f.admin(session)
    province = sm2.generate_keypair()
    witness = ledger.add_witness(
        session, admin, name="省级政务区块链", public_key_pem=sm2.public_key_to_pem(province.public_key)
    )
    assert witness.public_key == province.public_key
    head = ledger.produce_tree_head(session)
    message = ledger.cosignature_bytes(head.tree_size, head.root_hash, head.timestamp_ms)
    assert message.startswith(b"shuzheng-cosignature-v1\nshuzheng-sth-v1\n")

    forged = base64.b64encode(sm2.sign(sm2.generate_keypair().private_key, message)).decode()
    with pytest.raises(ValidationFailed, match="签名无效"):
        ledger.add_cosignature(session, head.tree_size, witness="省级政务区块链", signature=forged)
    wrong_message = base64.b64encode(sm2.sign(province.private_key, b"something else")).decode()
    with pytest.raises(ValidationFailed, match="签名无效"):
        ledger.add_cosignature(session, head.tree_size, witness="省级政务区块链", signature=wrong_message)
    with pytest.raises(ValidationFailed, match="Base64"):
        ledger.add_cosignature(session, head.tree_size, witness="省级政务区块链", signature="not base64!")
    with pytest.raises(NotFound, match="未登记"):
        ledger.add_cosignature(session, head.tree_size, witness="无名", signature=forged)
    assert ledger.cosignatures(session, head.tree_size) == []

    good = base64.b64encode(sm2.sign(province.private_key, message)).decode()
    stored = ledger.add_cosignature(session, head.tree_size, witness="省级政务区块链", signature=good)
    again = ledger.add_cosignature(session, head.tree_size, witness="省级政务区块链", signature=good)
    assert again is stored
    assert [(w.name, c.signature) for w, c in ledger.cosignatures(session, head.tree_size)] == [
        ("省级政务区块链", base64.b64decode(good))
    ]


def test_registering_witnesses_needs_keys_permission_and_a_real_sm2_key(session) -> None:
    pem = sm2.public_key_to_pem(sm2.generate_keypair().public_key)
    with pytest.raises(PermissionDenied):
        ledger.add_witness(
            session, f.actor(session, f.staff(session, "leader")), name="甲", public_key_pem=pem
        )
    admin = f.admin(session)
    with pytest.raises(ValidationFailed) as info:
        ledger.add_witness(
            session,
            admin,
            name="乙",
            public_key_pem="-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        )
    assert info.value.details[0]["field"] == "public_key_pem"
    ledger.add_witness(session, admin, name="丙", public_key_pem=pem)
    with pytest.raises(Exception, match="已存在"):
        ledger.add_witness(session, admin, name="丙", public_key_pem=pem)


def test_the_documented_leaf_example_is_what_the_service_writes() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "ledger.md").read_text()
    block = doc.split("Example (seq 5")[1].split("```")[1]
    documented = bytes.fromhex("".join(block.replace("<32 digest bytes>", "").split()))
    made = ledger.leaf_bytes(5, T0, 17, "staff", "key.sign", "key:platform-1", "ab" * 32)
    assert made == documented + bytes.fromhex("ab" * 32)
