"""Dataset versions: one row per published version of a resource's data in the lake, and the summary of
its rejected rows. The Parquet files are the content; these rows are what makes a version exist —
readers find versions here, so a version directory without its committed row is invisible."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shuzheng.db import Base
from shuzheng.kit.clock import now


class LoadMode(StrEnum):
    FULL = "full"  # 全量
    INCREMENTAL = "incremental"  # 增量（按主键更新或新增）
    CORRECTION = "correction"  # 异议更正（增量）


MODE_LABELS = {LoadMode.FULL: "全量", LoadMode.INCREMENTAL: "增量", LoadMode.CORRECTION: "更正"}


class DatasetVersion(Base):
    __tablename__ = "ingest_versions"
    __table_args__ = (UniqueConstraint("resource_code", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("catalog_resources.id"), index=True)
    resource_code: Mapped[str] = mapped_column(String(64), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("org_departments.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(16))
    spec_version: Mapped[int] = mapped_column(Integer)
    base_version: Mapped[int | None] = mapped_column(Integer)  # what an incremental load built on
    path: Mapped[str] = mapped_column(String(300))  # relative to the lake
    rows_read: Mapped[int] = mapped_column(BigInteger)
    accepted: Mapped[int] = mapped_column(BigInteger)
    rejected: Mapped[int] = mapped_column(BigInteger)
    row_count: Mapped[int] = mapped_column(BigInteger)  # rows in this version
    inserted: Mapped[int] = mapped_column(BigInteger)
    updated: Mapped[int] = mapped_column(BigInteger)
    data_sm3: Mapped[str] = mapped_column(String(64))
    rejects_sm3: Mapped[str] = mapped_column(String(64))
    source_kind: Mapped[str] = mapped_column(String(16))
    source_name: Mapped[str] = mapped_column(String(255))
    source_sm3: Mapped[str] = mapped_column(String(64), index=True)
    encoding: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"))
    loaded_by_label: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[dt.datetime] = mapped_column(default=now)
    pruned_at: Mapped[dt.datetime | None]

    reasons: Mapped[list[RejectReason]] = relationship(
        back_populates="version", order_by="RejectReason.id", cascade="all, delete-orphan"
    )

    @property
    def mode_label(self) -> str:
        return MODE_LABELS.get(LoadMode(self.mode), self.mode)

    @property
    def available(self) -> bool:
        return self.pruned_at is None


class RejectReason(Base):
    """How many rows of a version were rejected for one reason, with a few row numbers to look at.
    No values here: they may be personal data and stay in the lake's rejects file."""

    __tablename__ = "ingest_reject_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("ingest_versions.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(200))
    count: Mapped[int] = mapped_column(BigInteger)
    sample_rows: Mapped[list[Any]] = mapped_column(JSON, default=list)

    version: Mapped[DatasetVersion] = relationship(back_populates="reasons")
