"""The ledger service: the one `append` every domain calls, tree heads, proofs and witnesses.

Appending happens inside the caller's transaction (flush, never commit), so an entry commits or rolls
back with the action it records. Appenders serialise on the single `ledger_state` row (SELECT … FOR
UPDATE on PostgreSQL; SQLite transactions already hold the write lock from BEGIN IMMEDIATE): the next
sequence number is always the committed size, so sequence numbers are gapless and the tree never forks.
Because that row is a lock every writer of the city shares, append as late as possible in a
transaction and keep such transactions short.

The byte formats (leaf bytes, tree head bytes, cosignature bytes) are specified in docs/ledger.md;
change them only with a new version tag.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, event, insert, select, text, update
from sqlalchemy.orm import Session, SessionTransaction

from shuzheng.errors import Conflict, NotFound, ServiceUnavailable, ValidationFailed, field_error
from shuzheng.kit import clock
from shuzheng.kit.identifiers import is_valid_phone
from shuzheng.ledger import merkle
from shuzheng.ledger.models import Cosignature, LedgerEntry, LedgerNode, LedgerState, TreeHead, Witness
from shuzheng.security import keys
from shuzheng.security.crypto import sm2
from shuzheng.security.roles import Actor, Perm, require

STATE_ID = 1
LEAF_VERSION = 1
TREE_HEAD_TAG = "shuzheng-sth-v1"
COSIGNATURE_TAG = "shuzheng-cosignature-v1"
MAX_PAYLOAD_BYTES = 64 * 1024
MAX_PAGE = 1000
SYSTEM_LABEL = "system"

_ACTION = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_-]+)*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ID_NUMBER = re.compile(r"\d{17}[\dXx]")
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_HEAD = struct.Struct(">BQQI")  # version, seq, time, length of the first string
_LENGTH = struct.Struct(">I")
_STATE_KEY = "shuzheng.ledger.frontier"


_ENTRY_COLUMNS = tuple(c.name for c in LedgerEntry.__table__.columns)
_INSERT_ENTRY = insert(LedgerEntry)
_INSERT_NODE = insert(LedgerNode)
_UPDATE_STATE = (
    update(LedgerState)
    .where(LedgerState.id == STATE_ID)
    .values(size=bindparam("new_size"), frontier=bindparam("new_frontier"))
)


class LedgerCorrupt(ServiceUnavailable):
    code = "ledger_corrupt"
    default_message = "账本数据不完整，请运行 shuzheng ledger verify 检查"


# --- formats ---------------------------------------------------------------------------------------


def canonical_json(payload: Mapping[str, Any]) -> str:
    """Sorted keys, no insignificant spaces, UTF-8 characters as themselves, no NaN/Infinity."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def time_micros(t: dt.datetime) -> int:
    """Microseconds since 1970-01-01T00:00:00Z, exactly (integer arithmetic, no floating point)."""
    if t.tzinfo is not dt.UTC:
        t = t.astimezone(dt.UTC)
    days = t.toordinal() - _EPOCH_ORDINAL
    return ((days * 86_400 + t.hour * 3_600 + t.minute * 60 + t.second) * 1_000_000) + t.microsecond


def leaf_bytes(
    seq: int,
    time: dt.datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    subject: str,
    payload_digest: str,
) -> bytes:
    """The bytes a leaf hash covers (docs/ledger.md "Leaf bytes"):

    u8 version (1) || u64 seq || u64 time in µs since the Unix epoch (UTC)
    || str(actor id in decimal, or "" when none) || str(actor label) || str(action) || str(subject)
    || the 32 raw bytes of the payload digest — integers big-endian, str(x) = u32 length || UTF-8.
    """
    actor = b"" if actor_id is None else str(actor_id).encode()
    label, act, subj = actor_label.encode(), action.encode(), subject.encode()
    return b"".join(
        (
            _HEAD.pack(LEAF_VERSION, seq, time_micros(time), len(actor)),
            actor,
            _LENGTH.pack(len(label)),
            label,
            _LENGTH.pack(len(act)),
            act,
            _LENGTH.pack(len(subj)),
            subj,
            bytes.fromhex(payload_digest),
        )
    )


