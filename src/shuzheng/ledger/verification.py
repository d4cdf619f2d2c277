"""`shuzheng ledger verify`: recompute the whole ledger from its entries and say exactly what is wrong.

Checks, in one streaming pass over the entries (in chunks, each in its own short transaction so
appenders are not blocked):
- sequence numbers are contiguous from 0 to the ledger size (missing → removed; extra → inserted);
- each payload hashes to its payload_digest (else: payload altered);
- each entry's fields hash to its leaf_hash (else: a field was altered — or, when the stored leaf hash
  belongs to the same content at another sequence number, the entry was moved: swapped or shifted);
- the tree recomputed from the entries matches every stored perfect-subtree node and the stored right
  edge (ledger_state);
- every signed tree head's root equals the recomputed root at its size, its signature verifies under the
  key it names (retired keys included), and so does every witness cosignature.

Consequences of one problem (the nodes above an altered entry) are not repeated as separate findings.
"""

from __future__ import annotations

import bisect
import datetime as dt
import struct
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, and_, or_, select, type_coerce
from sqlalchemy.orm import Session

from shuzheng.ledger import merkle
from shuzheng.ledger.models import Cosignature, LedgerEntry, LedgerNode, LedgerState, TreeHead, Witness
from shuzheng.ledger.service import STATE_ID, cosignature_bytes, leaf_bytes, tree_head_bytes
from shuzheng.security.crypto import sm2
from shuzheng.security.models import SigningKey

CHECK_LABELS = {
    "payload_altered": "载荷被篡改",
    "field_altered": "字段被篡改",
    "removed": "条目被删除",
    "inserted": "条目被插入",
    "reordered": "条目顺序被改变",
    "node_mismatch": "树节点不符",
    "node_missing": "树节点缺失",
    "node_extra": "多余的树节点",
    "state_mismatch": "账本状态不符",
    "tree_head_mismatch": "签名树头不符",
    "bad_signature": "树头签名无效",
    "bad_cosignature": "见证签名无效",
}

MAX_SUSPECTS = 10_000  # entries kept for classifying moves; beyond this they are reported as altered
MAX_PAIRWISE = 256
_MAX_LEVEL = 63

Sessions = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class Finding:
    check: str
    message: str
    first: int | None = None  # the sequence numbers concerned, first..last inclusive
    last: int | None = None
    tree_size: int | None = None  # for tree head findings

    @property
    def seqs(self) -> range:
        if self.first is None:
            return range(0)
        return range(self.first, (self.last if self.last is not None else self.first) + 1)

    def describe(self) -> str:
        where = ""
        if self.first is not None:
            where = (
                f"序号 {self.first}" if self.last in (None, self.first) else f"序号 {self.first}–{self.last}"
            )
        elif self.tree_size is not None:
            where = f"树大小 {self.tree_size}"
        return f"{CHECK_LABELS[self.check]}（{self.check}）{('：' + where) if where else ''} — {self.message}"


@dataclass
class Report:
    size: int = 0
    entries: int = 0
    nodes: int = 0
    tree_heads: int = 0
    cosignatures: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def seqs(self, check: str | None = None) -> set[int]:
        return {s for f in self.findings if check is None or f.check == check for s in f.seqs}

    def checks(self) -> set[str]:
        return {f.check for f in self.findings}


@dataclass
class _Suspect:
    seq: int
    row: Any
    moved_from: int | None = None


@dataclass
class _Snapshot:
    size: int
    frontier: bytes
    heads: list[tuple[int, bytes, int, str, bytes]]
    keys: dict[str, bytes]
    witnesses: dict[int, tuple[str, bytes]]
    cosignatures: list[tuple[int, int, bytes]]


