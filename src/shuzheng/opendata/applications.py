"""Applications for conditional datasets (申请 → provider approval). An approved application lets its
applicant run 可用不可见 aggregate queries on that dataset; never raw rows.

An approval has a validity period: by default `approval_days()` (SHUZHENG_OPENDATA_APPROVAL_DAYS, 365),
and the provider may set an earlier end date when approving. It holds up to and including
`valid_until` (a date in China time); from the next day it is expired — computed when read, so no job
has to run — grants nothing, and its applicant may apply again."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from shuzheng.catalog import service as catalog
from shuzheng.errors import Conflict, NotAuthenticated, NotFound, ValidationFailed, field_error
from shuzheng.kit import clock
from shuzheng.ledger import service as ledger
from shuzheng.opendata.models import Application
from shuzheng.opendata.service import approval_days
from shuzheng.security.roles import Actor, Perm, require

PENDING, APPROVED, REJECTED, EXPIRED = "pending", "approved", "rejected", "expired"
STATUS_LABELS = {PENDING: "待审核", APPROVED: "已批准", REJECTED: "已驳回", EXPIRED: "已过期"}


def state(application: Application, today: dt.date | None = None) -> str:
    """pending | approved | rejected | expired (an approval past its `valid_until`)."""
    if application.status != APPROVED:
        return application.status
    today = today or clock.today_in_china()
    if application.valid_until is None or today > application.valid_until:
        return EXPIRED
    return APPROVED


def default_valid_until(today: dt.date | None = None) -> dt.date:
    """The last day of a default approval (and the latest a provider may choose)."""
    return (today or clock.today_in_china()) + dt.timedelta(days=approval_days())


def apply(session: Session, actor: Actor | None, code: str, purpose: str) -> Application:
    from shuzheng.opendata.aggregate import eligible

    if actor is None:
        raise NotAuthenticated("请先登录再申请使用有条件开放数据")
    spec = catalog.published_spec(session, code)
    if not eligible(spec):
        raise ValidationFailed(f"数据资源「{code}」无需申请，可直接使用开放数据接口", code="not_eligible")
    purpose = (purpose or "").strip()
    if not 5 <= len(purpose) <= 1000:
        raise field_error("purpose", "请写明用途（5–1000 字）")
    if _pending(session, actor, code):
        raise Conflict(f"您已申请过数据资源「{code}」，请等待审核结果", code="already_applied")
    if has_approved(session, actor, code):
        raise Conflict(f"您对数据资源「{code}」的申请已获批准且仍在有效期内", code="already_approved")
    application = Application(
        resource_code=code,
        department_id=spec.provider_department_id,
        applicant_id=actor.account_id,
        applicant_label=actor.display_name[:64],
        purpose=purpose,
        status=PENDING,
    )
    session.add(application)
    session.flush()
    ledger.append(
        session,
        action="opendata.apply",
        subject=f"resource:{code}",
        payload={"application": application.id, "purpose": purpose[:200]},
        actor=actor,
    )
    return application


def _mine(actor: Actor, code: str) -> ColumnElement[bool]:
    return (Application.resource_code == code) & (Application.applicant_id == actor.account_id)


def _pending(session: Session, actor: Actor, code: str) -> bool:
    return bool(session.scalar(select(exists().where(_mine(actor, code), Application.status == PENDING))))


def has_approved(session: Session, actor: Actor, code: str, today: dt.date | None = None) -> bool:
    """Whether `actor` holds an approval for `code` that has not expired."""
    today = today or clock.today_in_china()
    return bool(
        session.scalar(
            select(
                exists().where(
                    _mine(actor, code),
                    Application.status == APPROVED,
                    Application.valid_until >= today,
                )
            )
        )
    )


def latest_expiry(session: Session, actor: Actor, code: str) -> dt.date | None:
    """The end of `actor`'s most recent approval for `code` (to say when access lapsed), or None."""
    return session.scalar(
        select(Application.valid_until)
        .where(_mine(actor, code), Application.status == APPROVED)
        .order_by(Application.valid_until.desc())
        .limit(1)
    )


def decide(
    session: Session,
    actor: Actor | None,
    application_id: int,
    *,
    approve: bool,
    reason: str = "",
    valid_until: dt.date | None = None,
) -> Application:
    """The provider's data officers (or the operator) approve or reject; a rejection needs a reason.
    An approval lasts until `valid_until` (inclusive): by default `approval_days()` from today, and a
    provider may choose an earlier date, never a later one."""
    application = session.get(Application, application_id)
    if application is None:
        raise NotFound(f"没有编号为 {application_id} 的申请", code="application_not_found")
    if not (actor is not None and actor.can(Perm.CATALOG_REVIEW)):
        actor = require(actor, Perm.DATA_LOAD, department=application.department_id)
    if application.status != PENDING:
        raise Conflict(f"申请 {application_id} {STATUS_LABELS[application.status]}", code="already_decided")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise field_error("reason", "驳回时请写明理由")
    today = clock.today_in_china()
    latest = default_valid_until(today)
    if approve:
        if valid_until is None:
            valid_until = latest
        elif valid_until < today:
            raise field_error("valid_until", "有效期截止日期不能早于今天")
        elif valid_until > latest:
            raise field_error(
                "valid_until", f"有效期最长 {approval_days()} 天，截止日期不能晚于 {latest.isoformat()}"
            )
    application.status = APPROVED if approve else REJECTED
    application.reason = reason or None
    application.decided_by_id = actor.account_id
    application.decided_at = clock.now()
    application.valid_until = valid_until if approve else None
    session.flush()
    payload: dict[str, object] = {"application": application.id, "reason": reason[:200]}
    if approve and valid_until is not None:
        payload["valid_until"] = valid_until.isoformat()
    ledger.append(
        session,
        action=f"opendata.application_{application.status}",
        subject=f"resource:{application.resource_code}",
        payload=payload,
        actor=actor,
    )
    return application


def for_applicant(session: Session, actor: Actor) -> list[Application]:
    return list(
        session.scalars(
            select(Application)
            .where(Application.applicant_id == actor.account_id)
            .order_by(Application.id.desc())
        )
    )


def for_provider(session: Session, actor: Actor) -> list[Application]:
    query = select(Application).order_by(Application.id.desc())
    if not actor.can(Perm.CATALOG_REVIEW):
        query = query.where(Application.department_id.in_(list(actor.scope)))
    return list(session.scalars(query))
