"""Objections (异议): filing, the provider's answer (confirm and correct, or reject), the operator's
escalation queue (reassign, extend, decide), and per-department statistics. See docs/objections.md.

Who may do what:
- file: any staff member of any department; a citizen only about a record keyed by their own 身份证号.
- answer (confirm / reject): a data officer (汇聚数据 or 编制发布目录) of the department the objection is
  with; the platform operator holds both citywide, so may decide too.
- reassign / extend: the platform operator (审核目录).

The correction itself is made by ingest: `apply_correction` below is the one call into it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
from dataclasses import dataclass, field
from importlib import import_module
from types import ModuleType
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shuzheng.catalog import service as catalog
from shuzheng.catalog.spec import FieldSpec, IdentifierKind, ResourceSpec
from shuzheng.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ServiceUnavailable,
    ValidationFailed,
    field_error,
)
from shuzheng.kit import calendar, clock
from shuzheng.kit.clock import CHINA_TZ
from shuzheng.ledger import service as ledger
from shuzheng.objections import attachments
from shuzheng.objections.models import OPEN_STATUSES, Objection, ObjectionEvent, Status
from shuzheng.org import service as org
from shuzheng.security import pi
from shuzheng.security import service as accounts
from shuzheng.security.crypto import sm4
from shuzheng.security.crypto.sm3 import hmac_sm3
from shuzheng.security.master import purpose_key
from shuzheng.security.roles import AccountKind, Actor, Perm, require

DEFAULT_DEADLINE_DAYS = 5
MAX_DEADLINE_DAYS = 60
MAX_EVIDENCE = 2000
MAX_VALUE = 500
MAX_REASON = 1000
SYSTEM_LABEL = "时限监控"


def deadline_days() -> int:
    """Working days a department has to answer: SHUZHENG_OBJECTIONS_DEADLINE_DAYS, default 5."""
    raw = os.environ.get("SHUZHENG_OBJECTIONS_DEADLINE_DAYS", "")
    try:
        days = int(raw) if raw.strip() else DEFAULT_DEADLINE_DAYS
    except ValueError:
        return DEFAULT_DEADLINE_DAYS
    return days if 1 <= days <= MAX_DEADLINE_DAYS else DEFAULT_DEADLINE_DAYS


# ---------------------------------------------------------------- input


@dataclass
class ObjectionInput:
    resource_code: str
    record: dict[str, str]  # key field (name or 中文 label) → value
    evidence: str
    field: str | None = None  # name or label; None flags the whole record
    claimed_value: str | None = None
    proposed_value: str | None = None


@dataclass(frozen=True)
class Content:
    """What is stored encrypted: the record's key values and the values in question."""

    record: dict[str, str]
    claimed_value: str | None
    proposed_value: str | None


def _clean(text: str | None, limit: int, label: str, name: str) -> str | None:
    value = (text or "").strip()
    if not value:
        return None
    if len(value) > limit:
        raise field_error(name, f"{label}不能超过{limit}个字（当前{len(value)}个）")
    return value


def _spec(session: Session, code: str) -> ResourceSpec:
    code = (code or "").strip()
    if not code:
        raise field_error("resource_code", "请填写数据资源代码")
    try:
        return catalog.published_spec(session, code)
    except NotFound as err:
        raise ValidationFailed(
            f"数据资源代码：{err.message}",
            code="unknown_resource",
            details=[{"field": "resource_code", "message": err.message}],
        ) from None


def _field(spec: ResourceSpec, name: str, what: str = "field") -> FieldSpec:
    for f in spec.fields:
        if name in (f.name, f.label):
            return f
    known = "、".join(f"{f.label}（{f.name}）" for f in spec.fields)
    raise field_error(what, f"「{spec.name}」没有信息项「{name}」，可选：{known}")