class _Tree:
    """The recomputed tree's right edge; None stands for a hash that cannot be known (a removed entry)."""

    def __init__(self) -> None:
        self.size = 0
        self.hashes: list[bytes | None] = []

    def push(self, leaf: bytes | None) -> list[tuple[int, int, bytes | None]]:
        done: list[tuple[int, int, bytes | None]] = []
        node, level, pos = leaf, 0, self.size
        while pos & 1:
            left = self.hashes.pop()
            node = None if left is None or node is None else merkle.hash_children(left, node)
            level, pos = level + 1, pos >> 1
            done.append((level, pos, node))
        self.hashes.append(node)
        self.size += 1
        return done

    def root(self) -> bytes | None:
        if any(h is None for h in self.hashes):
            return None
        return merkle.fold_right([h for h in self.hashes if h is not None])


_ENTRY_COLUMNS = (
    LedgerEntry.seq,
    # The stored value as the driver gives it (SQLite: text, PostgreSQL: an aware datetime), parsed in
    # `_as_time`: skipping the generic result processing makes reading a million entries much cheaper.
    type_coerce(LedgerEntry.time, String).label("time"),
    LedgerEntry.actor_id,
    LedgerEntry.actor_label,
    LedgerEntry.action,
    LedgerEntry.subject,
    LedgerEntry.payload,
    LedgerEntry.payload_digest,
    LedgerEntry.leaf_hash,
)


def _leaf_of(row: Any, seq: int) -> bytes | None:
    """The leaf hash of this row's content at sequence number `seq` (row: the _ENTRY_COLUMNS tuple)."""
    _, time, actor_id, actor_label, action, subject, _, payload_digest, _ = row
    try:
        when = _as_time(time)
        return merkle.hash_leaf(leaf_bytes(seq, when, actor_id, actor_label, action, subject, payload_digest))
    except (ValueError, TypeError, OverflowError, AttributeError, struct.error):
        return None  # e.g. a digest that is not hex: certainly not the original


def _as_time(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    # SQLite stores UTCDateTime as "YYYY-MM-DD HH:MM:SS.ffffff", in UTC (see db.UTCDateTime).
    return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)


def verify_ledger(
    sessions: Sessions, *, chunk_size: int = 20_000, progress: Callable[[int, int], None] | None = None
) -> Report:
    snap = _snapshot(sessions)
    report = Report(size=snap.size)
    findings = report.findings
    suspects: list[_Suspect] = []
    flagged: list[int] = []  # seqs with entry-level findings, ascending
    node_findings: list[Finding] = []
    tree = _Tree()
    heads = sorted(snap.heads)
    head_pos = 0

    def check_heads_at(size: int) -> None:
        nonlocal head_pos
        while head_pos < len(heads) and heads[head_pos][0] == size:
            _check_head_root(heads[head_pos], tree.root(), findings)
            head_pos += 1

    check_heads_at(0)
    for chunk in _entry_chunks(sessions, snap.size, chunk_size):
        start = tree.size
        produced: list[tuple[int, int, bytes | None]] = []
        for row in chunk:
            seq = row[0]
            if seq < 0:
                findings.append(Finding("inserted", "序号为负数的条目不可能由账本写入", seq, seq))
                continue
            if seq > tree.size:
                gap = (tree.size, seq - 1)
                findings.append(Finding("removed", "该序号的条目不存在（序号不连续）", *gap))
                flagged.extend(range(gap[0], gap[1] + 1))
                while tree.size < seq:
                    produced += tree.push(None)
                    check_heads_at(tree.size)
            leaf = _check_entry(row, findings, suspects, flagged)
            report.entries += 1
            produced += tree.push(leaf)
            check_heads_at(tree.size)
        report.nodes += _compare_nodes(sessions, start, tree.size, produced, node_findings)
        if progress is not None:
            progress(tree.size, snap.size)
    if tree.size < snap.size:
        gap = (tree.size, snap.size - 1)
        findings.append(Finding("removed", "账本大小之内的条目不存在（账本尾部被删除）", *gap))
        flagged.extend(range(gap[0], gap[1] + 1))
        while tree.size < snap.size:
            tree.push(None)
            check_heads_at(tree.size)
    for head in heads[head_pos:]:
        findings.append(
            Finding(
                "tree_head_mismatch",
                f"签名树头的大小 {head[0]} 超过账本现有大小 {snap.size}（账本被截断）",
                tree_size=head[0],
            )
        )
    _check_signatures(snap, report)
    _check_beyond_size(sessions, suspects, findings)
    _classify_suspects(suspects, findings, flagged)
    flagged.sort()
    primary_nodes = _primary_node_findings(node_findings, flagged)
    findings.extend(primary_nodes)
    if not flagged and not primary_nodes:  # otherwise the right edge differs as a consequence
        _check_state(snap, tree, findings)
    report.tree_heads = len(heads)
    report.cosignatures = len(snap.cosignatures)
    findings.sort(key=lambda f: (f.first if f.first is not None else -1, f.tree_size or 0, f.check))
    return report


