"""Background work of the hotline.

- `tick` (every few minutes; `shuzheng hotline tick`): warnings before the due time, and escalation
  after it — an overdue request is supervised (督办) automatically, again every further 24 hours,
  and from the second time the unit's superior is told as well.
- `daily` (once a day after midnight; `shuzheng hotline daily`): hotspot detection (民意热点) for the
  day before, pushed to the responsible departments and to leaders, and the daily report (日清日结)
  for dispatchers and leaders.

    */5 * * * *  cd /srv/shuzheng && .venv/bin/shuzheng hotline tick
    10 0 * * *   cd /srv/shuzheng && .venv/bin/shuzheng hotline daily

- `startup` (when the web application starts, through registry.py): the classifier learns the
  dispatchers' corrections kept in the database, in a background thread.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shuzheng.hotline import deadlines, routing, service, stats, taxonomy
from shuzheng.hotline.models import (
    CLOCK_RUNNING,
    Event,
    HotlineRequest,
    Hotspot,
    HotspotRequest,
    Kind,
)
from shuzheng.kit import clock
from shuzheng.ledger import service as ledger
from shuzheng.org import service as org
from shuzheng.org.models import DepartmentKind
from shuzheng.security.roles import Role

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger("shuzheng.hotline")

AUTO_SUPERVISE = "超期自动督办"
REESCALATE_AFTER = dt.timedelta(hours=24)
BASELINE_DAYS = 28


def startup(app: FastAPI) -> threading.Thread:
    """At application start: train the classifier with the dispatchers' corrections from the database
    in a background thread, so that a restart does not forget them (until now they counted only after
    `shuzheng hotline retrain`, and only in that command's own process) and the first request does
    not wait for the training. Start-up is not held up; a database that cannot be read leaves the
    shipped model (logged)."""
    from shuzheng.hotline import classify

    db = app.state.db

    def corrections() -> list[tuple[str, str, str]]:
        with db.unit_of_work() as session:
            return service.corrections(session)

    return classify.warm_up(corrections)


@dataclass
class TickReport:
    warned: list[int] = field(default_factory=list)
    overdue: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)


def tick(session: Session) -> TickReport:
    t = clock.now()
    report = TickReport()
    running = [s.value for s in CLOCK_RUNNING]
    for kind in Kind:
        window = deadlines.warn_window(session, kind)
        for req in session.scalars(
            select(HotlineRequest).where(
                HotlineRequest.kind == kind.value,
                HotlineRequest.status.in_(running),
                HotlineRequest.warned_at.is_(None),
                HotlineRequest.due_at > t,
                HotlineRequest.due_at <= t + window,
            )
        ):
            _warn(session, req, t)
            report.warned.append(req.id)

    for req in session.scalars(
        select(HotlineRequest).where(HotlineRequest.status.in_(running), HotlineRequest.due_at <= t)
    ):
        if req.overdue_at is None:
            req.overdue_at = t
            service._record(
                session,
                req,
                "overdue",
                None,
                public=False,
                actor_label="时限监控",
                note="已超过办理时限",
                due_at=req.due_at.isoformat() if req.due_at else None,
            )
            service.supervise(session, None, req.id, "工单已超期，请立即办理并说明原因")
            report.overdue.append(req.id)
        elif _auto_supervisions(session, req) * REESCALATE_AFTER <= t - req.overdue_at:
            service.supervise(session, None, req.id, "工单仍未办结，再次督办")
            report.escalated.append(req.id)
    session.flush()
    return report


def _warn(session: Session, req: HotlineRequest, t: dt.datetime) -> None:
    req.warned_at = t
    assert req.due_at is not None
    hours = max(1, math.ceil((req.due_at - t).total_seconds() / 3600))
    note = f"距办理时限不足{hours}小时"
    service._record(session, req, "warn", None, public=False, actor_label="时限监控", note=note)
    service._tell_staff(session, req, "warning", f"即将超期（{note}）", department_id=req.department_id)


def _auto_supervisions(session: Session, req: HotlineRequest) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Event)
            .where(
                Event.request_id == req.id,
                Event.action == "supervise",
                Event.actor_label == AUTO_SUPERVISE,
                Event.at >= req.overdue_at,
            )
        )
        or 0
    )


# ---------------------------------------------------------------- hotspots


@dataclass(frozen=True)
class Spike:
    topic_code: str
    district_code: str
    count: int
    baseline: float
    score: float
    request_ids: tuple[int, ...] = ()


def detect(frame: Any, day: dt.date) -> list[Spike]:
    """The day's spikes, by `hotline.hotspots.detect`."""
    from shuzheng.hotline import hotspots

    return [_as_spike(h) for h in hotspots.detect(frame, day=day)]


def _as_spike(h: Any) -> Spike:
    return Spike(
        topic_code=str(h.topic_code),
        district_code=str(h.district_code),
        count=int(h.count),
        baseline=float(h.baseline),
        score=float(h.score),
        request_ids=tuple(int(i) for i in h.request_ids),
    )


def detect_hotspots(session: Session, day: dt.date) -> list[Hotspot]:
    """Detect the day's spikes, store them with their requests and push them to the responsible
    department and to leaders. Running it again for the same day updates, never duplicates."""
    frame = stats.requests_frame(session, stats.day_start(day - dt.timedelta(days=BASELINE_DAYS + 7)))
    frame = frame.filter(frame["created_at"] < stats.day_start(day + dt.timedelta(days=1)))
    stored = []
    for spike in detect(frame, day):
        stored.append(_store(session, day, spike))
    session.flush()
    return stored


def _store(session: Session, day: dt.date, spike: Spike) -> Hotspot:
    district = stats.district_name(session, spike.district_code)
    topic = taxonomy.topic_label(spike.topic_code)
    summary = f"{district}{topic}类诉求激增：{day:%m月%d日} {spike.count} 件，按近{BASELINE_DAYS}日同星期水平预期 {spike.baseline:.1f} 件"
    route = routing.route(session, spike.topic_code, spike.district_code)
    existing = session.scalar(
        select(Hotspot).where(
            Hotspot.day == day,
            Hotspot.topic_code == spike.topic_code,
            Hotspot.district_code == spike.district_code,
        )
    )
    fresh = existing is None
    hotspot = existing or Hotspot(day=day, topic_code=spike.topic_code, district_code=spike.district_code)
    hotspot.count, hotspot.baseline, hotspot.score = spike.count, spike.baseline, spike.score
    hotspot.summary = summary[:300]
    hotspot.department_id = route.department_id if route else None
    hotspot.created_at = clock.now()
    if fresh:
        session.add(hotspot)
    session.flush()
    ids = set(spike.request_ids) or _requests_of(session, day, spike)
    known = set(
        session.scalars(select(HotspotRequest.request_id).where(HotspotRequest.hotspot_id == hotspot.id))
    )
    session.add_all(HotspotRequest(hotspot_id=hotspot.id, request_id=i) for i in sorted(ids - known))
    if fresh:
        _push(session, hotspot)
        ledger.append(
            session,
            action="hotline.hotspot",
            subject=f"hotspot:{hotspot.id}",
            payload={
                "day": day.isoformat(),
                "topic_code": spike.topic_code,
                "district_code": spike.district_code,
                "count": spike.count,
                "baseline": round(spike.baseline, 3),
            },
        )
    return hotspot


def _requests_of(session: Session, day: dt.date, spike: Spike) -> set[int]:
    return set(
        session.scalars(
            select(HotlineRequest.id).where(
                HotlineRequest.topic_code == spike.topic_code,
                HotlineRequest.district_code == spike.district_code,
                HotlineRequest.created_at >= stats.day_start(day),
                HotlineRequest.created_at < stats.day_start(day + dt.timedelta(days=1)),
            )
        )
    )


def _push(session: Session, hotspot: Hotspot) -> None:
    link = f"/hotline/hotspots/{hotspot.id}"
    title = f"民意热点：{hotspot.summary}"
    if hotspot.department_id is not None:
        service.notify(session, kind="hotspot", title=title, link=link, department_id=hotspot.department_id)
    service.notify(session, kind="hotspot", title=title, link=link, role=Role.LEADER)
    service.notify(session, kind="hotspot", title=title, link=link, role=Role.DISPATCHER)
    for dept in org.list_departments(session):
        # The district government, which answers for its territory, hears of its hotspots too.
        if dept.kind == DepartmentKind.DISTRICT_GOVERNMENT and dept.region_code == hotspot.district_code:
            service.notify(session, kind="hotspot", title=title, link=link, department_id=dept.id)


# ---------------------------------------------------------------- the daily job


@dataclass
class DailyRun:
    day: dt.date
    hotspots: list[Hotspot]
    report: stats.DailyReport


def daily(session: Session, day: dt.date | None = None) -> DailyRun:
    """Hotspots and the daily report for `day` (default: yesterday, Beijing time)."""
    day = day or clock.today_in_china() - dt.timedelta(days=1)
    hotspots = detect_hotspots(session, day)
    report = stats.daily_report(session, day)
    rate = report.clearance_rate
    body = (
        (
            f"受理 {report.received} 件，当日清 {report.cleared_same_day} 件（日清率 {rate:.0%}）"
            if rate is not None
            else f"受理 {report.received} 件"
        )
        + f"；办结 {report.resolved} 件，回访 {report.callbacks} 件；待派单 {report.pending_now} 件，超期 {report.overdue_now} 件"
    )
    for role in (Role.DISPATCHER, Role.LEADER):
        service.notify(
            session,
            kind="daily",
            title=f"12345 日清日结：{day:%Y-%m-%d}",
            body=body,
            link=f"/hotline/report?day={day.isoformat()}",
            role=role,
        )
    session.flush()
    return DailyRun(day, hotspots, report)
