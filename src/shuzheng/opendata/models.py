"""Open-data tables: developer API keys and per-dataset usage counters."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shuzheng.db import Base
from shuzheng.kit.clock import now


class ApiKey(Base):
    """A developer's key for the open-data API. Only its SM3 digest is kept; the key is shown once."""

    __tablename__ = "opendata_api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_digest: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    label: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"), index=True)
    calls: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class UsageCounter(Base):
    """How often a dataset was downloaded (per format) or queried through the API."""

    __tablename__ = "opendata_usage"
    __table_args__ = (UniqueConstraint("resource_code", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_code: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # download_csv | download_json | download_parquet | api
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class Application(Base):
    """An application to use a conditional dataset (有条件开放) through 可用不可见 queries; the
    provider department approves or rejects it. An approval holds up to and including `valid_until`
    (China date); after that the application is expired (computed, no job) and the applicant may apply
    again."""

    __tablename__ = "opendata_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_code: Mapped[str] = mapped_column(String(64), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("org_departments.id"), index=True)  # the provider
    applicant_id: Mapped[int] = mapped_column(ForeignKey("security_accounts.id"), index=True)
    applicant_label: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending | approved | rejected
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"))
    decided_at: Mapped[dt.datetime | None]
    valid_until: Mapped[dt.date | None] = mapped_column(Date)  # set on approval
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