def _snapshot(sessions: Sessions) -> _Snapshot:
    with sessions() as session:
        state = session.execute(
            select(LedgerState.size, LedgerState.frontier).where(LedgerState.id == STATE_ID)
        ).one_or_none()
        heads = [
            (r.tree_size, bytes(r.root_hash), r.timestamp_ms, r.key_id, bytes(r.signature))
            for r in session.execute(
                select(
                    TreeHead.tree_size,
                    TreeHead.root_hash,
                    TreeHead.timestamp_ms,
                    TreeHead.key_id,
                    TreeHead.signature,
                )
            )
        ]
        keys = {k: bytes(pk) for k, pk in session.execute(select(SigningKey.key_id, SigningKey.public_key))}
        witnesses = {
            i: (n, bytes(pk))
            for i, n, pk in session.execute(select(Witness.id, Witness.name, Witness.public_key))
        }
        cosignatures = [
            (t, w, bytes(s))
            for t, w, s in session.execute(
                select(Cosignature.tree_size, Cosignature.witness_id, Cosignature.signature)
            )
        ]
    size, frontier = (int(state.size), bytes(state.frontier)) if state is not None else (0, b"")
    return _Snapshot(size, frontier, heads, keys, witnesses, cosignatures)


def _entry_chunks(sessions: Sessions, size: int, chunk_size: int) -> Iterator[Sequence[Any]]:
    after: int | None = None
    while True:
        query = (
            select(*_ENTRY_COLUMNS).where(LedgerEntry.seq < size).order_by(LedgerEntry.seq).limit(chunk_size)
        )
        if after is not None:
            query = query.where(LedgerEntry.seq > after)
        with sessions() as session:
            rows = session.connection().execute(query).all()
        if not rows:
            return
        yield rows
        after = rows[-1].seq


def _check_entry(
    row: Any, findings: list[Finding], suspects: list[_Suspect], flagged: list[int]
) -> bytes | None:
    seq, payload, payload_digest, stored_leaf = row[0], row[6], row[7], row[8]
    if merkle.sm3(payload.encode() if isinstance(payload, str) else b"").hex() != payload_digest:
        findings.append(Finding("payload_altered", "载荷的 SM3 摘要与 payload_digest 不符", seq, seq))
        flagged.append(seq)
    leaf = _leaf_of(row, seq)
    if leaf is None or leaf != stored_leaf:
        if len(suspects) < MAX_SUSPECTS:
            suspects.append(_Suspect(seq, row))
        else:
            findings.append(Finding("field_altered", _FIELD_MESSAGE, seq, seq))
        flagged.append(seq)
    return leaf


_FIELD_MESSAGE = "由时间、操作人、操作、对象和载荷摘要重算的叶子哈希与 leaf_hash 不符"


def _compare_nodes(
    sessions: Sessions,
    start: int,
    end: int,
    produced: list[tuple[int, int, bytes | None]],
    out: list[Finding],
) -> int:
    """Compare the nodes completed by leaves [start, end) with the stored ones for the same positions."""
    levels = [
        (lv, start >> lv, end >> lv) for lv in range(1, end.bit_length() + 1) if start >> lv < end >> lv
    ]
    if not levels:
        return 0
    condition = or_(
        *(and_(LedgerNode.level == lv, LedgerNode.idx >= lo, LedgerNode.idx < hi) for lv, lo, hi in levels)
    )
    with sessions() as session:
        stored = {
            (lv, ix): bytes(h)
            for lv, ix, h in session.execute(
                select(LedgerNode.level, LedgerNode.idx, LedgerNode.hash).where(condition)
            )
        }
    for level, index, expected in produced:
        if expected is None:
            continue
        first, last = index << level, ((index + 1) << level) - 1
        actual = stored.get((level, index))
        if actual is None:
            out.append(Finding("node_missing", f"层 {level} 第 {index} 个节点不存在", first, last))
        elif actual != expected:
            out.append(Finding("node_mismatch", f"层 {level} 第 {index} 个节点与重算值不符", first, last))
    return len(stored)


