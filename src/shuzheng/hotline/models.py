"""12345 hotline tables (接诉即办). Only hotline/service.py (and its helpers in this package) write them.

Contact details of the caller are personal information: stored only as SM4 ciphertext (security/pi.py),
with a blind index on the phone number so the same caller can be found without decrypting.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Date, Float, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shuzheng.db import Base
from shuzheng.kit.clock import now


class Channel(StrEnum):
    PHONE = "phone"
    WEB = "web"
    APP = "app"
    MAILBOX = "mailbox"
    OPEN311 = "open311"


CHANNEL_LABELS = {
    Channel.PHONE: "电话",
    Channel.WEB: "网站",
    Channel.APP: "移动端",
    Channel.MAILBOX: "市长信箱",
    Channel.OPEN311: "Open311接口",
}


class Status(StrEnum):
    PENDING = "pending"  # 待派单: in the dispatcher's queue
    DISPATCHED = "dispatched"  # 已派单: waiting for the unit to sign for it (签收)
    HANDLING = "handling"  # 办理中
    DISPUTED = "disputed"  # 退单申请: the unit disputes the assignment, the dispatcher arbitrates
    WAITING = "waiting"  # 待群众补充: the clock is paused
    RESOLVED = "resolved"  # 已办结, waiting for the callback (回访)
    CLOSED = "closed"  # 已回访结案
    MERGED = "merged"  # 已合并: handled together with the original request


STATUS_LABELS = {
    Status.PENDING: "待派单",
    Status.DISPATCHED: "待签收",
    Status.HANDLING: "办理中",
    Status.DISPUTED: "退单待仲裁",
    Status.WAITING: "待群众补充",
    Status.RESOLVED: "已办结待回访",
    Status.CLOSED: "已结案",
    Status.MERGED: "已合并办理",
}

# The statuses in which the handling unit's clock runs.
CLOCK_RUNNING = (Status.DISPATCHED, Status.HANDLING, Status.DISPUTED)
OPEN_STATUSES = (
    Status.PENDING,
    Status.DISPATCHED,
    Status.HANDLING,
    Status.DISPUTED,
    Status.WAITING,
    Status.MERGED,
)


class Kind(StrEnum):
    URGENT = "urgent"
    NORMAL = "normal"
    COMPLEX = "complex"


KIND_LABELS = {Kind.URGENT: "紧急", Kind.NORMAL: "一般", Kind.COMPLEX: "复杂"}


class LocationStatus(StrEnum):
    LOCATED = "located"  # matched to a standard address or at least a district of the city
    UNRESOLVED = "unresolved"  # could not be placed: a dispatcher decides
    OUTSIDE = "outside"  # clearly outside the city: a dispatcher decides (transfer, explain)
    NONE = "none"  # no address given


LOCATION_LABELS = {
    LocationStatus.LOCATED: "已定位",
    LocationStatus.UNRESOLVED: "地址未能识别",
    LocationStatus.OUTSIDE: "地址不在本市",
    LocationStatus.NONE: "未提供地址",
}


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"
    BASIC = "basic"
    UNSATISFIED = "unsatisfied"


SATISFACTION_LABELS = {
    Satisfaction.SATISFIED: "满意",
    Satisfaction.BASIC: "基本满意",
    Satisfaction.UNSATISFIED: "不满意",
}


class HotlineRequest(Base):
    """One citizen request (诉求工单), from any channel."""

    __tablename__ = "hotline_requests"
    __table_args__ = (
        Index("ix_hotline_requests_department_status", "department_id", "status"),
        Index("ix_hotline_requests_topic_district_created", "topic_code", "district_code", "created_at"),
        # Same place, same topic (duplicate suggestions): a latitude band per topic.
        Index("ix_hotline_requests_topic_lat", "topic_code", "lat"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(16), default=Kind.NORMAL.value)
    type_code: Mapped[str] = mapped_column(String(32))
    topic_code: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(80))
    content: Mapped[str] = mapped_column(Text)
    # What the classifier said at intake, kept to measure it and to learn from corrections.
    predicted_type: Mapped[str | None] = mapped_column(String(32))
    predicted_topic: Mapped[str | None] = mapped_column(String(32))
    confidence: Mapped[float | None] = mapped_column(Float)
    # Why the request waits in the dispatcher's queue (unlocated, no_route, low_confidence, reopened…).
    queue_reason: Mapped[str | None] = mapped_column(String(32))

    contact_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_phone_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    contact_email_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    citizen_account_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"), index=True)

    address_text: Mapped[str | None] = mapped_column(String(300))
    address_normalized: Mapped[str | None] = mapped_column(String(300))
    location_status: Mapped[str] = mapped_column(String(16), default=LocationStatus.NONE.value)
    region_code: Mapped[str | None] = mapped_column(String(12))  # the most precise region known
    district_code: Mapped[str | None] = mapped_column(String(12), index=True)
    grid_code: Mapped[str | None] = mapped_column(ForeignKey("hotline_grids.code"))
    standard_address_id: Mapped[int | None] = mapped_column(ForeignKey("hotline_standard_addresses.id"))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)

    department_id: Mapped[int | None] = mapped_column(ForeignKey("org_departments.id"))
    dispatched_at: Mapped[dt.datetime | None]
    accepted_at: Mapped[dt.datetime | None]
    due_at: Mapped[dt.datetime | None]
    due_provisional: Mapped[bool] = mapped_column(default=False)
    paused_at: Mapped[dt.datetime | None]
    paused_seconds: Mapped[int] = mapped_column(default=0)
    warned_at: Mapped[dt.datetime | None]
    overdue_at: Mapped[dt.datetime | None]
    supervise_count: Mapped[int] = mapped_column(default=0)

    answer_source: Mapped[str | None] = mapped_column(String(16))  # "faq" when 即问即答 answered it
    result_text: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    solved: Mapped[bool | None]
    satisfaction: Mapped[str | None] = mapped_column(String(16))
    reopen_count: Mapped[int] = mapped_column(default=0)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("hotline_requests.id"), index=True)

    api_client_id: Mapped[int | None] = mapped_column(ForeignKey("hotline_api_clients.id"))
    token: Mapped[str | None] = mapped_column(String(40), unique=True)  # Open311 tokens/{token}
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=now, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now)


class Assignment(Base):
    """One dispatch of a request to a unit; the basis of the response rate (响应率)."""

    __tablename__ = "hotline_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("hotline_requests.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("org_departments.id"), index=True)
    dispatched_at: Mapped[dt.datetime] = mapped_column(default=now, index=True)
    dispatched_by_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"))
    response_due_at: Mapped[dt.datetime]
    accepted_at: Mapped[dt.datetime | None]
    ended_at: Mapped[dt.datetime | None]
    # resolved | transferred (passed down the chain) | disputed_away (dispute upheld) | reassigned
    outcome: Mapped[str | None] = mapped_column(String(16))


class Dispute(Base):
    """A unit's objection to an assignment (退单申请), arbitrated by a dispatcher (首接负责)."""

    __tablename__ = "hotline_disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("hotline_requests.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("hotline_assignments.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("org_departments.id"))
    reason: Mapped[str] = mapped_column(Text)
    suggested_department_id: Mapped[int | None] = mapped_column(ForeignKey("org_departments.id"))
    raised_at: Mapped[dt.datetime] = mapped_column(default=now)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending|upheld|rejected
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    new_department_id: Mapped[int | None] = mapped_column(ForeignKey("org_departments.id"))


class Extension(Base):
    """A request for more time (延期申请), approved or rejected by a dispatcher."""

    __tablename__ = "hotline_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("hotline_requests.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("org_departments.id"))
    amount: Mapped[int]
    unit: Mapped[str] = mapped_column(String(16))  # hours | working_days
    reason: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[dt.datetime] = mapped_column(default=now)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"))
    status: Mapped[str] = mapped_column(
        String(16), default="pending", index=True
    )  # pending|approved|rejected
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    old_due_at: Mapped[dt.datetime | None]
    new_due_at: Mapped[dt.datetime | None]