def _record(spec: ResourceSpec, given: dict[str, str]) -> dict[str, str]:
    """The key values in key-field order, by field name; every key field, nothing else."""
    if not spec.key_fields:
        raise field_error("record", f"「{spec.name}」没有主键信息项，无法定位记录")
    by_name: dict[str, str] = {}
    for name, value in (given or {}).items():
        f = _field(spec, str(name), "record")
        if not f.is_key:
            raise field_error("record", f"「{f.label}」不是主键信息项，定位记录只需填写：{_key_labels(spec)}")
        by_name[f.name] = str(value if value is not None else "").strip()
    missing = [spec.field(k).label for k in spec.key_fields if not by_name.get(k)]
    if missing:
        raise field_error("record", f"请填写定位记录的主键：{'、'.join(missing)}")
    for name, value in by_name.items():
        if len(value) > MAX_VALUE:
            raise field_error("record", f"「{spec.field(name).label}」过长")
    return {k: by_name[k] for k in spec.key_fields}


def _key_labels(spec: ResourceSpec) -> str:
    return "、".join(spec.field(k).label for k in spec.key_fields)


# ---------------------------------------------------------------- personal information


def _content_key() -> bytes:
    return purpose_key("objections-content", sm4.KEY_SIZE)


def seal(content: Content) -> bytes:
    raw = json.dumps(content.__dict__, ensure_ascii=False, sort_keys=True).encode()
    return sm4.seal(_content_key(), raw, aad=b"objection")


def unseal(blob: bytes) -> Content:
    data = json.loads(sm4.open_sealed(_content_key(), blob, aad=b"objection"))
    return Content(data["record"], data.get("claimed_value"), data.get("proposed_value"))


def record_digest(code: str, record: dict[str, str]) -> str:
    """A keyed hash of the record: equal for the same record, useless to whoever lacks the key."""
    canonical = json.dumps([code, sorted(record.items())], ensure_ascii=False)
    return hmac_sm3(purpose_key("objections-record"), canonical.encode()).hex()


def _pi_kind(f: FieldSpec) -> pi.PIKind | None:
    if f.identifier is IdentifierKind.ID_NUMBER:
        return pi.PIKind.ID_NUMBER
    if f.identifier is IdentifierKind.PHONE:
        return pi.PIKind.PHONE
    if f.sensitive_pi:
        return pi.PIKind.NAME  # first character kept, the rest hidden
    return None


def masked_value(f: FieldSpec | None, value: str | None) -> str | None:
    if value is None:
        return None
    kind = _pi_kind(f) if f is not None else None
    return pi.mask(kind, value) if kind else value


def _masked_record(spec: ResourceSpec, record: dict[str, str]) -> str:
    return "；".join(f"{spec.field(k).label}={masked_value(spec.field(k), v)}" for k, v in record.items())


def _id_number_bidx(spec: ResourceSpec, record: dict[str, str]) -> str | None:
    for name, value in record.items():
        if spec.field(name).identifier is IdentifierKind.ID_NUMBER:
            return pi.blind_index(pi.PIKind.ID_NUMBER, value)
    return None


# ---------------------------------------------------------------- who may


def _require_filer(session: Session, actor: Actor | None, spec: ResourceSpec, bidx: str | None) -> Actor:
    if actor is None:
        return require(actor, Perm.SELF_SERVICE)
    if actor.is_staff:
        return actor
    if actor.kind is AccountKind.CITIZEN:
        account = accounts.get_account(session, actor.account_id)
        if bidx is not None and account.id_number_bidx == bidx:
            return actor
        raise PermissionDenied("群众只能对以本人身份证号登记的数据提出异议")
    raise PermissionDenied("企业账号暂不能提出数据异议，请通过本单位对接的部门或12345反映")


def can_answer(actor: Actor | None, objection: Objection) -> bool:
    if actor is None:
        return False
    d = objection.department_id
    return actor.can(Perm.DATA_LOAD, department=d) or actor.can(Perm.CATALOG_PUBLISH, department=d)


def is_operator(actor: Actor | None) -> bool:
    return actor is not None and actor.can(Perm.CATALOG_REVIEW)


def can_see(actor: Actor | None, objection: Objection) -> bool:
    if actor is None:
        return False
    if (
        actor.account_id == objection.filed_by_account_id
        or is_operator(actor)
        or can_answer(actor, objection)
    ):
        return True
    p = objection.provider_department_id
    return actor.can(Perm.DATA_LOAD, department=p) or actor.can(Perm.CATALOG_PUBLISH, department=p)


