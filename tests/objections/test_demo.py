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
from tests.demo_city import small_city


def _city(session) -> DemoCity:  # type: ignore[no-untyped-def]
    return small_city(
        session,
        [("shuju.gongan", "gaj"), ("shuju.minzheng", "mzj"), ("shuju.shichang", "scjgj")],
        more_departments=("rsj", "mzj", "dsjzx"),
    )


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
