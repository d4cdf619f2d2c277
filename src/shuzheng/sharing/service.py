"""Sharing rules (数据共享): demands become agreements, agreements yield API credentials, every row served
is masked as agreed and traced in the ledger in the caller's transaction.

Statuses. A demand is `pending` (awaiting the provider), `approved`, `rejected` (by the provider, with a
reason), `refused` (不予共享: the catalog forbids it), `unmatched` (需求清单: nobody publishes it) or
`assigned` (the operator named a department to produce it). An agreement is `active` or `revoked`; an
active one past `valid_until` is expired (computed, so nothing needs a nightly job).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import statistics
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shuzheng.catalog import service as catalog
from shuzheng.catalog.spec import FieldSpec, IdentifierKind, Level, ResourceSpec, ShareType
from shuzheng.config import get_settings
from shuzheng.errors import (
    Conflict,
    DomainError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    TooManyRequests,
    field_error,
)
from shuzheng.ingest import lake
from shuzheng.ingest import service as ingest
from shuzheng.kit import bulk, calendar, clock
from shuzheng.kit.ids import token
from shuzheng.ledger import service as ledger
from shuzheng.org import service as org
from shuzheng.security import pi
from shuzheng.security.crypto.sm3 import hmac_sm3, sm3_hex
from shuzheng.security.master import purpose_key
from shuzheng.security.models import Account
from shuzheng.security.roles import Actor, Perm, require
from shuzheng.sharing.models import (
    SharingAccess,
    SharingAgreement,
    SharingDemand,
    SharingExport,
    SharingToken,
    SharingUsage,
)
from shuzheng.sharing.schemas import ApproveInput, DemandInput

APPROVAL_WORKING_DAYS = 5  # the provider answers a conditional demand within this many working days
DEFAULT_DAILY_QUOTA = 10_000  # calls per agreement per day (China time)
MAX_LIMIT = 100  # rows per query page
TOKEN_TTL = dt.timedelta(hours=1)
MAX_PERIOD = dt.timedelta(days=3 * 366)

PENDING, APPROVED, REJECTED, REFUSED, UNMATCHED, ASSIGNED = (
    "pending",
    "approved",
    "rejected",
    "refused",
    "unmatched",
    "assigned",
)
ACTIVE, REVOKED, EXPIRED = "active", "revoked", "expired"
DEMAND_STATUS_LABELS = {
    PENDING: "待提供方审核",
    APPROVED: "已同意",
    REJECTED: "已驳回",
    REFUSED: "不予共享",
    UNMATCHED: "需求清单（暂无数源）",
    ASSIGNED: "已指派部门编制",
}
AGREEMENT_STATUS_LABELS = {ACTIVE: "有效", REVOKED: "已撤销", EXPIRED: "已到期"}
PROTECTED_LEVELS = frozenset({Level.IMPORTANT, Level.CORE})


# ---------------------------------------------------------------- demands


def _text(value: str | None, name: str, label: str, *, required: bool = True, limit: int = 2000) -> str:
    text = (value or "").strip()
    if required and not text:
        raise field_error(name, f"请填写{label}")
    if len(text) > limit:
        raise field_error(name, f"{label}不能超过{limit}个字")
    return text


def _consumer_department(actor: Actor | None) -> int:
    actor = require(actor, Perm.SHARING_REQUEST)
    if actor.department_id is None:
        raise PermissionDenied("申请共享数据须以所在部门的名义：您的账号没有所属部门")
    require(actor, Perm.SHARING_REQUEST, department=actor.department_id)
    return actor.department_id


def _period(data: DemandInput) -> tuple[dt.date, dt.date]:
    today = clock.today_in_china()
    start = data.period_start or today
    if data.period_end is None:
        raise field_error("period_end", "请填写使用期限的截止日期")
    if data.period_end < start:
        raise field_error("period_end", "截止日期不能早于开始日期")
    if data.period_end < today:
        raise field_error("period_end", "截止日期不能早于今天")
    if data.period_end - start > MAX_PERIOD:
        raise field_error("period_end", "使用期限不能超过三年")
    return start, data.period_end


def _check_fields(spec: ResourceSpec, names: Sequence[str], param: str) -> list[str]:
    known = {f.name for f in spec.fields}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise field_error(param, f"数据资源「{spec.name}」没有信息项：{'、'.join(unknown)}")
    return list(dict.fromkeys(names))


def file_demand(session: Session, actor: Actor | None, data: DemandInput) -> SharingDemand:
    """File a demand. Unconditional data is granted at once; conditional data waits for the provider;
    data the catalog marks 不予共享 is refused with the reason; data nobody publishes joins the 需求清单."""
    consumer = _consumer_department(actor)
    assert actor is not None
    purpose = _text(data.purpose, "purpose", "用途")
    legal_basis = _text(data.legal_basis, "legal_basis", "依据（法律法规或职责）")
    if data.expected_volume < 0:
        raise field_error("expected_volume", "预计调用量不能为负数")
    start, end = _period(data)
    code = (data.resource_code or "").strip()
    now = clock.now()
    demand = SharingDemand(
        consumer_department_id=consumer,
        purpose=purpose,
        legal_basis=legal_basis,
        period_start=start,
        period_end=end,
        expected_volume=data.expected_volume,
        filed_by_account_id=actor.account_id,
        filed_by_name=actor.display_name,
        filed_at=now,
        status=PENDING,
        fields=[],
        unmasked_fields=[],
    )
    if not code:
        demand.wanted = _text(data.wanted, "wanted", "所需数据的说明")
        demand.resource_name = demand.wanted[:128]
        demand.status = UNMATCHED
        session.add(demand)
        session.flush()
        _ledger(session, actor, "sharing.demand.file", demand, {"status": UNMATCHED})
        return demand

    spec = catalog.published_spec(session, code)
    if not data.fields:
        raise field_error("fields", "请至少选择一个信息项")
    fields = _check_fields(spec, data.fields, "fields")
    unmasked = _check_fields(spec, data.unmasked_fields, "unmasked_fields")
    outside = [n for n in unmasked if n not in fields]
    if outside:
        raise field_error("unmasked_fields", f"不脱敏的信息项须在申请的信息项之中：{'、'.join(outside)}")
    if spec.provider_department_id == consumer:
        raise field_error("resource_code", "这是本部门自己的数据资源，无需申请共享")
    demand.resource_code = spec.code
    demand.resource_name = spec.name
    demand.provider_department_id = spec.provider_department_id
    demand.fields = fields
    demand.unmasked_fields = [n for n in unmasked if is_protected(spec.field(n))]
    session.add(demand)

    refusal = _refusal(spec, fields)
    if refusal:
        demand.status = REFUSED
        demand.decided_at = now
        demand.decision_reason = refusal
        session.flush()
        _ledger(session, actor, "sharing.demand.refuse", demand, {"reason": refusal})
        return demand
    if _needs_provider(spec, fields, demand.unmasked_fields):
        demand.status = PENDING
        demand.due_date = calendar.add_working_days(
            session, clock.today_in_china(), APPROVAL_WORKING_DAYS
        ).value
        session.flush()
        _ledger(session, actor, "sharing.demand.file", demand, {"status": PENDING, "due": demand.due_date})
        return demand
    demand.status = APPROVED
    session.flush()
    _ledger(session, actor, "sharing.demand.file", demand, {"status": APPROVED})
    _grant(session, actor, demand, fields, demand.unmasked_fields, end, DEFAULT_DAILY_QUOTA, automatic=True)
    return demand


def _refusal(spec: ResourceSpec, fields: Sequence[str]) -> str | None:
    if spec.share_type == ShareType.NONE:
        return f"数据资源「{spec.name}」在目录中标为不予共享"
    barred = [spec.field(n).label for n in fields if spec.field(n).share_type == ShareType.NONE]
    if barred:
        return f"以下信息项在目录中标为不予共享：{'、'.join(barred)}"
    return None


def _needs_provider(spec: ResourceSpec, fields: Sequence[str], unmasked: Sequence[str]) -> bool:
    if spec.share_type == ShareType.CONDITIONAL or unmasked:
        return True
    return any(spec.field(n).share_type == ShareType.CONDITIONAL for n in fields)


def is_protected(f: FieldSpec) -> bool:
    return f.sensitive_pi or f.level in PROTECTED_LEVELS


def get_demand(session: Session, demand_id: int) -> SharingDemand:
    demand = session.get(SharingDemand, demand_id)
    if demand is None:
        raise NotFound(f"找不到第{demand_id}号共享需求")
    return demand


def _pending_for_provider(session: Session, actor: Actor | None, demand_id: int) -> SharingDemand:
    demand = get_demand(session, demand_id)
    require(actor, Perm.SHARING_APPROVE, department=demand.provider_department_id or -1)
    if demand.status != PENDING:
        raise Conflict(f"第{demand.id}号共享需求已是「{DEMAND_STATUS_LABELS[demand.status]}」，不能再审核")
    return demand


def approve(
    session: Session, actor: Actor | None, demand_id: int, data: ApproveInput | None = None
) -> SharingAgreement:
    """The provider approves, possibly narrowing fields, unmasked fields and the period."""
    data = data or ApproveInput()
    demand = _pending_for_provider(session, actor, demand_id)
    assert actor is not None and demand.resource_code is not None
    fields = list(demand.fields) if data.fields is None else list(dict.fromkeys(data.fields))
    wider = [n for n in fields if n not in demand.fields]
    if wider:
        raise field_error("fields", f"只能缩小申请的信息项范围，不能增加：{'、'.join(wider)}")
    if not fields:
        raise field_error("fields", "至少保留一个信息项；不同意共享请驳回")
    unmasked = (
        demand.unmasked_fields if data.unmasked_fields is None else list(dict.fromkeys(data.unmasked_fields))
    )
    extra = [n for n in unmasked if n not in demand.unmasked_fields or n not in fields]
    if extra:
        raise field_error("unmasked_fields", f"只能在申请范围内授予不脱敏：{'、'.join(extra)}")
    end = data.period_end or demand.period_end
    if end > demand.period_end:
        raise field_error("period_end", "只能缩短使用期限，不能延长")
    if end < clock.today_in_china():
        raise field_error("period_end", "截止日期不能早于今天")
    quota = data.daily_quota if data.daily_quota is not None else DEFAULT_DAILY_QUOTA
    if quota < 1:
        raise field_error("daily_quota", "每日调用上限至少为1次")
    return _grant(session, actor, demand, fields, unmasked, end, quota, automatic=False)


def _grant(
    session: Session,
    actor: Actor,
    demand: SharingDemand,
    fields: list[str],
    unmasked: list[str],
    end: dt.date,
    quota: int,
    *,
    automatic: bool,
) -> SharingAgreement:
    assert demand.resource_code is not None and demand.provider_department_id is not None
    now = clock.now()
    demand.status = APPROVED
    demand.decided_at = now
    demand.decided_by_account_id = None if automatic else actor.account_id
    demand.decided_by_name = "无条件共享，自动通过" if automatic else actor.display_name
    agreement = SharingAgreement(
        demand_id=demand.id,
        resource_code=demand.resource_code,
        resource_name=demand.resource_name,
        provider_department_id=demand.provider_department_id,
        consumer_department_id=demand.consumer_department_id,
        fields=fields,
        unmasked_fields=unmasked,
        purpose=demand.purpose,
        valid_from=demand.period_start,
        valid_until=end,
        daily_quota=quota,
        status=ACTIVE,
        created_at=now,
    )
    session.add(agreement)
    session.flush()
    _ledger(
        session,
        actor,
        "sharing.demand.approve",
        demand,
        {
            "agreement_id": agreement.id,
            "automatic": automatic,
            "fields": fields,
            "unmasked_fields": unmasked,
            "valid_until": end,
            "daily_quota": quota,
        },
    )
    return agreement


def reject(session: Session, actor: Actor | None, demand_id: int, reason: str) -> SharingDemand:
    demand = _pending_for_provider(session, actor, demand_id)
    assert actor is not None
    demand.decision_reason = _text(reason, "reason", "驳回理由")
    demand.status = REJECTED
    demand.decided_at = clock.now()
    demand.decided_by_account_id = actor.account_id
    demand.decided_by_name = actor.display_name
    session.flush()
    _ledger(session, actor, "sharing.demand.reject", demand, {"reason": demand.decision_reason})
    return demand


def assign(session: Session, actor: Actor | None, demand_id: int, department_id: int) -> SharingDemand:
    """The operator names the department that should produce data nobody publishes yet."""
    require(actor, Perm.CATALOG_REVIEW)
    assert actor is not None
    demand = get_demand(session, demand_id)
    if demand.status not in (UNMATCHED, ASSIGNED):
        raise Conflict(f"第{demand.id}号需求不在需求清单中")
    department = org.get_department(session, department_id)
    demand.status = ASSIGNED
    demand.assigned_department_id = department.id
    demand.due_date = calendar.add_working_days(
        session, clock.today_in_china(), APPROVAL_WORKING_DAYS * 4
    ).value
    session.flush()
    _ledger(session, actor, "sharing.demand.assign", demand, {"department_id": department.id})
    return demand


def _ledger(
    session: Session, actor: Actor | None, action: str, demand: SharingDemand, extra: Mapping[str, Any]
) -> None:
    payload = {
        "demand_id": demand.id,
        "resource": demand.resource_code,
        "consumer_department_id": demand.consumer_department_id,
        "provider_department_id": demand.provider_department_id,
        "fields": demand.fields,
        "purpose": demand.purpose,
        "legal_basis": demand.legal_basis,
        **{k: v.isoformat() if isinstance(v, dt.date) else v for k, v in extra.items()},
    }
    ledger.append(session, action=action, subject=f"sharing.demand:{demand.id}", payload=payload, actor=actor)


# ---------------------------------------------------------------- lists


def consumer_demands(session: Session, actor: Actor | None) -> list[SharingDemand]:
    department = _consumer_department(actor)
    query = select(SharingDemand).where(SharingDemand.consumer_department_id == department)
    return list(session.scalars(query.order_by(SharingDemand.id.desc())))


def provider_demands(
    session: Session, actor: Actor | None, *, pending_only: bool = False
) -> list[SharingDemand]:
    actor = require(actor, Perm.SHARING_APPROVE)
    query = select(SharingDemand).where(SharingDemand.provider_department_id.is_not(None))
    if not actor.can(Perm.CATALOG_REVIEW):
        query = query.where(SharingDemand.provider_department_id.in_(sorted(actor.scope)))
    if pending_only:
        query = query.where(SharingDemand.status == PENDING)
    return list(session.scalars(query.order_by(SharingDemand.due_date, SharingDemand.id)))


def demand_list(session: Session, actor: Actor | None) -> list[SharingDemand]:
    """需求清单: demands for data nobody publishes, for the operator to assign."""
    require(actor, Perm.CATALOG_REVIEW)
    query = select(SharingDemand).where(SharingDemand.status.in_([UNMATCHED, ASSIGNED]))
    return list(session.scalars(query.order_by(SharingDemand.id)))


def agreements_for(session: Session, actor: Actor | None) -> list[SharingAgreement]:
    """Agreements where the actor's department is consumer or provider (all of them for the operator)."""
    actor = require(actor, Perm.SHARING_REQUEST)
    query = select(SharingAgreement)
    if not actor.can(Perm.CATALOG_REVIEW):
        scope = sorted(actor.scope)
        query = query.where(
            SharingAgreement.consumer_department_id.in_(scope)
            | SharingAgreement.provider_department_id.in_(scope)
        )
    return list(session.scalars(query.order_by(SharingAgreement.id.desc())))


