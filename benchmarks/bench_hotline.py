"""Hotline benchmark: Open311 POST throughput through the real app, against a bare endpoint in the same
app; and classification + address placing + routing throughput, against classification alone.

Run: .venv/bin/python benchmarks/bench_hotline.py [requests]        (default 300 Open311 POSTs)
Uses a throwaway SQLite file; with SHUZHENG_DATABASE_URL=postgresql+psycopg://… a throwaway database on
that PostgreSQL server (created and dropped here). Each POST is its own committed transaction: intake,
validation, encryption of the contact, address placing, duplicate search, classification, routing,
deadline, an event and a ledger entry. Requests go through the whole ASGI stack (middleware, form
parsing, error handling) with Starlette's TestClient; the bare endpoint pays the same stack and nothing
else, so the ratio is the cost of the hotline's own work.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("SHUZHENG_MASTER_KEY", os.urandom(32).hex())
os.environ.setdefault("SHUZHENG_LOG_LEVEL", "WARNING")
os.environ.setdefault("SHUZHENG_LOG_JSON", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks.common, run as a script

from fastapi import Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from benchmarks.common import CITY, city_regions, department, throwaway_database
from shuzheng.app import create_app
from shuzheng.db import Database
from shuzheng.hotline import address, routing, service
from shuzheng.hotline.models import StandardAddress
from shuzheng.kit.identifiers import make_uscc
from shuzheng.migrate import upgrade
from shuzheng.org.models import RegionLevel

DISTRICTS = {"379902": "东城区", "379903": "西城区"}
TOWNSHIPS = {"379902001": ("东华街道", "379902"), "379903001": ("西关街道", "379903")}
ROADS = ("人民路", "建设路", "解放路", "文化路", "和平路", "幸福路")
TEXTS = (
    ("water", "{a}停水两天了，一直没有来水"),
    ("urban", "{a}门口占道经营，行人无法通行"),
    ("noise", "{a}附近工地夜间施工噪音扰民"),
    ("property", "{a}物业不作为，垃圾没人清理"),
    ("traffic", "{a}路口红绿灯坏了"),
    ("social_security", "社保卡丢了怎么补办，住在{a}"),
)


def seed(db: Database) -> tuple[str, list[str]]:
    """A two-district city, a department per topic, the responsibility list, 600 standard addresses."""
    with db.unit_of_work() as s:
        city_regions(
            s,
            *[(c, n, RegionLevel.COUNTY, CITY, False) for c, n in DISTRICTS.items()],
            *[(c, n, RegionLevel.TOWNSHIP, d, False) for c, (n, d) in TOWNSHIPS.items()],
        )

        def dept(code: str, name: str, parent: str | None) -> int:
            uscc = make_uscc("11", CITY, f"BH{len(code):02d}{abs(hash(code)) % 9999:04d}")
            return department(s, code, name, uscc=uscc, parent_code=parent)

        dept("szf", "示范市人民政府", None)
        for i, (topic, _) in enumerate(TEXTS):
            routing.set_responsibility(
                s,
                topic_code=topic,
                region_code=CITY,
                department_id=dept(f"d{i}", f"承办单位{i}", "szf"),
                note=None,
                actor_id=None,
            )
        addresses = []
        for t_code, (t_name, d_code) in TOWNSHIPS.items():
            for r, road in enumerate(ROADS):
                for n in range(1, 51):
                    full = f"示范市{DISTRICTS[d_code]}{t_name}{road}{n}号"
                    addresses.append(full)
                    s.add(
                        StandardAddress(
                            full_address=full,
                            district_code=d_code,
                            township_code=t_code,
                            road=road,
                            house_number=str(n),
                            lat=35.4 + 0.01 * r + (0.1 if d_code == "379903" else 0),
                            lon=116.5 + 0.001 * n,
                        )
                    )
        _, key = service.create_api_client(s, None, "bench")
    return key, addresses


def per_second(operation: Callable[[int], None], n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        operation(i)
    return n / (time.perf_counter() - start)


def main(n: int) -> None:
    rng = random.Random(12345)
    with throwaway_database() as db:
        upgrade(db.engine)
        key, addrs = seed(db)
        app = create_app(database=db)

        @app.post("/bench/bare")
        async def bare(request: Request) -> JSONResponse:
            await request.form()
            return JSONResponse([{"service_request_id": "0"}], status_code=201)

        forms = []
        for i in range(n):
            topic, template = rng.choice(TEXTS)
            place = rng.choice(addrs)
            forms.append(
                {
                    "api_key": key,
                    "service_code": topic,
                    "address_string": place,
                    "description": template.format(a=place[-8:]) + f"（{i}）",
                    "phone": f"139{rng.randrange(10**8):08d}",
                    "first_name": "五",
                    "last_name": "王",
                }
            )
        service.predict("预热分类模型")  # the classifier trains at first use; not part of the figure
        with TestClient(app) as client:
            client.post("/open311/v2/requests.json", data=forms[0])  # warm every path once

            def post_bare(i: int) -> None:
                r = client.post("/bench/bare", data=forms[i])
                assert r.status_code == 201

            def post_open311(i: int) -> None:
                r = client.post("/open311/v2/requests.json", data=forms[i])
                assert r.status_code == 201, r.text

            bare_rate = per_second(post_bare, n)
            open311_rate = per_second(post_open311, n)

        texts = [f["description"] for f in forms]
        with db.unit_of_work() as s:
            address.locate(s, addrs[0])

            def classify_only(i: int) -> None:
                service.predict(texts[i])

            def classify_and_route(i: int) -> None:
                p = service.predict(texts[i])
                where = address.locate(s, forms[i]["address_string"])
                routing.route(s, p.topic_code if p else "other", where.region_code, where.grid_code)

            classify_rate = per_second(classify_only, n)
            route_rate = per_second(classify_and_route, n)

    backend = db.engine.dialect.name
    print(f"数据库：{backend}，每项 {n} 次")
    print(f"Open311 POST（完整受理，独立事务）：{open311_rate:8.1f} 件/秒")
    print(f"同一应用中的空端点（同样的中间件与表单解析）：{bare_rate:8.1f} 次/秒")
    print(
        f"  → 受理本身的开销：每件 {1000 / open311_rate - 1000 / bare_rate:.1f} ms，吞吐为空端点的 {open311_rate / bare_rate:.1%}"
    )
    print(f"分类（仅模型）：{classify_rate:8.1f} 件/秒")
    print(
        f"分类 + 地址定位 + 权责清单派单：{route_rate:8.1f} 件/秒（分类之外每件 {1000 / route_rate - 1000 / classify_rate:.2f} ms）"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
