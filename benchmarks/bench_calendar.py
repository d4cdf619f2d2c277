"""Working-day arithmetic of shuzheng.kit.calendar next to chinese_calendar.find_workday.

Run: .venv/bin/python benchmarks/bench_calendar.py [seconds]   (default 1 s per measurement)

The baseline is the chinese_calendar package working from its in-memory dicts. Ours reads the schedule
from the database: "per transaction" is the normal case (a request computing many deadlines loads each
year once); "fresh transaction" pays the two queries that load a year on every call, the worst case.
Both compute "15 working days after" the same spread of 2026 dates and must give the same answers.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable
from itertools import cycle
from pathlib import Path

os.environ.setdefault("SHUZHENG_MASTER_KEY", "0f" * 32)

import chinese_calendar

from shuzheng.db import Database
from shuzheng.kit import calendar
from shuzheng.migrate import upgrade

N = 15
STARTS = [dt.date(2026, 1, 5) + dt.timedelta(days=i) for i in range(0, 300, 7)]  # working Mondays and others


def ops_per_second(operation: Callable[[], object], seconds: float) -> float:
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        operation()
        count += 1
    return count / (time.perf_counter() - start)


def library_answer(day: dt.date) -> dt.date:
    # find_workday counts from the first working day on or after `day`; ours never counts `day`.
    return chinese_calendar.find_workday(N if chinese_calendar.is_workday(day) else N - 1, day)


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(db.engine)
        try:
            with db.unit_of_work() as session:
                for day in STARTS:
                    assert calendar.add_working_days(session, day, N).value == library_answer(day), day
                starts = cycle(STARTS)
                ours = ops_per_second(lambda: calendar.add_working_days(session, next(starts), N), seconds)

            def fresh_transaction() -> None:
                with db.unit_of_work() as s:
                    calendar.add_working_days(s, next(starts), N)

            cold = ops_per_second(fresh_transaction, seconds)
        finally:
            db.dispose()
    baseline = ops_per_second(lambda: library_answer(next(starts)), seconds)

    print(f"add_working_days(start, {N}) over {len(STARTS)} start dates in 2026, calls per second (SQLite):")
    print(f"  chinese_calendar.find_workday (baseline)   {baseline:>10,.0f}")
    print(f"  shuzheng, cached per transaction           {ours:>10,.0f}   ×{ours / baseline:,.1f}")
    print(f"  shuzheng, a fresh transaction every call   {cold:>10,.0f}   ×{cold / baseline:,.1f}")


if __name__ == "__main__":
    main()