def agreement_state(agreement: SharingAgreement, today: dt.date | None = None) -> str:
    if agreement.status == REVOKED:
        return REVOKED
    if (today or clock.today_in_china()) > agreement.valid_until:
        return EXPIRED
    return ACTIVE


def get_agreement(session: Session, agreement_id: int) -> SharingAgreement:
    agreement = session.get(SharingAgreement, agreement_id)
    if agreement is None:
        raise NotFound(f"找不到第{agreement_id}号共享授权")
    return agreement


def revoke(session: Session, actor: Actor | None, agreement_id: int, reason: str) -> SharingAgreement:
    """The provider (or the operator) revokes; the consumer may give up its own agreement too."""
    agreement = get_agreement(session, agreement_id)
    actor = require(actor, Perm.SHARING_REQUEST)
    if not (
        actor.can(Perm.SHARING_APPROVE, department=agreement.provider_department_id)
        or actor.can(Perm.SHARING_REQUEST, department=agreement.consumer_department_id)
    ):
        raise PermissionDenied("只有提供方、使用方或平台管理员可以撤销这项共享授权")
    if agreement.status == REVOKED:
        raise Conflict(f"第{agreement.id}号共享授权已撤销")
    agreement.revoke_reason = _text(reason, "reason", "撤销理由")
    agreement.status = REVOKED
    agreement.revoked_at = clock.now()
    session.flush()
    ledger.append(
        session,
        action="sharing.agreement.revoke",
        subject=f"sharing.agreement:{agreement.id}",
        payload={
            "agreement_id": agreement.id,
            "resource": agreement.resource_code,
            "reason": agreement.revoke_reason,
        },
        actor=actor,
    )
    return agreement


