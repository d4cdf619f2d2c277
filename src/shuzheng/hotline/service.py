"""12345 接诉即办: intake from every channel, dispatch, the handling unit's work, disputes, extensions,
supervision, 办结, callbacks, merging duplicates, corrections to the classification, notifications.

Every function takes the session first, then the actor; none commits. Every state change writes an
event (the timeline people read) and a ledger entry (the evidence); neither holds a phone number or a
name in the clear — ledger payloads carry codes, ids and SM3 digests of free text only.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from shuzheng.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied, field_error
from shuzheng.hotline import address as addresses
from shuzheng.hotline import attachments as files
from shuzheng.hotline import deadlines, routing, taxonomy
from shuzheng.hotline.models import (
    CHANNEL_LABELS,
    OPEN_STATUSES,
    SATISFACTION_LABELS,
    STATUS_LABELS,
    ApiClient,
    Assignment,
    Attachment,
    Callback,
    Channel,
    ClassificationFeedback,
    Dispute,
    Event,
    Extension,
    Grid,
    HotlineRequest,
    Kind,
    LocationStatus,
    Notification,
    Satisfaction,
    StandardAddress,
    Status,
)
from shuzheng.kit import clock
from shuzheng.ledger import service as ledger
from shuzheng.org import service as org
from shuzheng.security import pi
from shuzheng.security import service as accounts
from shuzheng.security.crypto.sm3 import sm3_hex
from shuzheng.security.roles import Actor, Perm, Role, require

log = logging.getLogger("shuzheng.hotline")

MIN_CONTENT = 2
MAX_CONTENT = 4000
MAX_NAME = 32
MAX_NOTE = 2000
TITLE_CHARS = 30

QUEUE_REASONS = {
    "unclassified": "未能自动分类",
    "low_confidence": "分类置信度低",
    "unlocated": "地址未能识别",
    "outside": "地址不在本市",
    "no_address": "未提供地址",
    "no_route": "权责清单未覆盖",
    "duplicate": "疑似重复诉求",
    "manual": "待人工派单",
    "disputed_back": "退单后待改派",
    "faq_unsolved": "即问即答未解决",
}

_LANDLINE = re.compile(r"0\d{2,3}\d{7,8}")
_MOBILE = re.compile(r"1[3-9]\d{9}")
# Phone numbers and 身份证号 inside free text, for the texts that leave the platform (Open311 GET).
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![0-9A-Za-z])")


# ---------------------------------------------------------------- small helpers


def now() -> dt.datetime:
    return clock.now()


def digest(text: str | None) -> str | None:
    return sm3_hex(text.encode()) if text else None


def redact_text(text: str) -> str:
    """Mask phone numbers and 身份证号 written inside free text."""
    text = _PHONE_IN_TEXT.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    return _ID_IN_TEXT.sub(lambda m: f"{m.group(1)}**********{m.group(2)}", text)


def _is_symbol(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category in ("So", "Sk", "Cs", "Co", "Cn") or category.startswith("C")


def clean_content(text: str | None, field_name: str = "content") -> str:
    """Trim, normalise line ends, drop control characters; emoji are kept as the caller wrote them."""
    value = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    value = "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()
    if len(value) < MIN_CONTENT:
        raise field_error(
            field_name, "诉求内容不能为空" if not value else f"诉求内容太短（至少{MIN_CONTENT}个字）"
        )
    if len(value) > MAX_CONTENT:
        raise field_error(
            field_name, f"诉求内容不能超过{MAX_CONTENT}个字（当前{len(value)}个字），请精简后提交"
        )
    return value


def clean_note(text: str | None, field_name: str, *, required: bool, min_chars: int = 2) -> str | None:
    value = (text or "").strip()
    if not value:
        if required:
            raise field_error(field_name, "不能为空")
        return None
    if len(value) < min_chars:
        raise field_error(field_name, f"太短（至少{min_chars}个字）")
    if len(value) > MAX_NOTE:
        raise field_error(field_name, f"不能超过{MAX_NOTE}个字（当前{len(value)}个字）")
    return value


def clean_name(name: str | None) -> str | None:
    value = (name or "").strip()
    if not value:
        return None
    if len(value) > MAX_NAME:
        raise field_error("contact_name", f"姓名不能超过{MAX_NAME}个字")
    if any(_is_symbol(ch) for ch in value) or any(ch.isdigit() for ch in value):
        raise field_error("contact_name", "姓名不能包含数字、表情符号或特殊字符")
    return value


def clean_phone(phone: str | None) -> str | None:
    """A mobile number (11 digits) or a landline with its area code (0537-1234567)."""
    raw = (phone or "").strip()
    if not raw:
        return None
    compact = unicodedata.normalize("NFKC", raw).replace(" ", "").replace("-", "")
    if compact.startswith("+86"):
        compact = compact[3:]
    if _MOBILE.fullmatch(compact) or _LANDLINE.fullmatch(compact):
        return compact
    raise field_error("contact_phone", "联系电话应为11位手机号，或带区号的固定电话（如 0537-1234567）")


def clean_email(email: str | None) -> str | None:
    value = (email or "").strip()
    if not value:
        return None
    if len(value) > 120 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise field_error("email", "电子邮箱格式不正确")
    return value


def make_title(content: str) -> str:
    first = re.split(r"[\n。！？!?；;]", content, maxsplit=1)[0].strip() or content
    return first[:TITLE_CHARS] + ("…" if len(first) > TITLE_CHARS else "")


def request_number(req: HotlineRequest) -> str:
    """The number people read out on the phone: date of intake (Beijing) and id."""
    return f"{req.created_at.astimezone(clock.CHINA_TZ):%Y%m%d}{req.id:06d}"


def _label(actor: Actor | None) -> str:
    return actor.display_name[:64] if actor is not None else "系统"


def _record(
    session: Session,
    req: HotlineRequest,
    action: str,
    actor: Actor | None,
    *,
    note: str | None = None,
    public: bool = True,
    actor_label: str | None = None,
    ledger_label: str | None = None,
    **payload: Any,
) -> None:
    """One state change: a timeline event and a ledger entry (the note only as a digest)."""
    req.updated_at = now()
    session.add(
        Event(
            request_id=req.id,
            at=now(),
            action=action,
            actor_id=actor.account_id if actor else None,
            actor_label=(actor_label or _label(actor))[:64],
            department_id=req.department_id,
            note=note,
            public=public,
        )
    )
    body = {"status": req.status, "department_id": req.department_id, **payload}
    if note:
        body["note_sm3"] = digest(note)
    ledger.append(
        session,
        action=f"hotline.{action}",
        subject=f"request:{req.id}",
        payload=body,
        actor=actor,
        actor_label=ledger_label,
    )


def _expect(req: HotlineRequest, *statuses: Status, doing: str) -> None:
    if req.status not in statuses:
        raise Conflict(
            f"工单当前状态为“{STATUS_LABELS.get(Status(req.status), req.status)}”，不能{doing}",
            code="wrong_status",
        )


# ---------------------------------------------------------------- the classifier and the FAQ


@dataclass(frozen=True)
class Prediction:
    type_code: str
    topic_code: str
    confidence: float
    alternatives: list[tuple[str, float]] = field(default_factory=list)


def predict(text: str) -> Prediction | None:
    """The classifier's guess (classify.py), or None when it fails: a request is never lost to a
    classifier problem, it goes to a dispatcher instead."""
    # Imported when first needed: the model trains on first use, and most CLI commands never need it.
    from shuzheng.hotline import classify

    try:
        p = classify.get_classifier().predict(text)
    except Exception:
        log.exception("classification failed; the request goes to a dispatcher")
        return None
    if p is None or p.type_code not in taxonomy.TYPE_LABELS or p.topic_code not in taxonomy.TOPIC_LABELS:
        return None
    return Prediction(p.type_code, p.topic_code, float(p.confidence), list(p.alternatives or []))


def faq_answer(session: Session, text: str) -> Any | None:
    """A confident knowledge-base answer (即问即答, faq.py), or None."""
    from shuzheng.hotline import faq

    try:
        return faq.answer(session, text)
    except Exception:
        log.exception("FAQ lookup failed")
        return None


def faq_text(answer: Any) -> str:
    # str(FaqAnswer) includes its source line (e.g. "（演示内容）"), which the citizen should see.
    return str(answer)


def corrections(session: Session) -> list[tuple[str, str, str]]:
    """Dispatchers' corrections as (text, type_code, topic_code), the latest per request — what
    `classify.retrain` learns from."""
    latest = (
        select(ClassificationFeedback.request_id, func.max(ClassificationFeedback.id).label("fid"))
        .group_by(ClassificationFeedback.request_id)
        .subquery()
    )
    rows = session.execute(
        select(
            HotlineRequest.content,
            ClassificationFeedback.corrected_type,
            ClassificationFeedback.corrected_topic,
        )
        .join(latest, latest.c.fid == ClassificationFeedback.id)
        .join(HotlineRequest, HotlineRequest.id == ClassificationFeedback.request_id)
        .order_by(ClassificationFeedback.id)
    )
    return [(text, t, c) for text, t, c in rows]


# ---------------------------------------------------------------- notifications


def notify(
    session: Session,
    *,
    kind: str,
    title: str,
    body: str | None = None,
    link: str | None = None,
    account_id: int | None = None,
    department_id: int | None = None,
    role: Role | None = None,
) -> Notification:
    n = Notification(
        kind=kind,
        title=title[:200],
        body=body,
        link=link,
        account_id=account_id,
        department_id=department_id,
        role=role.value if role else None,
        created_at=now(),
    )
    session.add(n)
    return n


def notifications_for(
    session: Session, actor: Actor, *, days: int = 30, limit: int = 20
) -> list[Notification]:
    """What `actor` should see: addressed to them, to a department in their scope (staff who handle
    requests), or to one of their roles (scoped by department when one is set)."""
    since = now() - dt.timedelta(days=days)
    mine = [Notification.account_id == actor.account_id]
    if actor.is_staff and actor.scope:
        scope = list(actor.scope)
        if actor.can(Perm.HOTLINE_HANDLE):
            mine.append(
                and_(
                    Notification.role.is_(None),
                    Notification.account_id.is_(None),
                    Notification.department_id.in_(scope),
                )
            )
        roles = [r.value for r in actor.roles]
        mine.append(
            and_(
                Notification.role.in_(roles),
                or_(Notification.department_id.is_(None), Notification.department_id.in_(scope)),
            )
        )
    elif actor.is_staff:
        roles = [r.value for r in actor.roles]
        mine.append(and_(Notification.role.in_(roles), Notification.department_id.is_(None)))
    query = (
        select(Notification)
        .where(Notification.created_at >= since, or_(*mine))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def _tell_citizen(session: Session, req: HotlineRequest, title: str, body: str | None = None) -> None:
    if req.citizen_account_id is not None:
        notify(
            session,
            kind="request",
            title=title,
            body=body,
            link=f"/hotline/my/{req.id}",
            account_id=req.citizen_account_id,
        )


def _tell_staff(
    session: Session,
    req: HotlineRequest,
    kind: str,
    what: str,
    *,
    body: str | None = None,
    department_id: int | None = None,
    role: Role | None = None,
) -> Notification:
    """Tell a unit (`department_id`) or a role (`role`) about `req`: "<what>：<its title>", linking to
    the request's staff page."""
    return notify(
        session,
        kind=kind,
        title=f"{what}：{req.title}",
        body=body,
        link=f"/hotline/requests/{req.id}",
        department_id=department_id,
        role=role,
    )


