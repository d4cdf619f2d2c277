"""The numbers: per-department 响应率 / 解决率 / 满意率 and their ranking, the daily report (日清日结),
the leader overview, and the frame hotspot detection reads. Definitions are in docs/hotline.md; the
functions here are those definitions, written once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from shuzheng.hotline import taxonomy
from shuzheng.hotline.models import (
    CHANNEL_LABELS,
    Assignment,
    Callback,
    Channel,
    Event,
    HotlineRequest,
    Hotspot,
    Satisfaction,
    Status,
)
from shuzheng.kit import clock
from shuzheng.kit.clock import CHINA_TZ
from shuzheng.org import service as org
from shuzheng.org.models import RegionLevel
from shuzheng.security.roles import Actor, Perm, require

if TYPE_CHECKING:
    import polars as pl

# The weights of the composite score used for the ranking (综合得分); see docs/hotline.md.
WEIGHTS = {"response": 0.10, "solve": 0.45, "satisfaction": 0.45}


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), CHINA_TZ).astimezone(dt.UTC)


def china_day(t: dt.datetime) -> dt.date:
    return t.astimezone(CHINA_TZ).date()


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


# ---------------------------------------------------------------- the three rates


@dataclass
class DepartmentRates:
    department_id: int
    department_name: str
    assignments: int = 0  # 应签收的派单
    responded: int = 0  # 按时签收
    callbacks: int = 0  # 回访
    solved: int = 0  # 回访为已解决
    satisfied: int = 0  # 满意 + 基本满意
    rank: int | None = None

    @property
    def response_rate(self) -> float | None:
        return _rate(self.responded, self.assignments)

    @property
    def solve_rate(self) -> float | None:
        return _rate(self.solved, self.callbacks)

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.satisfied, self.callbacks)

    @property
    def score(self) -> float | None:
        """Weighted mean of the rates that exist (weights renormalised over them), ×100."""
        parts = [
            (WEIGHTS["response"], self.response_rate),
            (WEIGHTS["solve"], self.solve_rate),
            (WEIGHTS["satisfaction"], self.satisfaction_rate),
        ]
        known = [(w, r) for w, r in parts if r is not None]
        if not known:
            return None
        return 100 * sum(w * r for w, r in known) / sum(w for w, _ in known)


def department_rates(session: Session, start: dt.date, end: dt.date) -> list[DepartmentRates]:
    """Rates of every department with work in [start, end] (Beijing dates, both included), best first."""
    lo, hi = day_start(start), day_start(end + dt.timedelta(days=1))
    t = clock.now()
    in_period = and_(Assignment.dispatched_at >= lo, Assignment.dispatched_at < hi)
    not_yet_due = and_(Assignment.accepted_at.is_(None), Assignment.response_due_at > t)
    counted = and_(or_(Assignment.outcome.is_(None), Assignment.outcome != "disputed_away"), ~not_yet_due)
    on_time = and_(
        counted, Assignment.accepted_at.is_not(None), Assignment.accepted_at <= Assignment.response_due_at
    )
    rows: dict[int, DepartmentRates] = {}
    names = {d.id: d.name for d in org.list_departments(session)}

    def entry(dept_id: int) -> DepartmentRates:
        if dept_id not in rows:
            rows[dept_id] = DepartmentRates(dept_id, names.get(dept_id, str(dept_id)))
        return rows[dept_id]

    for dept_id, total, responded in session.execute(
        select(
            Assignment.department_id,
            func.sum(case((counted, 1), else_=0)),
            func.sum(case((on_time, 1), else_=0)),
        )
        .where(in_period)
        .group_by(Assignment.department_id)
    ):
        e = entry(dept_id)
        e.assignments, e.responded = int(total or 0), int(responded or 0)

    good = (Satisfaction.SATISFIED.value, Satisfaction.BASIC.value)
    for dept_id, total, solved, satisfied in session.execute(
        select(
            Callback.department_id,
            func.count(),
            func.sum(case((Callback.solved.is_(True), 1), else_=0)),
            func.sum(case((Callback.satisfaction.in_(good), 1), else_=0)),
        )
        .where(Callback.at >= lo, Callback.at < hi, Callback.department_id.is_not(None))
        .group_by(Callback.department_id)
    ):
        e = entry(dept_id)
        e.callbacks, e.solved, e.satisfied = int(total), int(solved or 0), int(satisfied or 0)

    ranked = sorted(rows.values(), key=lambda r: (r.score is None, -(r.score or 0), r.department_name))
    for i, r in enumerate(ranked, start=1):
        r.rank = i if r.score is not None else None
    return ranked


# ---------------------------------------------------------------- 日清日结


@dataclass
class DailyReport:
    day: dt.date
    received: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    cleared_same_day: int = 0  # left the dispatcher's queue the same day (派单, 即问即答, 合并)
    answered_by_faq: int = 0
    dispatched: int = 0
    resolved: int = 0
    callbacks: int = 0
    reopened: int = 0
    pending_now: int = 0
    overdue_now: int = 0
    awaiting_callback: int = 0

    @property
    def clearance_rate(self) -> float | None:
        """日清率: requests received that day that left the queue the same day."""
        return _rate(self.cleared_same_day, self.received)


def daily_report(session: Session, day: dt.date) -> DailyReport:
    lo, hi = day_start(day), day_start(day + dt.timedelta(days=1))
    report = DailyReport(day)
    for channel, n in session.execute(
        select(HotlineRequest.channel, func.count())
        .where(HotlineRequest.created_at >= lo, HotlineRequest.created_at < hi)
        .group_by(HotlineRequest.channel)
    ):
        report.by_channel[CHANNEL_LABELS.get(Channel(channel), channel)] = int(n)
    report.received = sum(report.by_channel.values())

    first_action = (
        select(Event.request_id, func.min(Event.at).label("at"))
        .where(Event.action.in_(("dispatch", "faq_answer", "merge")))
        .group_by(Event.request_id)
        .subquery()
    )
    report.cleared_same_day = int(
        session.scalar(
            select(func.count())
            .select_from(HotlineRequest)
            .join(first_action, first_action.c.request_id == HotlineRequest.id)
            .where(HotlineRequest.created_at >= lo, HotlineRequest.created_at < hi, first_action.c.at < hi)
        )
        or 0
    )
    counts = dict(
        session.execute(
            select(Event.action, func.count())
            .where(
                Event.at >= lo,
                Event.at < hi,
                Event.action.in_(("faq_answer", "dispatch", "resolve", "callback", "reopen")),
            )
            .group_by(Event.action)
        ).all()
    )
    report.answered_by_faq = int(counts.get("faq_answer", 0))
    report.dispatched = int(counts.get("dispatch", 0))
    report.resolved = int(counts.get("resolve", 0))
    report.callbacks = int(counts.get("callback", 0))
    report.reopened = int(counts.get("reopen", 0))

    def count(*where: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(HotlineRequest).where(*where)) or 0)

    report.pending_now = count(HotlineRequest.status == Status.PENDING)
    report.awaiting_callback = count(HotlineRequest.status == Status.RESOLVED)
    report.overdue_now = count(
        HotlineRequest.status.in_([Status.DISPATCHED.value, Status.HANDLING.value, Status.DISPUTED.value]),
        HotlineRequest.due_at < hi,
    )
    return report


# ---------------------------------------------------------------- the frame for hotspot detection


def requests_frame(session: Session, since: dt.datetime, district_code: str | None = None) -> pl.DataFrame:
    """(request_id, created_at, topic_code, district_code) of every request since `since`, created_at
    as timezone-aware UTC. Requests that could not be placed have a null district_code."""
    import polars as pl

    query = select(
        HotlineRequest.id, HotlineRequest.created_at, HotlineRequest.topic_code, HotlineRequest.district_code
    ).where(HotlineRequest.created_at >= since)
    if district_code:
        query = query.where(HotlineRequest.district_code == district_code)
    rows = session.execute(query.execution_options(yield_per=50_000)).all()
    ids, created, topics, districts = (list(c) for c in zip(*rows, strict=True)) if rows else ([], [], [], [])
    return pl.DataFrame(
        {
            "request_id": pl.Series(ids, dtype=pl.Int64),
            "created_at": pl.Series(created, dtype=pl.Datetime("us", "UTC")),
            "topic_code": pl.Series(topics, dtype=pl.Utf8),
            "district_code": pl.Series(districts, dtype=pl.Utf8),
        }
    )


# ---------------------------------------------------------------- the leader's overview


@dataclass
class Overview:
    start: dt.date
    end: dt.date
    district_code: str | None
    days: list[str]
    volume: list[int]
    by_topic: list[tuple[str, int]]
    by_district: list[tuple[str, int]]
    rates: list[DepartmentRates]
    hotspots: list[Hotspot]
    total: int
    open_now: int


def leader_district(session: Session, actor: Actor) -> str | None:
    """A district leader sees their district; a city leader (or the operator) the whole city."""
    if actor.department_id is None:
        return None
    dept = org.get_department(session, actor.department_id)
    region = org.get_region(session, dept.region_code)
    return region.code if region.level == RegionLevel.COUNTY else None


def overview(session: Session, actor: Actor, *, days: int = 30) -> Overview:
    require(actor, Perm.DASHBOARD_VIEW)
    import polars as pl

    end = clock.today_in_china()
    start = end - dt.timedelta(days=days - 1)
    district = leader_district(session, actor)
    frame = requests_frame(session, day_start(start), district).with_columns(
        pl.col("created_at").dt.convert_time_zone("Asia/Shanghai").dt.date().alias("day")
    )
    per_day = dict(frame.group_by("day").len().iter_rows())
    day_list = [start + dt.timedelta(days=i) for i in range(days)]
    topics = frame.group_by("topic_code").len().sort("len", descending=True).iter_rows()
    names = _district_names(session)
    districts = frame.group_by("district_code").len().sort("len", descending=True).iter_rows()
    hotspot_query = select(Hotspot).where(Hotspot.day >= end - dt.timedelta(days=13))
    if district:
        hotspot_query = hotspot_query.where(Hotspot.district_code == district)
    open_query = (
        select(func.count())
        .select_from(HotlineRequest)
        .where(HotlineRequest.status.notin_([Status.CLOSED.value, Status.RESOLVED.value]))
    )
    if district:
        open_query = open_query.where(HotlineRequest.district_code == district)
    rates = department_rates(session, start, end)
    if district:
        rates = [r for r in rates if r.department_id in actor.scope]
    return Overview(
        start=start,
        end=end,
        district_code=district,
        days=[f"{d:%m-%d}" for d in day_list],
        volume=[int(per_day.get(d, 0)) for d in day_list],
        by_topic=[(taxonomy.topic_label(t), int(n)) for t, n in topics],
        by_district=[(names.get(d, "未定位") if d else "未定位", int(n)) for d, n in districts],
        rates=rates,
        hotspots=list(session.scalars(hotspot_query.order_by(Hotspot.day.desc(), Hotspot.score.desc()))),
        total=frame.height,
        open_now=int(session.scalar(open_query) or 0),
    )


def _district_names(session: Session) -> dict[str, str]:
    from shuzheng.hotline import address

    return {code: name for name, code in address.city_map(session).districts.items()}


def district_name(session: Session, code: str | None) -> str:
    if not code:
        return "未定位"
    return _district_names(session).get(code) or code