# ---------------------------------------------------------------- credentials (OAuth2 client credentials)


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str  # shown once; only its hash is kept


def _digest(secret: str) -> str:
    return sm3_hex(secret.encode())


def issue_credentials(session: Session, actor: Actor | None, agreement_id: int) -> Credentials:
    """New credentials for the consumer's system (replacing any earlier ones and their tokens)."""
    agreement = get_agreement(session, agreement_id)
    require(actor, Perm.SHARING_REQUEST, department=agreement.consumer_department_id)
    state = agreement_state(agreement)
    if state != ACTIVE:
        raise Conflict(f"第{agreement.id}号共享授权{AGREEMENT_STATUS_LABELS[state]}，不能签发调用凭据")
    secret = token(32)
    agreement.client_id = agreement.client_id or f"sz-{agreement.id}-{token(9)}"
    agreement.client_secret_hash = _digest(secret)
    agreement.credentials_issued_at = clock.now()
    session.query(SharingToken).filter(SharingToken.agreement_id == agreement.id).delete()
    session.flush()
    ledger.append(
        session,
        action="sharing.credentials.issue",
        subject=f"sharing.agreement:{agreement.id}",
        payload={"agreement_id": agreement.id, "client_id": agreement.client_id},
        actor=actor,
    )
    return Credentials(agreement.client_id, secret)


