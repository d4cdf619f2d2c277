"""The objections' part of the demo city: objections in several states against the demo resources,
loaded idempotently, after catalog and ingest."""

from __future__ import annotations

import datetime as dt
from types import ModuleType

from sqlalchemy import select

from shuzheng.catalog import demo as catalog_demo
from shuzheng.demo.loader import DemoCity, in_demo_order
from shuzheng.kit import clock
from shuzheng.objections import demo
from shuzheng.objections.models import Objection
from shuzheng.org import service as org
from shuzheng.org.models import DepartmentKind
from shuzheng.security.roles import Role
from tests import factories as f


def _city(session) -> DemoCity:  # type: ignore[no-untyped-def]
    f.regions(session)
    city = DemoCity()
    for code in sorted({r.department for r in catalog_demo.resources()} | {"rsj", "mzj", "dsjzx"}):
        city.departments[code] = org.create_department(
            session,
            None,
            org.DepartmentInput(
                code=code,
                name=f"示范市{code}",
                short_name=code,
                kind=DepartmentKind.COMMITTEE,
                region_code=f.CITY,
            ),
        )
    city.staff["admin"] = f.staff(session, Role.PLATFORM_ADMIN.value, username="admin")
    for username, dept in (("shuju.gongan", "gaj"), ("shuju.minzheng", "mzj"), ("shuju.shichang", "scjgj")):
        city.staff[username] = f.staff(
            session, "data_officer", dept=city.departments[dept], username=username
        )
    return city


def test_demo_objections_in_several_states_once(session) -> None:
    stand_in = ModuleType("ingest_demo")  # ingest's demo, whatever it is, must run first
    found = {"objections": demo, "catalog": catalog_demo, "ingest": stand_in, "aaa": ModuleType("aaa")}
    order = [name for name, _ in in_demo_order(found)]
    assert order.index("objections") > order.index("ingest") > order.index("catalog")
    city = _city(session)
    with clock.frozen(dt.datetime(2026, 11, 20, 10, tzinfo=clock.CHINA_TZ)):
        catalog_demo.load(session, city)
        added = demo.load(session, city)
        assert demo.load(session, city) == 0
    found = list(session.scalars(select(Objection).order_by(Objection.id)))
    assert added == len(found) >= 3
    states = {o.field_name: o.status for o in found}
    assert states["nation"] == "filed"
    assert states["birth_date"] == "escalated"
    assert states["address"] == "rejected"
    rejected = next(o for o in found if o.status == "rejected")
    assert rejected.decided_by_name and "登记档案" in (rejected.decision_reason or "")