def entry_leaf_hash(entry: LedgerEntry) -> bytes:
    return merkle.hash_leaf(
        leaf_bytes(
            entry.seq,
            entry.time,
            entry.actor_id,
            entry.actor_label,
            entry.action,
            entry.subject,
            entry.payload_digest,
        )
    )


def tree_head_bytes(tree_size: int, root_hash: bytes, timestamp_ms: int) -> bytes:
    """What the platform key signs: "shuzheng-sth-v1\\n{size}\\n{root hex}\\n{timestamp ms}\\n"."""
    return f"{TREE_HEAD_TAG}\n{tree_size}\n{root_hash.hex()}\n{timestamp_ms}\n".encode()


def cosignature_bytes(tree_size: int, root_hash: bytes, timestamp_ms: int) -> bytes:
    """What a witness signs: "shuzheng-cosignature-v1\\n" followed by the tree head bytes."""
    return f"{COSIGNATURE_TAG}\n".encode() + tree_head_bytes(tree_size, root_hash, timestamp_ms)


# --- append ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """One entry to append: what happened (action), to what (subject), the details (payload)."""

    action: str
    subject: str
    payload: Mapping[str, Any]
    actor: Actor | None = None
    actor_label: str | None = None


@dataclass(frozen=True)
class _Draft:
    action: str
    subject: str
    payload: str
    payload_digest: str
    actor_id: int | None
    actor_label: str


def append(
    session: Session,
    *,
    action: str,
    subject: str,
    payload: Mapping[str, Any],
    actor: Actor | None = None,
    actor_label: str | None = None,
) -> LedgerEntry:
    """Record that `actor` did `action` to `subject`, in the caller's transaction (written at once,
    never committed here). Returns a snapshot of the entry, not attached to the session.

    `payload` must not hold personal information in the clear — the ledger can never be erased. Put
    masked values (pi.mask) or keyed hashes (pi.blind_index) there; obvious 身份证号 and 手机号 are
    refused.
    """
    return append_many(session, [Record(action, subject, payload, actor, actor_label)])[0]


def append_many(session: Session, records: Sequence[Record]) -> list[LedgerEntry]:
    """Append several entries under one lock, with consecutive sequence numbers."""
    drafts = [_draft(r) for r in records]
    if not drafts:
        return []
    frontier = lock(session)
    grown = frontier.copy()
    entries, nodes = [], []
    for d in drafts:
        entry = LedgerEntry(
            seq=grown.size,
            time=clock.now(),
            actor_id=d.actor_id,
            actor_label=d.actor_label,
            action=d.action,
            subject=d.subject,
            payload=d.payload,
            payload_digest=d.payload_digest,
        )
        entry.leaf_hash = entry_leaf_hash(entry)
        nodes.extend(grown.append(entry.leaf_hash))
        entries.append(entry)
    # Core statements on the session's connection: the same transaction, a fraction of the ORM's cost.
    # The returned entries are plain snapshots, not attached to the session.
    connection = session.connection()
    connection.execute(_INSERT_ENTRY, [{c: getattr(e, c) for c in _ENTRY_COLUMNS} for e in entries])
    if nodes:
        connection.execute(_INSERT_NODE, [{"level": lv, "idx": ix, "hash": h} for lv, ix, h in nodes])
    connection.execute(_UPDATE_STATE, {"new_size": grown.size, "new_frontier": grown.to_bytes()})
    session.info[_STATE_KEY] = grown
    return entries