class InvalidClient(NotAuthenticated):
    code = "invalid_client"
    default_message = "客户端凭据无效（client_id 或 client_secret 错误）"


class InvalidToken(NotAuthenticated):
    code = "invalid_token"
    default_message = "访问令牌无效或已过期，请重新获取（POST /api/sharing/oauth/token）"


class AgreementInactive(DomainError):
    status = 403
    code = "agreement_inactive"


def _usable(agreement: SharingAgreement) -> SharingAgreement:
    state = agreement_state(agreement)
    if state != ACTIVE:
        raise AgreementInactive(f"第{agreement.id}号共享授权{AGREEMENT_STATUS_LABELS[state]}，不能再调用")
    return agreement


def issue_token(session: Session, client_id: str, client_secret: str) -> tuple[str, int]:
    """Exchange client credentials for a bearer token (raw token, seconds to live)."""
    agreement = session.scalar(
        select(SharingAgreement).where(SharingAgreement.client_id == (client_id or ""))
    )
    if agreement is None or agreement.client_secret_hash is None:
        raise InvalidClient()
    if not hmac.compare_digest(agreement.client_secret_hash, _digest(client_secret or "")):
        raise InvalidClient()
    _usable(agreement)
    raw = token(32)
    now = clock.now()
    session.add(
        SharingToken(
            agreement_id=agreement.id, token_hash=_digest(raw), issued_at=now, expires_at=now + TOKEN_TTL
        )
    )
    session.flush()
    return raw, int(TOKEN_TTL.total_seconds())


def agreement_for_token(session: Session, raw: str | None) -> SharingAgreement:
    if not raw:
        raise InvalidToken("请提供访问令牌（Authorization: Bearer …）")
    agreement = session.scalar(
        select(SharingAgreement)
        .join(SharingToken, SharingToken.agreement_id == SharingAgreement.id)
        .where(SharingToken.token_hash == _digest(raw), SharingToken.expires_at > clock.now())
    )
    if agreement is None:
        raise InvalidToken()
    return _usable(agreement)


# ---------------------------------------------------------------- the data service


def person_subject(id_number: str) -> str:
    return "person:" + pi.blind_index(pi.PIKind.ID_NUMBER, id_number)


def enterprise_subject(uscc: str) -> str:
    normal = uscc.strip().upper()
    return "org:" + hmac_sm3(purpose_key("sharing-subject"), f"uscc\x00{normal}".encode()).hex()


def subjects_of(kind: IdentifierKind, values: Sequence[str]) -> list[str]:
    """`person_subject` / `enterprise_subject` of many values at once (an export's every identifier)."""
    if kind == IdentifierKind.ID_NUMBER:
        return ["person:" + h for h in pi.blind_indexes(pi.PIKind.ID_NUMBER, values)]
    base = hmac.new(purpose_key("sharing-subject"), None, "sm3")
    out = []
    for value in values:
        h = base.copy()
        h.update(f"uscc\x00{value.strip().upper()}".encode())
        out.append("org:" + h.hexdigest())
    return out


def _subject(f: FieldSpec, value: Any) -> str | None:
    if value in (None, ""):
        return None
    if f.identifier == IdentifierKind.ID_NUMBER:
        return person_subject(str(value))
    if f.identifier == IdentifierKind.USCC:
        return enterprise_subject(str(value))
    return None


def _mask_kind(f: FieldSpec) -> pi.PIKind:
    if f.identifier == IdentifierKind.ID_NUMBER:
        return pi.PIKind.ID_NUMBER
    if f.identifier == IdentifierKind.PHONE:
        return pi.PIKind.PHONE
    if "地址" in f.label or "住址" in f.label:
        return pi.PIKind.ADDRESS
    return pi.PIKind.NAME  # keeps the first character only


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@dataclass(frozen=True)
class Served:
    body: dict[str, Any]


