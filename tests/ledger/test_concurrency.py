"""Concurrent appenders (threads and processes) on a real database with real commits: afterwards the
sequence numbers are exactly 0..N-1, every committed action has its entry, rolled-back actions left
nothing, and the whole ledger — including tree heads signed meanwhile — verifies."""

from __future__ import annotations

import multiprocessing
import threading
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shuzheng.db import Database
from shuzheng.ledger import service as ledger
from shuzheng.ledger.models import LedgerEntry
from shuzheng.ledger.verification import verify_ledger
from shuzheng.org.models import Region

THREADS = 6
PER_THREAD = 12
PROCESSES = 3
PER_PROCESS = 10


class Rollback(Exception):
    """Raised on purpose to roll a transaction back."""


def _act(db: Database, worker: str, n: int) -> bool:
    """One unit of work: an action (a row) and its ledger entry; every third one rolls back on purpose.
    Returns whether it committed."""
    doomed = n % 3 == 2
    try:
        with db.unit_of_work() as session:
            code = f"{worker}{n:03d}"
            session.add(Region(code=code, name=f"测试{code}", level="township", official=False))
            ledger.append(
                session,
                action="test.concurrent",
                subject=f"region:{code}",
                payload={"worker": worker, "n": n, "doomed": doomed},
            )
            if n % 4 == 0:  # some transactions append twice
                ledger.append(session, action="test.concurrent.extra", subject=f"region:{code}", payload={})
            if doomed:
                raise Rollback()
    except Rollback:
        return False
    return True


def _process_worker(url: str, worker: str, count: int, barrier: Any) -> int:
    db = Database(url)
    try:
        barrier.wait(timeout=300)  # start appending together, whatever the import time
        return sum(_act(db, worker, n) for n in range(count))
    finally:
        db.dispose()


def _sessions(db: Database):  # type: ignore[no-untyped-def]
    def open_session() -> AbstractContextManager[Session]:
        return db.unit_of_work()

    return open_session


def _check(db: Database, committed_actions: int) -> None:
    with db.unit_of_work() as session:
        seqs = list(session.scalars(select(LedgerEntry.seq).order_by(LedgerEntry.seq)))
        assert seqs == list(range(len(seqs)))  # gapless, no duplicates
        assert ledger.size(session) == len(seqs)
        actions = session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.action == "test.concurrent")
        )
        regions = session.scalar(select(func.count()).select_from(Region).where(Region.level == "township"))
        assert actions == regions == committed_actions  # no action without its trace and vice versa
        doomed = session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.payload.like('%"doomed":true%'))
        )
        assert doomed == 0
    report = verify_ledger(_sessions(db), chunk_size=16)
    assert report.ok, [f.describe() for f in report.findings]


def test_threads_append_concurrently_without_gaps_or_forks(fresh_database) -> None:
    db = Database(engine=fresh_database.engine)
    results: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    barrier = threading.Barrier(THREADS)

    def appender(worker: str) -> None:
        try:
            barrier.wait(timeout=60)
            results.append(sum(_act(db, worker, n) for n in range(PER_THREAD)))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def signer() -> None:
        try:
            while not stop.is_set():
                with db.unit_of_work() as session:
                    ledger.produce_tree_head(session)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    workers = [threading.Thread(target=appender, args=(f"t{i}",)) for i in range(THREADS)]
    heads = threading.Thread(target=signer)
    heads.start()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    stop.set()
    heads.join()
    assert not errors, errors
    assert sum(results) == THREADS * (PER_THREAD - PER_THREAD // 3)
    _check(db, sum(results))
    with db.unit_of_work() as session:
        assert ledger.latest_tree_head(session) is not None


def test_processes_append_concurrently_without_gaps_or_forks(fresh_database) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(PROCESSES) as pool:
        barrier = manager.Barrier(PROCESSES)
        counts = pool.starmap(
            _process_worker, [(fresh_database.url, f"p{i}", PER_PROCESS, barrier) for i in range(PROCESSES)]
        )
    db = Database(engine=fresh_database.engine)
    assert sum(counts) == PROCESSES * (PER_PROCESS - PER_PROCESS // 3)
    _check(db, sum(counts))
