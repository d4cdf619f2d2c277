"""Ledger benchmark: append throughput against plain inserts, and tree heads, proofs and `verify` at
1,000,000 entries. Figures are printed as ratios against a baseline measured in the same run.

Run: .venv/bin/python benchmarks/bench_ledger.py [entries]        (default 1,000,000)
Uses a throwaway SQLite file; with SHUZHENG_DATABASE_URL=postgresql+psycopg://… it uses a throwaway
database on that PostgreSQL server instead (created and dropped here).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("SHUZHENG_MASTER_KEY", os.urandom(32).hex())
os.environ.setdefault("SHUZHENG_LOG_LEVEL", "WARNING")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks.common, run as a script

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
    update,
)
from sqlalchemy.orm import Session

from benchmarks.common import throwaway_database
from shuzheng.db import Database, UTCDateTime
from shuzheng.kit import clock
from shuzheng.ledger import merkle
from shuzheng.ledger import service as ledger
from shuzheng.ledger.models import LedgerState
from shuzheng.ledger.verification import Report, _entry_chunks, verify_ledger
from shuzheng.migrate import upgrade

SINGLE_TRANSACTIONS = 300
BATCH = 1000
PROOFS = 200

# The baseline: the same columns in a table with no ledger logic.
plain_metadata = MetaData()
plain = Table(
    "bench_plain_entries",
    plain_metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("time", UTCDateTime(timezone=True), nullable=False),
    Column("actor_id", Integer),
    Column("actor_label", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("payload", Text, nullable=False),
    Column("payload_digest", String(64), nullable=False),
    Column("leaf_hash", LargeBinary, nullable=False),
)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def row(i: int) -> dict[str, object]:
    payload = ledger.canonical_json(
        {"dataset": "人口基础信息", "fields": ["姓名", "性别"], "rows": i % 97, "key": f"{i:016x}"}
    )
    return {
        "seq": i,
        "time": clock.now(),
        "actor_id": 1000 + i % 50,
        "actor_label": "staff",
        "action": "sharing.access",
        "subject": f"agreement:{i % 300}",
        "payload": payload,
        "payload_digest": merkle.sm3(payload.encode()).hex(),
        "leaf_hash": bytes(32),
    }


def record(i: int) -> ledger.Record:
    r = row(i)
    return ledger.Record(
        str(r["action"]), str(r["subject"]), {"rows": i % 97, "key": f"{i:016x}"}, actor_label="staff"
    )


def line(label: str, value: str, ratio: str = "") -> None:
    print(f"  {label:<58} {value:>16}  {ratio}")


# --- 1. appends --------------------------------------------------------------------------------------


def bench_appends(db: Database) -> None:
    plain_metadata.create_all(db.engine)
    print(f"\n1. 追加吞吐（{db.engine.dialect.name}）：账本 append 与同一数据库中普通表插入相同的行")

    counter = iter(range(10**9))

    def plain_single() -> None:
        for _ in range(SINGLE_TRANSACTIONS // 3):
            with db.unit_of_work() as s:
                s.execute(plain.insert(), row(next(counter)))

    def ledger_single() -> None:
        for i in range(SINGLE_TRANSACTIONS // 3):
            with db.unit_of_work() as s:
                r = record(i)
                ledger.append(s, action=r.action, subject=r.subject, payload=r.payload, actor_label="staff")

    # Interleaved rounds, so a disk or a neighbour that is busy for a moment hits both sides alike.
    base = mine = 0.0
    for _ in range(3):
        base += timed(plain_single)
        mine += timed(ledger_single)
    line(f"每条一个事务（提交 ×{SINGLE_TRANSACTIONS}）：普通插入", f"{SINGLE_TRANSACTIONS / base:,.0f} 条/秒")
    line(
        f"每条一个事务（提交 ×{SINGLE_TRANSACTIONS}）：ledger.append",
        f"{SINGLE_TRANSACTIONS / mine:,.0f} 条/秒",
        f"耗时为普通插入的 {mine / base:.2f} 倍",
    )

    offset = 10**6

    def plain_batch() -> None:
        with db.unit_of_work() as s:
            s.execute(plain.insert(), [row(offset + i) for i in range(BATCH)])

    def ledger_loop() -> None:
        with db.unit_of_work() as s:
            for i in range(BATCH):
                r = record(i)
                ledger.append(s, action=r.action, subject=r.subject, payload=r.payload, actor_label="staff")

    def ledger_batch() -> None:
        with db.unit_of_work() as s:
            ledger.append_many(s, [record(i) for i in range(BATCH)])

    base = timed(plain_batch)
    loop = timed(ledger_loop)
    many = timed(ledger_batch)
    line(f"一个事务 {BATCH} 条：普通批量插入（executemany）", f"{BATCH / base:,.0f} 条/秒")
    line(
        f"一个事务 {BATCH} 条：{BATCH} 次 ledger.append",
        f"{BATCH / loop:,.0f} 条/秒",
        f"{loop / base:.2f} 倍",
    )
    line(f"一个事务 {BATCH} 条：ledger.append_many", f"{BATCH / many:,.0f} 条/秒", f"{many / base:.2f} 倍")


# --- 2. a million entries ------------------------------------------------------------------------


def bulk_load(db: Database, n: int) -> list[bytes]:
    """Write n entries and their perfect-subtree nodes directly (what n appends would leave).

    Only the preparation of the benchmark: it goes through the driver (sqlite3 executemany,
    PostgreSQL COPY) to spend its time on the hashing, which is the same code the ledger runs."""
    chunk = 50_000
    frontier = merkle.Frontier()
    leaves: list[bytes] = []
    start_time = clock.now()
    with db.unit_of_work() as s:
        s.execute(text("DELETE FROM ledger_nodes"))
        s.execute(text("DELETE FROM ledger_entries"))
    sqlite = db.engine.dialect.name == "sqlite"
    for lo in range(0, n, chunk):
        entries, nodes = [], []
        for i in range(lo, min(n, lo + chunk)):
            # Canonical JSON by construction (sorted keys, no spaces), to keep the preparation quick.
            payload = f'{{"key":"{i:016x}","rows":{i % 97}}}'
            digest = merkle.sm3(payload.encode()).hex()
            when = start_time + dt.timedelta(microseconds=i)
            actor_id, subject = 1000 + i % 50, f"agreement:{i % 300}"
            leaf = merkle.hash_leaf(
                ledger.leaf_bytes(i, when, actor_id, "staff", "sharing.access", subject, digest)
            )
            leaves.append(leaf)
            stored_time = when.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else when
            entries.append(
                (i, stored_time, actor_id, "staff", "sharing.access", subject, payload, digest, leaf)
            )
            nodes.extend(frontier.append(leaf))
        _copy(db, "ledger_entries", ENTRY_COLUMNS, entries)
        _copy(db, "ledger_nodes", ("level", "idx", "hash"), nodes)
    with db.unit_of_work() as s:
        s.execute(update(LedgerState).values(size=frontier.size, frontier=frontier.to_bytes()))
    with db.engine.connect() as conn:  # planner statistics, as a long-running database would have
        conn.execute(text("ANALYZE"))
        conn.commit()
    return leaves


ENTRY_COLUMNS = (
    "seq",
    "time",
    "actor_id",
    "actor_label",
    "action",
    "subject",
    "payload",
    "payload_digest",
    "leaf_hash",
)


def _copy(db: Database, table: str, columns: tuple[str, ...], rows: Sequence[tuple[object, ...]]) -> None:
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if db.engine.dialect.name == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")
            marks = ", ".join("?" * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
            cursor.execute("COMMIT")
        else:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for r in rows:
                    copy.write_row(r)
            raw.commit()
        cursor.close()
    finally:
        raw.close()


def naive_root(leaves: list[bytes]) -> bytes:
    """The baseline: MTH recomputed from every leaf, level by level (RFC 6962 §2.1)."""
    level = list(leaves)
    while len(level) > 1:
        paired = [merkle.hash_children(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])  # an odd node is promoted, as MTH's split does
        level = paired
    return level[0] if level else merkle.EMPTY_ROOT


def bench_million(db: Database, n: int) -> None:
    print(f"\n2. {n:,} 条目（{db.engine.dialect.name}）")
    leaves: list[bytes] = []
    load = timed(lambda: leaves.extend(bulk_load(db, n)))
    line("批量写入条目与子树节点（一次性准备数据）", f"{load:,.1f} 秒", f"{n / load:,.0f} 条/秒")

    naive = timed(lambda: naive_root(leaves))
    with db.unit_of_work() as s:
        from_nodes = _best(lambda: ledger.root_at(s, n))
        assert ledger.root_at(s, n) == naive_root(leaves)
    head_time = []
    with db.unit_of_work() as s:
        from shuzheng.security import keys

        keys.ensure_platform_key(s)
    for _ in range(5):
        with db.unit_of_work() as s:
            s.execute(text("DELETE FROM ledger_tree_heads"))
        with db.unit_of_work() as s:
            head_time.append(timed(lambda s=s: ledger.produce_tree_head(s)))  # type: ignore[misc]
    line("树根：内存中由全部叶子重算（基准）", f"{naive * 1000:,.0f} ms")
    line(
        "树根：由存储的子树节点（O(log n) 次查找）",
        f"{from_nodes * 1000:,.2f} ms",
        f"快 {naive / from_nodes:,.0f} 倍",
    )
    line(
        "签名树头（右边界 + SM2 签名 + 写入）",
        f"{statistics.median(head_time) * 1000:,.2f} ms",
        f"快 {naive / statistics.median(head_time):,.0f} 倍",
    )

    with db.unit_of_work() as s:
        size = ledger.size(s)
        root = ledger.root_at(s, size)
        small_root = ledger.root_at(s, 1024)
        rng = random.Random(7)
        for tree_size, tree_root, label in ((1024, small_root, "1,024"), (size, root, f"{size:,}")):
            seqs = [rng.randrange(tree_size) for _ in range(PROOFS)]
            gen, ver = _inclusion_times(s, seqs, tree_size, tree_root)
            line(f"包含性证明 @ 树大小 {label}：生成 / 验证", f"{gen:,.2f} / {ver:,.3f} ms")
            firsts = [rng.randrange(1, tree_size) for _ in range(PROOFS)]
            gen, ver = _consistency_times(s, firsts, tree_size, tree_root)
            line(f"一致性证明 @ 树大小 {label}：生成 / 验证", f"{gen:,.2f} / {ver:,.3f} ms")
    print(f"  （树大小相差 {size / 1024:,.0f} 倍，证明耗时只随 log n 增长：对数级）")

    sessions = db.unit_of_work
    select_all = timed(lambda: _read_all(db, size))
    reports: list[Report] = []
    verify = timed(lambda: reports.append(verify_ledger(sessions, chunk_size=20_000)))
    assert reports[0].ok, [f.describe() for f in reports[0].findings][:5]
    line("只读出全部条目（基准：按序号分批 SELECT）", f"{select_all:,.1f} 秒")
    line(
        "shuzheng ledger verify（全部重算并校验）",
        f"{verify:,.1f} 秒",
        f"为只读的 {verify / select_all:.1f} 倍，{n / verify:,.0f} 条/秒",
    )


def _best(fn: Callable[[], object], repeat: int = 20) -> float:
    return min(timed(fn) for _ in range(repeat))


def _inclusion_times(s: Session, seqs: list[int], size: int, root: bytes) -> tuple[float, float]:
    gen, ver = [], []
    for seq in seqs:
        t = time.perf_counter()
        proof = ledger.inclusion_proof(s, seq, size)
        gen.append(time.perf_counter() - t)
        t = time.perf_counter()
        assert merkle.verify_inclusion(proof.leaf_hash, seq, size, proof.path, root)
        ver.append(time.perf_counter() - t)
    return statistics.median(gen) * 1000, statistics.median(ver) * 1000


def _consistency_times(s: Session, firsts: list[int], size: int, root: bytes) -> tuple[float, float]:
    gen, ver = [], []
    for first in firsts:
        t = time.perf_counter()
        proof = ledger.consistency_proof(s, first, size)
        gen.append(time.perf_counter() - t)
        t = time.perf_counter()
        assert merkle.verify_consistency(first, size, proof.first_root, root, proof.path)
        ver.append(time.perf_counter() - t)
    return statistics.median(gen) * 1000, statistics.median(ver) * 1000


def _read_all(db: Database, size: int) -> int:
    """The baseline for verify: read every entry exactly as verify does, and do nothing with it."""
    return sum(len(rows) for rows in _entry_chunks(db.unit_of_work, size, 20_000))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with throwaway_database() as db:
        upgrade(db.engine)
        started = time.perf_counter()
        bench_appends(db)
        bench_million(db, n)
        print(f"\n总用时 {time.perf_counter() - started:,.0f} 秒")


if __name__ == "__main__":
    main()
