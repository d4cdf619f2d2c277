"""Sharing benchmark: lookup by key through the whole stack (bearer token → agreement check → DuckDB read
of the lake → masking → quota counter → ledger entry + access-log row → commit) against a bare endpoint in
the same app returning the same JSON, with 32 concurrent clients over real HTTP (uvicorn in this process,
httpx clients). Prints requests/s, p50 and p99 latency for both and the ratio (target ≥ 0.3).

Run: .venv/bin/python benchmarks/bench_sharing.py [requests] [rows]   (default 1000 lookups, 5000 rows)
     .venv/bin/python benchmarks/bench_sharing.py export [rows]       (default 1,000,000 rows)
The export mode times a bulk export job (agreed fields masked in the COPY, every person traced in the
access log, ledger entry) against DuckDB's own COPY of the same rows and columns to CSV, in the same run.
Uses a throwaway SQLite file; with SHUZHENG_DATABASE_URL=postgresql+psycopg://… a throwaway database on
that PostgreSQL server (created and dropped here).
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ["SHUZHENG_VAR_DIR"] = tempfile.mkdtemp(prefix="shuzheng-bench-sharing-")
os.environ.setdefault("SHUZHENG_MASTER_KEY", os.urandom(32).hex())
os.environ.setdefault("SHUZHENG_LOG_LEVEL", "WARNING")
os.environ.setdefault("SHUZHENG_LOG_JSON", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks.common, run as a script

import duckdb
import httpx
from fastapi.responses import JSONResponse

from benchmarks.common import CITY, city_regions, department, publish, serve, staff, throwaway_database
from shuzheng.app import create_app
from shuzheng.catalog.validation import FieldInput, ResourceInput
from shuzheng.db import Database
from shuzheng.ingest import lake
from shuzheng.ingest import service as ingest
from shuzheng.kit import clock
from shuzheng.kit.identifiers import make_id_number, make_uscc
from shuzheng.migrate import upgrade
from shuzheng.sharing import service
from shuzheng.sharing.models import SharingExport
from shuzheng.sharing.schemas import ApproveInput, DemandInput

_VAR = os.environ["SHUZHENG_VAR_DIR"]
CLIENTS = 32


def seed(db: Database, rows: int) -> tuple[str, str, str, list[str]]:
    code, client_id, secret, keys, _ = seed_with_agreement(db, rows)
    return code, client_id, secret, keys


def seed_with_agreement(db: Database, rows: int) -> tuple[str, str, str, list[str], int]:
    """Two departments with data officers, a published 人口-like resource with `rows` rows, an approved
    agreement and its credentials. Returns (resource code, client id, secret, keys)."""
    with db.unit_of_work() as s:
        city_regions(s)

        def dept(code: str, name: str) -> int:
            return department(s, code, name, uscc=make_uscc("11", CITY, f"MB{sum(map(ord, code)):06d}"))

        gaj = dept("gaj", "市公安局")
        provider = staff(s, "bench.gaj", gaj, "data_officer")
        consumer = staff(s, "bench.mzj", dept("mzj", "市民政局"), "data_officer")
        admin = staff(s, "bench.admin", gaj, "platform_admin", display_name="admin")
        fields = [
            FieldInput(
                name="id_number",
                label="身份证号",
                required=True,
                is_key=True,
                level="core",
                sensitive_pi=True,
                share_type="conditional",
                identifier="id_number",
            ),
            FieldInput(name="name", label="姓名", required=True, level="important", sensitive_pi=True),
            FieldInput(name="sex", label="性别", code_list=["1", "2"]),
            FieldInput(name="birth_date", label="出生日期", data_type="date"),
        ]
        data = ResourceInput(
            name="人口基础信息",
            summary="基准测试",
            catalog_type="base",
            format="database",
            update_cycle="daily",
            source_system="人口系统",
            share_type="conditional",
            share_conditions="身份核验",
            share_method="api",
            open_type="none",
            fields=fields,
            rules=[],
        )
        code = publish(s, provider, admin, gaj, data, classification="101001001")
        keys = []
        path = Path(_VAR) / "people.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["身份证号", "姓名", "性别", "出生日期"])
            for n in range(rows):
                # 15,000 birth days × 999 sequence numbers: unique numbers up to ~15M rows.
                birth = dt.date(1960, 1, 1) + dt.timedelta(days=n % 15000)
                number = make_id_number("110105", birth, (n // 15000) % 999)
                keys.append(number)
                w.writerow([number, f"居民{n}", "12"[n % 2], birth.isoformat()])
        ingest.load(s, provider, code, path)
        demand = service.file_demand(
            s,
            consumer,
            DemandInput(
                resource_code=code,
                fields=["id_number", "name", "sex", "birth_date"],
                purpose="基准测试",
                legal_basis="基准测试",
                period_end=clock.today_in_china() + dt.timedelta(days=30),
            ),
        )
        agreement = service.approve(s, provider, demand.id, ApproveInput(daily_quota=10**9))
        creds = service.issue_credentials(s, consumer, agreement.id)
    return code, creds.client_id, creds.client_secret, sorted(set(keys)), agreement.id


async def run(base: str, paths: list[str], headers: dict[str, str]) -> tuple[float, list[float]]:
    queue = list(reversed(paths))
    latencies: list[float] = []

    async def worker(client: httpx.AsyncClient) -> None:
        while queue:
            path = queue.pop()
            t0 = time.perf_counter()
            r = await client.get(path, headers=headers)
            latencies.append(time.perf_counter() - t0)
            assert r.status_code == 200, r.text

    limits = httpx.Limits(max_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
        start = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(CLIENTS)))
        elapsed = time.perf_counter() - start
    return len(paths) / elapsed, latencies


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000


def main(n: int, rows: int) -> None:
    rng = random.Random(7)
    with throwaway_database(pool_size=40) as db:
        upgrade(db.engine)
        code, client_id, secret, keys = seed(db, rows)
        app = create_app(database=db)
        sample: dict = {}

        @app.get("/bench/bare")
        def bare() -> JSONResponse:
            return JSONResponse(sample)

        with serve(app) as base:
            token = httpx.post(
                f"{base}/api/sharing/oauth/token",
                data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            first = httpx.get(
                f"{base}/api/sharing/v1/{code}/lookup", params={"key": keys[0]}, headers=headers
            )
            sample.update(first.json())
            lookups = [f"/api/sharing/v1/{code}/lookup?key={rng.choice(keys)}" for _ in range(n)]
            bare_rate, bare_lat = asyncio.run(run(base, ["/bench/bare"] * n, headers))
            full_rate, full_lat = asyncio.run(run(base, lookups, headers))
        backend = db.engine.dialect.name
    print(f"数据库：{backend}；{rows} 行数据；{CLIENTS} 个并发客户端，每个端点共 {n} 次请求")
    print(
        f"按主键查询（令牌、授权、DuckDB 读取、脱敏、配额、存证、提交）：{full_rate:8.1f} 次/秒  p50 {pct(full_lat, 50):.1f} ms  p99 {pct(full_lat, 99):.1f} ms"
    )
    print(
        f"同一应用中的空端点（同样的 JSON）：           {bare_rate:8.1f} 次/秒  p50 {pct(bare_lat, 50):.1f} ms  p99 {pct(bare_lat, 99):.1f} ms"
    )
    print(f"  → 吞吐比 {full_rate / bare_rate:.2f}（目标 ≥ 0.3）")


def main_export(rows: int) -> None:
    with throwaway_database(pool_size=40) as db:
        upgrade(db.engine)
        t0 = time.perf_counter()
        code, _, _, _, agreement_id = seed_with_agreement(db, rows)
        seeded = time.perf_counter() - t0
        with db.unit_of_work() as s:
            parquet = ingest.latest_version(s, code)
            assert parquet is not None
            source = lake.absolute(parquet.path) / lake.DATA_FILE
            export = SharingExport(
                agreement_id=agreement_id,
                fields=["id_number", "name", "sex", "birth_date"],
                filters={},
                status=service.QUEUED,
                requested_at=clock.now(),
            )
            s.add(export)
            s.flush()
            export_id = export.id
        target = Path(_VAR) / "duckdb-copy.csv"
        t0 = time.perf_counter()
        con = duckdb.connect()
        con.execute(
            f"COPY (SELECT id_number, name, sex, birth_date FROM read_parquet('{source}')) "
            f"TO '{target}' (FORMAT CSV, HEADER true)"
        )
        con.close()
        copy_time = time.perf_counter() - t0
        with db.unit_of_work() as s:
            agreement = service.get_agreement(s, agreement_id)
            spec = service._spec_for(s, agreement, code)
            columns = service._export_columns(spec, agreement, export.fields)
            t0 = time.perf_counter()
            ingest.copy_rows(s, code, Path(_VAR) / "masked.csv", columns, version=parquet.number)
            file_time = time.perf_counter() - t0
        t0 = time.perf_counter()
        with db.unit_of_work() as s:
            done = service.run_export(s, export_id)
            assert done.status == service.DONE and done.row_count == rows, (
                done.status,
                done.row_count,
                done.error,
            )
        export_time = time.perf_counter() - t0
        backend = db.engine.dialect.name
    print(f"数据库：{backend}；{rows:,} 行（生成并汇聚 {seeded:.1f} 秒）")
    print(f"DuckDB 直接 COPY 同样的行和列到 CSV：{copy_time:8.2f} 秒")
    print(f"批量导出任务（COPY 内脱敏、逐人留痕 {rows:,} 条、存证、提交）：{export_time:8.2f} 秒")
    print(f"  → 耗时为 DuckDB COPY 的 {export_time / copy_time:.1f} 倍")
    print(
        f"其中只写文件（同一 COPY 加脱敏表达式）：{file_time:8.2f} 秒，为 DuckDB COPY 的 {file_time / copy_time:.1f} 倍；"
        f"其余是逐人留痕（SM3 盲索引 + 写入访问记录）"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "export":
        main_export(int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000)
        sys.exit(0)
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000, int(sys.argv[2]) if len(sys.argv) > 2 else 5000)