# ---------------------------------------------------------------- intake


@dataclass
class Intake:
    channel: str
    content: str
    type_code: str | None = None
    topic_code: str | None = None
    kind: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    attachments: list[files.Upload] = field(default_factory=list)
    note: str | None = None  # e.g. the media_url an Open311 client sent


@dataclass(frozen=True)
class Duplicate:
    request_id: int
    reason: str  # "same_caller" | "same_place"
    score: float
    title: str
    status: str

    @property
    def reason_label(self) -> str:
        return "同一来电人相似内容" if self.reason == "same_caller" else "同一地点同类诉求"


@dataclass
class Submitted:
    request: HotlineRequest
    duplicates: list[Duplicate]
    route: routing.Route | None
    faq: Any | None
    auto_dispatched: bool


def _check_channel(actor: Actor | None, api_client: ApiClient | None, channel: str) -> Channel:
    try:
        ch = Channel(channel)
    except ValueError:
        raise field_error("channel", f"未知的受理渠道：{channel}") from None
    if api_client is not None:
        if ch is not Channel.OPEN311:
            raise field_error("channel", "接口提交的诉求渠道应为 open311")
        return ch
    if actor is None:
        raise NotAuthenticated()
    if actor.can(Perm.HOTLINE_INTAKE):
        return ch
    if actor.can(Perm.SELF_SERVICE):
        if ch not in (Channel.WEB, Channel.APP, Channel.MAILBOX):
            raise field_error("channel", "群众只能通过网站、移动端或市长信箱提交诉求")
        return ch
    raise PermissionDenied("没有权限：受理12345诉求", details={"permission": Perm.HOTLINE_INTAKE.value})


def _check_kind(kind: str | None) -> str:
    if not kind:
        return Kind.NORMAL.value
    try:
        return Kind(kind).value
    except ValueError:
        raise field_error("kind", "办理类别应为 urgent（紧急）、normal（一般）或 complex（复杂）") from None


def submit(
    session: Session, actor: Actor | None, data: Intake, *, api_client: ApiClient | None = None
) -> Submitted:
    """Take a request from any channel. Everything is validated before anything is written; a request
    that cannot be classified, placed or routed is kept and waits for a dispatcher."""
    channel = _check_channel(actor, api_client, data.channel)
    content = clean_content(data.content)
    kind = _check_kind(data.kind)
    type_code = taxonomy.check_type(data.type_code) if data.type_code else None
    topic_code = taxonomy.check_topic(data.topic_code) if data.topic_code else None
    name, phone = clean_name(data.contact_name), clean_phone(data.contact_phone)
    email = clean_email(data.contact_email)
    checked_files = files.check(data.attachments)
    location = addresses.locate(session, data.address, data.lat, data.lon)
    note = clean_note(data.note, "note", required=False)

    citizen_id = None
    if actor is not None and not actor.is_staff:
        citizen_id = actor.account_id
        account = accounts.get_account(session, actor.account_id)
        name = name or actor.display_name
        if phone is None and account.phone_enc:
            phone = pi.reveal(pi.PIKind.PHONE, account.phone_enc)

    prediction = predict(content)
    # A topic the submitter chose (the agent, a citizen's form, an Open311 service_code) is used as
    # given; only a topic the classifier guessed must clear the confidence threshold.
    topic_chosen = topic_code is not None
    type_code = type_code or (prediction.type_code if prediction else taxonomy.DEFAULT_TYPE)
    topic_code = topic_code or (prediction.topic_code if prediction else taxonomy.OTHER_TOPIC)

    t = now()
    req = HotlineRequest(
        channel=channel.value,
        status=Status.PENDING.value,
        kind=kind,
        type_code=type_code,
        topic_code=topic_code,
        title=make_title(content),
        content=content,
        predicted_type=prediction.type_code if prediction else None,
        predicted_topic=prediction.topic_code if prediction else None,
        confidence=prediction.confidence if prediction else None,
        citizen_account_id=citizen_id,
        address_text=addresses.clean_address(data.address),
        address_normalized=location.normalized,
        location_status=location.status.value,
        region_code=location.region_code,
        district_code=location.district_code,
        grid_code=location.grid_code,
        standard_address_id=location.standard_address_id,
        lat=location.lat,
        lon=location.lon,
        api_client_id=api_client.id if api_client else None,
        created_by_id=actor.account_id if actor and actor.is_staff else None,
        created_at=t,
        updated_at=t,
    )
    if name:
        req.contact_name_enc = pi.encrypt(pi.PIKind.NAME, name)
    if phone:
        protected = pi.protect(pi.PIKind.PHONE, phone)
        req.contact_phone_enc, req.contact_phone_bidx = protected.ciphertext, protected.blind_index
    if email:
        req.contact_email_enc = pi.encrypt(pi.PIKind.EMAIL, email)
    if channel is Channel.OPEN311:
        from shuzheng.kit.ids import token

        req.token = token(18)
    session.add(req)
    session.flush()

    for item in checked_files:
        session.add(
            Attachment(
                request_id=req.id,
                filename=item.filename,
                content_type=item.content_type,
                size=len(item.data),
                sha256=item.sha256,
                storage_key=files.store(item),
                created_at=t,
            )
        )

    ledger_label = f"open311:{api_client.name}"[:64] if api_client else None
    actor_label = f"Open311：{api_client.name}" if api_client else None
    _record(
        session,
        req,
        "intake",
        actor,
        note=note,
        public=True,
        actor_label=actor_label or (_label(actor) if actor else "系统"),
        ledger_label=ledger_label,
        channel=channel.value,
        type_code=type_code,
        topic_code=topic_code,
        kind=kind,
        location=location.status.value,
        district_code=location.district_code,
        content_sm3=digest(content),
        attachments=len(checked_files),
    )

    duplicates = find_duplicates(session, req)
    route = None
    if location.status is LocationStatus.LOCATED:
        route = routing.route(session, topic_code, location.region_code, location.grid_code)

    answer = None
    if type_code == "consult" and channel is not Channel.PHONE:
        answer = faq_answer(session, content)
    if answer is not None and deadlines.get_setting(session, "faq_auto_answer"):
        _answer_from_faq(session, req, answer)
        return Submitted(req, duplicates, route, answer, False)

    reason = _queue_reason(session, req, prediction, topic_chosen, location.status, route, duplicates)
    if reason is None and route is not None:
        _dispatch(session, None, req, route.department_id, note=f"自动派单（{route.basis}）", fresh_due=True)
        return Submitted(req, duplicates, route, answer, True)
    req.queue_reason = reason or "manual"
    return Submitted(req, duplicates, route, answer, False)


