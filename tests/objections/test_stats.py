"""Per-department statistics on a small set computed by hand (2026 calendar: 国庆节 10月1日–7日 off,
Saturday 10月10日 worked)."""

from __future__ import annotations

import datetime as dt

from shuzheng.kit import clock
from shuzheng.objections import service
from tests.objections import factories as of


def at(m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(2026, m, d, h, tzinfo=clock.CHINA_TZ)


def test_counts_overdue_and_median_working_days_to_fix(session, corrections) -> None:
    w = of.world(session)

    def filed(when: dt.datetime):  # type: ignore[no-untyped-def]
        with clock.frozen(when):
            return of.objection(session, w)

    def answer(when: dt.datetime, o, how: str) -> None:  # type: ignore[no-untyped-def]
        with clock.frozen(when):
            if how == "confirm":
                service.confirm(session, w.officer, o.id)
            else:
                service.reject(session, w.officer, o.id, "核实无误")

    # The provider: three fixed in 2, 5 and 0 working days (median 2), one rejected late.
    o1, o2, o4 = filed(at(9, 30)), filed(at(9, 30)), filed(at(9, 30))  # all due 10-13
    o3 = filed(at(10, 8, 9))
    answer(at(10, 9), o1, "confirm")  # 10-08, 10-09 → 2
    answer(at(10, 13, 17), o2, "confirm")  # 8, 9, 10, 12, 13 → 5
    answer(at(10, 8, 16), o3, "confirm")  # same day → 0
    answer(at(10, 15), o4, "reject")  # after the due day: overdue, though never ticked
    before = filed(at(8, 31))  # outside the period
    answer(at(9, 1), before, "reject")
    # The other department (by reassignment): one open past its due day, one open in time.
    o5 = filed(at(10, 8))  # due 10-14
    o6 = filed(at(10, 19))  # due 10-26
    with clock.frozen(at(10, 19, 12)):
        for o in (o5, o6):
            service.reassign(session, w.operator, o.id, w.other_dept.id)
    assert o5.due_date == dt.date(2026, 10, 26)  # reassigning restarts the clock …
    o5.due_date = dt.date(2026, 10, 14)  # … so put o5's deadline back to test an open, overdue one

    with clock.frozen(at(10, 20)):
        result = service.stats(session, w.operator, dt.date(2026, 9, 1), dt.date(2026, 10, 31))
    assert result.total == 6
    rows = {d.department_id: d.to_dict() for d in result.departments}
    assert rows[w.dept.id] == {
        "rank": 2,
        "department_id": w.dept.id,
        "department_name": w.dept.name,
        "count": 4,
        "open": 0,
        "overdue": 1,
        "confirmed": 3,
        "rejected": 1,
        "median_days_to_fix": 2.0,
    }
    assert rows[w.other_dept.id] == {
        "rank": 1,  # as many overdue, more still open
        "department_id": w.other_dept.id,
        "department_name": w.other_dept.name,
        "count": 2,
        "open": 2,
        "overdue": 1,
        "confirmed": 0,
        "rejected": 0,
        "median_days_to_fix": None,
    }


def test_stats_are_for_the_operator_and_need_a_sane_period(session) -> None:
    import pytest

    from shuzheng.errors import PermissionDenied, ValidationFailed

    w = of.world(session)
    with pytest.raises(PermissionDenied):
        service.stats(session, w.officer)
    with pytest.raises(ValidationFailed, match="起始日期"):
        service.stats(session, w.operator, dt.date(2026, 10, 2), dt.date(2026, 10, 1))