def _draft(record: Record) -> _Draft:
    action = record.action if isinstance(record.action, str) else ""
    if len(action) > 64 or not _ACTION.fullmatch(action):
        raise field_error("action", "应为小写英文点分名称，如 key.sign、sharing.access（不超过64个字符）")
    subject = record.subject if isinstance(record.subject, str) else ""
    if not subject.strip() or len(subject) > 200 or _CONTROL.search(subject):
        raise field_error("subject", "不能为空，不超过200个字符，且不能包含控制字符")
    if not isinstance(record.payload, Mapping):
        raise field_error("payload", "应为 JSON 对象")
    try:
        text = canonical_json(record.payload)
    except (TypeError, ValueError) as exc:
        raise field_error("payload", f"无法转换为 JSON（{exc}）") from None
    data = text.encode()
    if len(data) > MAX_PAYLOAD_BYTES:
        raise field_error("payload", f"过大（{len(data)} 字节，上限 {MAX_PAYLOAD_BYTES} 字节）")
    _refuse_clear_personal_data(record.payload, "payload")
    actor = record.actor
    label = record.actor_label or (actor.kind.value if actor is not None else SYSTEM_LABEL)
    if len(label) > 64 or _CONTROL.search(label):
        raise field_error("actor_label", "不超过64个字符，且不能包含控制字符")
    return _Draft(
        action=action,
        subject=subject,
        payload=text,
        payload_digest=merkle.sm3(data).hex(),
        actor_id=actor.account_id if actor is not None else None,
        actor_label=label,
    )


