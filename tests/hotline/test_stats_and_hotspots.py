"""The three rates and their ranking, the daily report, the requests frame, and hotspots stored and
pushed by the daily job."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from sqlalchemy import select

from shuzheng.hotline import jobs, service, stats
from shuzheng.hotline.models import HotspotRequest
from shuzheng.kit import clock
from tests.hotline.factories import DONGCHENG, City, dispatched, submit

CST = clock.CHINA_TZ


def _close(city: City, unit_key: str, req_id: int, *, solved: bool, rating: str) -> None:
    unit = city.actor(unit_key)
    service.resolve(city.session, unit, req_id, "已处理完毕并答复群众")
    service.callback(city.session, city.actor("agent"), req_id, solved=solved, satisfaction=rating)


def test_rates_follow_their_definitions_and_rank_departments(city: City) -> None:
    s = city.session
    on_time = dispatched(city, contact_phone="13800000001")
    late = dispatched(
        city, contact_phone="13800000002", content="文昌路停水", address="东城区文昌街道和平路9号"
    )
    never = dispatched(
        city, contact_phone="13800000003", content="自来水发黄有异味", address="东城区文昌街道光明路3号"
    )
    zjj = city.actor("zjj")
    clock.advance(dt.timedelta(hours=1))
    service.accept(s, zjj, on_time.id)
    clock.advance(dt.timedelta(hours=30))
    service.accept(s, zjj, late.id)
    _close(city, "zjj", on_time.id, solved=True, rating="satisfied")
    _close(city, "zjj", late.id, solved=False, rating="basic")

    noisy = submit(
        city, topic_code="urban", content="东华街道人民路12号门口占道经营", contact_phone="13800000004"
    ).request
    service.accept(s, city.actor("cgj"), noisy.id)
    _close(city, "cgj", noisy.id, solved=True, rating="satisfied")

    rates = {
        r.department_name: r for r in stats.department_rates(s, dt.date(2026, 3, 10), dt.date(2026, 3, 12))
    }
    water = rates[city.dept("zjj").name]
    # 3 counted assignments (the reopened one's new assignment is not yet due to respond): 1 on time.
    assert (water.assignments, water.responded) == (3, 1)
    assert water.response_rate == pytest.approx(1 / 3)
    assert (water.callbacks, water.solved, water.satisfied) == (2, 1, 2)
    assert water.solve_rate == 0.5 and water.satisfaction_rate == 1.0
    assert water.score == pytest.approx(100 * (0.1 / 3 + 0.45 * 0.5 + 0.45))
    urban = rates[city.dept("cgj").name]
    assert urban.rank == 1 and water.rank == 2 and urban.score == pytest.approx(100)
    assert never.status == "dispatched"


def test_the_daily_report_counts_the_day(city: City) -> None:
    dispatched(city)
    submit(city, address="北京市朝阳区建国路88号", contact_phone="13700000001")
    report = stats.daily_report(city.session, dt.date(2026, 3, 10))
    assert report.received == 2 and report.by_channel == {"电话": 2}
    assert report.cleared_same_day == 1 and report.clearance_rate == 0.5
    assert report.dispatched == 1 and report.pending_now == 1


def test_the_requests_frame_has_the_agreed_columns(city: City) -> None:
    req = dispatched(city)
    frame = stats.requests_frame(city.session, clock.now() - dt.timedelta(days=1))
    assert frame.columns == ["request_id", "created_at", "topic_code", "district_code"]
    assert frame.schema["created_at"] == pl.Datetime("us", "UTC")
    assert frame.row(0) == (req.id, req.created_at, "water", DONGCHENG)


def test_a_spike_becomes_a_hotspot_with_its_requests_pushed_to_the_unit_and_leaders(city: City) -> None:
    day = dt.date(2026, 3, 10)
    with clock.frozen(dt.datetime(2026, 3, 2, 10, tzinfo=CST)):
        submit(city, contact_phone="13600000000", content="水压有点低")
    ids = []
    for i in range(8):
        clock.advance(dt.timedelta(minutes=5))
        ids.append(submit(city, contact_phone=f"1360000{i:04d}", content=f"{i}号楼整栋停水了").request.id)
    submit(city, topic_code="urban", content="路灯不亮", contact_phone="13500000000")

    with clock.frozen(dt.datetime(2026, 3, 11, 0, 10, tzinfo=CST)):
        run = jobs.daily(city.session)
    assert run.day == day
    [hotspot] = run.hotspots
    assert (hotspot.topic_code, hotspot.district_code, hotspot.count) == ("water", DONGCHENG, 8)
    assert "东城区供水类诉求激增" in hotspot.summary
    assert hotspot.department_id == city.dept("zjj").id
    linked = set(
        city.session.scalars(select(HotspotRequest.request_id).where(HotspotRequest.hotspot_id == hotspot.id))
    )
    assert linked == set(ids)
    for key in ("zjj", "leader", "dispatcher"):
        assert any(n.kind == "hotspot" for n in service.notifications_for(city.session, city.actor(key))), key
    assert not any(n.kind == "hotspot" for n in service.notifications_for(city.session, city.actor("cgj")))

    with clock.frozen(dt.datetime(2026, 3, 11, 0, 20, tzinfo=CST)):
        again = jobs.daily(city.session, day)
    assert [h.id for h in again.hotspots] == [hotspot.id]
    hotspot_notes = [
        n
        for n in service.notifications_for(city.session, city.actor("leader"), limit=50)
        if n.kind == "hotspot"
    ]
    assert len(hotspot_notes) == 1


def test_the_leader_overview_has_volume_topics_districts_and_rates(city: City) -> None:
    dispatched(city)
    submit(city, topic_code="urban", content="路灯不亮", contact_phone="13500000000")
    view = stats.overview(city.session, city.actor("leader"), days=7)
    assert len(view.days) == 7 and view.volume[-1] == 2 and view.total == 2
    assert dict(view.by_topic) == {"供水": 1, "城管": 1}
    assert dict(view.by_district) == {"东城区": 2}
