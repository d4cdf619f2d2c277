"""An open dataset (公共停车场, published 无条件开放 with one closed field) with data in the lake, and a
conditional one (人口) for aggregate queries."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from shuzheng.catalog.validation import FieldInput, ResourceInput
from shuzheng.ingest import service as ingest
from tests.catalog import factories as cf
from tests.ingest.factories import person_csv, person_rows
from tests.ingest.helpers import write_csv

DISTRICTS = ("芝罘区", "莱山区", "福山区")


def parking_fields() -> list[FieldInput]:
    return [
        FieldInput(name="park_id", label="停车场编号", required=True, is_key=True, open_type="unconditional"),
        FieldInput(name="park_name", label="停车场名称", required=True, open_type="unconditional"),
        FieldInput(name="district", label="所在区", open_type="unconditional"),
        FieldInput(name="spaces", label="泊位数", data_type="integer", open_type="unconditional"),
        FieldInput(name="manager_phone", label="管理员电话", open_type="none"),
    ]


def parking_resource() -> ResourceInput:
    return ResourceInput(
        name="公共停车场信息",
        summary="全市公共停车场的位置和泊位数",
        catalog_type="department",
        format="database",
        update_cycle="monthly",
        source_system="智慧停车平台",
        share_type="unconditional",
        share_method="api",
        open_type="unconditional",
        fields=parking_fields(),
    )


def parking_rows(count: int) -> list[list[str]]:
    return [
        [f"P{n:05d}", f"第{n}停车场", DISTRICTS[n % 3], str(10 * n), f"1380000{n:04d}"]
        for n in range(1, count + 1)
    ]


@dataclass
class OpenFixture:
    code: str
    cast: cf.Cast
    person_code: str


def seed(session: Session, tmp_path: Path, rows: int = 30, people: int = 45) -> OpenFixture:
    c = cf.cast(session)
    code = cf.published(session, c, parking_resource())
    path = write_csv(
        tmp_path / "parking.csv",
        parking_rows(rows),
        header=["停车场编号", "停车场名称", "所在区", "泊位数", "管理员电话"],
    )
    ingest.load(session, c.officer, code, path)
    person_code = cf.published(
        session, c, cf.person(open_type="conditional", open_conditions="用于统计研究，须签订数据使用协议")
    )
    ingest.load(session, c.officer, person_code, person_csv(tmp_path / "people.csv", person_rows(people)))
    return OpenFixture(code, c, person_code)