def _require_answerer(actor: Actor | None, objection: Objection) -> Actor:
    require(actor, Perm.DATA_LOAD)  # NotAuthenticated without a login
    assert actor is not None
    if not can_answer(actor, objection):
        raise PermissionDenied(
            f"只有责任部门的数据专员或平台运营方可以答复第{objection.id}号异议",
            details={"department_id": objection.department_id},
        )
    if not objection.is_open:
        raise Conflict(
            f"第{objection.id}号异议已{objection.status_label}，不能再答复", code="objection_closed"
        )
    return actor


def _require_operator_on_open(actor: Actor | None, objection: Objection) -> Actor:
    require(actor, Perm.CATALOG_REVIEW)
    assert actor is not None
    if not objection.is_open:
        raise Conflict(
            f"第{objection.id}号异议已{objection.status_label}，不能再调整", code="objection_closed"
        )
    return actor


# ---------------------------------------------------------------- reading


def get(session: Session, actor: Actor | None, objection_id: int) -> Objection:
    objection = session.get(Objection, objection_id)
    if objection is None or not can_see(actor, objection):
        # Not revealing whether someone else's objection exists.
        raise NotFound(f"找不到第{objection_id}号异议")
    return objection


def content(session: Session, actor: Actor | None, objection: Objection) -> Content:
    """The decrypted values, for those who may see the objection (they typed or must fix them)."""
    if not can_see(actor, objection):
        raise NotFound(f"找不到第{objection.id}号异议")
    return unseal(objection.content_enc)


def events(session: Session, objection: Objection) -> list[ObjectionEvent]:
    return list(
        session.scalars(
            select(ObjectionEvent)
            .where(ObjectionEvent.objection_id == objection.id)
            .order_by(ObjectionEvent.at, ObjectionEvent.id)
        )
    )


def inbox(session: Session, actor: Actor | None, *, include_closed: bool = False) -> list[Objection]:
    """Objections with the actor's departments (for a data officer), oldest deadline first."""
    actor = require_officer(actor)
    query = select(Objection).order_by(Objection.due_date, Objection.id)
    if not is_operator(actor):
        query = query.where(Objection.department_id.in_(sorted(actor.scope)))
    if not include_closed:
        query = query.where(Objection.status.in_([s.value for s in OPEN_STATUSES]))
    return list(session.scalars(query))


def require_officer(actor: Actor | None) -> Actor:
    if actor is not None and actor.can(Perm.CATALOG_PUBLISH):
        return actor
    return require(actor, Perm.DATA_LOAD)


def escalation_queue(session: Session, actor: Actor | None) -> list[Objection]:
    require(actor, Perm.CATALOG_REVIEW)
    return list(
        session.scalars(
            select(Objection)
            .where(Objection.status == Status.ESCALATED.value)
            .order_by(Objection.escalated_at, Objection.id)
        )
    )


def mine(session: Session, actor: Actor | None) -> list[Objection]:
    if actor is None:
        require(actor, Perm.SELF_SERVICE)
    assert actor is not None
    return list(
        session.scalars(
            select(Objection)
            .where(Objection.filed_by_account_id == actor.account_id)
            .order_by(Objection.filed_at.desc(), Objection.id.desc())
        )
    )


def search(
    session: Session,
    actor: Actor | None,
    *,
    status: str | None = None,
    resource_code: str | None = None,
    department_id: int | None = None,
    limit: int = 200,
) -> list[Objection]:
    """Objections the actor may see: the operator sees all; a data officer their departments'; anyone
    the ones they filed."""
    if actor is None:
        require(actor, Perm.SELF_SERVICE)
    assert actor is not None
    query = select(Objection).order_by(Objection.id.desc()).limit(max(1, min(limit, 1000)))
    if not is_operator(actor):
        scope = sorted(actor.scope) if actor.can(Perm.DATA_LOAD) or actor.can(Perm.CATALOG_PUBLISH) else []
        query = query.where(
            or_(
                Objection.filed_by_account_id == actor.account_id,
                Objection.department_id.in_(scope),
                Objection.provider_department_id.in_(scope),
            )
        )
    if status:
        if status not in {s.value for s in Status}:
            raise field_error("status", f"状态只能是：{'、'.join(s.value for s in Status)}")
        query = query.where(Objection.status == status)
    if resource_code:
        query = query.where(Objection.resource_code == resource_code)
    if department_id is not None:
        query = query.where(Objection.department_id == department_id)
    return list(session.scalars(query))