def _selected_fields(
    spec: ResourceSpec, agreement: SharingAgreement, wanted: Sequence[str] | None
) -> list[str]:
    if not wanted:
        return [f.name for f in spec.fields if f.name in agreement.fields]
    known = {f.name for f in spec.fields}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise field_error("fields", f"没有这个信息项：{'、'.join(unknown)}")
    outside = [n for n in wanted if n not in agreement.fields]
    if outside:
        raise PermissionDenied(
            f"共享授权不包括信息项：{'、'.join(outside)}",
            code="field_not_agreed",
            details={"fields": outside},
        )
    return list(dict.fromkeys(wanted))


def _spec_for(session: Session, agreement: SharingAgreement, code: str) -> ResourceSpec:
    spec = catalog.published_spec(session, code)  # NotFound for unknown resources
    if agreement.resource_code != spec.code:
        raise PermissionDenied(
            f"第{agreement.id}号共享授权不包括数据资源「{spec.name}」", code="resource_not_agreed"
        )
    return spec


def _shape(
    spec: ResourceSpec, agreement: SharingAgreement, row: Mapping[str, Any], fields: Sequence[str]
) -> dict[str, Any]:
    out = {}
    for name in fields:
        f = spec.field(name)
        value = _json(row.get(name))
        if is_protected(f) and name not in agreement.unmasked_fields and value not in (None, ""):
            value = pi.mask(_mask_kind(f), str(value))
        out[name] = value
    return out


def _masked(spec: ResourceSpec, agreement: SharingAgreement, fields: Sequence[str]) -> list[str]:
    return [n for n in fields if is_protected(spec.field(n)) and n not in agreement.unmasked_fields]


RATE_PER_SECOND = 100.0  # sustained calls per second per agreement, in this process
BURST = 200.0  # calls an idle agreement may make at once


@dataclass
class _Bucket:
    tokens: float
    at: dt.datetime


_buckets: dict[int, _Bucket] = {}
_buckets_lock = threading.Lock()


def _rate_limit(agreement: SharingAgreement) -> None:
    """A token bucket per agreement. Process-local: with several server processes each allows the rate
    (the daily quota, in the database, is the hard limit)."""
    now = clock.now()
    with _buckets_lock:
        bucket = _buckets.setdefault(agreement.id, _Bucket(BURST, now))
        elapsed = max(0.0, (now - bucket.at).total_seconds())
        tokens = min(BURST, bucket.tokens + elapsed * RATE_PER_SECOND)
        bucket.at = now
        if tokens < 1:
            bucket.tokens = tokens
            raise TooManyRequests(
                f"第{agreement.id}号共享授权调用过于频繁（每秒不超过{RATE_PER_SECOND:g}次），请稍后再试",
                code="rate_limited",
                retry_after=1,
            )
        bucket.tokens = tokens - 1


def _count_call(session: Session, agreement: SharingAgreement, rows: int) -> None:
    """The per-agreement daily quota: one counter row per day, counted up by a single conditional UPDATE
    (the row stays locked until the call's transaction commits, so the quota is exact)."""
    day = clock.today_in_china()
    mine = (SharingUsage.agreement_id == agreement.id) & (SharingUsage.day == day)
    counted = session.execute(
        update(SharingUsage)
        .where(mine, SharingUsage.calls < agreement.daily_quota)
        .values(calls=SharingUsage.calls + 1, rows=SharingUsage.rows + rows)
        .execution_options(synchronize_session=False)
    )
    if counted.rowcount == 1:  # type: ignore[attr-defined]
        return
    if session.scalar(select(SharingUsage.id).where(mine)) is not None:
        raise TooManyRequests(
            f"第{agreement.id}号共享授权今日调用已达上限（{agreement.daily_quota}次），请明日再试",
            code="quota_exceeded",
            retry_after=3600,
        )
    try:
        with session.begin_nested():  # the day's first call; a concurrent first call may win the insert
            session.execute(
                insert(SharingUsage).values(agreement_id=agreement.id, day=day, calls=1, rows=rows)
            )
    except IntegrityError:
        _count_call(session, agreement, rows)


def _trace(
    session: Session,
    agreement: SharingAgreement,
    spec: ResourceSpec,
    kind: str,
    fields: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    key_hash: str | None,
) -> int:
    """Ledger entry for the call and one access-log row per person/enterprise served, in this transaction."""
    subjects = sorted(
        {s for row in rows for f in spec.fields if (s := _subject(f, row.get(f.name))) is not None}
    )
    entry = ledger.append(
        session,
        action="sharing.access",
        subject=subjects[0] if len(subjects) == 1 else f"sharing.agreement:{agreement.id}",
        payload={
            "kind": kind,
            "agreement_id": agreement.id,
            "consumer_department_id": agreement.consumer_department_id,
            "resource": spec.code,
            "fields": list(fields),
            "purpose": agreement.purpose,
            "key_hash": key_hash,
            "rows": len(rows),
        },
        actor_label=f"client:{agreement.client_id}"[:64],
    )
    if subjects:  # Core, not ORM objects: one statement and no unit of work while the ledger is locked
        now = clock.now()
        session.execute(
            insert(SharingAccess),
            [
                {"subject": s, "agreement_id": agreement.id, "ledger_seq": entry.seq, "time": now}
                for s in subjects
            ],
        )
    return entry.seq


