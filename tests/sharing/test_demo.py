"""The sharing part of the demo city: after catalog and ingest, 民政局 holds an agreement on 人口基础信息
with API calls traced to the people served; a pending demand and a 需求清单 entry; idempotent."""

from __future__ import annotations

import datetime as dt
from types import ModuleType

from sqlalchemy import select

from shuzheng.catalog import demo as catalog_demo
from shuzheng.demo.loader import DemoCity, in_demo_order
from shuzheng.ingest import demo as ingest_demo
from shuzheng.ingest import service as ingest_service
from shuzheng.kit import clock
from shuzheng.security.models import Account
from shuzheng.sharing import demo, service
from shuzheng.sharing.models import SharingDemand
from tests.demo_city import small_city


def _city(session) -> DemoCity:  # type: ignore[no-untyped-def]
    return small_city(
        session,
        [("shuju.gongan", "gaj"), ("shuju.minzheng", "mzj"), ("shuju.renshe", "rsj")],
        more_departments=("rsj", "mzj", "dsjzx"),
    )


def test_demo_agreements_calls_and_a_traced_citizen_once(session) -> None:  # type: ignore[no-untyped-def]
    found = {"sharing": demo, "catalog": catalog_demo, "ingest": ModuleType("ingest")}
    order = [name for name, _ in in_demo_order(found)]
    assert order.index("sharing") > order.index("ingest") > order.index("catalog")
    city = _city(session)
    with clock.frozen(dt.datetime(2026, 11, 20, 10, tzinfo=clock.CHINA_TZ)):
        catalog_demo.load(session, city)
        ingest_demo.load(session, city, scale=0.01)
        added = demo.load(session, city)
        assert demo.load(session, city) == 0
    assert added and added > 5
    statuses = sorted(d.status for d in session.scalars(select(SharingDemand)))
    assert statuses == sorted([service.APPROVED, service.PENDING, service.UNMATCHED])
    first = ingest_service.read_rows(session, catalog_demo.CODES["population"], limit=1)[0]
    trace = service.operator_trace(session, city.actor(session, "admin"), id_number=first["id_number"])
    assert trace and {v.consumer for v in trace} == {"示范市mzj"}
    assert (
        session.scalars(select(Account).where(Account.kind == "citizen")).first() is None
    )  # adds no accounts
