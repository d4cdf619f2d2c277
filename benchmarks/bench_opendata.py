"""Open-data benchmark: datastore_search with a filter on a 1 M-row resource, at the service layer and
through real HTTP (uvicorn in this process, an httpx client), in the same run; and bulk export of 1 M
rows through the portal's export against DuckDB's own COPY of the same rows.

Run: .venv/bin/python benchmarks/bench_opendata.py [rows] [calls]   (default 1,000,000 rows, 100 calls)
Uses a throwaway SQLite file; with SHUZHENG_DATABASE_URL=postgresql+psycopg://… a throwaway database on
that PostgreSQL server (created and dropped here).

The resource — 公共停车场-like, 6 columns (编号 key, 名称, 所在区 of 12 values, 泊位数, 开放日期, and a
closed 管理员电话) — is published through the catalog services and loaded through `ingest.load` from a
Parquet file DuckDB generates, so it is a real published dataset with a real lake version.

(a) `opendata.service.search` — the code behind datastore_search: the open fields only,
    `filters={"district": …}` bound as parameters, `total` counted, 100 rows returned.
(b) `GET /api/3/action/datastore_search?resource_id=…&filters={"district": …}&limit=100&offset=…` over
    HTTP, one client, calls one after another: (a) plus routing, the dataset and distribution lookup in
    the database, the usage counter and its commit, JSON encoding, and the socket.
(a) and (b) alternate call by call with the same district and offset, so both see the same conditions;
the ratio (b)/(a) is the price of the web layer.
(c) the export behind /opendata/datasets/{name}/download.csv and .parquet (COPY of the open fields to a
    file) against DuckDB's plain `COPY (SELECT <the same columns> …)` of the same file.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ["SHUZHENG_VAR_DIR"] = tempfile.mkdtemp(prefix="shuzheng-bench-opendata-")
os.environ.setdefault("SHUZHENG_MASTER_KEY", os.urandom(32).hex())
os.environ.setdefault("SHUZHENG_LOG_LEVEL", "WARNING")
os.environ.setdefault("SHUZHENG_LOG_JSON", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks.common, run as a script

import httpx

from benchmarks.common import CITY, city_regions, department, publish, serve, staff, throwaway_database
from shuzheng.app import create_app
from shuzheng.catalog.validation import FieldInput, ResourceInput
from shuzheng.config import get_settings
from shuzheng.db import Database
from shuzheng.ingest import lake
from shuzheng.ingest import service as ingest
from shuzheng.kit.identifiers import make_uscc
from shuzheng.migrate import upgrade
from shuzheng.opendata import service

_VAR = os.environ["SHUZHENG_VAR_DIR"]
ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
CALLS = int(sys.argv[2]) if len(sys.argv) > 2 else 100
DISTRICTS = ["芝罘区", "莱山区", "福山区", "牟平区", "蓬莱区", "龙口市"]
ALL_DISTRICTS = [*DISTRICTS, "莱阳市", "莱州市", "招远市", "栖霞市", "海阳市", "开发区"]


def generate(target: Path) -> None:
    districts = ", ".join(f"'{d}'" for d in ALL_DISTRICTS)
    con = lake.connect()
    try:
        con.execute(
            f"""COPY (SELECT 'P' || lpad(i::VARCHAR, 8, '0') AS park_id, '第' || i || '停车场' AS park_name,
                     [{districts}][(i % 12) + 1] AS district, (i % 500)::BIGINT AS spaces,
                     DATE '2000-01-01' + (i % 8000)::INTEGER AS opened,
                     '1380000' || lpad((i % 10000)::VARCHAR, 4, '0') AS manager_phone
                   FROM range({ROWS}) t(i)) TO '{lake.sql_path(target)}' (FORMAT PARQUET, COMPRESSION zstd)"""
        )
    finally:
        con.close()


def seed(db: Database) -> tuple[str, float]:
    """A department, its data officer and the operator; the parking resource published 无条件开放 with a
    closed phone field, and ROWS rows loaded. Returns (code, load seconds)."""
    source = Path(_VAR) / "parking.parquet"
    generate(source)
    with db.unit_of_work() as s:
        city_regions(s)
        dept = department(
            s, "zjj", "市住房和城乡建设局", short_name="住建局", uscc=make_uscc("11", CITY, "MB000001")
        )
        officer = staff(s, "bench.zjj", dept, "data_officer")
        admin = staff(s, "bench.admin", dept, "platform_admin")
        opened = "unconditional"
        fields = [
            FieldInput(name="park_id", label="停车场编号", required=True, is_key=True, open_type=opened),
            FieldInput(name="park_name", label="停车场名称", required=True, open_type=opened),
            FieldInput(name="district", label="所在区", open_type=opened),
            FieldInput(name="spaces", label="泊位数", data_type="integer", open_type=opened),
            FieldInput(name="opened", label="开放日期", data_type="date", open_type=opened),
            FieldInput(name="manager_phone", label="管理员电话", open_type="none"),
        ]
        data = ResourceInput(
            name="公共停车场信息",
            summary="基准测试",
            catalog_type="department",
            format="database",
            update_cycle="monthly",
            source_system="智慧停车平台",
            share_type="unconditional",
            share_method="api",
            open_type=opened,
            fields=fields,
        )
        code = publish(s, officer, admin, dept, data)
    with db.unit_of_work() as s:
        start = time.perf_counter()
        summary = ingest.load(s, officer, code, source)
        seconds = time.perf_counter() - start
        assert summary.accepted == ROWS and summary.rejected == 0, summary
    return code, seconds


def pct(values: list[float], q: int) -> float:
    """The q-th percentile in milliseconds (statistics.quantiles, exclusive method)."""
    return statistics.quantiles(values, n=100)[q - 1] * 1000


def main() -> None:
    get_settings.cache_clear()
    with throwaway_database() as db:
        upgrade(db.engine)
        code, load_seconds = seed(db)
        with db.unit_of_work() as s:
            dataset = service.find_dataset(s, code)
        dist = dataset.latest
        assert dist is not None

        def expected_total(n: int) -> int:
            return ROWS // 12 + (1 if n % 6 < ROWS % 12 else 0)

        service_times: list[float] = []
        http_times: list[float] = []
        with (
            serve(create_app(database=db), name="bench-opendata-server") as base,
            httpx.Client(base_url=base, timeout=120) as client,
        ):

            def over_http(district: str, offset: int) -> dict:  # type: ignore[type-arg]
                params: dict[str, str | int] = {
                    "resource_id": dist.id,
                    "filters": json.dumps({"district": district}, ensure_ascii=False),
                    "limit": 100,
                    "offset": offset,
                }
                r = client.get("/api/3/action/datastore_search", params=params)
                assert r.status_code == 200, r.text
                return r.json()["result"]  # type: ignore[no-any-return]

            # Warm-up: DuckDB's shared reader, the Parquet footer cache, the app's first request.
            for _ in range(3):
                service.search(dataset, dist, service.Query(filters={"district": "芝罘区"}))
                over_http("芝罘区", 0)
            for n in range(CALLS):
                district, offset = DISTRICTS[n % 6], n * 10
                start = time.perf_counter()
                page = service.search(
                    dataset, dist, service.Query(filters={"district": district}, limit=100, offset=offset)
                )
                service_times.append(time.perf_counter() - start)
                assert len(page.records) == 100 and page.total == expected_total(n)
                start = time.perf_counter()
                result = over_http(district, offset)
                http_times.append(time.perf_counter() - start)
                assert len(result["records"]) == 100 and result["total"] == expected_total(n)
                assert "manager_phone" not in result["records"][0]
        backend = db.engine.dialect.name

        print(
            f"数据库：{backend}；{ROWS:,} 行（6 列，其中 1 列不开放），Parquet zstd；载入 {load_seconds:.1f} s"
        )
        print(
            f"datastore_search，filters={{district: …}}（约 {ROWS // 12:,} 行命中），返回 100 行 + total，各 {CALLS} 次："
        )
        s50, s99 = pct(service_times, 50), pct(service_times, 99)
        h50, h99 = pct(http_times, 50), pct(http_times, 99)
        print(f"  (a) 服务层 service.search：          p50 {s50:7.1f} ms  p99 {s99:7.1f} ms")
        print(f"  (b) HTTP（uvicorn + httpx，单客户端）：p50 {h50:7.1f} ms  p99 {h99:7.1f} ms")
        print(
            f"  → HTTP / 服务层：p50 {h50 / s50:.2f}×，p99 {h99 / s99:.2f}×（Web 层额外 p50 {h50 - s50:.1f} ms）"
        )

        data = lake.absolute(dist.path) / lake.DATA_FILE
        columns = ", ".join(lake.ident(f.name) for f in dataset.fields)
        for fmt in ("csv", "parquet"):
            target = Path(_VAR) / f"portal.{fmt}"
            start = time.perf_counter()
            service.export(dataset, dist, fmt, target)
            portal = time.perf_counter() - start
            con = lake.connect()
            baseline_target = Path(_VAR) / f"duckdb.{fmt}"
            option = "(FORMAT CSV, HEADER true)" if fmt == "csv" else "(FORMAT PARQUET, COMPRESSION zstd)"
            start = time.perf_counter()
            con.execute(
                f"COPY (SELECT {columns} FROM read_parquet('{lake.sql_path(data)}')) "
                f"TO '{lake.sql_path(baseline_target)}' {option}"
            )
            baseline = time.perf_counter() - start
            con.close()
            print(
                f"export {fmt}: portal (open fields) {portal:.2f} s ({target.stat().st_size / 1e6:.0f} MB), "
                f"DuckDB COPY of the same columns {baseline:.2f} s ({baseline_target.stat().st_size / 1e6:.0f} MB), "
                f"ratio {portal / baseline:.2f}"
            )


if __name__ == "__main__":
    main()
