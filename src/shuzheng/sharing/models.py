"""Sharing tables: demands (需求), agreements (共享授权) with their API credentials, bearer tokens, the daily
quota counter and the access log that makes the trace (who used whose data) one indexed query."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shuzheng.db import Base


class SharingDemand(Base):
    __tablename__ = "sharing_demands"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: a demand for data nobody publishes (需求清单), described in `wanted`.
    resource_code: Mapped[str | None] = mapped_column(String(64), index=True)
    resource_name: Mapped[str] = mapped_column(String(128))
    wanted: Mapped[str | None] = mapped_column(Text)
    provider_department_id: Mapped[int | None] = mapped_column(ForeignKey("org_departments.id"), index=True)
    consumer_department_id: Mapped[int] = mapped_column(ForeignKey("org_departments.id"), index=True)
    fields: Mapped[list[str]] = mapped_column(JSON)
    unmasked_fields: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    expected_volume: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)
    filed_by_account_id: Mapped[int] = mapped_column(ForeignKey("security_accounts.id"))
    filed_by_name: Mapped[str] = mapped_column(String(128))
    filed_at: Mapped[dt.datetime]
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    assigned_department_id: Mapped[int | None] = mapped_column(ForeignKey("org_departments.id"))
    decided_at: Mapped[dt.datetime | None]
    decided_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"))
    decided_by_name: Mapped[str | None] = mapped_column(String(128))
    decision_reason: Mapped[str | None] = mapped_column(Text)


class SharingAgreement(Base):
    __tablename__ = "sharing_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("sharing_demands.id"), unique=True)
    resource_code: Mapped[str] = mapped_column(String(64), index=True)
    resource_name: Mapped[str] = mapped_column(String(128))
    provider_department_id: Mapped[int] = mapped_column(ForeignKey("org_departments.id"), index=True)
    consumer_department_id: Mapped[int] = mapped_column(ForeignKey("org_departments.id"), index=True)
    fields: Mapped[list[str]] = mapped_column(JSON)
    unmasked_fields: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)
    daily_quota: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    client_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    client_secret_hash: Mapped[str | None] = mapped_column(String(64))
    credentials_issued_at: Mapped[dt.datetime | None]


class SharingToken(Base):
    """A bearer token issued for an agreement's client; only its hash is stored."""

    __tablename__ = "sharing_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("sharing_agreements.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]


class SharingUsage(Base):
    """Calls and rows served per agreement per day (China time): the quota counter and usage figures."""

    __tablename__ = "sharing_usage"
    __table_args__ = (UniqueConstraint("agreement_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("sharing_agreements.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    calls: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(Integer)


class SharingAccess(Base):
    """One row per person or enterprise whose record was served, written with the call's ledger entry:
    the trace is a lookup by `subject` (a keyed blind index, never the raw 身份证号)."""

    __tablename__ = "sharing_access_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(80), index=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("sharing_agreements.id"), index=True)
    ledger_seq: Mapped[int] = mapped_column(Integer)
    time: Mapped[dt.datetime]


class SharingExport(Base):
    """A bulk export (批量导出) under an agreement: queued by the consumer's system, produced by a job into
    a CSV file (agreed fields, masked as agreed), traced when produced, downloadable by the same client."""

    __tablename__ = "sharing_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("sharing_agreements.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    filters: Mapped[dict[str, str]] = mapped_column(JSON)
    fields: Mapped[list[str]] = mapped_column(JSON)
    requested_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]
    row_count: Mapped[int | None] = mapped_column(Integer)
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_digest: Mapped[str | None] = mapped_column(String(64))
    ledger_seq: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
