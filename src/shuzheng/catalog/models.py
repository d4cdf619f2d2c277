"""Catalog tables: a resource (its stable code and the 一本账 row), its revisions (every version, draft
to published, kept for good), each revision's fields (信息项) and cross-field rules, and the events
(submitted, approved, rejected, …) shown on the pages. The vocabularies and their Chinese labels live
here too, next to the values they label.

A published revision is never changed again: editing a published resource creates a new revision.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shuzheng.catalog.spec import DataType, IdentifierKind, Level, OpenType, ShareType, UpdateCycle
from shuzheng.db import Base
from shuzheng.kit.clock import now

# ---------------------------------------------------------------- vocabularies


class CatalogType(StrEnum):
    """目录类型, and the 类 digit that begins the resource code (政务信息资源目录编制指南)."""

    BASE = "base"  # 基础信息资源 → 1
    THEME = "theme"  # 主题信息资源 → 2
    DEPARTMENT = "department"  # 部门信息资源 → 3


CATALOG_TYPE_DIGITS = {CatalogType.BASE: "1", CatalogType.THEME: "2", CatalogType.DEPARTMENT: "3"}


class ResourceFormat(StrEnum):
    """信息资源格式."""

    DATABASE = "database"
    SPREADSHEET = "spreadsheet"
    DOCUMENT = "document"
    IMAGE = "image"
    MEDIA = "media"
    API = "api"


class ShareMethod(StrEnum):
    """共享方式."""

    API = "api"  # 接口调用
    TABLE = "table"  # 库表交换
    FILE = "file"  # 文件下载


class ResourceStatus(StrEnum):
    DRAFT = "draft"  # never published yet
    PUBLISHED = "published"
    RETIRED = "retired"


class RevisionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REJECTED = "rejected"  # back with the provider, editable, with the reviewer's reason
    PUBLISHED = "published"  # the current version
    SUPERSEDED = "superseded"  # was published, replaced by a later version
    DISCARDED = "discarded"  # an unfinished revision dropped when the resource was retired


OPEN_REVISION_STATUSES = frozenset({RevisionStatus.DRAFT, RevisionStatus.SUBMITTED, RevisionStatus.REJECTED})
EDITABLE_REVISION_STATUSES = frozenset({RevisionStatus.DRAFT, RevisionStatus.REJECTED})
HISTORY_REVISION_STATUSES = frozenset({RevisionStatus.PUBLISHED, RevisionStatus.SUPERSEDED})


class RuleKind(StrEnum):
    """Kinds of spec.CrossFieldRule. `fields` means, by kind:
    - id_number_birth_date (a, b): the birth date inside 身份证号 a equals date b;
    - not_after (a, b): a ≤ b (dates or numbers), when both have a value;
    - required_if (a, b): a must have a value whenever b has one."""

    ID_NUMBER_BIRTH_DATE = "id_number_birth_date"
    NOT_AFTER = "not_after"
    REQUIRED_IF = "required_if"


# 基础信息资源库 (the 项 of 类 1) and the themes of 主题信息资源 (the 项 of 类 2), by their 2-digit code.
BASE_LIBRARIES = {
    "01": "人口基础信息库",
    "02": "法人单位基础信息库",
    "03": "自然资源和空间地理基础信息库",
    "04": "社会信用基础信息库",
    "05": "电子证照基础信息库",
}
THEMES = {
    "01": "医疗健康",
    "02": "社会保障",
    "03": "食品药品安全",
    "04": "安全生产",
    "05": "价格监管",
    "06": "能源安全",
    "07": "信用体系",
    "08": "城乡建设",
    "09": "社区治理",
    "10": "生态环保",
    "11": "应急维稳",
    "12": "市场监管",
    "13": "营商环境",
}

CATALOG_TYPE_LABELS = {
    CatalogType.BASE: "基础信息资源",
    CatalogType.THEME: "主题信息资源",
    CatalogType.DEPARTMENT: "部门信息资源",
}
FORMAT_LABELS = {
    ResourceFormat.DATABASE: "数据库",
    ResourceFormat.SPREADSHEET: "电子表格",
    ResourceFormat.DOCUMENT: "电子文件",
    ResourceFormat.IMAGE: "图形图像",
    ResourceFormat.MEDIA: "流媒体",
    ResourceFormat.API: "接口",
}
SHARE_METHOD_LABELS = {
    ShareMethod.API: "接口调用",
    ShareMethod.TABLE: "库表交换",
    ShareMethod.FILE: "文件下载",
}
UPDATE_CYCLE_LABELS = {
    UpdateCycle.REALTIME: "实时",
    UpdateCycle.DAILY: "每日",
    UpdateCycle.WEEKLY: "每周",
    UpdateCycle.MONTHLY: "每月",
    UpdateCycle.QUARTERLY: "每季度",
    UpdateCycle.YEARLY: "每年",
}
SHARE_TYPE_LABELS = {
    ShareType.UNCONDITIONAL: "无条件共享",
    ShareType.CONDITIONAL: "有条件共享",
    ShareType.NONE: "不予共享",
}
OPEN_TYPE_LABELS = {
    OpenType.UNCONDITIONAL: "无条件开放",
    OpenType.CONDITIONAL: "有条件开放",
    OpenType.NONE: "不予开放",
}
LEVEL_LABELS = {Level.GENERAL: "一般数据", Level.IMPORTANT: "重要数据", Level.CORE: "核心数据"}
DATA_TYPE_LABELS = {
    DataType.STRING: "字符型",
    DataType.INTEGER: "整数型",
    DataType.DECIMAL: "数值型",
    DataType.DATE: "日期型",
    DataType.DATETIME: "日期时间型",
    DataType.BOOLEAN: "布尔型",
}
IDENTIFIER_LABELS = {
    IdentifierKind.ID_NUMBER: "身份证号",
    IdentifierKind.USCC: "统一社会信用代码",
    IdentifierKind.PHONE: "手机号",
    IdentifierKind.ADCODE: "行政区划代码",
}
RULE_KIND_LABELS = {
    RuleKind.ID_NUMBER_BIRTH_DATE: "身份证号与出生日期一致",
    RuleKind.NOT_AFTER: "不晚于（不大于）",
    RuleKind.REQUIRED_IF: "有值时必填",
}
RESOURCE_STATUS_LABELS = {
    ResourceStatus.DRAFT: "未发布",
    ResourceStatus.PUBLISHED: "已发布",
    ResourceStatus.RETIRED: "已停用",
}
REVISION_STATUS_LABELS = {
    RevisionStatus.DRAFT: "草稿",
    RevisionStatus.SUBMITTED: "待审核",
    RevisionStatus.REJECTED: "已退回",
    RevisionStatus.PUBLISHED: "现行版本",
    RevisionStatus.SUPERSEDED: "历史版本",
    RevisionStatus.DISCARDED: "已作废",
}
EVENT_LABELS = {
    "create": "新建",
    "revise": "修订",
    "submit": "提交审核",
    "withdraw": "撤回",
    "approve": "审核通过并发布",
    "reject": "退回",
    "retire": "停用",
}


# ---------------------------------------------------------------- tables


class CatalogResource(Base):
    """One resource of the 一本账: its code never changes. The name, type, theme and share/open types
    here are those of the published version (of the draft, before the first publication), so that
    browsing and filtering read this one table; `search_key` is computed when a version is published."""

    __tablename__ = "catalog_resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    classification: Mapped[str] = mapped_column(String(9))  # 类1位 项2位 目3位 细目3位
    sequence: Mapped[int] = mapped_column(Integer)
    provider_department_id: Mapped[int] = mapped_column(ForeignKey("org_departments.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(128))
    catalog_type: Mapped[str] = mapped_column(String(16), index=True)
    theme: Mapped[str | None] = mapped_column(String(2))
    share_type: Mapped[str] = mapped_column(String(16), index=True)
    open_type: Mapped[str] = mapped_column(String(16), index=True)
    update_cycle: Mapped[str] = mapped_column(String(16))
    published_version: Mapped[int | None] = mapped_column(Integer)
    published_at: Mapped[dt.datetime | None]
    search_key: Mapped[str] = mapped_column(Text, default="")
    retired_at: Mapped[dt.datetime | None]
    retired_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=now)

    revisions: Mapped[list[CatalogRevision]] = relationship(
        back_populates="resource", order_by="CatalogRevision.number", cascade="all, delete-orphan"
    )


class CatalogRevision(Base):
    """One version of a resource. Numbers count up from 1 per resource; a draft gets the next number.
    On publication `snapshot` (the whole version as JSON) and `diff` (from the previous published
    version) are frozen, and `snapshot_digest` (SM3) is what the ledger entry names."""

    __tablename__ = "catalog_revisions"
    __table_args__ = (UniqueConstraint("resource_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_resources.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)

    name: Mapped[str] = mapped_column(String(128))
    summary: Mapped[str] = mapped_column(Text, default="")
    catalog_type: Mapped[str] = mapped_column(String(16))
    theme: Mapped[str | None] = mapped_column(String(2))
    format: Mapped[str] = mapped_column(String(16))
    update_cycle: Mapped[str] = mapped_column(String(16))
    source_system: Mapped[str] = mapped_column(String(128), default="")
    share_type: Mapped[str] = mapped_column(String(16))
    share_conditions: Mapped[str] = mapped_column(Text, default="")
    share_method: Mapped[str | None] = mapped_column(String(16))
    open_type: Mapped[str] = mapped_column(String(16))
    open_conditions: Mapped[str] = mapped_column(Text, default="")
    related_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    publish_date: Mapped[dt.date | None] = mapped_column(Date)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"))
    submitted_at: Mapped[dt.datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"))
    reviewed_at: Mapped[dt.datetime | None]
    review_reason: Mapped[str | None] = mapped_column(Text)

    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    diff: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    snapshot_digest: Mapped[str | None] = mapped_column(String(64))

    resource: Mapped[CatalogResource] = relationship(back_populates="revisions")
    fields: Mapped[list[CatalogField]] = relationship(
        order_by="CatalogField.position", cascade="all, delete-orphan", lazy="selectin"
    )
    rules: Mapped[list[CatalogRule]] = relationship(
        order_by="CatalogRule.position", cascade="all, delete-orphan", lazy="selectin"
    )


class CatalogField(Base):
    """An information item (信息项): spec.FieldSpec plus a description."""

    __tablename__ = "catalog_fields"
    __table_args__ = (UniqueConstraint("revision_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_revisions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(64))
    data_type: Mapped[str] = mapped_column(String(16))
    required: Mapped[bool] = mapped_column(default=False)
    is_key: Mapped[bool] = mapped_column(default=False)
    level: Mapped[str] = mapped_column(String(16))
    sensitive_pi: Mapped[bool] = mapped_column(default=False)
    share_type: Mapped[str] = mapped_column(String(16))
    open_type: Mapped[str] = mapped_column(String(16))
    identifier: Mapped[str | None] = mapped_column(String(16))
    code_list: Mapped[list[str] | None] = mapped_column(JSON)
    pattern: Mapped[str | None] = mapped_column(String(500))
    # Kept as text: decimal or ISO date according to data_type, exactly as entered (normalised).
    min_value: Mapped[str | None] = mapped_column(String(32))
    max_value: Mapped[str | None] = mapped_column(String(32))
    max_length: Mapped[int | None] = mapped_column(Integer)
    to_simplified: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str] = mapped_column(Text, default="")


class CatalogRule(Base):
    """A cross-field rule (spec.CrossFieldRule) of one revision."""

    __tablename__ = "catalog_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_revisions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    fields: Mapped[list[str]] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(String(200))


class CatalogEvent(Base):
    """What happened to a resource, for its pages (the ledger holds the evidence of the decisions)."""

    __tablename__ = "catalog_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_resources.id", ondelete="CASCADE"), index=True
    )
    revision_number: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("security_accounts.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(default=now)