def open_for(session: Session, code: str, record: dict[str, str], field_name: str | None) -> Objection | None:
    return session.scalar(
        select(Objection).where(
            Objection.open_key == _open_key(code, record_digest(code, record), field_name)
        )
    )


def _open_key(code: str, digest: str, field_name: str | None) -> str:
    return f"{code}|{digest}|{field_name or '*'}"


# ---------------------------------------------------------------- filing


def file(
    session: Session,
    actor: Actor | None,
    data: ObjectionInput,
    attachment: attachments.Upload | None = None,
) -> Objection:
    """File an objection. Everything is checked before anything is written."""
    spec = _spec(session, data.resource_code)
    record = _record(spec, data.record)
    target = _field(spec, data.field.strip()) if data.field and data.field.strip() else None
    evidence = _clean(data.evidence, MAX_EVIDENCE, "异议理由和依据", "evidence")
    if not evidence:
        raise field_error("evidence", "请写明异议理由和依据（例如证件号码、证明文件名称）")
    claimed = _clean(data.claimed_value, MAX_VALUE, "原值", "claimed_value")
    proposed = _clean(data.proposed_value, MAX_VALUE, "建议更正值", "proposed_value")
    if target is None and (claimed or proposed):
        raise field_error("field", "填写了原值或建议更正值时，请选择有误的信息项")
    if target is not None and target.is_key and proposed:
        raise field_error("field", f"「{target.label}」是主键，不能直接更正；请对整条记录提出异议")
    checked = attachments.check(attachment) if attachment is not None else None
    bidx = _id_number_bidx(spec, record)
    actor = _require_filer(session, actor, spec, bidx)

    digest = record_digest(spec.code, record)
    field_name = target.name if target else None
    _refuse_duplicate(session, spec.code, digest, field_name)
    data_version = _latest_data_version(session, spec.code)
    if data_version is not None and not _record_exists(session, spec, record):
        raise field_error(
            "record",
            f"「{spec.name}」第{data_version}版数据中找不到这条记录（{_masked_record(spec, record)}），请核对主键",
        )

    today = clock.today_in_china()
    days = deadline_days()
    due = calendar.add_working_days(session, today, days)
    objection = Objection(
        resource_code=spec.code,
        resource_name=spec.name,
        catalog_version=spec.version,
        data_version=data_version,
        provider_department_id=spec.provider_department_id,
        department_id=spec.provider_department_id,
        field_name=field_name,
        field_label=target.label if target else None,
        record_digest=digest,
        record_masked=_masked_record(spec, record)[:400],
        id_number_bidx=bidx,
        content_enc=seal(Content(record, claimed, proposed)),
        evidence=evidence,
        filed_by_account_id=actor.account_id,
        filed_by_name=actor.display_name,
        filed_by_department_id=actor.department_id,
        status=Status.FILED.value,
        open_key=_open_key(spec.code, digest, field_name),
        filed_at=clock.now(),
        deadline_days=days,
        due_date=due.value,
        due_provisional=due.provisional,
    )
    if checked is not None:
        objection.attachment_key = attachments.store(checked)
        objection.attachment_name = checked.filename
        objection.attachment_type = checked.content_type
        objection.attachment_size = len(checked.data)
    try:
        with session.begin_nested():
            session.add(objection)
            session.flush()
    except IntegrityError:
        # Another filing of the same record and field won the race.
        _refuse_duplicate(session, spec.code, digest, field_name)
        raise
    _step(
        session,
        objection,
        "file",
        actor,
        note=None,
        resource_code=spec.code,
        field=field_name,
        record=objection.record_masked,
        record_digest=digest,
        claimed_value=masked_value(target, claimed),
        proposed_value=masked_value(target, proposed),
        department_id=objection.department_id,
        due_date=objection.due_date.isoformat(),
        deadline_days=days,
        attachment_sha256=checked.sha256 if checked else None,
    )
    return objection


