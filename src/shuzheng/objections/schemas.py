"""Objections over JSON: what goes in (lenient — the service checks every rule, in Chinese) and what
comes out. Values of the record appear in full only in a single objection's detail, for those who may
see it; lists show the masked record."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from shuzheng.objections.models import Objection, ObjectionEvent
from shuzheng.objections.service import Content, DepartmentStats, Stats


class ObjectionIn(BaseModel):
    resource_code: str = Field(description="数据资源代码")
    record: dict[str, str] = Field(description="定位记录的主键信息项（字段名或中文名）及其值")
    field: str | None = Field(None, description="有误的信息项（字段名或中文名）；不填表示整条记录有误")
    claimed_value: str | None = Field(None, description="现有的（有误的）值")
    proposed_value: str | None = Field(None, description="建议更正为")
    evidence: str = Field(description="异议理由和依据")


class ConfirmIn(BaseModel):
    corrected: dict[str, str] | None = Field(
        None, description="更正后的值（字段名或中文名 → 值）；默认取建议值"
    )
    note: str | None = None


class RejectIn(BaseModel):
    reason: str = Field(description="驳回理由")


class ReassignIn(BaseModel):
    department_id: int
    note: str | None = None


class ExtendIn(BaseModel):
    days: int = Field(description="从今天起再给的工作日数")
    note: str | None = None


class ObjectionOut(BaseModel):
    id: int
    status: str
    status_label: str
    resource_code: str
    resource_name: str
    department_id: int
    provider_department_id: int
    field: str | None
    field_label: str | None
    record: str = Field(description="脱敏后的主键")
    filed_by: str
    filed_at: dt.datetime
    due_date: dt.date
    due_provisional: bool
    overdue: bool
    escalated_at: dt.datetime | None
    decided_at: dt.datetime | None
    decided_by: str | None
    decision_reason: str | None
    corrected_version: int | None
    link: str

    @classmethod
    def of(cls, o: Objection, today: dt.date) -> ObjectionOut:
        return cls(
            id=o.id,
            status=o.status,
            status_label=o.status_label,
            resource_code=o.resource_code,
            resource_name=o.resource_name,
            department_id=o.department_id,
            provider_department_id=o.provider_department_id,
            field=o.field_name,
            field_label=o.field_label,
            record=o.record_masked,
            filed_by=o.filed_by_name,
            filed_at=o.filed_at,
            due_date=o.due_date,
            due_provisional=o.due_provisional,
            overdue=o.overdue_at is not None or (o.is_open and o.due_date < today),
            escalated_at=o.escalated_at,
            decided_at=o.decided_at,
            decided_by=o.decided_by_name,
            decision_reason=o.decision_reason,
            corrected_version=o.corrected_version,
            link=f"/objections/{o.id}",
        )


class EventOut(BaseModel):
    action: str
    at: dt.datetime
    actor: str
    note: str | None
    data: dict[str, Any]

    @classmethod
    def of(cls, e: ObjectionEvent) -> EventOut:
        return cls(action=e.action, at=e.at, actor=e.actor_label, note=e.note, data=e.data or {})


class ObjectionDetailOut(ObjectionOut):
    record_values: dict[str, str]
    claimed_value: str | None
    proposed_value: str | None
    evidence: str
    attachment: str | None
    events: list[EventOut]

    @classmethod
    def detail(
        cls, o: Objection, c: Content, evs: list[ObjectionEvent], today: dt.date
    ) -> ObjectionDetailOut:
        base = ObjectionOut.of(o, today).model_dump()
        return cls(
            **base,
            record_values=c.record,
            claimed_value=c.claimed_value,
            proposed_value=c.proposed_value,
            evidence=o.evidence,
            attachment=f"/api/objections/{o.id}/attachment" if o.attachment_key else None,
            events=[EventOut.of(e) for e in evs],
        )


class DepartmentStatsOut(BaseModel):
    rank: int
    department_id: int
    department_name: str
    count: int
    open: int
    overdue: int
    confirmed: int
    rejected: int
    median_days_to_fix: float | None = Field(description="确认更正的异议从提出到更正的工作日数中位数")

    @classmethod
    def of(cls, s: DepartmentStats) -> DepartmentStatsOut:
        return cls(**s.to_dict())


class StatsOut(BaseModel):
    start: dt.date
    end: dt.date
    total: int
    departments: list[DepartmentStatsOut]

    @classmethod
    def of(cls, s: Stats) -> StatsOut:
        return cls(
            start=s.start,
            end=s.end,
            total=s.total,
            departments=[DepartmentStatsOut.of(d) for d in s.departments],
        )