def _primary_node_findings(node_findings: list[Finding], flagged: list[int]) -> list[Finding]:
    """Drop node findings explained by an entry finding inside them, or by a smaller node finding."""
    kept: list[Finding] = []
    for f in sorted(node_findings, key=lambda f: len(f.seqs)):
        first, last = f.first or 0, f.last or 0
        i = bisect.bisect_left(flagged, first)
        if i < len(flagged) and flagged[i] <= last:
            continue
        if any(first <= (k.first or 0) and (k.last or 0) <= last for k in kept):
            continue
        kept.append(f)
    return kept


def _check_head_root(
    head: tuple[int, bytes, int, str, bytes], root: bytes | None, out: list[Finding]
) -> None:
    size, stored_root = head[0], head[1]
    if root is None:
        out.append(Finding("tree_head_mismatch", "该树头覆盖的条目有缺失，无法重算根哈希", tree_size=size))
    elif root != stored_root:
        out.append(
            Finding(
                "tree_head_mismatch",
                f"签名树头的根哈希 {stored_root.hex()[:16]}… 与由条目重算的 {root.hex()[:16]}… 不符",
                tree_size=size,
            )
        )


def _check_state(snap: _Snapshot, tree: _Tree, out: list[Finding]) -> None:
    recomputed = b"".join(h or b"" for h in tree.hashes)
    if any(h is None for h in tree.hashes):
        return  # removed entries are already reported; the edge cannot be recomputed
    if snap.frontier != recomputed:
        out.append(
            Finding("state_mismatch", "ledger_state 记录的树右边界与由条目重算的不符", tree_size=snap.size)
        )


def _check_signatures(snap: _Snapshot, report: Report) -> None:
    out = report.findings
    heads = {h[0]: h for h in snap.heads}
    for size, root, timestamp_ms, key_id, signature in snap.heads:
        public_key = snap.keys.get(key_id)
        if public_key is None:
            out.append(Finding("bad_signature", f"树头签名使用的密钥 {key_id} 不存在", tree_size=size))
        elif not sm2.verify(public_key, tree_head_bytes(size, root, timestamp_ms), signature):
            out.append(Finding("bad_signature", f"树头签名不能用密钥 {key_id} 验证", tree_size=size))
    for size, witness_id, signature in snap.cosignatures:
        name, public_key = snap.witnesses.get(witness_id, (f"#{witness_id}", b""))
        head = heads.get(size)
        message = cosignature_bytes(size, head[1], head[2]) if head is not None else b""
        if head is None or not sm2.verify(public_key, message, signature):
            out.append(Finding("bad_cosignature", f"见证节点 {name} 的联署签名无法验证", tree_size=size))


def _check_beyond_size(sessions: Sessions, suspects: list[_Suspect], out: list[Finding]) -> None:
    """Entries at or beyond the ledger size (read again now: legitimate appends since the snapshot have
    also moved the size) were not written by the ledger."""
    with sessions() as session:
        size = int(session.scalar(select(LedgerState.size).where(LedgerState.id == STATE_ID)) or 0)
        rows = (
            session.connection()
            .execute(
                select(*_ENTRY_COLUMNS)
                .where(LedgerEntry.seq >= size)
                .order_by(LedgerEntry.seq)
                .limit(MAX_SUSPECTS)
            )
            .all()
        )
    for row in rows:
        suspects.append(_Suspect(row.seq, row, moved_from=-1))  # -1: beyond the size, not yet explained
    with sessions() as session:
        beyond = or_(
            *(and_(LedgerNode.level == lv, LedgerNode.idx >= size >> lv) for lv in range(1, _MAX_LEVEL + 1))
        )
        extra = session.execute(
            select(LedgerNode.level, LedgerNode.idx)
            .where(beyond)
            .order_by(LedgerNode.level, LedgerNode.idx)
            .limit(100)
        ).all()
    for level, index in extra:
        out.append(
            Finding(
                "node_extra",
                f"层 {level} 第 {index} 个节点超出账本大小 {size}（其覆盖的条目不存在）",
                tree_size=size,
            )
        )


