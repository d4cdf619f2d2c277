"""Hotspot detection over 1,000,000 historical requests, next to the same aggregation as one DuckDB query.

Run: .venv/bin/python benchmarks/bench_hotspots.py [rows] [repeats]   (default 1,000,000 rows, 5 repeats)

The data is deterministic (numpy seed 12345): a year of requests over 18 topics × 3 districts with
per-pair daily rates from 0.2 to 60, a weekly cycle (fewer calls at weekends) and four planted
outbreaks in the last 30 days. Timed, each the median of `repeats` runs, from the in-memory Polars
frame the core's `requests_frame` produces:

  - `hotspots.detect` for the last day;
  - `hotspots.detect_range` for the last 30 days (one query for all of them), and `detect` called
    30 times — what a nightly job catching up on a month would do;
  - the ceiling: the same computation (China-local day, trailing 28-day sum and sum of squares per
    topic × district, score, min_count/min_score, request ids) written as one DuckDB SQL query over
    the same frame, for one day and for 30 days. Both must return identical hotspots.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import duckdb
import numpy as np
import polars as pl

from shuzheng.hotline import hotspots
from shuzheng.hotline.taxonomy import TOPICS

DISTRICTS = ("379902", "379903", "379921")
LAST_DAY = dt.date(2026, 3, 31)
DAYS = 365
SEED = 12345
OUTBREAKS = (  # (days before LAST_DAY, topic, district, extra requests)
    (0, "water", "379902", 60),
    (6, "noise", "379903", 45),
    (13, "heating", "379921", 30),
    (27, "food_safety", "379902", 25),
)

K = range(7)
# The same computation as hotspots.detect_range, as one SQL statement. Days are integers (days since
# 1970-01-01, China time); weekday k = (day + 3) % 7 makes Monday 0, as in the Polars code.
SQL = f"""
WITH r AS (
    SELECT request_id, topic_code, district_code,
           CAST((epoch_us(created_at) + 28800000000) // 86400000000 AS INTEGER) AS day
    FROM requests
    WHERE topic_code IS NOT NULL AND district_code IS NOT NULL
      AND created_at >= $since  -- lets DuckDB skip row groups by their min/max (the table is in time order)
),
daily AS (
    SELECT topic_code, district_code, day, (day + 3) % 7 AS k, COUNT(*) AS n
    FROM r WHERE day BETWEEN $window_start AND $last
    GROUP BY ALL
),
calendar AS (
    SELECT c.t, (c.t + 3) % 7 AS k, COALESCE(SUM(d.n), 0)::DOUBLE AS total
    FROM range($window_start, $last + 1) c(t) LEFT JOIN daily d ON d.day = c.t
    GROUP BY ALL
),
in_window AS (
    SELECT g.d, c.k, c.total
    FROM range($first, $last + 1) g(d) JOIN calendar c ON c.t < g.d AND c.t >= g.d - $baseline
),
factors AS (
    SELECT p.d, p.k, p.n,
           CASE WHEN o.mean > 0 THEN p.weekday_mean / o.mean ELSE 1.0 END AS f
    FROM (SELECT d, k, AVG(total) AS weekday_mean, COUNT(*) AS n FROM in_window GROUP BY ALL) p
    JOIN (SELECT d, AVG(total) AS mean FROM in_window GROUP BY ALL) o USING (d)
),
profile AS (
    SELECT d, {", ".join(f"COALESCE(MAX(f) FILTER (WHERE k = {k}), 1.0) AS f{k}" for k in K)},
           SUM(n * f * f) AS f_squares
    FROM factors GROUP BY d
),
windowed AS (
    -- Each scored pair-day joined to its own trailing days: cheaper than RANGE window frames here.
    SELECT t.topic_code, t.district_code, t.day, t.n,
        {", ".join(f"COALESCE(SUM(h.n) FILTER (WHERE h.k = {k}), 0) AS s{k}" for k in K)},
        COALESCE(SUM(h.n * h.n), 0) AS squares
    FROM daily t LEFT JOIN daily h
      ON h.topic_code = t.topic_code AND h.district_code = t.district_code
     AND h.day >= t.day - $baseline AND h.day < t.day
    WHERE t.day BETWEEN $first AND $last
    GROUP BY t.topic_code, t.district_code, t.day, t.n
),
scored AS (
    SELECT w.topic_code, w.district_code, w.day, w.n,
        LEAST($baseline, w.day - $history_start)::DOUBLE AS days,
        ({" + ".join(f"s{k}" for k in K)}) / days AS level,
        level * CASE (w.day + 3) % 7 {" ".join(f"WHEN {k} THEN f{k}" for k in K)} END AS expected,
        ({" + ".join(f"f{k} * s{k}" for k in K)}) AS cross_sum,
        (squares - 2 * level * cross_sum + level * level * f_squares) / days AS residual,
        CASE WHEN level > 0 THEN residual / level ELSE 1.0 END AS dispersion,
        (w.n - expected) / SQRT(GREATEST(expected * GREATEST(dispersion, 1.0), 1.0)) AS score
    FROM windowed w JOIN profile p ON p.d = w.day
),
spikes AS (
    SELECT topic_code, district_code, day, n, expected, score
    FROM scored WHERE n >= $min_count AND score >= $min_score
)
SELECT s.day, s.topic_code, s.district_code, s.n, s.expected, s.score,
       list(r.request_id ORDER BY r.request_id) AS request_ids
FROM spikes s JOIN r USING (topic_code, district_code, day)
GROUP BY ALL
ORDER BY s.day, s.score DESC, s.topic_code, s.district_code
"""


def generate(rows: int) -> pl.DataFrame:
    """`rows` requests over DAYS days ending LAST_DAY, the planted outbreaks included."""
    rng = np.random.default_rng(SEED)
    pairs = [(t.code, d) for t in TOPICS for d in DISTRICTS]
    rates = rng.lognormal(mean=1.5, sigma=1.0, size=len(pairs)).clip(0.2, 60)
    first = dt.datetime.combine(LAST_DAY - dt.timedelta(days=DAYS - 1), dt.time(), dt.UTC) - dt.timedelta(
        hours=8
    )
    weekday = np.array([(LAST_DAY - dt.timedelta(days=DAYS - 1 - d)).weekday() for d in range(DAYS)])
    cycle = np.where(weekday >= 5, 0.6, 1.12)  # weekends are quieter
    expected = rates[:, None] * cycle[None, :]
    background = rows - sum(extra for *_, extra in OUTBREAKS)
    # Multinomial: each pair-day Poisson-like, and exactly `rows` requests in all.
    counts = rng.multinomial(background, (expected / expected.sum()).ravel()).reshape(expected.shape)
    pair_index, day_index = np.nonzero(counts)
    repeat = counts[pair_index, day_index]
    pair_of_row = np.repeat(pair_index, repeat)
    day_of_row = np.repeat(day_index, repeat)
    for back, topic, district, extra in OUTBREAKS:
        pair_of_row = np.append(pair_of_row, np.full(extra, pairs.index((topic, district))))
        day_of_row = np.append(day_of_row, np.full(extra, DAYS - 1 - back))
    seconds = day_of_row * 86_400 + rng.integers(0, 86_400, size=len(day_of_row))
    order = np.argsort(seconds, kind="stable")
    topics = np.array([p[0] for p in pairs])[pair_of_row[order]]
    districts = np.array([p[1] for p in pairs])[pair_of_row[order]]
    created = np.datetime64(first.replace(tzinfo=None), "us") + seconds[order].astype("timedelta64[s]")
    return pl.DataFrame(
        {
            "request_id": np.arange(1, len(order) + 1, dtype=np.int64),
            "created_at": pl.Series(created).dt.replace_time_zone("UTC"),
            "topic_code": topics,
            "district_code": districts,
        }
    )


def duckdb_hotspots(
    con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, history_start: dt.date
) -> list[tuple[Any, ...]]:
    epoch = dt.date(1970, 1, 1)
    first = max(start, history_start + dt.timedelta(days=hotspots.MIN_HISTORY_DAYS))
    params = {
        "first": (first - epoch).days,
        "last": (end - epoch).days,
        "window_start": (max(first - dt.timedelta(days=hotspots.BASELINE_DAYS), history_start) - epoch).days,
        "history_start": (history_start - epoch).days,
        "since": dt.datetime.combine(
            max(first - dt.timedelta(days=hotspots.BASELINE_DAYS), history_start), dt.time(), dt.UTC
        )
        - dt.timedelta(hours=8),
        "baseline": hotspots.BASELINE_DAYS,
        "min_count": hotspots.MIN_COUNT,
        "min_score": hotspots.MIN_SCORE,
    }
    return con.execute(SQL, params).fetchall()


def as_rows(found: list[hotspots.Hotspot]) -> list[tuple[Any, ...]]:
    return [(h.day, h.topic_code, h.district_code, h.count, h.request_ids) for h in found]


def duck_as_rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    epoch = dt.date(1970, 1, 1)
    return [(epoch + dt.timedelta(days=r[0]), r[1], r[2], r[3], list(r[6])) for r in rows]


def median_seconds(run: Callable[[], object], repeats: int) -> float:
    run()  # warm caches (Polars' string cache, DuckDB's plan) so every repeat measures the same thing
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    started = time.perf_counter()
    frame = generate(rows)
    print(f"generated {frame.height:,} requests over {DAYS} days in {time.perf_counter() - started:.1f} s")

    con = duckdb.connect()
    # The ceiling reads DuckDB's own columnar table (loaded once, not timed), as the Polars side reads
    # its in-memory frame: both measure the computation, not a format conversion.
    con.register("frame", frame)
    con.execute("CREATE TABLE requests AS SELECT * FROM frame")
    con.unregister("frame")
    first_month = LAST_DAY - dt.timedelta(days=29)
    history_start = (frame["created_at"].min() + dt.timedelta(hours=8)).date()  # type: ignore[operator]

    one_day = hotspots.detect(frame, day=LAST_DAY)
    month = hotspots.detect_range(frame, start=first_month, end=LAST_DAY)
    assert as_rows(one_day) == duck_as_rows(duckdb_hotspots(con, LAST_DAY, LAST_DAY, history_start))
    assert as_rows(month) == duck_as_rows(duckdb_hotspots(con, first_month, LAST_DAY, history_start))
    planted = {(LAST_DAY - dt.timedelta(days=b), t, d) for b, t, d, _ in OUTBREAKS}
    found = {(h.day, h.topic_code, h.district_code) for h in month}
    print(f"hotspots in the last 30 days: {len(month)} (planted outbreaks found: {len(planted & found)}/4)")
    for h in month:
        mark = "  ← planted" if (h.day, h.topic_code, h.district_code) in planted else ""
        print(
            f"  {h.day} {h.topic_code:<16} {h.district_code} count {h.count:>4}  baseline {h.baseline:6.1f}"
            f"  score {h.score:5.1f}{mark}"
        )
    for day, topic, district in sorted(planted - found):
        [h] = hotspots.detect(frame, day=day, min_count=1, min_score=-1e9) and [
            x
            for x in hotspots.detect(frame, day=day, min_count=1, min_score=-1e9)
            if x.topic_code == topic and x.district_code == district
        ]
        print(
            f"  {day} {topic:<16} {district} count {h.count:>4}  baseline {h.baseline:6.1f}  score"
            f" {h.score:5.1f}  ← planted, not flagged: within this busy pair's usual spread"
        )

    lenient = hotspots.detect_range(frame, start=first_month, end=LAST_DAY, min_score=3.0)
    caught = len(planted & {(h.day, h.topic_code, h.district_code) for h in lenient})
    print(f"with min_score 3.0 instead of {hotspots.MIN_SCORE}: {len(lenient)} hotspots, {caught}/4 planted")

    days = [first_month + dt.timedelta(days=i) for i in range(30)]
    timings = {
        "detect, one day": median_seconds(lambda: hotspots.detect(frame, day=LAST_DAY), repeats),
        "DuckDB SQL, one day (ceiling)": median_seconds(
            lambda: duckdb_hotspots(con, LAST_DAY, LAST_DAY, history_start), repeats
        ),
        "detect_range, 30 days in one query": median_seconds(
            lambda: hotspots.detect_range(frame, start=first_month, end=LAST_DAY), repeats
        ),
        "detect called for each of 30 days": median_seconds(
            lambda: [hotspots.detect(frame, day=d) for d in days], max(1, repeats // 2)
        ),
        "DuckDB SQL, 30 days (ceiling)": median_seconds(
            lambda: duckdb_hotspots(con, first_month, LAST_DAY, history_start), repeats
        ),
    }
    print(f"\nmedian wall time over {repeats} runs, {frame.height:,} requests:")
    for name, seconds in timings.items():
        print(f"  {name:<38} {seconds * 1000:>9.1f} ms")
    one = timings["detect, one day"] / timings["DuckDB SQL, one day (ceiling)"]
    thirty = timings["detect_range, 30 days in one query"] / timings["DuckDB SQL, 30 days (ceiling)"]
    loop = timings["detect called for each of 30 days"] / timings["DuckDB SQL, 30 days (ceiling)"]
    print(f"\nPolars / DuckDB: one day ×{one:.2f}, 30 days ×{thirty:.2f}, 30 single-day calls ×{loop:.2f}")


if __name__ == "__main__":
    main()
