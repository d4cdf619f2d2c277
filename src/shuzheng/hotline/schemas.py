"""JSON shapes of the hotline API. Contact details only ever leave masked (a reveal has its own route)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from shuzheng.hotline import service, stats, taxonomy
from shuzheng.hotline.models import (
    KIND_LABELS,
    LOCATION_LABELS,
    SATISFACTION_LABELS,
    Dispute,
    Event,
    Extension,
    HotlineRequest,
    Hotspot,
    Kind,
    LocationStatus,
    Notification,
    Satisfaction,
)
from shuzheng.org import service as org


def department_name(session: Session, department_id: int | None) -> str | None:
    if department_id is None:
        return None
    return org.get_department(session, department_id).name


class IntakeIn(BaseModel):
    channel: str = Field("web", description="phone / web / app / mailbox（open311 请走 /open311/v2/）")
    content: str = Field(..., description="诉求内容，2–4000 字")
    type_code: str | None = Field(None, description="诉求类型，见 /api/hotline/taxonomy；不填则自动分类")
    topic_code: str | None = Field(None, description="诉求领域；不填则自动分类")
    kind: str | None = Field(None, description="urgent / normal / complex，默认 normal")
    contact_name: str | None = None
    contact_phone: str | None = Field(None, description="手机号或带区号的固定电话")
    contact_email: str | None = None
    address: str | None = Field(None, description="问题发生地址（自由文本）")
    lat: float | None = None
    lon: float | None = None


class SuggestIn(BaseModel):
    content: str = ""
    address: str | None = None
    topic_code: str | None = None


class DispatchIn(BaseModel):
    department_id: int
    kind: str | None = None
    note: str | None = None


class TransferIn(BaseModel):
    department_id: int
    note: str | None = None


class DisputeIn(BaseModel):
    reason: str
    suggested_department_id: int | None = None


class ArbitrateIn(BaseModel):
    uphold: bool
    new_department_id: int | None = None
    note: str | None = None


class ExtensionIn(BaseModel):
    amount: int = Field(..., description="紧急诉求为小时数，其他为工作日数")
    reason: str


class DecisionIn(BaseModel):
    approve: bool
    note: str | None = None


class NoteIn(BaseModel):
    note: str | None = None


class ResolveIn(BaseModel):
    result: str


class CallbackIn(BaseModel):
    solved: bool
    satisfaction: str = Field(..., description="satisfied / basic / unsatisfied")
    note: str | None = None


class ReclassifyIn(BaseModel):
    type_code: str
    topic_code: str


class MergeIn(BaseModel):
    original_id: int
    note: str | None = None


class RelocateIn(BaseModel):
    address: str


class ResponsibilityIn(BaseModel):
    topic_code: str
    region_code: str
    department_id: int
    note: str | None = None


class GridIn(BaseModel):
    name: str
    district_code: str
    township_code: str | None = None
    department_id: int | None = None


class SettingIn(BaseModel):
    value: int


class ApiClientIn(BaseModel):
    name: str


class EventOut(BaseModel):
    at: dt.datetime
    action: str
    actor: str
    note: str | None

    @classmethod
    def of(cls, e: Event) -> EventOut:
        return cls(at=e.at, action=e.action, actor=e.actor_label, note=e.note)


class RequestOut(BaseModel):
    id: int
    number: str
    channel: str
    status: str
    status_label: str
    kind: str
    kind_label: str
    type_code: str
    type_label: str
    topic_code: str
    topic_label: str
    confidence: float | None
    title: str
    content: str
    contact_name: str
    contact_phone: str
    address: str | None
    location_status: str
    location_label: str
    district_code: str | None
    region_code: str | None
    grid_code: str | None
    lat: float | None
    lon: float | None
    queue_reason: str | None
    queue_reason_label: str | None
    department_id: int | None
    department_name: str | None
    due_at: dt.datetime | None
    due_provisional: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    resolved_at: dt.datetime | None
    result: str | None
    answered_by: str | None
    solved: bool | None
    satisfaction: str | None
    reopen_count: int
    supervise_count: int
    merged_into_id: int | None

    @classmethod
    def of(cls, session: Session, r: HotlineRequest) -> RequestOut:
        contact = service.masked_contact(r)
        return cls(
            id=r.id,
            number=service.request_number(r),
            channel=r.channel,
            status=r.status,
            status_label=service.status_label(r.status),
            kind=r.kind,
            kind_label=KIND_LABELS[Kind(r.kind)],
            type_code=r.type_code,
            type_label=taxonomy.type_label(r.type_code),
            topic_code=r.topic_code,
            topic_label=taxonomy.topic_label(r.topic_code),
            confidence=r.confidence,
            title=r.title,
            content=r.content,
            contact_name=contact.name,
            contact_phone=contact.phone,
            address=r.address_normalized or r.address_text,
            location_status=r.location_status,
            location_label=LOCATION_LABELS[LocationStatus(r.location_status)],
            district_code=r.district_code,
            region_code=r.region_code,
            grid_code=r.grid_code,
            lat=r.lat,
            lon=r.lon,
            queue_reason=r.queue_reason,
            queue_reason_label=service.QUEUE_REASONS.get(r.queue_reason or ""),
            department_id=r.department_id,
            department_name=department_name(session, r.department_id),
            due_at=r.due_at,
            due_provisional=r.due_provisional,
            created_at=r.created_at,
            updated_at=r.updated_at,
            resolved_at=r.resolved_at,
            result=r.result_text,
            answered_by="即问即答" if r.answer_source == "faq" else None,
            solved=r.solved,
            satisfaction=r.satisfaction,
            reopen_count=r.reopen_count,
            supervise_count=r.supervise_count,
            merged_into_id=r.merged_into_id,
        )


class RequestDetailOut(RequestOut):
    timeline: list[EventOut]
    attachments: list[dict[str, Any]]

    @classmethod
    def detail(cls, session: Session, r: HotlineRequest, *, public_only: bool = False) -> RequestDetailOut:
        base = RequestOut.of(session, r).model_dump()
        return cls(
            **base,
            timeline=[EventOut.of(e) for e in service.timeline(session, r, public_only=public_only)],
            attachments=[
                {
                    "id": a.id,
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "size": a.size,
                    "url": f"/api/hotline/attachments/{a.id}",
                }
                for a in service.attachments_of(session, r)
            ],
        )


class DuplicateOut(BaseModel):
    request_id: int
    reason: str
    reason_label: str
    score: float
    title: str


class RouteOut(BaseModel):
    department_id: int
    department_name: str
    basis: str


class SubmittedOut(BaseModel):
    request: RequestOut
    auto_dispatched: bool
    route: RouteOut | None
    duplicates: list[DuplicateOut]
    faq_answer: str | None

    @classmethod
    def of(cls, session: Session, result: service.Submitted) -> SubmittedOut:
        return cls(
            request=RequestOut.of(session, result.request),
            auto_dispatched=result.auto_dispatched,
            route=RouteOut(**result.route.__dict__) if result.route else None,
            duplicates=[
                DuplicateOut(
                    request_id=d.request_id,
                    reason=d.reason,
                    reason_label=d.reason_label,
                    score=d.score,
                    title=d.title,
                )
                for d in result.duplicates
            ],
            faq_answer=service.faq_text(result.faq) if result.faq is not None else None,
        )


class SuggestionOut(BaseModel):
    type_code: str | None
    type_label: str | None
    topic_code: str | None
    topic_label: str | None
    confidence: float | None
    alternatives: list[dict[str, Any]]
    location_status: str
    location_label: str
    address: str | None
    district_code: str | None
    region_code: str | None
    route: RouteOut | None
    faq_answer: str | None
    faq_question: str | None

    @classmethod
    def of(cls, s: service.Suggestion) -> SuggestionOut:
        p = s.prediction
        return cls(
            type_code=p.type_code if p else None,
            type_label=taxonomy.type_label(p.type_code) if p else None,
            topic_code=p.topic_code if p else None,
            topic_label=taxonomy.topic_label(p.topic_code) if p else None,
            confidence=p.confidence if p else None,
            alternatives=[
                {
                    "code": code,
                    "label": taxonomy.topic_label(code) if code in taxonomy.TOPIC_LABELS else code,
                    "confidence": conf,
                }
                for code, conf in (p.alternatives if p else [])
            ][:3],
            location_status=s.location.status.value,
            location_label=LOCATION_LABELS[s.location.status],
            address=s.location.normalized,
            district_code=s.location.district_code,
            region_code=s.location.region_code,
            route=RouteOut(**s.route.__dict__) if s.route else None,
            faq_answer=service.faq_text(s.faq) if s.faq is not None else None,
            faq_question=getattr(s.faq, "question", None) if s.faq is not None else None,
        )


class DisputeOut(BaseModel):
    id: int
    request_id: int
    department_id: int
    department_name: str | None
    reason: str
    suggested_department_id: int | None
    raised_at: dt.datetime
    status: str
    decision_note: str | None

    @classmethod
    def of(cls, session: Session, d: Dispute) -> DisputeOut:
        return cls(
            id=d.id,
            request_id=d.request_id,
            department_id=d.department_id,
            department_name=department_name(session, d.department_id),
            reason=d.reason,
            suggested_department_id=d.suggested_department_id,
            raised_at=d.raised_at,
            status=d.status,
            decision_note=d.decision_note,
        )


class ExtensionOut(BaseModel):
    id: int
    request_id: int
    department_id: int
    amount: int
    unit: str
    reason: str
    status: str
    new_due_at: dt.datetime | None

    @classmethod
    def of(cls, e: Extension) -> ExtensionOut:
        return cls(
            id=e.id,
            request_id=e.request_id,
            department_id=e.department_id,
            amount=e.amount,
            unit=e.unit,
            reason=e.reason,
            status=e.status,
            new_due_at=e.new_due_at,
        )


class RatesOut(BaseModel):
    rank: int | None
    department_id: int
    department_name: str
    assignments: int
    responded: int
    response_rate: float | None
    callbacks: int
    solved: int
    solve_rate: float | None
    satisfied: int
    satisfaction_rate: float | None
    score: float | None

    @classmethod
    def of(cls, r: stats.DepartmentRates) -> RatesOut:
        return cls(
            rank=r.rank,
            department_id=r.department_id,
            department_name=r.department_name,
            assignments=r.assignments,
            responded=r.responded,
            response_rate=r.response_rate,
            callbacks=r.callbacks,
            solved=r.solved,
            solve_rate=r.solve_rate,
            satisfied=r.satisfied,
            satisfaction_rate=r.satisfaction_rate,
            score=r.score,
        )


class HotspotOut(BaseModel):
    id: int
    day: dt.date
    topic_code: str
    topic_label: str
    district_code: str
    count: int
    baseline: float
    score: float
    summary: str
    department_id: int | None

    @classmethod
    def of(cls, h: Hotspot) -> HotspotOut:
        return cls(
            id=h.id,
            day=h.day,
            topic_code=h.topic_code,
            topic_label=taxonomy.topic_label(h.topic_code),
            district_code=h.district_code,
            count=h.count,
            baseline=h.baseline,
            score=h.score,
            summary=h.summary,
            department_id=h.department_id,
        )


class NotificationOut(BaseModel):
    id: int
    kind: str
    title: str
    body: str | None
    link: str | None
    created_at: dt.datetime

    @classmethod
    def of(cls, n: Notification) -> NotificationOut:
        return cls(id=n.id, kind=n.kind, title=n.title, body=n.body, link=n.link, created_at=n.created_at)


SATISFACTION_CHOICES = [(s.value, SATISFACTION_LABELS[s]) for s in Satisfaction]