def _refuse_duplicate(session: Session, code: str, digest: str, field_name: str | None) -> None:
    existing = session.scalar(
        select(Objection).where(Objection.open_key == _open_key(code, digest, field_name))
    )
    if existing is not None:
        what = f"「{existing.field_label}」" if existing.field_label else "整条记录"
        raise Conflict(
            f"这条记录的{what}已有未办结的异议（第{existing.id}号，{existing.status_label}），"
            f"请查看 /objections/{existing.id}，不必重复提出",
            code="objection_duplicate",
            details={"objection_id": existing.id, "link": f"/objections/{existing.id}"},
        )


# ---------------------------------------------------------------- answering


def confirm(
    session: Session,
    actor: Actor | None,
    objection_id: int,
    *,
    corrected: dict[str, str] | None = None,
    note: str | None = None,
) -> Objection:
    """The department agrees: the corrected values go into a new data version through ingest."""
    objection = _for_update(session, objection_id)
    actor = _require_answerer(actor, objection)
    spec = _spec(session, objection.resource_code)
    stored = unseal(objection.content_enc)
    changes = _changes(spec, objection, stored, corrected or {})
    note = _clean(note, MAX_REASON, "说明", "note")
    version = apply_correction(
        session,
        actor,
        objection.resource_code,
        stored.record,
        changes,
        f"异议第{objection.id}号更正" + (f"：{note}" if note else ""),
    )
    _close(objection, Status.CONFIRMED, actor, note)
    objection.corrected_version = version
    _step(
        session,
        objection,
        "confirm",
        actor,
        note=note,
        corrected_version=version,
        changes={k: masked_value(spec.field(k), v) for k, v in changes.items()},
        late=objection.overdue_at is not None,
    )
    return objection


def _changes(
    spec: ResourceSpec, objection: Objection, stored: Content, corrected: dict[str, str]
) -> dict[str, str]:
    changes: dict[str, str] = {}
    for name, value in corrected.items():
        f = _field(spec, str(name), "corrected")
        if f.is_key:
            raise field_error("corrected", f"「{f.label}」是主键，不能通过异议更正")
        text = _clean(str(value) if value is not None else "", MAX_VALUE, f.label, "corrected")
        if text is not None:
            changes[f.name] = text
    if objection.field_name and objection.field_name not in changes:
        if not stored.proposed_value:
            raise field_error("corrected", f"请填写「{objection.field_label}」的正确值")
        changes[objection.field_name] = stored.proposed_value
    if not changes:
        raise field_error("corrected", "请填写至少一个信息项的正确值")
    return changes


def reject(session: Session, actor: Actor | None, objection_id: int, reason: str) -> Objection:
    objection = _for_update(session, objection_id)
    actor = _require_answerer(actor, objection)
    clean = _clean(reason, MAX_REASON, "驳回理由", "reason")
    if not clean:
        raise field_error("reason", "驳回异议必须写明理由")
    _close(objection, Status.REJECTED, actor, clean)
    _step(session, objection, "reject", actor, note=clean, late=objection.overdue_at is not None)
    return objection


def _close(objection: Objection, status: Status, actor: Actor, reason: str | None) -> None:
    t = clock.now()
    if objection.overdue_at is None and t.astimezone(CHINA_TZ).date() > objection.due_date:
        objection.overdue_at = t  # answered late, without the job having noticed
    objection.status = status.value
    objection.open_key = None
    objection.decided_at = t
    objection.decided_by_account_id = actor.account_id
    objection.decided_by_name = actor.display_name
    objection.decision_reason = reason


# ---------------------------------------------------------------- the operator


def reassign(
    session: Session, actor: Actor | None, objection_id: int, department_id: int, note: str | None = None
) -> Objection:
    """Give the objection to another department (the wrong one was asked) with a fresh deadline."""
    objection = _for_update(session, objection_id)
    actor = _require_operator_on_open(actor, objection)
    try:
        dept = org.get_department(session, department_id)
    except NotFound:
        raise field_error("department_id", f"部门不存在：{department_id}") from None
    if dept.id == objection.department_id:
        raise field_error("department_id", f"第{objection.id}号异议已在{dept.name}")
    previous = objection.department_id
    objection.department_id = dept.id
    _restart(session, objection, deadline_days())
    _step(
        session,
        objection,
        "reassign",
        actor,
        note=_clean(note, MAX_REASON, "说明", "note"),
        from_department_id=previous,
        department_id=dept.id,
        due_date=objection.due_date.isoformat(),
    )
    return objection


