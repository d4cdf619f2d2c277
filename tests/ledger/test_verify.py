"""`verify_ledger` against rows tampered with raw SQL: each kind of tampering is reported with its exact
sequence numbers and the check that failed; an intact ledger passes."""

from __future__ import annotations

import base64
from contextlib import nullcontext

import pytest
from sqlalchemy import text

from shuzheng.ledger import service as ledger
from shuzheng.ledger.verification import Report, verify_ledger
from shuzheng.security import keys
from shuzheng.security.crypto import sm2
from tests import factories as f

HEADS = (10, 25, 40)


@pytest.fixture
def built(session):  # type: ignore[no-untyped-def]
    """A ledger of exactly 40 entries (starting empty) with signed tree heads at 10, 25 and 40."""
    assert ledger.size(session) == 0
    keys.ensure_platform_key(session)
    i = 0
    for target in HEADS:
        while ledger.size(session) < target:
            ledger.append(session, action="test.step", subject=f"case:{i}", payload={"i": i, "说明": "测试"})
            i += 1
        ledger.produce_tree_head(session)
    return session


def _verify(session, **kw) -> Report:  # type: ignore[no-untyped-def]
    return verify_ledger(lambda: nullcontext(session), **kw)


def _run(session, *statements: str) -> None:  # type: ignore[no-untyped-def]
    for statement in statements:
        session.execute(text(statement))


def _head_sizes(report: Report, check: str) -> set[int]:
    return {f.tree_size for f in report.findings if f.check == check and f.tree_size is not None}


def test_an_intact_ledger_passes_every_check(built) -> None:
    report = _verify(built, chunk_size=7)  # small chunks: the node comparison crosses chunk borders
    assert report.ok, [f.describe() for f in report.findings]
    assert (report.size, report.entries, report.tree_heads) == (40, 40, 3)
    assert report.nodes == sum(40 >> level for level in range(1, 6))


def test_an_altered_payload_is_reported_at_its_sequence_number(built) -> None:
    built.execute(text("UPDATE ledger_entries SET payload = :p WHERE seq = 7"), {"p": '{"i":999}'})
    report = _verify(built)
    assert report.checks() == {"payload_altered"}
    assert report.seqs() == {7}


def test_an_altered_field_is_reported_and_breaks_the_later_tree_heads(built) -> None:
    _run(built, "UPDATE ledger_entries SET action = 'test.forged' WHERE seq = 12")
    report = _verify(built)
    assert report.seqs("field_altered") == {12}
    assert report.checks() == {"field_altered", "tree_head_mismatch"}
    assert _head_sizes(report, "tree_head_mismatch") == {25, 40}


def test_a_consistently_rewritten_entry_is_caught_by_the_stored_tree(built) -> None:
    entry = built.get(ledger.LedgerEntry, 12)
    entry.payload = '{"i":12,"说明":"改过"}'
    entry.payload_digest = ledger.merkle.sm3(entry.payload.encode()).hex()
    entry.leaf_hash = ledger.entry_leaf_hash(entry)
    built.flush()
    report = _verify(built)
    assert report.checks() == {"node_mismatch", "tree_head_mismatch"}
    assert report.seqs("node_mismatch") == {12, 13}  # the smallest stored subtree above it
    assert _head_sizes(report, "tree_head_mismatch") == {25, 40}


def test_a_removed_entry(built) -> None:
    _run(built, "DELETE FROM ledger_entries WHERE seq = 20")
    report = _verify(built)
    assert report.seqs("removed") == {20}
    assert report.checks() == {"removed", "tree_head_mismatch"}
    assert _head_sizes(report, "tree_head_mismatch") == {25, 40}


def test_two_swapped_entries_are_reported_as_reordered(built) -> None:
    _run(
        built,
        "UPDATE ledger_entries SET seq = -1 WHERE seq = 5",
        "UPDATE ledger_entries SET seq = 5 WHERE seq = 9",
        "UPDATE ledger_entries SET seq = 9 WHERE seq = -1",
    )
    report = _verify(built)
    assert report.seqs("reordered") == {5, 9}
    assert report.checks() == {"reordered", "tree_head_mismatch"}
    assert _head_sizes(report, "tree_head_mismatch") == {10, 25, 40}


def test_a_row_inserted_after_the_end(built) -> None:
    _run(
        built,
        "INSERT INTO ledger_entries (seq, time, actor_id, actor_label, action, subject, payload, payload_digest, leaf_hash)"
        " SELECT 40, time, actor_id, actor_label, action, subject, payload, payload_digest, leaf_hash"
        " FROM ledger_entries WHERE seq = 3",
    )
    report = _verify(built)
    assert report.checks() == {"inserted"}
    assert report.seqs() == {40}