def _queue_reason(
    session: Session,
    req: HotlineRequest,
    prediction: Prediction | None,
    topic_chosen: bool,
    location: LocationStatus,
    route: routing.Route | None,
    duplicates: list[Duplicate],
) -> str | None:
    """Why a dispatcher must look at it, or None when it may be dispatched automatically."""
    if duplicates:
        return "duplicate"
    if location is LocationStatus.OUTSIDE:
        return "outside"
    if location is LocationStatus.UNRESOLVED:
        return "unlocated"
    if location is LocationStatus.NONE:
        return "no_address"
    if not topic_chosen:
        if prediction is None:
            return "unclassified"
        threshold = deadlines.get_setting(session, "auto_dispatch_confidence") / 100
        agrees = prediction.topic_code == req.topic_code and prediction.type_code == req.type_code
        if not agrees or prediction.confidence < threshold:
            return "low_confidence"
    elif deadlines.get_setting(session, "auto_dispatch_confidence") > 100:
        return "manual"
    if route is None:
        return "no_route"
    return None


def _answer_from_faq(session: Session, req: HotlineRequest, answer: Any) -> None:
    """即问即答: the knowledge base answers a consultation; the callback still asks if it helped."""
    t = now()
    req.status = Status.RESOLVED.value
    req.answer_source = "faq"
    req.result_text = faq_text(answer)
    req.resolved_at = t
    _record(
        session,
        req,
        "faq_answer",
        None,
        note=req.result_text,
        actor_label="即问即答",
        faq=str(getattr(answer, "id", "") or ""),
    )


# ---------------------------------------------------------------- suggestions while typing


@dataclass
class Suggestion:
    prediction: Prediction | None
    location: addresses.Location
    route: routing.Route | None
    faq: Any | None


def suggest(
    session: Session, actor: Actor, content: str, address: str | None, topic_code: str | None
) -> Suggestion:
    """What the intake form shows as the agent types: category, where, who would handle it, FAQ."""
    require(actor, Perm.HOTLINE_INTAKE)
    text = (content or "").strip()[:MAX_CONTENT]
    prediction = predict(text) if len(text) >= MIN_CONTENT else None
    try:
        location = addresses.locate(session, address)
    except Exception:  # a half-typed address is not an error here
        location = addresses.Location(LocationStatus.UNRESOLVED)
    topic = (
        topic_code if topic_code in taxonomy.TOPIC_LABELS else (prediction.topic_code if prediction else None)
    )
    route = None
    if topic and location.status is LocationStatus.LOCATED:
        route = routing.route(session, topic, location.region_code, location.grid_code)
    answer = faq_answer(session, text) if len(text) >= MIN_CONTENT else None
    return Suggestion(prediction, location, route, answer)


# ---------------------------------------------------------------- duplicates and merging


def bigrams(text: str) -> set[str]:
    """Character bigrams of the Chinese characters, letters and digits (punctuation and emoji ignored):
    robust for short Chinese texts without a word segmenter."""
    chars = [c for c in text if c.isalnum()]
    return {a + b for a, b in itertools.pairwise(chars)} or set(chars)


def similarity(a: str, b: str) -> float:
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


def find_duplicates(session: Session, req: HotlineRequest) -> list[Duplicate]:
    """Earlier requests that look like this one: the same caller with similar content within N days, or
    the same topic at the same place (within a radius, or the same standard address)."""
    days = deadlines.get_setting(session, "duplicate_days")
    since = req.created_at - dt.timedelta(days=days)
    base = select(HotlineRequest).where(
        HotlineRequest.id != req.id,
        HotlineRequest.created_at >= since,
        HotlineRequest.merged_into_id.is_(None),
    )
    found: dict[int, Duplicate] = {}

    caller = []
    if req.contact_phone_bidx:
        caller.append(HotlineRequest.contact_phone_bidx == req.contact_phone_bidx)
    if req.citizen_account_id:
        caller.append(HotlineRequest.citizen_account_id == req.citizen_account_id)
    if caller:
        threshold = deadlines.get_setting(session, "duplicate_similarity") / 100
        for other in session.scalars(base.where(or_(*caller)).limit(50)):
            score = similarity(req.content, other.content)
            if score >= threshold:
                found[other.id] = Duplicate(
                    other.id, "same_caller", round(score, 3), other.title, other.status
                )

    radius = deadlines.get_setting(session, "duplicate_radius_m")
    place = base.where(HotlineRequest.topic_code == req.topic_code, HotlineRequest.status.in_(OPEN_STATUSES))
    if req.lat is not None and req.lon is not None:
        dlat = radius / 111_000
        dlon = dlat / max(0.01, abs(math.cos(math.radians(req.lat))))
        nearby = place.where(
            HotlineRequest.lat.between(req.lat - dlat, req.lat + dlat),
            HotlineRequest.lon.between(req.lon - dlon, req.lon + dlon),
        )
        for other in session.scalars(nearby.limit(50)):
            if other.id in found or other.lat is None or other.lon is None:
                continue
            metres = addresses.haversine_m(req.lat, req.lon, other.lat, other.lon)
            if metres <= radius:
                found[other.id] = Duplicate(
                    other.id, "same_place", round(1 - metres / radius, 3), other.title, other.status
                )
    elif req.standard_address_id is not None:
        for other in session.scalars(
            place.where(HotlineRequest.standard_address_id == req.standard_address_id).limit(50)
        ):
            if other.id not in found:
                found[other.id] = Duplicate(other.id, "same_place", 1.0, other.title, other.status)
    return sorted(found.values(), key=lambda d: (-d.score, d.request_id))[:10]


def merge(
    session: Session, actor: Actor, duplicate_id: int, original_id: int, note: str | None = None
) -> HotlineRequest:
    """Handle `duplicate_id` together with `original_id`: the duplicate follows the original, and its
    caller is told the original's result too (both callers get their own callback)."""
    require(actor, Perm.HOTLINE_DISPATCH)
    if duplicate_id == original_id:
        raise field_error("original_id", "不能与自身合并")
    dup = _get_for_update(session, duplicate_id)
    original = _get_for_update(session, original_id)
    if original.merged_into_id is not None:
        original = _get_for_update(session, original.merged_into_id)
    _expect(dup, Status.PENDING, doing="合并（只有待派单的工单可以并入其他工单）")
    if original.status in (Status.CLOSED, Status.MERGED):
        raise Conflict("原工单已结案或本身已被合并，不能并入", code="wrong_status")
    note = clean_note(note, "note", required=False)
    dup.merged_into_id = original.id
    dup.queue_reason = None
    dup.department_id = original.department_id
    if original.status == Status.RESOLVED:
        _mirror_resolution(session, dup, original)
    else:
        dup.status = Status.MERGED.value
        _record(
            session,
            dup,
            "merge",
            actor,
            note=f"与工单 {request_number(original)} 合并办理" + (f"：{note}" if note else ""),
            original_id=original.id,
        )
    _record(
        session,
        original,
        "merged_in",
        actor,
        note=f"工单 {request_number(dup)} 并入本工单（两位诉求人都将获知办理结果）",
        public=False,
        duplicate_id=dup.id,
    )
    _tell_citizen(session, dup, f"您的诉求已与相同问题合并办理（工单 {request_number(original)}）")
    _tell_citizen(
        session, original, f"又有群众反映了您的诉求中的问题，已合并办理（工单 {request_number(original)}）"
    )
    session.flush()
    return dup