def lookup(
    session: Session, agreement: SharingAgreement, code: str, key: str, fields: Sequence[str] | None = None
) -> dict[str, Any]:
    """One record by its key (e.g. 身份证号 → 人口基础信息), agreed fields only, masked as agreed."""
    _rate_limit(agreement)
    spec = _spec_for(session, agreement, code)
    selected = _selected_fields(spec, agreement, fields)
    if len(spec.key_fields) != 1:
        raise field_error("key", f"数据资源「{spec.name}」没有单一主键，请用 query 接口按条件查询")
    key_field = spec.field(spec.key_fields[0])
    value = (key or "").strip()
    if not value or len(value) > 200:
        raise field_error("key", f"请提供{key_field.label}（不超过200个字符）")
    if key_field.identifier in (IdentifierKind.ID_NUMBER, IdentifierKind.USCC):
        value = value.upper()
    rows = ingest.read_rows(session, spec.code, filters={key_field.name: value}, limit=1)
    key_hash = _subject(key_field, value) or "key:" + sm3_hex(f"{spec.code}\x00{value}".encode())
    _count_call(session, agreement, len(rows))
    seq = _trace(session, agreement, spec, "lookup", selected, rows, key_hash)
    return {
        "resource": spec.code,
        "agreement_id": agreement.id,
        "found": bool(rows),
        "record": _shape(spec, agreement, rows[0], selected) if rows else None,
        "masked_fields": _masked(spec, agreement, selected),
        "trace_id": seq,
    }


def query(
    session: Session,
    agreement: SharingAgreement,
    code: str,
    filters: Mapping[str, str],
    *,
    limit: int = 20,
    offset: int = 0,
    fields: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Rows matching equality filters on agreed fields, a page at a time (limit capped at MAX_LIMIT)."""
    _rate_limit(agreement)
    spec = _spec_for(session, agreement, code)
    selected = _selected_fields(spec, agreement, fields)
    clean = _clean_filters(spec, agreement, filters)
    if limit < 1:
        raise field_error("limit", "至少为1")
    if offset < 0:
        raise field_error("offset", "不能为负数")
    capped = limit > MAX_LIMIT
    limit = min(limit, MAX_LIMIT)
    rows = ingest.read_rows(session, spec.code, filters=clean or None, limit=limit, offset=offset)
    total = ingest.count_rows(session, spec.code, filters=clean or None)
    key_hash = "filter:" + sm3_hex(repr(sorted(clean.items())).encode()) if clean else None
    _count_call(session, agreement, len(rows))
    seq = _trace(session, agreement, spec, "query", selected, rows, key_hash)
    body: dict[str, Any] = {
        "resource": spec.code,
        "agreement_id": agreement.id,
        "total": total,
        "limit": limit,
        "offset": offset,
        "limit_capped": capped,
        "records": [_shape(spec, agreement, r, selected) for r in rows],
        "masked_fields": _masked(spec, agreement, selected),
        "trace_id": seq,
    }
    if capped:
        body["notice"] = f"每页最多返回{MAX_LIMIT}条，limit 已按{MAX_LIMIT}处理"
    return body


# ---------------------------------------------------------------- trace and figures


@dataclass(frozen=True)
class AccessView:
    time: dt.datetime
    consumer: str
    resource_name: str
    resource_code: str
    purpose: str
    agreement_id: int
    ledger_seq: int


def trace(session: Session, subject: str, *, limit: int = 200) -> list[AccessView]:
    """Who accessed the person's / enterprise's data: one indexed query on the access log."""
    rows = session.execute(
        select(SharingAccess, SharingAgreement)
        .join(SharingAgreement, SharingAgreement.id == SharingAccess.agreement_id)
        .where(SharingAccess.subject == subject)
        .order_by(SharingAccess.time.desc(), SharingAccess.id.desc())
        .limit(limit)
    ).all()
    names = {d.id: d.name for d in org.list_departments(session)}
    return [
        AccessView(
            time=access.time,
            consumer=names.get(a.consumer_department_id, ""),
            resource_name=a.resource_name,
            resource_code=a.resource_code,
            purpose=a.purpose,
            agreement_id=a.id,
            ledger_seq=access.ledger_seq,
        )
        for access, a in rows
    ]


def my_trace(session: Session, actor: Actor | None) -> list[AccessView]:
    """我的数据被谁用了: the citizen's own 身份证号 (or the enterprise's USCC) from their account."""
    actor = require(actor, Perm.SELF_SERVICE)
    account = session.get(Account, actor.account_id)
    if account is None:
        raise NotFound("找不到您的账号")
    if account.id_number_enc:
        return trace(session, person_subject(pi.reveal(pi.PIKind.ID_NUMBER, account.id_number_enc)))
    if account.uscc:
        return trace(session, enterprise_subject(account.uscc))
    return []


def operator_trace(
    session: Session, actor: Actor | None, *, id_number: str = "", uscc: str = ""
) -> list[AccessView]:
    """The operator's look-up for a person or enterprise; the look-up itself is in the ledger."""
    actor = require(actor, Perm.AUDIT_READ)
    if id_number.strip():
        subject = person_subject(id_number)
    elif uscc.strip():
        subject = enterprise_subject(uscc)
    else:
        raise field_error("id_number", "请填写身份证号或统一社会信用代码")
    ledger.append(session, action="sharing.trace", subject=subject, payload={"subject": subject}, actor=actor)
    return trace(session, subject)


@dataclass(frozen=True)
class Kpis:
    shareable_resources: int
    served_resources: int
    served_ratio: float | None  # 统一提供数据服务比例
    decided_demands: int
    median_fulfilment_hours: float | None
    pending_demands: int
    overdue_demands: int
    calls_total: int
    rows_total: int


