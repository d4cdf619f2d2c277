"""Objections (异议): a record or a value in a department's data flagged as wrong, with evidence, and what
became of it. See docs/objections.md.

The flagged record's key values and the claimed/proposed values may be personal information (a 身份证号
key, a wrong 姓名): they are stored only as SM4 ciphertext (`content_enc`); lists show `record_masked`,
and duplicates are found by a keyed hash of the key values (`record_digest`)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shuzheng.db import Base


class Status(StrEnum):
    FILED = "filed"  # 待处理: with the responsible department, deadline running
    ESCALATED = "escalated"  # 已升级: overdue, with the platform operator
    CONFIRMED = "confirmed"  # 已确认并更正: a corrected version exists
    REJECTED = "rejected"  # 已驳回: with a reason


STATUS_LABELS = {
    Status.FILED: "待处理",
    Status.ESCALATED: "超期督办",
    Status.CONFIRMED: "已更正",
    Status.REJECTED: "已驳回",
}

OPEN_STATUSES = (Status.FILED, Status.ESCALATED)


class Objection(Base):
    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_code: Mapped[str] = mapped_column(String(64), index=True)
    resource_name: Mapped[str] = mapped_column(String(128))
    catalog_version: Mapped[int] = mapped_column(Integer)
    data_version: Mapped[int | None] = mapped_column(Integer)  # the lake version the filer looked at
    provider_department_id: Mapped[int] = mapped_column(ForeignKey("org_departments.id"), index=True)
    # Who must answer now: the provider, or whom the operator reassigned it to.
    department_id: Mapped[int] = mapped_column(ForeignKey("org_departments.id"), index=True)
    field_name: Mapped[str | None] = mapped_column(String(64))
    field_label: Mapped[str | None] = mapped_column(String(128))
    record_digest: Mapped[str] = mapped_column(String(64), index=True)
    record_masked: Mapped[str] = mapped_column(String(400))
    id_number_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    content_enc: Mapped[bytes] = mapped_column(LargeBinary)
    evidence: Mapped[str] = mapped_column(Text)
    attachment_key: Mapped[str | None] = mapped_column(String(128))
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment_type: Mapped[str | None] = mapped_column(String(64))
    attachment_size: Mapped[int | None] = mapped_column(Integer)
    filed_by_account_id: Mapped[int] = mapped_column(ForeignKey("security_accounts.id"), index=True)
    filed_by_name: Mapped[str] = mapped_column(String(128))
    filed_by_department_id: Mapped[int | None] = mapped_column(ForeignKey("org_departments.id"))
    status: Mapped[str] = mapped_column(String(16), index=True)
    # Set while the objection is open, NULL once decided: the unique constraint makes a second open
    # objection on the same record and field impossible, even when two arrive at once.
    open_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    filed_at: Mapped[dt.datetime]
    deadline_days: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[dt.date] = mapped_column(Date, index=True)
    due_provisional: Mapped[bool] = mapped_column(default=False)
    overdue_at: Mapped[dt.datetime | None]
    escalated_at: Mapped[dt.datetime | None]
    decided_at: Mapped[dt.datetime | None]
    decided_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"))
    decided_by_name: Mapped[str | None] = mapped_column(String(128))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    corrected_version: Mapped[int | None] = mapped_column(Integer)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[Status(self.status)]


class ObjectionEvent(Base):
    """Each step, with its time: filed, escalated, reassigned, extended, confirmed, rejected."""

    __tablename__ = "objection_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey("objections.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime]
    actor_account_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"))
    actor_label: Mapped[str] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
