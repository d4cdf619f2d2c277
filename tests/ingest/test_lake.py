"""The lake's DuckDB connections: the configured memory cap, and the shared reader's cursors."""

from __future__ import annotations

import os
import threading

import pytest

from shuzheng.config import get_settings
from shuzheng.ingest import lake


def test_the_memory_cap_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHUZHENG_DUCKDB_MEMORY_LIMIT", "100MB")
    get_settings.cache_clear()
    try:
        con = lake.connect()
        (limit,) = con.execute("SELECT current_setting('memory_limit')").fetchone()  # type: ignore[misc]
        con.close()
    finally:
        get_settings.cache_clear()
    assert limit.endswith("MiB") and 90 <= float(limit.split()[0]) <= 100


def test_readers_share_one_database_with_a_cursor_each(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "t.parquet"
    with lake.reader() as con:
        con.execute(f"COPY (SELECT range AS n FROM range(1000)) TO '{lake.sql_path(path)}' (FORMAT parquet)")
    sums: list[int] = []

    def read() -> None:
        with lake.reader() as con:
            row = con.execute(f"SELECT sum(n) FROM read_parquet('{lake.sql_path(path)}')").fetchone()
            sums.append(row[0] if row else -1)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sums == [499500] * 8
    assert lake._shared is not None and lake._shared[0] == os.getpid()