def _mirror_resolution(session: Session, child: HotlineRequest, original: HotlineRequest) -> None:
    child.status = Status.RESOLVED.value
    child.result_text = original.result_text
    child.resolved_at = now()
    child.department_id = original.department_id
    _record(
        session,
        child,
        "resolve",
        None,
        note=f"随原工单 {request_number(original)} 办结：{original.result_text}",
        actor_label="合并办理",
        original_id=original.id,
    )
    _tell_citizen(session, child, "您的诉求已办结", original.result_text)


# ---------------------------------------------------------------- reading


def _get(session: Session, request_id: int) -> HotlineRequest:
    req = session.get(HotlineRequest, request_id)
    if req is None:
        raise NotFound(f"工单不存在：{request_id}")
    return req


def _get_for_update(session: Session, request_id: int) -> HotlineRequest:
    req = session.get(HotlineRequest, request_id, with_for_update=True)
    if req is None:
        raise NotFound(f"工单不存在：{request_id}")
    return req


def can_view(session: Session, actor: Actor | None, req: HotlineRequest) -> bool:
    if actor is None:
        return False
    if actor.can(Perm.HOTLINE_INTAKE):
        return True
    if req.citizen_account_id is not None and req.citizen_account_id == actor.account_id:
        return True
    if not actor.is_staff:
        return _same_phone(session, actor, req)
    if req.department_id is not None and req.department_id in actor.scope:
        return actor.can(Perm.HOTLINE_HANDLE) or actor.can(Perm.DASHBOARD_VIEW)
    if actor.can(Perm.HOTLINE_HANDLE):
        handled = select(Assignment.id).where(
            Assignment.request_id == req.id, Assignment.department_id.in_(list(actor.scope) or [-1])
        )
        return session.scalar(handled.limit(1)) is not None
    return False


def _same_phone(session: Session, actor: Actor, req: HotlineRequest) -> bool:
    if not req.contact_phone_bidx:
        return False
    account = accounts.get_account(session, actor.account_id)
    return account.phone_bidx is not None and account.phone_bidx == req.contact_phone_bidx


def get_request(session: Session, actor: Actor | None, request_id: int) -> HotlineRequest:
    req = _get(session, request_id)
    if not can_view(session, actor, req):
        if actor is None:
            raise NotAuthenticated()
        # Not "forbidden": whether a request exists is not the caller's business.
        raise NotFound(f"工单不存在：{request_id}")
    return req


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    email: str


def masked_contact(req: HotlineRequest) -> Contact:
    return Contact(
        pi.reveal_masked(pi.PIKind.NAME, req.contact_name_enc),
        pi.reveal_masked(pi.PIKind.PHONE, req.contact_phone_enc),
        pi.reveal_masked(pi.PIKind.EMAIL, req.contact_email_enc),
    )


def reveal_contact(session: Session, actor: Actor, request_id: int) -> Contact:
    """The full contact details, for the people who call the citizen: the 12345 centre and the unit
    handling the request. Each reveal is written to the ledger."""
    req = get_request(session, actor, request_id)
    allowed = actor.can(Perm.HOTLINE_INTAKE) or (
        req.department_id is not None and actor.can(Perm.HOTLINE_HANDLE, department=req.department_id)
    )
    if not allowed:
        raise PermissionDenied("只有12345热线中心和承办单位可以查看诉求人的完整联系方式")

    def reveal(kind: pi.PIKind, blob: bytes | None) -> str:
        return pi.reveal(kind, blob) if blob else ""

    ledger.append(
        session,
        action="hotline.contact_reveal",
        subject=f"request:{req.id}",
        payload={"request_id": req.id},
        actor=actor,
    )
    return Contact(
        reveal(pi.PIKind.NAME, req.contact_name_enc),
        reveal(pi.PIKind.PHONE, req.contact_phone_enc),
        reveal(pi.PIKind.EMAIL, req.contact_email_enc),
    )


def timeline(session: Session, req: HotlineRequest, *, public_only: bool = False) -> list[Event]:
    query = select(Event).where(Event.request_id == req.id).order_by(Event.at, Event.id)
    if public_only:
        query = query.where(Event.public.is_(True))
    return list(session.scalars(query))


def attachments_of(session: Session, req: HotlineRequest) -> list[Attachment]:
    return list(
        session.scalars(select(Attachment).where(Attachment.request_id == req.id).order_by(Attachment.id))
    )


def attachment_bytes(session: Session, actor: Actor | None, attachment_id: int) -> tuple[Attachment, bytes]:
    item = session.get(Attachment, attachment_id)
    if item is None:
        raise NotFound(f"附件不存在：{attachment_id}")
    get_request(session, actor, item.request_id)
    return item, files.read(item.storage_key)


def pending_disputes(session: Session, req: HotlineRequest | None = None) -> list[Dispute]:
    query = select(Dispute).where(Dispute.status == "pending").order_by(Dispute.raised_at)
    if req is not None:
        query = query.where(Dispute.request_id == req.id)
    return list(session.scalars(query))


def pending_extensions(session: Session, req: HotlineRequest | None = None) -> list[Extension]:
    query = select(Extension).where(Extension.status == "pending").order_by(Extension.requested_at)
    if req is not None:
        query = query.where(Extension.request_id == req.id)
    return list(session.scalars(query))


def callbacks_of(session: Session, req: HotlineRequest) -> list[Callback]:
    return list(session.scalars(select(Callback).where(Callback.request_id == req.id).order_by(Callback.at)))


@dataclass
class Queue:
    """The dispatcher's queue, in the order a dispatcher works through it."""

    pending: list[HotlineRequest]
    disputes: list[Dispute]
    extensions: list[Extension]
    callbacks: list[HotlineRequest]
    overdue: list[HotlineRequest]


def dispatcher_queue(session: Session, actor: Actor, *, limit: int = 200) -> Queue:
    require(actor, Perm.HOTLINE_DISPATCH)
    pending = session.scalars(
        select(HotlineRequest)
        .where(HotlineRequest.status == Status.PENDING)
        .order_by(HotlineRequest.kind != Kind.URGENT, HotlineRequest.created_at)
        .limit(limit)
    )
    callbacks = session.scalars(
        select(HotlineRequest)
        .where(HotlineRequest.status == Status.RESOLVED)
        .order_by(HotlineRequest.resolved_at)
        .limit(limit)
    )
    overdue = session.scalars(
        select(HotlineRequest)
        .where(
            HotlineRequest.status.in_(
                [s.value for s in (Status.DISPATCHED, Status.HANDLING, Status.DISPUTED)]
            ),
            HotlineRequest.due_at < now(),
        )
        .order_by(HotlineRequest.due_at)
        .limit(limit)
    )
    return Queue(
        list(pending), pending_disputes(session), pending_extensions(session), list(callbacks), list(overdue)
    )