def extend(
    session: Session, actor: Actor | None, objection_id: int, days: int, note: str | None = None
) -> Objection:
    """Give the department `days` more working days from today (back in its inbox)."""
    objection = _for_update(session, objection_id)
    actor = _require_operator_on_open(actor, objection)
    if not 1 <= int(days) <= MAX_DEADLINE_DAYS:
        raise field_error("days", f"延长的工作日数应在1到{MAX_DEADLINE_DAYS}之间")
    previous = objection.due_date
    _restart(session, objection, int(days))
    _step(
        session,
        objection,
        "extend",
        actor,
        note=_clean(note, MAX_REASON, "说明", "note"),
        from_due_date=previous.isoformat(),
        due_date=objection.due_date.isoformat(),
        days=int(days),
    )
    return objection


def _restart(session: Session, objection: Objection, days: int) -> None:
    due = calendar.add_working_days(session, clock.today_in_china(), days)
    objection.due_date = due.value
    objection.due_provisional = due.provisional
    objection.deadline_days = days
    objection.status = Status.FILED.value
    objection.escalated_at = None


def escalate_overdue(session: Session) -> list[Objection]:
    """Every objection with a department past its due day goes to the operator. Idempotent: an escalated
    objection is not escalated again."""
    t = clock.now()
    today = t.astimezone(CHINA_TZ).date()
    overdue = list(
        session.scalars(
            select(Objection)
            .where(Objection.status == Status.FILED.value, Objection.due_date < today)
            .order_by(Objection.id)
        )
    )
    for objection in overdue:
        objection.status = Status.ESCALATED.value
        objection.escalated_at = t
        if objection.overdue_at is None:
            objection.overdue_at = t
        _step(
            session,
            objection,
            "escalate",
            None,
            note=f"超过答复期限（{objection.due_date.isoformat()}），已提交平台运营方督办",
            due_date=objection.due_date.isoformat(),
            department_id=objection.department_id,
        )
    session.flush()
    return overdue


def _for_update(session: Session, objection_id: int) -> Objection:
    objection = session.scalar(select(Objection).where(Objection.id == objection_id).with_for_update())
    if objection is None:
        raise NotFound(f"找不到第{objection_id}号异议")
    return objection


# ---------------------------------------------------------------- steps: events and the ledger


def _step(
    session: Session, objection: Objection, action: str, actor: Actor | None, *, note: str | None, **data: Any
) -> None:
    label = actor.display_name if actor is not None else SYSTEM_LABEL
    clean = {k: v for k, v in data.items() if v is not None}
    session.add(
        ObjectionEvent(
            objection_id=objection.id,
            action=action,
            at=clock.now(),
            actor_account_id=actor.account_id if actor is not None else None,
            actor_label=label,
            note=note,
            data=clean,
        )
    )
    payload = {"objection_id": objection.id, "status": objection.status, **clean}
    if note:
        payload["note"] = note
    ledger.append(
        session,
        action=f"objection.{action}",
        subject=f"objection:{objection.id}",
        payload=payload,
        actor=actor,
        actor_label=None if actor is not None else SYSTEM_LABEL,
    )
    session.flush()


# ---------------------------------------------------------------- ingest: the one call out


def _ingest_service() -> ModuleType | None:
    try:
        return import_module("shuzheng.ingest.service")
    except ModuleNotFoundError:
        return None


def correction_available() -> bool:
    module = _ingest_service()
    return module is not None and hasattr(module, "apply_correction")


def apply_correction(
    session: Session,
    actor: Actor,
    code: str,
    key_values: dict[str, str],
    changes: dict[str, str],
    reason: str,
) -> int:
    """Make the corrected data version through ingest (an incremental load of the corrected row) and
    return its number."""
    module = _ingest_service()
    if module is None or not hasattr(module, "apply_correction"):
        raise ServiceUnavailable(
            "数据更正功能（汇聚）尚未就绪，暂不能确认更正；可先驳回或等待", code="correction_unavailable"
        )
    result = module.apply_correction(session, actor, code, key_values, changes, reason)
    return _version_number(result)


