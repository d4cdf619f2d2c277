"""Deadlines (办理时限) and the operator-tunable numbers of the hotline.

Urgent requests are counted in hours; normal and complex ones in working days (工作日, the official
holiday calendar in kit/calendar.py), due at the end of the n-th working day after dispatch in Beijing
time. While a request waits for the citizen the clock is paused: on resumption the due time moves later
by the length of the pause. See docs/hotline.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from shuzheng.errors import field_error
from shuzheng.hotline.models import Kind, Setting
from shuzheng.kit import calendar, clock
from shuzheng.kit.clock import CHINA_TZ

# key → (default, label, minimum, maximum)
SETTINGS: dict[str, tuple[int, str, int, int]] = {
    "urgent_hours": (24, "紧急诉求办理时限（小时）", 1, 240),
    "normal_working_days": (5, "一般诉求办理时限（工作日）", 1, 60),
    "complex_working_days": (15, "复杂诉求办理时限（工作日）", 1, 120),
    "urgent_response_hours": (2, "紧急诉求签收时限（小时）", 1, 48),
    "response_hours": (24, "一般、复杂诉求签收时限（小时）", 1, 240),
    "warn_hours": (24, "到期前预警（小时；紧急诉求按时限的四分之一）", 1, 240),
    "dispute_hours": (24, "派单后可申请退单的时间（小时）", 1, 240),
    "duplicate_days": (7, "重复诉求识别的天数", 1, 90),
    "duplicate_radius_m": (300, "同一地点同类诉求的半径（米）", 10, 5000),
    "duplicate_similarity": (50, "同一来电人内容相似度阈值（%）", 10, 100),
    "auto_dispatch_confidence": (60, "自动派单的分类置信度下限（%；101 为关闭自动派单）", 0, 101),
    "faq_auto_answer": (1, "网站、移动端、Open311 的咨询由知识库直接答复（1 开，0 关）", 0, 1),
}


_CACHE_KEY = "shuzheng.hotline.settings"


def get_setting(session: Session, key: str) -> int:
    if key not in SETTINGS:
        raise field_error("key", f"未知的设置项：{key}")
    return all_settings(session)[key]


def all_settings(session: Session) -> dict[str, int]:
    """Every setting, read once per transaction (intake reads several)."""
    cached = session.info.get(_CACHE_KEY)
    if cached is None:
        stored = {s.key: s.value for s in session.scalars(select(Setting))}
        cached = session.info[_CACHE_KEY] = {key: stored.get(key, spec[0]) for key, spec in SETTINGS.items()}
    return dict(cached)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None or transaction.nested:
        session.info.pop(_CACHE_KEY, None)


def put_setting(session: Session, key: str, value: int, actor_id: int | None) -> Setting:
    if key not in SETTINGS:
        raise field_error("key", f"未知的设置项：{key}")
    _, label, lo, hi = SETTINGS[key]
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise field_error(key, f"{label}应为 {lo} 到 {hi} 之间的整数")
    row = session.get(Setting, key)
    if row is None:
        row = Setting(key=key, value=value, updated_by_id=actor_id)
        session.add(row)
    else:
        row.value, row.updated_at, row.updated_by_id = value, clock.now(), actor_id
    session.flush()
    session.info.pop(_CACHE_KEY, None)
    return row


@dataclass(frozen=True)
class Due:
    at: dt.datetime
    provisional: bool  # depends on a year whose holiday schedule is not official yet
    note: str | None = None


def end_of_china_day(day: dt.date) -> dt.datetime:
    """24:00 Beijing time of `day`, in UTC."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), CHINA_TZ).astimezone(dt.UTC)


def add_working_days_end(session: Session, start: dt.datetime, days: int) -> Due:
    result = calendar.add_working_days(session, start.astimezone(CHINA_TZ).date(), days)
    return Due(end_of_china_day(result.value), result.provisional, result.note)


def due_for(session: Session, kind: str, start: dt.datetime) -> Due:
    """When a request of `kind` dispatched at `start` must be 办结."""
    if kind == Kind.URGENT:
        return Due(start + dt.timedelta(hours=get_setting(session, "urgent_hours")), False)
    key = "complex_working_days" if kind == Kind.COMPLEX else "normal_working_days"
    return add_working_days_end(session, start, get_setting(session, key))


def extend(session: Session, due: dt.datetime, amount: int, unit: str) -> Due:
    if unit == "hours":
        return Due(due + dt.timedelta(hours=amount), False)
    # Extending by working days counts from the old due day, so a deadline at 24:00 stays at 24:00.
    last_day = (due - dt.timedelta(seconds=1)).astimezone(CHINA_TZ).date()
    result = calendar.add_working_days(session, last_day, amount)
    return Due(end_of_china_day(result.value), result.provisional, result.note)


def response_due(session: Session, kind: str, start: dt.datetime) -> dt.datetime:
    """By when the unit must sign for (签收) an assignment."""
    key = "urgent_response_hours" if kind == Kind.URGENT else "response_hours"
    return start + dt.timedelta(hours=get_setting(session, key))


def warn_window(session: Session, kind: str) -> dt.timedelta:
    """How long before the due time the unit is warned: a quarter of the limit for urgent requests."""
    if kind == Kind.URGENT:
        return dt.timedelta(hours=get_setting(session, "urgent_hours")) / 4
    return dt.timedelta(hours=get_setting(session, "warn_hours"))


def extension_unit(kind: str) -> str:
    return "hours" if kind == Kind.URGENT else "working_days"