def _refuse_clear_personal_data(value: Any, path: str) -> None:
    """A guard against the obvious mistakes, not a classifier: an 18-character 身份证号 with a valid
    check digit or an 11-digit mobile number, as a whole value."""
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_clear_personal_data(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _refuse_clear_personal_data(item, f"{path}[{i}]")
    elif isinstance(value, str | int) and not isinstance(value, bool):
        text = str(value).strip()
        if (_ID_NUMBER.fullmatch(text) and _id_number_checks(text)) or is_valid_phone(text):
            raise field_error(
                path, "疑似未脱敏的个人信息（身份证号或手机号）：账本不可删除，请写入脱敏值或密钥哈希"
            )


def _id_number_checks(number: str) -> bool:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c) * w for c, w in zip(number[:17], weights, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


# --- the lock and the right edge -------------------------------------------------------------------


def lock(session: Session) -> merkle.Frontier:
    """Take the ledger lock for the rest of the caller's transaction and return the tree's right edge.

    Key management uses this too, so creating and rotating keys is serialised with appends.
    """
    cached = session.info.get(_STATE_KEY)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    row = session.execute(
        select(LedgerState.size, LedgerState.frontier).where(LedgerState.id == STATE_ID).with_for_update()
    ).one_or_none()
    if row is None:
        # The migration inserts the row; this only covers a database built from the models.
        session.connection().execute(insert(LedgerState).values(id=STATE_ID, size=0, frontier=b""))
        frontier = merkle.Frontier()
    else:
        try:
            frontier = merkle.Frontier.from_bytes(row.size, row.frontier)
        except ValueError:
            raise LedgerCorrupt(
                "账本状态（ledger_state）已损坏，请运行 shuzheng ledger verify 检查"
            ) from None
    session.info[_STATE_KEY] = frontier
    return frontier


@event.listens_for(Session, "after_transaction_end")
def _forget_frontier(session: Session, transaction: SessionTransaction) -> None:
    # The cached edge is valid only while this transaction holds the lock; a savepoint rolling back
    # may undo appends, so any real transaction or savepoint ending forgets it (flushes do not).
    if transaction.parent is None or transaction.nested:
        session.info.pop(_STATE_KEY, None)


def size(session: Session) -> int:
    """The committed size (or, inside an appending transaction, the size it will commit)."""
    cached = session.info.get(_STATE_KEY)
    if cached is not None:
        return int(cached.size)
    value = session.scalar(select(LedgerState.size).where(LedgerState.id == STATE_ID))
    return int(value or 0)


# --- reading entries -------------------------------------------------------------------------------


def get_entry(session: Session, actor: Actor | None, seq: int) -> LedgerEntry:
    require(actor, Perm.LEDGER_READ)
    if seq < 0:
        raise field_error("seq", "序号不能为负数")
    entry = session.get(LedgerEntry, seq) if seq < size(session) else None
    if entry is None:
        raise NotFound(f"账本条目不存在：序号 {seq}（账本当前共 {size(session)} 条）")
    return entry


def list_entries(
    session: Session, actor: Actor | None, start: int, end: int | None = None
) -> list[LedgerEntry]:
    """Entries with start <= seq < end, at most MAX_PAGE of them."""
    require(actor, Perm.LEDGER_READ)
    end = start + MAX_PAGE if end is None else end
    if start < 0:
        raise field_error("start", "不能为负数")
    if end < start:
        raise field_error("end", f"不能小于 start（{start}）")
    if end - start > MAX_PAGE:
        raise field_error("end", f"一次最多查询 {MAX_PAGE} 条（end − start ≤ {MAX_PAGE}）")
    end = min(end, size(session))  # also keeps absurd numbers away from the database
    if start >= end:
        return []
    query = (
        select(LedgerEntry).where(LedgerEntry.seq >= start, LedgerEntry.seq < end).order_by(LedgerEntry.seq)
    )
    return list(session.scalars(query))


# --- tree heads ------------------------------------------------------------------------------------


def produce_tree_head(session: Session) -> TreeHead:
    """Sign the current tree with the platform key; returns the existing head if the size is unchanged.

    The key use is not traced as a "key.sign" entry (trace=False): the signed tree head is itself the
    public record of that use, and tracing it would grow the tree it just signed.
    """
    keys.ensure_platform_key(session)  # may append key.create, so before reading the edge
    frontier = lock(session)
    existing = session.get(TreeHead, frontier.size)
    if existing is not None:
        return existing
    latest = latest_tree_head(session)
    timestamp_ms = time_micros(clock.now()) // 1000
    if latest is not None:
        timestamp_ms = max(timestamp_ms, latest.timestamp_ms)  # heads never go back in time
    root_hash = frontier.root()
    signed = keys.sign(
        session,
        keys.PLATFORM,
        tree_head_bytes(frontier.size, root_hash, timestamp_ms),
        purpose="ledger.sth",
        actor=None,
        trace=False,
    )
    head = TreeHead(
        tree_size=frontier.size,
        root_hash=root_hash,
        timestamp_ms=timestamp_ms,
        key_id=signed.key_id,
        signature=signed.signature,
    )
    session.add(head)
    session.flush()
    return head


def latest_tree_head(session: Session) -> TreeHead | None:
    return session.scalar(select(TreeHead).order_by(TreeHead.tree_size.desc()).limit(1))


def get_tree_head(session: Session, tree_size: int) -> TreeHead:
    if tree_size < 0:
        raise field_error("size", "树大小不能为负数")
    head = session.get(TreeHead, tree_size) if tree_size <= size(session) else None
    if head is None:
        raise NotFound(f"没有树大小为 {tree_size} 的签名树头")
    return head


def require_latest_tree_head(session: Session) -> TreeHead:
    head = latest_tree_head(session)
    if head is None:
        raise NotFound("尚未生成签名树头：请管理员运行 shuzheng ledger sth")
    return head


def cosignatures(session: Session, tree_size: int) -> list[tuple[Witness, Cosignature]]:
    query = (
        select(Witness, Cosignature)
        .join(Cosignature, Cosignature.witness_id == Witness.id)
        .where(Cosignature.tree_size == tree_size)
        .order_by(Witness.name)
    )
    return [(w, c) for w, c in session.execute(query)]


def produce_tree_head_as(session: Session, actor: Actor) -> TreeHead:
    require(actor, Perm.KEYS_MANAGE)
    return produce_tree_head(session)


# --- proofs ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InclusionProof:
    seq: int
    tree_size: int
    leaf_hash: bytes
    root_hash: bytes
    path: list[bytes]


@dataclass(frozen=True)
class ConsistencyProof:
    first: int
    second: int
    first_root: bytes
    second_root: bytes
    path: list[bytes]


def _checked_size(session: Session, tree_size: int, field: str) -> int:
    current = size(session)
    if tree_size < 1:
        raise field_error(field, "树大小至少为 1")
    if tree_size > current:
        raise field_error(field, f"树大小 {tree_size} 超出账本当前大小 {current}")
    return tree_size


def inclusion_proof(session: Session, seq: int, tree_size: int) -> InclusionProof:
    """The audit path showing entry `seq` is in the tree of `tree_size` entries (RFC 6962 PATH)."""
    if seq < 0:
        raise field_error("seq", "序号不能为负数")
    _checked_size(session, tree_size, "size")
    if seq >= tree_size:
        raise field_error("seq", f"序号 {seq} 不在大小为 {tree_size} 的树中（应小于 {tree_size}）")
    ranges = merkle.inclusion_ranges(seq, tree_size)
    lookup = _node_lookup(session, merkle.nodes_for([*ranges, (0, tree_size)]) | {(0, seq)})
    return InclusionProof(
        seq=seq,
        tree_size=tree_size,
        leaf_hash=lookup(0, seq),
        root_hash=merkle.root(tree_size, lookup),
        path=[merkle.range_hash(s, e, lookup) for s, e in ranges],
    )


def consistency_proof(session: Session, first: int, second: int) -> ConsistencyProof:
    """The proof that the tree of `second` entries extends the tree of `first` (RFC 6962 PROOF)."""
    if first < 1:
        raise field_error("first", "树大小至少为 1")
    _checked_size(session, second, "second")
    if first > second:
        raise field_error("first", f"first（{first}）不能大于 second（{second}）")
    ranges = merkle.consistency_ranges(first, second)
    lookup = _node_lookup(session, merkle.nodes_for([*ranges, (0, first), (0, second)]))
    return ConsistencyProof(
        first=first,
        second=second,
        first_root=merkle.root(first, lookup),
        second_root=merkle.root(second, lookup),
        path=[merkle.range_hash(s, e, lookup) for s, e in ranges],
    )


def root_at(session: Session, tree_size: int) -> bytes:
    if tree_size == 0:
        return merkle.EMPTY_ROOT
    return merkle.root(tree_size, _node_lookup(session, merkle.nodes_for([(0, tree_size)])))


def _node_lookup(session: Session, wanted: Iterable[merkle.NodeKey]) -> merkle.NodeLookup:
    """Fetch the wanted nodes in one query; the lookup fails loudly on a missing one."""
    found: dict[merkle.NodeKey, bytes] = {}
    rows = session.connection().execute(text(_nodes_sql(wanted)))
    found.update(((int(lv), int(ix)), bytes(h)) for lv, ix, h in rows)

    def lookup(level: int, index: int) -> bytes:
        try:
            return found[(level, index)]
        except KeyError:
            first, last = index << level, ((index + 1) << level) - 1
            raise LedgerCorrupt(
                f"账本树节点缺失：层 {level} 第 {index} 个（覆盖序号 {first}–{last}），请运行 shuzheng ledger verify"
            ) from None

    return lookup


def _nodes_sql(wanted: Iterable[merkle.NodeKey]) -> str:
    """One statement for a proof's nodes: level 0 from the entries, the rest from ledger_nodes, one
    indexed `idx IN (…)` per level.

    Written as text because building the equivalent expression objects cost more than the query
    itself; every value is an int computed here, so formatting them in is safe."""
    by_level: dict[int, list[int]] = {}
    for level, index in wanted:
        by_level.setdefault(int(level), []).append(int(index))
    parts = []
    leaves = by_level.pop(0, None)
    if leaves:
        listed = ",".join(map(str, sorted(set(leaves))))
        parts.append(f"SELECT 0, seq, leaf_hash FROM ledger_entries WHERE seq IN ({listed})")
    if by_level:
        terms = " OR ".join(
            f"(level = {lv} AND idx IN ({','.join(map(str, sorted(set(ix))))}))"
            for lv, ix in sorted(by_level.items())
        )
        parts.append(f"SELECT level, idx, hash FROM ledger_nodes WHERE {terms}")
    return " UNION ALL ".join(parts) or "SELECT 0, 0, NULL WHERE 1 = 0"


# --- witnesses -------------------------------------------------------------------------------------


def add_witness(session: Session, actor: Actor | None, *, name: str, public_key_pem: str) -> Witness:
    """Register another node allowed to cosign our tree heads. `actor=None` is the server-side CLI."""
    if actor is not None:
        require(actor, Perm.KEYS_MANAGE)
    name = (name or "").strip()
    if not name or len(name) > 64 or _CONTROL.search(name):
        raise field_error("name", "不能为空，不超过64个字符")
    try:
        public_key = sm2.public_key_from_pem(public_key_pem or "")
    except (sm2.InvalidKey, ValueError) as exc:
        raise field_error("public_key_pem", f"不是有效的 SM2 公钥 PEM（{exc}）") from None
    if session.scalar(select(Witness.id).where(Witness.name == name)) is not None:
        raise Conflict(f"见证节点已存在：{name}", code="witness_exists")
    witness = Witness(name=name, public_key=public_key)
    session.add(witness)
    session.flush()
    append(
        session,
        action="ledger.witness.add",
        subject=f"witness:{name}",
        payload={"name": name, "public_key_sm3": merkle.sm3(public_key).hex()},
        actor=actor,
        actor_label=None if actor is not None else "cli",
    )
    return witness


def list_witnesses(session: Session) -> list[Witness]:
    return list(session.scalars(select(Witness).order_by(Witness.name)))


def add_cosignature(session: Session, tree_size: int, *, witness: str, signature: str) -> Cosignature:
    """Store a witness's cosignature of a tree head — only if it verifies under that witness's key.

    No login is needed: the signature is the authentication. Posting the same cosignature again is a
    no-op.
    """
    head = get_tree_head(session, tree_size)
    found = session.scalar(select(Witness).where(Witness.name == (witness or "").strip()))
    if found is None or not found.active:
        raise NotFound(f"未登记的见证节点：{witness}")
    try:
        raw = base64.b64decode(signature or "", validate=True)
    except (binascii.Error, ValueError):
        raise field_error("signature", "应为 Base64 编码的 DER 签名") from None
    message = cosignature_bytes(head.tree_size, head.root_hash, head.timestamp_ms)
    if not sm2.verify(found.public_key, message, raw):
        raise ValidationFailed(
            f"见证节点 {found.name} 对树头 {tree_size} 的签名无效（应对 cosignature 消息做 SM2 签名）",
            code="bad_cosignature",
            details=[{"field": "signature", "message": "签名验证失败"}],
        )
    existing = session.get(Cosignature, (tree_size, found.id))
    if existing is not None:
        return existing
    cosignature = Cosignature(tree_size=tree_size, witness_id=found.id, signature=raw)
    session.add(cosignature)
    session.flush()
    append(
        session,
        action="ledger.cosign",
        subject=f"sth:{tree_size}",
        payload={"witness": found.name, "tree_size": tree_size, "root_hash": head.root_hash.hex()},
        actor_label=f"witness:{found.name}"[:64],
    )
    return cosignature


__all__ = [
    "ConsistencyProof",
    "InclusionProof",
    "LedgerCorrupt",
    "Record",
    "append",
    "append_many",
    "consistency_proof",
    "inclusion_proof",
    "produce_tree_head",
]
