"""Deadlines by kind on the working-day calendar, the paused clock, warnings before expiry, automatic
supervision after it, and the settings an operator tunes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from shuzheng.errors import ValidationFailed
from shuzheng.hotline import deadlines, jobs, service
from shuzheng.hotline.models import Notification
from shuzheng.kit import clock
from tests.hotline.factories import City, dispatched

CST = clock.CHINA_TZ


def test_normal_and_complex_deadlines_count_working_days_across_holidays(city: City) -> None:
    s = city.session
    # 2026-09-29 (Tue): 30 Sep, then 国庆/中秋 off until 7 Oct, 8, 9, 10 (Saturday worked), 12 Oct.
    start = dt.datetime(2026, 9, 29, 10, 0, tzinfo=CST)
    assert deadlines.due_for(s, "normal", start).at == dt.datetime(2026, 10, 13, tzinfo=CST)
    assert deadlines.due_for(s, "complex", dt.datetime(2026, 9, 21, 10, tzinfo=CST)).at == dt.datetime(
        2026, 10, 20, tzinfo=CST
    )
    assert deadlines.due_for(s, "urgent", start).at == start + dt.timedelta(hours=24)


def test_a_deadline_in_a_year_without_an_official_calendar_is_provisional(city: City) -> None:
    due = deadlines.due_for(city.session, "normal", dt.datetime(2027, 12, 28, 10, tzinfo=CST))
    assert due.provisional and "2028" in (due.note or "")


def test_settings_are_validated_and_change_deadlines(city: City) -> None:
    s = city.session
    with pytest.raises(ValidationFailed, match="1 到 60"):
        deadlines.put_setting(s, "normal_working_days", 0, None)
    with pytest.raises(ValidationFailed):
        deadlines.put_setting(s, "no_such_setting", 3, None)
    deadlines.put_setting(s, "normal_working_days", 3, None)
    req = dispatched(city)
    assert req.due_at == dt.datetime(2026, 3, 14, tzinfo=CST)  # Tue 10 → Fri 13, end of day
    assert deadlines.all_settings(s)["normal_working_days"] == 3


def _titles(city: City, key: str) -> list[str]:
    return [n.title for n in service.notifications_for(city.session, city.actor(key))]


def test_the_unit_is_warned_once_before_the_due_time(city: City) -> None:
    req = dispatched(city)  # due 2026-03-18 00:00
    with clock.frozen(dt.datetime(2026, 3, 16, 23, 0, tzinfo=CST)):
        assert jobs.tick(city.session).warned == []
    with clock.frozen(dt.datetime(2026, 3, 17, 1, 0, tzinfo=CST)):
        assert jobs.tick(city.session).warned == [req.id]
        assert jobs.tick(city.session).warned == []
    assert any("即将超期" in t for t in _titles(city, "zjj"))


def test_urgent_requests_are_warned_at_a_quarter_of_their_limit(city: City) -> None:
    req = dispatched(city, kind="urgent")  # due 24 h after dispatch
    clock.advance(dt.timedelta(hours=17))
    assert jobs.tick(city.session).warned == []
    clock.advance(dt.timedelta(hours=2))
    assert jobs.tick(city.session).warned == [req.id]


def test_overdue_requests_are_supervised_and_escalated_to_the_superior(city: City) -> None:
    req = dispatched(city)
    with clock.frozen(dt.datetime(2026, 3, 18, 0, 5, tzinfo=CST)):
        report = jobs.tick(city.session)
        assert report.overdue == [req.id] and req.supervise_count == 1
        assert jobs.tick(city.session).overdue == []
    with clock.frozen(dt.datetime(2026, 3, 19, 0, 10, tzinfo=CST)):
        assert jobs.tick(city.session).escalated == [req.id]
        assert req.supervise_count == 2
    parent = city.dept("zjj").parent_id
    to_parent = city.session.scalars(select(Notification.title).where(Notification.department_id == parent))
    assert any("多次督办" in t for t in to_parent)


def test_a_paused_request_does_not_run_overdue(city: City) -> None:
    req = dispatched(city)
    unit = city.actor("zjj")
    service.accept(city.session, unit, req.id)
    service.wait_for_citizen(city.session, unit, req.id, "请提供停水的具体楼栋")
    with clock.frozen(dt.datetime(2026, 3, 20, tzinfo=CST)):
        assert jobs.tick(city.session).overdue == []