def _classify_suspects(suspects: list[_Suspect], out: list[Finding], flagged: list[int]) -> None:
    """Tell moved entries (swapped, or shifted by an insertion or removal) from altered ones: a moved
    entry's stored leaf hash is the leaf of its own content at its original sequence number."""
    by_seq = {s.seq: s for s in suspects}
    ordered = sorted(by_seq.values(), key=lambda s: s.seq)
    seqs = [s.seq for s in ordered]
    beyond = {s.seq for s in ordered if s.moved_from == -1}
    for s in ordered:
        s.moved_from = _original_seq(s, seqs)
    done: set[int] = set()
    for s in ordered:  # swapped pairs
        partner = by_seq.get(s.moved_from) if s.moved_from is not None else None
        if s.seq not in done and partner is not None and partner.moved_from == s.seq:
            for a, b in ((s.seq, partner.seq), (partner.seq, s.seq)):
                out.append(Finding("reordered", f"序号 {a} 与 {b} 的条目互换了位置", a, a))
            done |= {s.seq, partner.seq}
    for s in ordered:  # runs shifted by one: an insertion or a removal before them, then renumbering
        if s.seq in done or s.moved_from is None or abs(s.seq - s.moved_from) != 1:
            continue
        step = s.seq - s.moved_from
        run = [s]
        while (
            (nxt := by_seq.get(run[-1].seq + 1)) is not None
            and nxt.seq not in done
            and nxt.moved_from == nxt.seq - step
        ):
            run.append(nxt)
        first, last = run[0].seq, run[-1].seq
        done |= {r.seq for r in run}
        if step == 1:
            out.append(Finding("reordered", f"条目被后移一位（原序号 {first - 1}–{last - 1}）", first, last))
            if first > 0:
                out.append(
                    Finding("inserted", "在此处插入了条目，其后的条目被后移一位", first - 1, first - 1)
                )
                done.add(first - 1)
                flagged.append(first - 1)
        else:
            out.append(Finding("reordered", f"条目被前移一位（原序号 {first + 1}–{last + 1}）", first, last))
            out.append(Finding("removed", f"原序号 {first} 的条目被删除，其后的条目被前移一位", first, first))
            _drop_removal_of(out, last + 1)
    for s in ordered:
        if s.seq in done:
            continue
        if s.moved_from is not None:
            out.append(Finding("reordered", f"该条目原序号为 {s.moved_from}", s.seq, s.seq))
        elif s.seq in beyond:
            out.append(Finding("inserted", "序号不小于账本大小的条目不可能由账本写入", s.seq, s.seq))
        else:
            out.append(Finding("field_altered", _FIELD_MESSAGE, s.seq, s.seq))
        done.add(s.seq)


def _original_seq(s: _Suspect, seqs: list[int]) -> int | None:
    """The sequence number at which this entry's content has its stored leaf hash, if it is nearby or
    another suspect's."""
    candidates = {s.seq - 1, s.seq + 1, *(seqs if len(seqs) <= MAX_PAIRWISE else ())} - {s.seq}
    stored = bytes(s.row.leaf_hash)
    for t in sorted(candidates):
        if t >= 0 and _leaf_of(s.row, t) == stored:
            return t
    return None


def _drop_removal_of(out: list[Finding], seq: int) -> None:
    """After a removal and renumbering the last sequence number is missing too: the same event."""
    for f in list(out):
        if f.check == "removed" and f.first == seq and f.last == seq:
            out.remove(f)