def department_requests(
    session: Session, actor: Actor, *, statuses: Sequence[Status] | None = None, limit: int = 200
) -> list[HotlineRequest]:
    """The unit's work: requests currently with a department in the actor's scope."""
    require(actor, Perm.HOTLINE_HANDLE)
    wanted = statuses or (Status.DISPATCHED, Status.HANDLING, Status.DISPUTED, Status.WAITING)
    query = (
        select(HotlineRequest)
        .where(
            HotlineRequest.department_id.in_(list(actor.scope) or [-1]),
            HotlineRequest.status.in_([s.value for s in wanted]),
        )
        .order_by(HotlineRequest.due_at.is_(None), HotlineRequest.due_at, HotlineRequest.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def my_requests(session: Session, actor: Actor, *, limit: int = 100) -> list[HotlineRequest]:
    """A citizen's own requests: filed while logged in, or by phone from the number on their account."""
    require(actor, Perm.SELF_SERVICE)
    account = accounts.get_account(session, actor.account_id)
    mine = [HotlineRequest.citizen_account_id == actor.account_id]
    if account.phone_bidx:
        mine.append(HotlineRequest.contact_phone_bidx == account.phone_bidx)
    query = select(HotlineRequest).where(or_(*mine)).order_by(HotlineRequest.created_at.desc()).limit(limit)
    return list(session.scalars(query))


def search_requests(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    topic_code: str | None = None,
    district_code: str | None = None,
    department_id: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    ids: Iterable[int] | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[HotlineRequest]:
    """Staff search. 12345 staff see every request; others only those of their departments."""
    staff_of_units = actor.can(Perm.HOTLINE_HANDLE) or actor.can(Perm.DASHBOARD_VIEW)
    if not actor.can(Perm.HOTLINE_INTAKE) and not staff_of_units:
        raise PermissionDenied("没有权限查询12345工单")
    query = select(HotlineRequest)
    if not actor.can(Perm.HOTLINE_INTAKE):
        query = query.where(HotlineRequest.department_id.in_(list(actor.scope) or [-1]))
    if status:
        query = query.where(HotlineRequest.status == status)
    if topic_code:
        query = query.where(HotlineRequest.topic_code == topic_code)
    if district_code:
        query = query.where(HotlineRequest.district_code == district_code)
    if department_id:
        query = query.where(HotlineRequest.department_id == department_id)
    if since:
        query = query.where(HotlineRequest.created_at >= since)
    if until:
        query = query.where(HotlineRequest.created_at < until)
    if ids is not None:
        query = query.where(HotlineRequest.id.in_(list(ids)))
    query = query.order_by(HotlineRequest.created_at.desc(), HotlineRequest.id.desc())
    return list(session.scalars(query.offset(max(0, offset)).limit(max(1, min(limit, 1000)))))


# ---------------------------------------------------------------- dispatch and the unit's work


def _department(session: Session, department_id: int, field_name: str = "department_id") -> Any:
    try:
        dept = org.get_department(session, department_id)
    except NotFound:
        raise field_error(field_name, f"部门不存在：{department_id}") from None
    if not dept.active:
        raise field_error(field_name, f"部门已停用：{dept.name}")
    return dept


def _current_assignment(session: Session, req: HotlineRequest) -> Assignment | None:
    return session.scalar(
        select(Assignment)
        .where(Assignment.request_id == req.id, Assignment.ended_at.is_(None))
        .order_by(Assignment.id.desc())
        .limit(1)
    )


def _end_assignment(session: Session, req: HotlineRequest, outcome: str) -> None:
    current = _current_assignment(session, req)
    if current is not None:
        current.ended_at, current.outcome = now(), outcome
        if current.accepted_at is None and outcome == "transferred":
            current.accepted_at = now()  # passing it down the chain is acting on it


def _dispatch(
    session: Session,
    actor: Actor | None,
    req: HotlineRequest,
    department_id: int,
    *,
    note: str | None,
    fresh_due: bool,
    action: str = "dispatch",
    ended_outcome: str = "reassigned",
) -> Assignment:
    dept = _department(session, department_id)
    t = now()
    _end_assignment(session, req, ended_outcome)
    req.department_id = dept.id
    req.status = Status.DISPATCHED.value
    req.queue_reason = None
    req.dispatched_at = t
    req.accepted_at = None
    if fresh_due or req.due_at is None:
        due = deadlines.due_for(session, req.kind, t)
        req.due_at, req.due_provisional = due.at, due.provisional
        req.warned_at = req.overdue_at = None
        req.paused_seconds = 0
    assignment = Assignment(
        request_id=req.id,
        department_id=dept.id,
        dispatched_at=t,
        dispatched_by_id=actor.account_id if actor else None,
        response_due_at=deadlines.response_due(session, req.kind, t),
    )
    session.add(assignment)
    _record(
        session,
        req,
        action,
        actor,
        note=note or f"派至{dept.name}",
        actor_label=None if actor else "自动派单",
        to_department_id=dept.id,
        due_at=req.due_at.isoformat() if req.due_at else None,
    )
    _tell_staff(session, req, "dispatch", "新派工单", department_id=dept.id)
    for child in _children(session, req):
        child.department_id = dept.id
        _record(session, child, "progress", None, note=f"原工单已派至{dept.name}办理", actor_label="合并办理")
    session.flush()
    return assignment


def _children(session: Session, req: HotlineRequest) -> list[HotlineRequest]:
    return list(session.scalars(select(HotlineRequest).where(HotlineRequest.merged_into_id == req.id)))


def dispatch(
    session: Session,
    actor: Actor,
    request_id: int,
    department_id: int,
    *,
    kind: str | None = None,
    note: str | None = None,
) -> HotlineRequest:
    """A dispatcher sends a request from the queue (or moves one already dispatched) to a unit."""
    require(actor, Perm.HOTLINE_DISPATCH)
    req = _get_for_update(session, request_id)
    _expect(req, Status.PENDING, Status.DISPATCHED, Status.HANDLING, doing="派单")
    note = clean_note(note, "note", required=False)
    if kind:
        req.kind = _check_kind(kind)
    if req.department_id == department_id and req.status != Status.PENDING:
        raise Conflict("工单已在该单位办理", code="same_department")
    first = req.status == Status.PENDING
    _dispatch(session, actor, req, department_id, note=note, fresh_due=first)
    return req


def accept(session: Session, actor: Actor, request_id: int) -> HotlineRequest:
    """签收: the unit takes the request on; this is the response the 响应率 counts."""
    req = _get_for_update(session, request_id)
    _require_unit(actor, req)
    _expect(req, Status.DISPATCHED, doing="签收")
    t = now()
    req.status, req.accepted_at = Status.HANDLING.value, t
    current = _current_assignment(session, req)
    if current is not None and current.accepted_at is None:
        current.accepted_at = t
    _record(session, req, "accept", actor, note="承办单位已签收，正在办理")
    session.flush()
    return req


def _require_unit(actor: Actor, req: HotlineRequest) -> None:
    if req.department_id is None:
        raise Conflict("工单尚未派单", code="wrong_status")
    require(actor, Perm.HOTLINE_HANDLE, department=req.department_id)


def transfer(
    session: Session, actor: Actor, request_id: int, department_id: int, note: str | None = None
) -> HotlineRequest:
    """下派: pass the request down the chain (county → township → community) to a unit below the one
    holding it. The deadline does not restart: the first unit stays answerable for it (首接负责)."""
    req = _get_for_update(session, request_id)
    _require_unit(actor, req)
    _expect(req, Status.DISPATCHED, Status.HANDLING, doing="下派")
    assert req.department_id is not None
    if not routing.is_below(session, department_id, req.department_id):
        raise field_error("department_id", "只能下派给本单位的下级单位（区县 → 街道乡镇 → 社区）")
    note = clean_note(note, "note", required=False)
    dept = _department(session, department_id)
    _dispatch(
        session,
        actor,
        req,
        dept.id,
        note=note or f"下派至{dept.name}",
        fresh_due=False,
        action="transfer",
        ended_outcome="transferred",
    )
    return req


def dispute(
    session: Session,
    actor: Actor,
    request_id: int,
    reason: str,
    suggested_department_id: int | None = None,
) -> Dispute:
    """退单申请: within N hours of dispatch the unit may object, with a reason. It keeps the request
    until the dispatcher decides — it cannot simply hand it back."""
    req = _get_for_update(session, request_id)
    _require_unit(actor, req)
    _expect(req, Status.DISPATCHED, Status.HANDLING, doing="申请退单")
    reason_text = clean_note(reason, "reason", required=True, min_chars=5)
    assert reason_text is not None
    current = _current_assignment(session, req)
    assert current is not None
    window = dt.timedelta(hours=deadlines.get_setting(session, "dispute_hours"))
    if now() > current.dispatched_at + window:
        raise Conflict(
            f"已超过退单时限（派单后{deadlines.get_setting(session, 'dispute_hours')}小时内），请继续办理或申请延期",
            code="dispute_window_closed",
        )
    if suggested_department_id is not None:
        _department(session, suggested_department_id, "suggested_department_id")
        if suggested_department_id == req.department_id:
            raise field_error("suggested_department_id", "建议的单位不能是本单位")
    item = Dispute(
        request_id=req.id,
        assignment_id=current.id,
        department_id=req.department_id,
        reason=reason_text,
        suggested_department_id=suggested_department_id,
        raised_at=now(),
        raised_by_id=actor.account_id,
    )
    session.add(item)
    if current.accepted_at is None:
        current.accepted_at = now()  # objecting with a reason is a response too
    req.status = Status.DISPUTED.value
    _record(
        session,
        req,
        "dispute",
        actor,
        note=f"申请退单：{reason_text}",
        public=False,
        suggested_department_id=suggested_department_id,
    )
    _tell_staff(session, req, "dispute", "退单申请待仲裁", role=Role.DISPATCHER)
    session.flush()
    return item


_Decision = TypeVar("_Decision", Dispute, Extension)


def _decide(
    session: Session,
    actor: Actor,
    model: type[_Decision],
    item_id: int,
    note: str | None,
    *,
    note_required: bool,
) -> tuple[_Decision, HotlineRequest, str | None]:
    """A dispatcher decides a pending dispute or extension request: the item and its request, both
    locked, the item stamped with who decided, when and why (the caller sets the outcome)."""
    require(actor, Perm.HOTLINE_DISPATCH)
    what = "退单申请" if model is Dispute else "延期申请"
    item = session.get(model, item_id, with_for_update=True)
    if item is None:
        raise NotFound(f"{what}不存在：{item_id}")
    if item.status != "pending":
        raise Conflict(f"该{what}已处理", code="already_decided")
    req = _get_for_update(session, item.request_id)
    note_text = clean_note(note, "note", required=note_required)
    item.decided_at, item.decided_by_id, item.decision_note = now(), actor.account_id, note_text
    return item, req, note_text


def arbitrate(
    session: Session,
    actor: Actor,
    dispute_id: int,
    *,
    uphold: bool,
    new_department_id: int | None = None,
    note: str | None = None,
) -> Dispute:
    """The dispatcher decides a dispute: uphold it and send the request to the right unit (a fresh
    deadline), or reject it and the unit keeps handling it (the deadline kept running)."""
    item, req, note_text = _decide(session, actor, Dispute, dispute_id, note, note_required=not uphold)
    if uphold:
        target = new_department_id or item.suggested_department_id
        if target is None:
            raise field_error("new_department_id", "同意退单时须指定改派的单位")
        if target == item.department_id:
            raise field_error("new_department_id", "改派的单位不能是申请退单的单位")
        item.status, item.new_department_id = "upheld", target
        _record(
            session,
            req,
            "arbitrate",
            actor,
            note=f"同意退单{('：' + note_text) if note_text else ''}",
            public=False,
            dispute_id=item.id,
            upheld=True,
        )
        _dispatch(
            session, actor, req, target, note="退单后改派", fresh_due=True, ended_outcome="disputed_away"
        )
    else:
        item.status = "rejected"
        current = _current_assignment(session, req)
        req.status = Status.HANDLING.value if current and current.accepted_at else Status.DISPATCHED.value
        if req.status == Status.HANDLING and req.accepted_at is None:
            req.accepted_at = current.accepted_at if current else item.decided_at
        _record(
            session,
            req,
            "arbitrate",
            actor,
            note=f"驳回退单：{note_text}（首接负责，请继续办理）",
            public=False,
            dispute_id=item.id,
            upheld=False,
        )
        _tell_staff(
            session,
            req,
            "dispute",
            "退单申请被驳回，请继续办理",
            body=note_text,
            department_id=item.department_id,
        )
    session.flush()
    return item


def request_extension(session: Session, actor: Actor, request_id: int, amount: int, reason: str) -> Extension:
    req = _get_for_update(session, request_id)
    _require_unit(actor, req)
    _expect(req, Status.HANDLING, Status.WAITING, doing="申请延期")
    unit = deadlines.extension_unit(req.kind)
    limit = 72 if unit == "hours" else 30
    if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= limit:
        what = "小时" if unit == "hours" else "个工作日"
        raise field_error("amount", f"延期时长应为 1 到 {limit} {what}")
    reason_text = clean_note(reason, "reason", required=True, min_chars=5)
    if pending_extensions(session, req):
        raise Conflict("已有待审批的延期申请", code="extension_pending")
    assert req.department_id is not None and reason_text is not None
    item = Extension(
        request_id=req.id,
        department_id=req.department_id,
        amount=amount,
        unit=unit,
        reason=reason_text,
        requested_at=now(),
        requested_by_id=actor.account_id,
    )
    session.add(item)
    _record(
        session,
        req,
        "extension_request",
        actor,
        note=f"申请延期 {amount}{'小时' if unit == 'hours' else '个工作日'}：{reason_text}",
        public=False,
        amount=amount,
        unit=unit,
    )
    _tell_staff(session, req, "extension", "延期申请待审批", role=Role.DISPATCHER)
    session.flush()
    return item


def decide_extension(
    session: Session, actor: Actor, extension_id: int, *, approve: bool, note: str | None = None
) -> Extension:
    item, req, note_text = _decide(session, actor, Extension, extension_id, note, note_required=not approve)
    if approve:
        item.status = "approved"
        item.old_due_at = req.due_at
        if req.due_at is not None:
            extended = deadlines.extend(session, req.due_at, item.amount, item.unit)
            req.due_at, req.due_provisional = extended.at, req.due_provisional or extended.provisional
            req.warned_at = None
            if req.overdue_at is not None and req.due_at > now():
                req.overdue_at = None
        item.new_due_at = req.due_at
    else:
        item.status = "rejected"
    _record(
        session,
        req,
        "extension_decide",
        actor,
        note=("同意延期" if approve else "不同意延期") + (f"：{note_text}" if note_text else ""),
        public=approve,
        extension_id=item.id,
        approved=approve,
        due_at=req.due_at.isoformat() if req.due_at else None,
    )
    _tell_staff(
        session,
        req,
        "extension",
        f"延期申请{'已同意' if approve else '未同意'}",
        body=note_text,
        department_id=item.department_id,
    )
    session.flush()
    return item


def supervise(
    session: Session, actor: Actor | None, request_id: int, note: str | None = None
) -> HotlineRequest:
    """督办: press the unit on an overdue (or slow) request. `actor=None` is the escalation job."""
    if actor is not None:
        require(actor, Perm.HOTLINE_DISPATCH)
    req = _get_for_update(session, request_id)
    _expect(req, Status.DISPATCHED, Status.HANDLING, Status.DISPUTED, Status.WAITING, doing="督办")
    note_text = clean_note(note, "note", required=False)
    req.supervise_count += 1
    _record(
        session,
        req,
        "supervise",
        actor,
        note=f"第{req.supervise_count}次督办" + (f"：{note_text}" if note_text else ""),
        public=False,
        actor_label=None if actor else "超期自动督办",
        count=req.supervise_count,
    )
    _tell_staff(session, req, "supervise", "督办", body=note_text, department_id=req.department_id)
    dept = org.get_department(session, req.department_id) if req.department_id else None
    if dept is not None and dept.parent_id is not None and req.supervise_count >= 2:
        # Supervised twice: the unit's superior hears of it too.
        _tell_staff(session, req, "supervise", "下级单位工单多次督办", department_id=dept.parent_id)
    session.flush()
    return req


def wait_for_citizen(session: Session, actor: Actor, request_id: int, note: str) -> HotlineRequest:
    """The unit needs something from the citizen (补充材料, 约定上门时间): the clock stops."""
    req = _get_for_update(session, request_id)
    _require_unit(actor, req)
    _expect(req, Status.HANDLING, doing="暂停计时")
    note_text = clean_note(note, "note", required=True)
    req.status, req.paused_at = Status.WAITING.value, now()
    _record(session, req, "pause", actor, note=f"等待群众补充：{note_text}")
    _tell_citizen(session, req, "承办单位需要您补充信息", note_text)
    session.flush()
    return req


def resume(session: Session, actor: Actor, request_id: int, note: str | None = None) -> HotlineRequest:
    """The citizen answered: the clock runs again and the due time moves by the length of the pause."""
    req = _get_for_update(session, request_id)
    if not actor.can(Perm.HOTLINE_INTAKE):
        _require_unit(actor, req)
    _expect(req, Status.WAITING, doing="恢复计时")
    note_text = clean_note(note, "note", required=False)
    t = now()
    paused = t - (req.paused_at or t)
    req.paused_seconds += int(paused.total_seconds())
    if req.due_at is not None:
        req.due_at = req.due_at + paused
    req.status, req.paused_at = Status.HANDLING.value, None
    _record(
        session,
        req,
        "resume",
        actor,
        note="群众已补充，恢复计时" + (f"：{note_text}" if note_text else ""),
        paused_seconds=int(paused.total_seconds()),
    )
    session.flush()
    return req


def resolve(session: Session, actor: Actor, request_id: int, result: str) -> HotlineRequest:
    """答复并办结: the unit reports what it did; the request waits for the callback."""
    req = _get_for_update(session, request_id)
    _require_unit(actor, req)
    _expect(req, Status.HANDLING, doing="办结（请先签收）")
    result_text = clean_note(result, "result", required=True, min_chars=5)
    t = now()
    req.status, req.result_text, req.resolved_at = Status.RESOLVED.value, result_text, t
    _end_assignment(session, req, "resolved")
    _record(session, req, "resolve", actor, note=result_text, overdue=bool(req.due_at and t > req.due_at))
    _tell_citizen(session, req, "您的诉求已办结", result_text)
    for child in _children(session, req):
        if child.status == Status.MERGED:
            _mirror_resolution(session, child, req)
    session.flush()
    return req


def callback(
    session: Session,
    actor: Actor,
    request_id: int,
    *,
    solved: bool,
    satisfaction: str,
    note: str | None = None,
) -> Callback:
    """回访: the 12345 centre calls the citizen (or the citizen rates it in 我的诉求). Solved and at least
    基本满意 closes it; unsolved or 不满意 reopens it with the same unit and a fresh deadline."""
    req = _get_for_update(session, request_id)
    is_citizen = not actor.is_staff
    if is_citizen:
        if not can_view(session, actor, req):
            raise NotFound(f"工单不存在：{request_id}")
    else:
        require(actor, Perm.HOTLINE_INTAKE)
    try:
        rating = Satisfaction(satisfaction)
    except ValueError:
        raise field_error(
            "satisfaction", "满意度应为 satisfied（满意）、basic（基本满意）或 unsatisfied（不满意）"
        ) from None
    _expect(req, Status.RESOLVED, doing="回访")
    note_text = clean_note(note, "note", required=False)
    t = now()
    item = Callback(
        request_id=req.id,
        department_id=req.department_id,
        at=t,
        by_id=actor.account_id,
        solved=bool(solved),
        satisfaction=rating.value,
        note=note_text,
    )
    session.add(item)
    req.solved, req.satisfaction = bool(solved), rating.value
    label = f"{'已解决' if solved else '未解决'}，{SATISFACTION_LABELS[rating]}"
    if solved and rating is not Satisfaction.UNSATISFIED:
        req.status, req.closed_at = Status.CLOSED.value, t
        _record(
            session,
            req,
            "callback",
            actor,
            note=f"回访：{label}" + (f"（{note_text}）" if note_text else ""),
            solved=bool(solved),
            satisfaction=rating.value,
        )
    else:
        _record(
            session,
            req,
            "callback",
            actor,
            note=f"回访：{label}" + (f"（{note_text}）" if note_text else ""),
            solved=bool(solved),
            satisfaction=rating.value,
        )
        _reopen(session, actor, req)
    session.flush()
    return item


def _reopen(session: Session, actor: Actor, req: HotlineRequest) -> None:
    req.reopen_count += 1
    req.result_text, req.resolved_at = None, None
    if req.department_id is None:
        # Nobody handled it (即问即答 did not help): a dispatcher takes it from here.
        req.status, req.queue_reason = Status.PENDING.value, "faq_unsolved"
        _record(session, req, "reopen", actor, note="回访未解决，转人工派单", count=req.reopen_count)
        return
    _dispatch(
        session,
        actor if actor.is_staff else None,
        req,
        req.department_id,
        note="回访未解决或不满意，退回原承办单位重新办理",
        fresh_due=True,
        action="reopen",
        ended_outcome="reassigned",
    )
    _tell_staff(session, req, "reopen", "工单回访不满意，已重新交办", department_id=req.department_id)


def reclassify(
    session: Session, actor: Actor, request_id: int, type_code: str, topic_code: str
) -> HotlineRequest:
    """A dispatcher corrects type/topic; the correction is kept for retraining the classifier."""
    require(actor, Perm.HOTLINE_DISPATCH)
    req = _get_for_update(session, request_id)
    taxonomy.check_type(type_code)
    taxonomy.check_topic(topic_code)
    if (type_code, topic_code) == (req.type_code, req.topic_code):
        return req
    session.add(
        ClassificationFeedback(
            request_id=req.id,
            predicted_type=req.predicted_type,
            predicted_topic=req.predicted_topic,
            corrected_type=type_code,
            corrected_topic=topic_code,
            actor_id=actor.account_id,
            created_at=now(),
        )
    )
    old = f"{taxonomy.type_label(req.type_code)}·{taxonomy.topic_label(req.topic_code)}"
    req.type_code, req.topic_code = type_code, topic_code
    _record(
        session,
        req,
        "reclassify",
        actor,
        public=False,
        note=f"分类由“{old}”改为“{taxonomy.type_label(type_code)}·{taxonomy.topic_label(topic_code)}”",
        type_code=type_code,
        topic_code=topic_code,
    )
    session.flush()
    return req


def relocate(session: Session, actor: Actor, request_id: int, address: str) -> HotlineRequest:
    """A dispatcher fixes an address that could not be placed."""
    require(actor, Perm.HOTLINE_DISPATCH)
    req = _get_for_update(session, request_id)
    location = addresses.locate(session, address, req.lat, req.lon)
    req.address_text = addresses.clean_address(address)
    req.address_normalized = location.normalized
    req.location_status = location.status.value
    req.region_code, req.district_code = location.region_code, location.district_code
    req.grid_code, req.standard_address_id = location.grid_code, location.standard_address_id
    if location.lat is not None:
        req.lat, req.lon = location.lat, location.lon
    _record(
        session,
        req,
        "relocate",
        actor,
        public=False,
        location=location.status.value,
        district_code=location.district_code,
    )
    session.flush()
    return req


def route_for(session: Session, req: HotlineRequest) -> routing.Route | None:
    """The unit the responsibility list (or the grid) suggests for this request now."""
    return routing.route(session, req.topic_code, req.region_code, req.grid_code)


def channel_label(code: str) -> str:
    try:
        return CHANNEL_LABELS[Channel(code)]
    except ValueError:
        return code


def status_label(code: str) -> str:
    try:
        return STATUS_LABELS[Status(code)]
    except ValueError:
        return code


# ---------------------------------------------------------------- Open311 API clients


API_KEY_PREFIX = "sz311_"


def _key_hash(raw: str) -> str:
    from shuzheng.security.crypto.sm3 import hmac_sm3
    from shuzheng.security.master import purpose_key

    return hmac_sm3(purpose_key("hotline-api-key"), raw.encode()).hex()


def create_api_client(
    session: Session, actor: Actor | None, name: str, *, raw_key: str | None = None
) -> tuple[ApiClient, str]:
    """Issue a key to another system. The key is shown once; only its keyed SM3 hash is stored.
    `actor=None` is the server-side CLI; `raw_key` lets the demo use a fixed, published key."""
    if actor is not None:
        require(actor, Perm.KEYS_MANAGE)
    name = (name or "").strip()
    if not name or len(name) > 64 or any(unicodedata.category(c).startswith("C") for c in name):
        raise field_error("name", "接入系统名称不能为空，不超过64个字")
    if session.scalar(select(ApiClient.id).where(ApiClient.name == name)):
        raise Conflict(f"接入系统名称已存在：{name}", code="api_client_exists")
    from shuzheng.kit.ids import token

    raw = raw_key or API_KEY_PREFIX + token(24)
    client = ApiClient(
        name=name,
        key_hash=_key_hash(raw),
        key_hint=raw[:10],
        created_at=now(),
        created_by_id=actor.account_id if actor else None,
    )
    session.add(client)
    session.flush()
    ledger.append(
        session,
        action="hotline.apikey_create",
        subject=f"api_client:{client.id}",
        payload={"name": name, "key_hint": client.key_hint},
        actor=actor,
    )
    return client, raw


def list_api_clients(session: Session, actor: Actor | None) -> list[ApiClient]:
    if actor is not None:
        require(actor, Perm.KEYS_MANAGE)
    return list(session.scalars(select(ApiClient).order_by(ApiClient.id)))


def revoke_api_client(session: Session, actor: Actor | None, name: str) -> ApiClient:
    if actor is not None:
        require(actor, Perm.KEYS_MANAGE)
    client = session.scalar(select(ApiClient).where(ApiClient.name == name))
    if client is None:
        raise NotFound(f"接入系统不存在：{name}")
    if client.revoked_at is None:
        client.revoked_at = now()
        ledger.append(
            session,
            action="hotline.apikey_revoke",
            subject=f"api_client:{client.id}",
            payload={"name": name},
            actor=actor,
        )
    session.flush()
    return client


class InvalidApiKey(PermissionDenied):
    code = "invalid_api_key"
    default_message = "api_key 无效或已停用，请向平台运营方申请"


def client_for_key(session: Session, raw: str | None) -> ApiClient:
    if not raw:
        raise InvalidApiKey("缺少 api_key：提交诉求需要平台运营方发放的接入密钥")
    client = session.scalar(select(ApiClient).where(ApiClient.key_hash == _key_hash(raw.strip())))
    if client is None or client.revoked_at is not None:
        raise InvalidApiKey()
    client.last_used_at = now()
    return client


# ---------------------------------------------------------------- the operator's lists and settings


def set_responsibility(
    session: Session, actor: Actor, *, topic_code: str, region_code: str, department_id: int, note: str | None
) -> Any:
    require(actor, Perm.ORG_MANAGE)
    entry = routing.set_responsibility(
        session,
        topic_code=topic_code,
        region_code=region_code,
        department_id=department_id,
        note=note,
        actor_id=actor.account_id,
    )
    ledger.append(
        session,
        action="hotline.responsibility_set",
        subject=f"responsibility:{entry.id}",
        payload={"topic_code": topic_code, "region_code": region_code, "department_id": department_id},
        actor=actor,
    )
    return entry


def delete_responsibility(session: Session, actor: Actor, entry_id: int) -> None:
    require(actor, Perm.ORG_MANAGE)
    entry = routing.delete_responsibility(session, entry_id)
    ledger.append(
        session,
        action="hotline.responsibility_delete",
        subject=f"responsibility:{entry_id}",
        payload={"topic_code": entry.topic_code, "region_code": entry.region_code},
        actor=actor,
    )


def set_grid(session: Session, actor: Actor, **fields: Any) -> Any:
    require(actor, Perm.ORG_MANAGE)
    grid = routing.set_grid(session, **fields)
    addresses.forget(session)
    ledger.append(
        session,
        action="hotline.grid_set",
        subject=f"grid:{grid.code}",
        payload={"district_code": grid.district_code, "department_id": grid.department_id},
        actor=actor,
    )
    return grid


def put_setting(session: Session, actor: Actor, key: str, value: int) -> Any:
    require(actor, Perm.ORG_MANAGE)
    row = deadlines.put_setting(session, key, value, actor.account_id)
    ledger.append(
        session, action="hotline.setting", subject=f"setting:{key}", payload={"value": value}, actor=actor
    )
    return row


# ---------------------------------------------------------------- hotspots (reading)


def _require_hotspot_reader(actor: Actor) -> None:
    if not (
        actor.can(Perm.DASHBOARD_VIEW) or actor.can(Perm.HOTLINE_DISPATCH) or actor.can(Perm.HOTLINE_HANDLE)
    ):
        raise PermissionDenied("没有权限查看民意热点")


def list_hotspots(session: Session, actor: Actor, *, days: int = 30) -> list[Any]:
    from shuzheng.hotline.models import Hotspot

    _require_hotspot_reader(actor)
    since = clock.today_in_china() - dt.timedelta(days=days)
    query = select(Hotspot).where(Hotspot.day >= since).order_by(Hotspot.day.desc(), Hotspot.score.desc())
    return list(session.scalars(query))


def get_hotspot(session: Session, actor: Actor, hotspot_id: int) -> tuple[Any, list[HotlineRequest]]:
    from shuzheng.hotline.models import Hotspot, HotspotRequest

    _require_hotspot_reader(actor)
    hotspot = session.get(Hotspot, hotspot_id)
    if hotspot is None:
        raise NotFound(f"民意热点不存在：{hotspot_id}")
    requests = list(
        session.scalars(
            select(HotlineRequest)
            .join(HotspotRequest, HotspotRequest.request_id == HotlineRequest.id)
            .where(HotspotRequest.hotspot_id == hotspot.id)
            .order_by(HotlineRequest.created_at)
        )
    )
    return hotspot, requests


# ---------------------------------------------------------------- the city's standard address list


@dataclass
class AddressSync:
    resource_code: str
    read: int = 0
    added: int = 0
    updated: int = 0
    skipped: int = 0  # rows without a usable township or address


def sync_standard_addresses(
    session: Session, actor: Actor | None, resource_code: str, *, overwrite: bool = True
) -> AddressSync:
    """Copy the city's 统一地址库 — a catalog resource loaded by ingest — into the hotline's matching
    index (indexed road + number and place names, looked up on every intake). Rows are matched by the
    full address; with `overwrite=False` only new addresses are added. `actor=None` is the CLI/demo."""
    from shuzheng.ingest import service as ingest
    from shuzheng.ingest.service import MAX_READ_ROWS

    if actor is not None:
        require(actor, Perm.ORG_MANAGE)
    ingest.get_version(session, resource_code)  # a clear NotFound before reading
    result = AddressSync(resource_code)
    known = {a.full_address: a for a in session.scalars(select(StandardAddress))}
    regions = addresses.city_map(session)
    townships = {code for code, _ in regions.townships.values()}
    offset = 0
    while True:
        rows = ingest.read_rows(session, resource_code, limit=MAX_READ_ROWS, offset=offset)
        offset += len(rows)
        for row in rows:
            result.read += 1
            _sync_one(session, row, known, townships, overwrite, result)
        if len(rows) < MAX_READ_ROWS:
            break
    session.flush()
    addresses.forget(session)
    ledger.append(
        session,
        action="hotline.addresses_sync",
        subject=f"resource:{resource_code}",
        payload={
            "read": result.read,
            "added": result.added,
            "updated": result.updated,
            "skipped": result.skipped,
        },
        actor=actor,
    )
    return result


def _sync_one(
    session: Session,
    row: dict[str, Any],
    known: dict[str, StandardAddress],
    townships: set[str],
    overwrite: bool,
    result: AddressSync,
) -> None:
    full = str(row.get("full_address") or "").strip()
    code = str(row.get("address_code") or "")
    township = code[:9] if len(code) >= 9 else None
    if not full or len(full) > 300 or township not in townships:
        result.skipped += 1
        return
    number = str(row.get("house_number") or "").strip().removesuffix("号") or None

    def coordinate(key: str) -> float | None:
        try:
            return float(row[key]) if row.get(key) not in (None, "") else None
        except (TypeError, ValueError):
            return None

    values = {
        "district_code": township[:6],
        "township_code": township,
        "road": (str(row.get("road") or "").strip() or None),
        "house_number": number if number and len(number) <= 16 else None,
        "lat": coordinate("latitude"),
        "lon": coordinate("longitude"),
    }
    existing = known.get(full)
    if existing is None:
        grid = session.scalar(
            select(Grid.code).where(Grid.township_code == township).order_by(Grid.code).limit(1)
        )
        item = StandardAddress(full_address=full, grid_code=grid, **values)
        session.add(item)
        known[full] = item
        result.added += 1
    elif overwrite:
        for key, value in values.items():
            setattr(existing, key, value)
        result.updated += 1