class Callback(Base):
    """A callback (回访) after 办结: solved or not, and the citizen's rating."""

    __tablename__ = "hotline_callbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("hotline_requests.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("org_departments.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=now, index=True)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"))
    solved: Mapped[bool]
    satisfaction: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)


class Event(Base):
    """The request's timeline as people read it (the ledger holds the tamper-evident record)."""

    __tablename__ = "hotline_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("hotline_requests.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=now)
    action: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"))
    actor_label: Mapped[str] = mapped_column(String(64))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("org_departments.id"))
    note: Mapped[str | None] = mapped_column(Text)
    # Shown to the citizen in 我的诉求 / Open311 (internal notes are not).
    public: Mapped[bool] = mapped_column(default=True)


class Attachment(Base):
    """A file a caller sent (photo, PDF). The bytes live under var/hotline/attachments/."""

    __tablename__ = "hotline_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("hotline_requests.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=now)


class Responsibility(Base):
    """One line of the responsibility list (权责清单): requests on `topic_code` in `region_code` (or any
    region below it) go to `department_id`. The most specific region wins."""

    __tablename__ = "hotline_responsibilities"
    __table_args__ = (UniqueConstraint("topic_code", "region_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_code: Mapped[str] = mapped_column(String(32))
    region_code: Mapped[str] = mapped_column(ForeignKey("org_regions.code"))
    department_id: Mapped[int] = mapped_column(ForeignKey("org_departments.id"), index=True)
    note: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(default=now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"))


class Grid(Base):
    """A grid (网格) of grid-based governance: the smallest area with a responsible unit."""

    __tablename__ = "hotline_grids"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    district_code: Mapped[str] = mapped_column(ForeignKey("org_regions.code"), index=True)
    township_code: Mapped[str | None] = mapped_column(ForeignKey("org_regions.code"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("org_departments.id"))


class StandardAddress(Base):
    """An entry of the city's standard address list (统一地址库): a road and house number, or a named
    place (小区, 市场, 学校), with its township, grid and coordinates."""

    __tablename__ = "hotline_standard_addresses"
    __table_args__ = (Index("ix_hotline_standard_addresses_road_number", "road", "house_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    full_address: Mapped[str] = mapped_column(String(300), unique=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("org_regions.code"), index=True)
    township_code: Mapped[str | None] = mapped_column(ForeignKey("org_regions.code"))
    grid_code: Mapped[str | None] = mapped_column(ForeignKey("hotline_grids.code"))
    road: Mapped[str | None] = mapped_column(String(64))
    house_number: Mapped[str | None] = mapped_column(String(16))
    place_name: Mapped[str | None] = mapped_column(String(64), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)


class ApiClient(Base):
    """Another system allowed to file requests through Open311. Only a keyed hash of its key is kept."""

    __tablename__ = "hotline_api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_hint: Mapped[str] = mapped_column(String(16))  # the first characters, to tell keys apart
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"))
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]


class Setting(Base):
    """Operator-tunable numbers (deadlines, windows, thresholds); defaults live in deadlines.py."""

    __tablename__ = "hotline_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int]
    updated_at: Mapped[dt.datetime] = mapped_column(default=now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"))


class ClassificationFeedback(Base):
    """A dispatcher's correction of the type/topic; the classifier retrains from these."""

    __tablename__ = "hotline_classification_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("hotline_requests.id", ondelete="CASCADE"), index=True)
    predicted_type: Mapped[str | None] = mapped_column(String(32))
    predicted_topic: Mapped[str | None] = mapped_column(String(32))
    corrected_type: Mapped[str] = mapped_column(String(32))
    corrected_topic: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=now)


class Hotspot(Base):
    """A detected spike (民意热点): a topic in a district rising above its baseline on a day."""

    __tablename__ = "hotline_hotspots"
    __table_args__ = (UniqueConstraint("day", "topic_code", "district_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    topic_code: Mapped[str] = mapped_column(String(32))
    district_code: Mapped[str] = mapped_column(String(12))
    count: Mapped[int]
    baseline: Mapped[float] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)
    summary: Mapped[str] = mapped_column(String(300))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("org_departments.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=now)


class HotspotRequest(Base):
    __tablename__ = "hotline_hotspot_requests"

    hotspot_id: Mapped[int] = mapped_column(
        ForeignKey("hotline_hotspots.id", ondelete="CASCADE"), primary_key=True
    )
    request_id: Mapped[int] = mapped_column(
        ForeignKey("hotline_requests.id", ondelete="CASCADE"), primary_key=True
    )


class Notification(Base):
    """A message on someone's workbench: to one account, to a department's staff, or to every holder of
    a role whose scope covers `department_id` (all of them when it is empty)."""

    __tablename__ = "hotline_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("org_departments.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=now, index=True)