def kpis(session: Session, actor: Actor | None) -> Kpis:
    require(actor, Perm.AUDIT_READ)
    shareable = {s.code for s in catalog.published_specs(session) if s.share_type != ShareType.NONE}
    served = set(
        session.scalars(
            select(SharingAgreement.resource_code)
            .join(SharingUsage, SharingUsage.agreement_id == SharingAgreement.id)
            .where(SharingUsage.calls > 0)
            .distinct()
        )
    )
    served &= shareable
    decided = session.execute(
        select(SharingDemand.filed_at, SharingDemand.decided_at).where(SharingDemand.status == APPROVED)
    ).all()
    hours = [(d - f).total_seconds() / 3600 for f, d in decided if d is not None]
    today = clock.today_in_china()
    pending = list(session.scalars(select(SharingDemand).where(SharingDemand.status == PENDING)))
    calls, rows = session.execute(
        select(func.coalesce(func.sum(SharingUsage.calls), 0), func.coalesce(func.sum(SharingUsage.rows), 0))
    ).one()
    return Kpis(
        shareable_resources=len(shareable),
        served_resources=len(served),
        served_ratio=len(served) / len(shareable) if shareable else None,
        decided_demands=len(hours),
        median_fulfilment_hours=statistics.median(hours) if hours else None,
        pending_demands=len(pending),
        overdue_demands=sum(1 for d in pending if d.due_date is not None and d.due_date < today),
        calls_total=int(calls),
        rows_total=int(rows),
    )


@dataclass(frozen=True)
class ResourceUsage:
    resource_code: str
    resource_name: str
    agreements: int
    calls: int
    rows: int


def usage_by_resource(session: Session, actor: Actor | None) -> list[ResourceUsage]:
    """Calls and rows served per resource, over every agreement (the operator's view)."""
    require(actor, Perm.AUDIT_READ)
    query = (
        select(
            SharingAgreement.resource_code,
            func.max(SharingAgreement.resource_name),
            func.count(func.distinct(SharingAgreement.id)),
            func.coalesce(func.sum(SharingUsage.calls), 0),
            func.coalesce(func.sum(SharingUsage.rows), 0),
        )
        .outerjoin(SharingUsage, SharingUsage.agreement_id == SharingAgreement.id)
        .group_by(SharingAgreement.resource_code)
        .order_by(func.coalesce(func.sum(SharingUsage.calls), 0).desc(), SharingAgreement.resource_code)
    )
    return [
        ResourceUsage(code, name, int(n), int(c), int(r)) for code, name, n, c, r in session.execute(query)
    ]


