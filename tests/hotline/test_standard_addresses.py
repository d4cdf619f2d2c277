"""The hotline's address index filled from the city's 统一地址库: the catalog resource 标准地址, loaded by
ingest, read back with `ingest.service.read_rows` and copied into hotline_standard_addresses."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from shuzheng.catalog.demo import _standard_address
from shuzheng.errors import NotFound
from shuzheng.hotline import service
from shuzheng.hotline.models import StandardAddress
from shuzheng.ingest import service as ingest
from tests.catalog import factories as cf
from tests.hotline.factories import DONGHUA, City, submit
from tests.ingest.helpers import write_csv

HEADER = [
    "地址编码",
    "区县",
    "乡镇街道",
    "社区（村）",
    "道路（街巷）",
    "门牌号",
    "楼栋",
    "标准地址",
    "行政区划代码",
    "经度",
    "纬度",
]


def test_the_address_list_comes_from_the_catalog_resource(city: City, tmp_path: Path) -> None:
    s = city.session
    code = cf.published(s, cf.cast(s), _standard_address())
    with pytest.raises(NotFound):
        service.sync_standard_addresses(s, None, code)
    rows = [
        [
            f"{DONGHUA}000001",
            "东城区",
            "东华街道",
            "东华社区",
            "光明路",
            "7号",
            "1号楼",
            "示范市东城区东华街道光明路7号",
            "379902",
            "116.5900",
            "35.4200",
        ],
        [
            f"{DONGHUA}000002",
            "东城区",
            "东华街道",
            "东华社区",
            "人民路",
            "12号",
            "2号楼",
            "示范市东城区东华街道人民路12号",
            "379902",
            "116.5811",
            "35.4111",
        ],
        [
            "999999999000003",
            "东城区",
            "不存在街道",
            "",
            "某路",
            "1号",
            "",
            "示范市东城区不存在街道某路1号",
            "379902",
            "116.5",
            "35.4",
        ],
    ]
    ingest.load(s, None, code, write_csv(tmp_path / "addresses.csv", rows, header=HEADER))

    result = service.sync_standard_addresses(s, city.actor("admin"), code)
    assert (result.read, result.added, result.updated, result.skipped) == (3, 1, 1, 1)
    new = s.scalar(select(StandardAddress).where(StandardAddress.road == "光明路"))
    assert new is not None and (new.house_number, new.township_code, new.grid_code) == (
        "7",
        DONGHUA,
        "G-DH-01",
    )
    assert new.lat == pytest.approx(35.42)
    # The next intake at that address is placed by it.
    req = submit(city, address="光明路7号", content="光明路7号楼下污水外溢").request
    assert req.standard_address_id == new.id and req.region_code == DONGHUA
