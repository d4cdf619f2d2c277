"""Applications for conditional datasets (申请 → provider approval). An approved application lets its
applicant run 可用不可见 aggregate queries on that dataset; never raw rows."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shuzheng.catalog import service as catalog
from shuzheng.errors import Conflict, NotAuthenticated, NotFound, ValidationFailed, field_error
from shuzheng.kit import clock
from shuzheng.ledger import service as ledger
from shuzheng.opendata.models import Application
from shuzheng.security.roles import Actor, Perm, require

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
STATUS_LABELS = {PENDING: "待审核", APPROVED: "已批准", REJECTED: "已驳回"}


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
    if has_approved(session, actor, code) or _pending(session, actor, code):
        raise Conflict(f"您已申请过数据资源「{code}」，请等待审核结果", code="already_applied")
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


def _pending(session: Session, actor: Actor, code: str) -> bool:
    return _find(session, actor, code, PENDING) is not None


def _find(session: Session, actor: Actor, code: str, status: str) -> Application | None:
    return session.scalar(
        select(Application).where(
            Application.resource_code == code,
            Application.applicant_id == actor.account_id,
            Application.status == status,
        )
    )


def has_approved(session: Session, actor: Actor, code: str) -> bool:
    return _find(session, actor, code, APPROVED) is not None


def decide(
    session: Session, actor: Actor | None, application_id: int, *, approve: bool, reason: str = ""
) -> Application:
    """The provider's data officers (or the operator) approve or reject; a rejection needs a reason."""
    application = session.get(Application, application_id)
    if application is None:
        raise NotFound(f"没有编号为 {application_id} 的申请", code="application_not_found")
    if not (actor is not None and actor.can(Perm.CATALOG_REVIEW)):
        actor = require(actor, Perm.DATA_LOAD, department=application.department_id)
    if application.status != PENDING:
        raise Conflict(f"申请 {application_id} 已{STATUS_LABELS[application.status]}", code="already_decided")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise field_error("reason", "驳回时请写明理由")
    application.status = APPROVED if approve else REJECTED
    application.reason = reason or None
    application.decided_by_id = actor.account_id
    application.decided_at = clock.now()
    session.flush()
    ledger.append(
        session,
        action=f"opendata.application_{application.status}",
        subject=f"resource:{application.resource_code}",
        payload={"application": application.id, "reason": reason[:200]},
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