def test_a_row_inserted_in_the_middle_with_the_rest_renumbered(built) -> None:
    _run(
        built,
        "UPDATE ledger_entries SET seq = -seq - 1000 WHERE seq >= 15",
        "UPDATE ledger_entries SET seq = -seq - 1000 + 1 WHERE seq < 0",
        "INSERT INTO ledger_entries (seq, time, actor_id, actor_label, action, subject, payload, payload_digest, leaf_hash)"
        " SELECT 15, time, actor_id, actor_label, 'test.forged', subject, payload, payload_digest, leaf_hash"
        " FROM ledger_entries WHERE seq = 3",
    )
    report = _verify(built)
    assert report.seqs("inserted") == {15}
    assert report.seqs("reordered") == set(range(16, 41))
    assert report.checks() == {"inserted", "reordered", "tree_head_mismatch"}


def test_a_row_removed_with_the_rest_renumbered(built) -> None:
    _run(
        built,
        "DELETE FROM ledger_entries WHERE seq = 15",
        "UPDATE ledger_entries SET seq = -seq WHERE seq > 15",
        "UPDATE ledger_entries SET seq = -seq - 1 WHERE seq < 0",
    )
    report = _verify(built)
    assert report.seqs("removed") == {15}
    assert report.seqs("reordered") == set(range(15, 39))
    assert report.checks() == {"removed", "reordered", "tree_head_mismatch"}


def test_a_truncated_log_is_caught_by_the_later_tree_head(built) -> None:
    edge = ledger.lock(built)
    _run(built, "DELETE FROM ledger_entries WHERE seq >= 30")
    # The attacker even rewinds the size (but cannot re-sign the head of size 40).
    built.execute(text("UPDATE ledger_state SET size = 30"))
    assert edge.size == 40
    report = _verify(built)
    assert _head_sizes(report, "tree_head_mismatch") == {40}
    assert "state_mismatch" in report.checks() and "node_extra" in report.checks()
    assert report.seqs() == set()


def test_a_tampered_tree_head_fails_its_signature(built) -> None:
    _run(
        built,
        "UPDATE ledger_tree_heads SET root_hash = (SELECT root_hash FROM ledger_tree_heads WHERE tree_size = 10) WHERE tree_size = 25",
    )
    report = _verify(built)
    assert _head_sizes(report, "bad_signature") == {25}
    assert _head_sizes(report, "tree_head_mismatch") == {25}
    assert report.seqs() == set()


def test_a_tampered_signature_or_unknown_key(built) -> None:
    other = sm2.sign(sm2.generate_keypair().private_key, b"x")
    built.execute(text("UPDATE ledger_tree_heads SET signature = :s WHERE tree_size = 10"), {"s": other})
    built.execute(text("UPDATE ledger_tree_heads SET key_id = 'platform-99' WHERE tree_size = 40"))
    report = _verify(built)
    assert report.checks() == {"bad_signature"}
    assert _head_sizes(report, "bad_signature") == {10, 40}
    assert any("platform-99 不存在" in f.message for f in report.findings)


def test_heads_signed_by_a_rotated_key_still_verify(built) -> None:
    keys.rotate(built, f.admin(built), keys.PLATFORM)
    newer = ledger.produce_tree_head(built)
    assert newer.key_id == "platform-2"
    report = _verify(built)
    assert report.ok, [f.describe() for f in report.findings]
    assert report.tree_heads == 4


def test_a_tampered_cosignature(built) -> None:
    province = sm2.generate_keypair()
    ledger.add_witness(built, None, name="省平台", public_key_pem=sm2.public_key_to_pem(province.public_key))
    head = ledger.get_tree_head(built, 25)
    message = ledger.cosignature_bytes(head.tree_size, head.root_hash, head.timestamp_ms)
    ledger.add_cosignature(
        built,
        25,
        witness="省平台",
        signature=base64.b64encode(sm2.sign(province.private_key, message)).decode(),
    )
    assert _verify(built).ok
    built.execute(
        text("UPDATE ledger_cosignatures SET signature = :s"), {"s": sm2.sign(province.private_key, b"other")}
    )
    report = _verify(built)
    assert report.checks() == {"bad_cosignature"} and _head_sizes(report, "bad_cosignature") == {25}


def test_a_tampered_node_is_reported_with_the_entries_it_covers(built) -> None:
    _run(
        built,
        "UPDATE ledger_nodes SET hash = (SELECT hash FROM ledger_nodes WHERE level = 1 AND idx = 0) WHERE level = 2 AND idx = 3",
    )
    report = _verify(built)
    assert report.checks() == {"node_mismatch"}
    assert report.seqs("node_mismatch") == set(range(12, 16))
