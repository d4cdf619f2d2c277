"""A small city for hotline tests: regions with townships, a department tree down to a community, the
responsibility list, grids and standard addresses, and staff for every hotline role."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from shuzheng.hotline import deadlines, routing, service
from shuzheng.hotline.models import HotlineRequest, StandardAddress
from shuzheng.kit.identifiers import make_uscc
from shuzheng.org import service as org
from shuzheng.org.models import Department, DepartmentKind, RegionLevel
from shuzheng.security.models import Account
from shuzheng.security.roles import Actor
from tests import factories as f

CITY = "379900"
DONGCHENG = "379902"
XICHENG = "379903"
DONGHUA = "379902001"
WENCHANG = "379902002"
XIGUAN = "379903001"

_seq = itertools.count(1)


@dataclass
class City:
    session: Session
    depts: dict[str, Department] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)

    def actor(self, key: str) -> Actor:
        return f.actor(self.session, self.accounts[key])

    def dept(self, key: str) -> Department:
        return self.depts[key]


def _dept(
    session: Session, code: str, name: str, kind: DepartmentKind, region: str, parent: str | None
) -> Department:
    n = next(_seq)
    return org.create_department(
        session,
        None,
        org.DepartmentInput(
            code=f"hl{n}_{code}",
            name=f"{name}{n}",
            short_name=name,
            kind=kind,
            region_code=region,
            uscc=make_uscc("11", region[:6], f"HL{n:06d}"),
            parent_code=parent,
        ),
    )


def build_city(session: Session) -> City:
    f.regions(session)
    org.upsert_regions(
        session,
        [
            (DONGHUA, "东华街道", RegionLevel.TOWNSHIP, DONGCHENG, False),
            (WENCHANG, "文昌街道", RegionLevel.TOWNSHIP, DONGCHENG, False),
            (XIGUAN, "西关街道", RegionLevel.TOWNSHIP, XICHENG, False),
        ],
    )
    city = City(session)
    add = city.depts.__setitem__
    add("szf", _dept(session, "szf", "示范市人民政府", DepartmentKind.DISTRICT_GOVERNMENT, CITY, None))
    root = city.depts["szf"].code
    add("zjj", _dept(session, "zjj", "市住建局", DepartmentKind.COMMITTEE, CITY, root))
    add("cgj", _dept(session, "cgj", "市城管局", DepartmentKind.COMMITTEE, CITY, root))
    add("rx", _dept(session, "rx", "市12345热线中心", DepartmentKind.INSTITUTION, CITY, root))
    add("dcq", _dept(session, "dcq", "东城区政府", DepartmentKind.DISTRICT_GOVERNMENT, DONGCHENG, root))
    add(
        "donghua",
        _dept(session, "donghua", "东华街道", DepartmentKind.TOWNSHIP, DONGHUA, city.depts["dcq"].code),
    )
    add("xcq", _dept(session, "xcq", "西城区政府", DepartmentKind.DISTRICT_GOVERNMENT, XICHENG, root))
    staff = {
        "agent": ("hotline_agent", "rx"),
        "dispatcher": ("dispatcher", "rx"),
        "zjj": ("data_officer", "zjj"),
        "cgj": ("data_officer", "cgj"),
        "dcq": ("data_officer", "dcq"),
        "donghua": ("approver", "donghua"),
        "leader": ("leader", "szf"),
        "admin": ("platform_admin", "szf"),
    }
    for key, (role, dept) in staff.items():
        city.accounts[key] = f.staff(session, role, dept=city.depts[dept])
    city.accounts["citizen"] = f.citizen(session, name="李四", phone="13900001111")

    for topic, region, dept in (
        ("water", CITY, "zjj"),
        ("heating", CITY, "zjj"),
        ("urban", CITY, "cgj"),
        ("noise", DONGCHENG, "dcq"),
        ("property", DONGHUA, "donghua"),
    ):
        routing.set_responsibility(
            session,
            topic_code=topic,
            region_code=region,
            department_id=city.depts[dept].id,
            note=None,
            actor_id=None,
        )
    routing.set_grid(
        session,
        code="G-DH-01",
        name="东华街道第一网格",
        district_code=DONGCHENG,
        township_code=DONGHUA,
        department_id=city.depts["donghua"].id,
    )
    for full, district, township, road, number, place, lat, lon in (
        ("示范市东城区东华街道人民路12号", DONGCHENG, DONGHUA, "人民路", "12", None, 35.4100, 116.5800),
        ("示范市东城区东华街道幸福里小区", DONGCHENG, DONGHUA, None, None, "幸福里小区", 35.4120, 116.5820),
        ("示范市西城区西关街道人民路12号", XICHENG, XIGUAN, "人民路", "12", None, 35.4000, 116.5500),
        ("示范市西城区西关街道解放路8号", XICHENG, XIGUAN, "解放路", "8", None, 35.4010, 116.5510),
    ):
        session.add(
            StandardAddress(
                full_address=full,
                district_code=district,
                township_code=township,
                grid_code="G-DH-01" if township == DONGHUA else None,
                road=road,
                house_number=number,
                place_name=place,
                lat=lat,
                lon=lon,
            )
        )
    session.flush()
    return city


def submit(city: City, who: str = "agent", **kw: Any) -> service.Submitted:
    data = {
        "channel": "phone",
        "content": "人民路12号家里停水两天了，一直没有来水，请尽快处理",
        "type_code": "complaint",
        "topic_code": "water",
        "contact_name": "王五",
        "contact_phone": "13812345678",
        "address": "东城区东华街道人民路12号",
    }
    data.update(kw)
    return service.submit(city.session, city.actor(who) if who else None, service.Intake(**data))


def dispatched(city: City, **kw: Any) -> HotlineRequest:
    """A request the agent filed and the system dispatched to 市住建局 (water)."""
    result = submit(city, **kw)
    assert result.request.status == "dispatched", result.request.queue_reason
    return result.request


def no_auto_dispatch(session: Session) -> None:
    deadlines.put_setting(session, "auto_dispatch_confidence", 101, None)