def _version_number(result: Any) -> int:
    if isinstance(result, int):
        return result
    for attr in ("number", "version"):
        value = getattr(result, attr, None)
        if isinstance(value, int):
            return value
    raise DomainError(f"汇聚返回的更正结果无法识别：{result!r}", code="correction_unrecognised")


def _latest_data_version(session: Session, code: str) -> int | None:
    module = _ingest_service()
    if module is None or not hasattr(module, "latest_version"):
        return None
    try:
        result = module.latest_version(session, code)
    except DomainError:
        return None
    if result is None:
        return None
    try:
        return _version_number(result)
    except DomainError:
        return None


def _record_exists(session: Session, spec: ResourceSpec, record: dict[str, str]) -> bool:
    module = _ingest_service()
    if module is None or not hasattr(module, "count_rows"):
        return True  # cannot look: the provider will say so when answering
    return int(module.count_rows(session, spec.code, filters=record)) > 0


# ---------------------------------------------------------------- statistics


@dataclass
class DepartmentStats:
    department_id: int
    department_name: str
    count: int = 0
    open: int = 0
    overdue: int = 0
    confirmed: int = 0
    rejected: int = 0
    fix_days: list[int] = field(default_factory=list)
    rank: int = 0

    @property
    def median_days_to_fix(self) -> float | None:
        return float(statistics.median(self.fix_days)) if self.fix_days else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "department_id": self.department_id,
            "department_name": self.department_name,
            "count": self.count,
            "open": self.open,
            "overdue": self.overdue,
            "confirmed": self.confirmed,
            "rejected": self.rejected,
            "median_days_to_fix": self.median_days_to_fix,
        }


@dataclass
class Stats:
    start: dt.date
    end: dt.date
    departments: list[DepartmentStats]

    @property
    def total(self) -> int:
        return sum(d.count for d in self.departments)


def default_period() -> tuple[dt.date, dt.date]:
    today = clock.today_in_china()
    return dt.date(today.year, 1, 1), today


def stats(
    session: Session, actor: Actor | None, start: dt.date | None = None, end: dt.date | None = None
) -> Stats:
    """Per responsible department, over objections *filed* from `start` to `end` (China dates, both
    included): count, open now, overdue (answered after the due day, or still open past it), confirmed,
    rejected, and the median working days from filing to confirmation. Ranked: most overdue first."""
    require(actor, Perm.CATALOG_REVIEW)
    first, last = default_period()
    start, end = start or first, end or last
    if start > end:
        raise field_error("start", "统计起始日期不能晚于结束日期")
    lo = dt.datetime.combine(start, dt.time(), CHINA_TZ)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), CHINA_TZ)
    rows = session.scalars(select(Objection).where(Objection.filed_at >= lo, Objection.filed_at < hi))
    today = clock.today_in_china()
    names = {d.id: d.name for d in org.list_departments(session)}
    by_dept: dict[int, DepartmentStats] = {}
    for o in rows:
        s = by_dept.setdefault(
            o.department_id, DepartmentStats(o.department_id, names.get(o.department_id, ""))
        )
        s.count += 1
        if o.is_open:
            s.open += 1
        if o.overdue_at is not None or (o.is_open and o.due_date < today):
            s.overdue += 1
        if o.status == Status.CONFIRMED.value and o.decided_at is not None:
            s.confirmed += 1
            filed = o.filed_at.astimezone(CHINA_TZ).date()
            fixed = o.decided_at.astimezone(CHINA_TZ).date()
            s.fix_days.append(calendar.working_days_between(session, filed, fixed).value)
        elif o.status == Status.REJECTED.value:
            s.rejected += 1
    ranked = sorted(
        by_dept.values(),
        key=lambda s: (-s.overdue, -s.open, -(s.median_days_to_fix or 0), -s.count, s.department_name),
    )
    for i, s in enumerate(ranked, start=1):
        s.rank = i
    return Stats(start, end, ranked)