def usage_by_agreement(session: Session, agreement_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    if not agreement_ids:
        return {}
    query = (
        select(SharingUsage.agreement_id, func.sum(SharingUsage.calls), func.sum(SharingUsage.rows))
        .where(SharingUsage.agreement_id.in_(list(agreement_ids)))
        .group_by(SharingUsage.agreement_id)
    )
    return {a: (int(c), int(r)) for a, c, r in session.execute(query)}


# ---------------------------------------------------------------- bulk export (批量导出)

QUEUED, RUNNING, DONE, FAILED, PURGED = "queued", "running", "done", "failed", "purged"
EXPORT_STATUS_LABELS = {
    QUEUED: "排队中",
    RUNNING: "生成中",
    DONE: "可下载",
    FAILED: "失败",
    PURGED: "已过保留期，文件已删除",
}


def _clean_filters(
    spec: ResourceSpec, agreement: SharingAgreement, filters: Mapping[str, str]
) -> dict[str, str]:
    clean: dict[str, str] = {}
    for name, value in filters.items():
        if name not in {f.name for f in spec.fields}:
            raise field_error(name, "没有这个信息项，不能作为查询条件")
        if name not in agreement.fields:
            raise PermissionDenied(
                f"共享授权不包括信息项「{spec.field(name).label}」，不能作为查询条件",
                code="field_not_agreed",
                details={"fields": [name]},
            )
        if len(value) > 200:
            raise field_error(name, "查询条件不能超过200个字符")
        clean[name] = value
    return clean


def request_export(
    session: Session,
    agreement: SharingAgreement,
    code: str,
    filters: Mapping[str, str],
    fields: Sequence[str] | None = None,
) -> SharingExport:
    """Queue a bulk export; a job produces the file (`run_export`). Counts as one call of the quota."""
    _rate_limit(agreement)
    spec = _spec_for(session, agreement, code)
    selected = _selected_fields(spec, agreement, fields)
    clean = _clean_filters(spec, agreement, filters)
    _count_call(session, agreement, 0)
    export = SharingExport(
        agreement_id=agreement.id, status=QUEUED, filters=clean, fields=selected, requested_at=clock.now()
    )
    session.add(export)
    session.flush()
    return export


def export_dir() -> Path:
    return get_settings().var_dir / "sharing" / "exports"


def run_export(session: Session, export_id: int) -> SharingExport:
    """Produce the export's CSV (agreed fields, masked as agreed) and trace every person/enterprise in
    it, in the caller's transaction: the file is only offered once that transaction commits.

    The file is written by one DuckDB COPY with the masking in SQL (`pi.mask_sql`), and the people and
    enterprises in it are read as distinct identifiers in batches: a million-row export never passes
    through Python row by row."""
    export = session.get(SharingExport, export_id)
    if export is None:
        raise NotFound(f"找不到第{export_id}号导出任务")
    if export.status != QUEUED:
        return export
    agreement = get_agreement(session, export.agreement_id)
    try:
        _usable(agreement)
        spec = _spec_for(session, agreement, agreement.resource_code)
        version = ingest.get_version(session, spec.code).number
        directory = export_dir()
        directory.mkdir(parents=True, exist_ok=True)
        name = f"{export.id}-{token(12)}.csv"
        count = ingest.copy_rows(
            session,
            spec.code,
            directory / name,
            _export_columns(spec, agreement, export.fields),
            version=version,
            filters=export.filters or None,
        )
    except DomainError as err:
        export.status, export.error, export.finished_at = FAILED, err.message, clock.now()
        session.flush()
        return export
    digest = _sha256_file(directory / name)
    entry = ledger.append(
        session,
        action="sharing.access",
        subject=f"sharing.agreement:{agreement.id}",
        payload={
            "kind": "export",
            "export_id": export.id,
            "agreement_id": agreement.id,
            "consumer_department_id": agreement.consumer_department_id,
            "resource": spec.code,
            "version": version,
            "fields": export.fields,
            "purpose": agreement.purpose,
            "key_hash": "filter:" + sm3_hex(repr(sorted(export.filters.items())).encode())
            if export.filters
            else None,
            "rows": count,
            "file_sha256": digest,
        },
        actor_label=f"client:{agreement.client_id}"[:64],
    )
    now = clock.now()
    _trace_subjects(session, agreement, spec, version, export.filters or None, entry.seq, now)
    usage = session.scalar(
        select(SharingUsage).where(
            SharingUsage.agreement_id == agreement.id, SharingUsage.day == clock.today_in_china()
        )
    )
    if usage is not None:
        usage.rows += count
    export.status, export.finished_at, export.row_count = DONE, now, count
    export.file_name, export.file_digest, export.ledger_seq = name, digest, entry.seq
    session.flush()
    return export


def _export_columns(
    spec: ResourceSpec, agreement: SharingAgreement, fields: Sequence[str]
) -> list[tuple[str, str]]:
    """(header, SQL) for each exported field: the label, and the value masked unless granted."""
    masked = set(_masked(spec, agreement, fields))
    columns = []
    for name in fields:
        f = spec.field(name)
        column = lake.ident(name)
        columns.append((f.label, pi.mask_sql(_mask_kind(f), column) if name in masked else column))
    return columns


def _trace_subjects(
    session: Session,
    agreement: SharingAgreement,
    spec: ResourceSpec,
    version: int,
    filters: Mapping[str, Any] | None,
    ledger_seq: int,
    now: dt.datetime,
) -> None:
    """One access-log row per distinct person and enterprise in an export (every field that identifies
    one, even fields not exported: their data was served all the same)."""
    agreement_id = agreement.id
    for kind in (IdentifierKind.ID_NUMBER, IdentifierKind.USCC):
        names = [f.name for f in spec.fields if f.identifier == kind]
        if not names:
            continue
        for values in ingest.iter_distinct(session, spec.code, names, version=version, filters=filters):
            # Sorted, the batch walks the subject index in order instead of jumping about it: at a
            # million rows this is what keeps the inserts from thrashing the database's cache.
            bulk.insert_rows(
                session,
                SharingAccess.__table__,  # type: ignore[arg-type]
                ("subject", "agreement_id", "ledger_seq", "time"),
                ((s, agreement_id, ledger_seq, now) for s in sorted(subjects_of(kind, values))),
            )


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def get_export(session: Session, agreement: SharingAgreement, export_id: int) -> SharingExport:
    export = session.get(SharingExport, export_id)
    if export is None or export.agreement_id != agreement.id:
        raise NotFound(f"找不到第{export_id}号导出任务")
    return export


def export_retention() -> dt.timedelta:
    return dt.timedelta(days=get_settings().sharing_export_retention_days)


def export_expires_at(export: SharingExport) -> dt.datetime | None:
    """When a finished export's file is deleted (`purge_exports`): shared data is not kept about."""
    if export.status != DONE or export.finished_at is None:
        return None
    return export.finished_at + export_retention()


def purge_exports(session: Session) -> list[Path]:
    """Mark the finished exports past the retention period purged, each with a ledger entry, and return
    their files, for the caller to delete once this transaction has committed (`jobs.purge_expired`):
    a file is never gone without its ledger entry. The export stays listed with its row count and
    digest, as the trace of what was given."""
    expired = session.scalars(
        select(SharingExport)
        .where(SharingExport.status == DONE, SharingExport.finished_at < clock.now() - export_retention())
        .order_by(SharingExport.id)
    ).all()
    files = []
    for export in expired:
        ledger.append(
            session,
            action="sharing.export.purge",
            subject=f"sharing.agreement:{export.agreement_id}",
            payload={
                "export_id": export.id,
                "agreement_id": export.agreement_id,
                "file_sha256": export.file_digest,
                "retention_days": export_retention().days,
            },
        )
        if export.file_name:
            files.append(export_dir() / export.file_name)
        export.status, export.file_name = PURGED, None
    session.flush()
    return files


def export_file(session: Session, agreement: SharingAgreement, export_id: int) -> Path:
    """The finished export's file; each download is a ledger entry."""
    export = get_export(session, agreement, export_id)
    if export.status == PURGED:
        raise NotFound(
            f"第{export.id}号导出文件已超过{export_retention().days}天保留期并已删除，请重新导出",
            code="export_purged",
        )
    if export.status != DONE or not export.file_name:
        raise Conflict(f"第{export.id}号导出任务尚未完成（{export.status}）", code="export_not_ready")
    path = export_dir() / export.file_name
    if not path.is_file():
        raise NotFound(f"第{export.id}号导出文件已清理，请重新导出", code="export_gone")
    ledger.append(
        session,
        action="sharing.export.download",
        subject=f"sharing.agreement:{agreement.id}",
        payload={"export_id": export.id, "agreement_id": agreement.id, "file_sha256": export.file_digest},
        actor_label=f"client:{agreement.client_id}"[:64],
    )
    return path


def queued_exports(session: Session) -> list[int]:
    return list(session.scalars(select(SharingExport.id).where(SharingExport.status == QUEUED)))
