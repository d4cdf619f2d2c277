"""The catalog over JSON: what goes in (lenient — every rule is checked, in Chinese, by the service) and
what comes out. A version's content is returned as its snapshot (see docs/catalog.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from shuzheng.catalog.models import (
    CATALOG_TYPE_LABELS,
    OPEN_TYPE_LABELS,
    RESOURCE_STATUS_LABELS,
    SHARE_TYPE_LABELS,
    THEMES,
    UPDATE_CYCLE_LABELS,
    CatalogResource,
    CatalogType,
    ResourceStatus,
)
from shuzheng.catalog.spec import OpenType, ShareType, UpdateCycle
from shuzheng.catalog.validation import FieldInput, ResourceInput, RuleInput
from shuzheng.org.models import Department

Bound = str | int | float | None


def _bound(value: Bound) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return format(Decimal(str(value)), "f")


class FieldIn(BaseModel):
    name: str = Field(description="字段名：英文小写字母开头，可含数字和下划线")
    label: str = Field(description="中文名称，上传文件时也可作表头")
    data_type: str = Field(
        "string", description="string/integer/decimal/date/datetime/boolean（或中文：字符型等）"
    )
    required: bool = False
    is_key: bool = Field(False, description="主键（必须同时必填）")
    level: str = Field("general", description="数据分级 general/important/core（一般/重要/核心）")
    sensitive_pi: bool = Field(False, description="个人敏感信息")
    share_type: str = "unconditional"
    open_type: str = "none"
    identifier: str | None = Field(None, description="标识类型 id_number/uscc/phone/adcode")
    code_list: list[str] | None = Field(None, description="代码表：允许的取值，必须唯一")
    pattern: str | None = Field(
        None, description="整值匹配的正则表达式（RE2 语法，如 \\d{6}、\\p{Han}+；不支持断言与反向引用）"
    )
    min_value: Bound = None
    max_value: Bound = None
    max_length: int | None = None
    to_simplified: bool = Field(False, description="入库时繁体转简体")
    description: str = ""

    def to_input(self) -> FieldInput:
        data = self.model_dump()
        data["min_value"], data["max_value"] = _bound(self.min_value), _bound(self.max_value)
        return FieldInput(**data)


class RuleIn(BaseModel):
    kind: str = Field(description="id_number_birth_date / not_after / required_if")
    fields: list[str] = Field(description="两个信息项的字段名（或中文名称）")
    message: str = Field("", description="提示信息；留空则自动生成")


class ResourceIn(BaseModel):
    name: str = Field(description="资源名称")
    summary: str = ""
    catalog_type: str = Field("department", description="base/theme/department（基础/主题/部门）")
    theme: str | None = Field(None, description="主题信息资源的主题：编号（如 02）或名称（如 社会保障）")
    format: str = Field("database", description="database/spreadsheet/document/image/media/api")
    update_cycle: str = Field("monthly", description="realtime/daily/weekly/monthly/quarterly/yearly")
    source_system: str = Field("", description="产生数据的业务系统（目录—数据—系统）")
    share_type: str = "conditional"
    share_conditions: str = ""
    share_method: str | None = Field("api", description="api/table/file（接口调用/库表交换/文件下载）")
    open_type: str = "none"
    open_conditions: str = ""
    related: list[str] = Field(default_factory=list, description="关联资源的资源代码")
    fields: list[FieldIn] = Field(default_factory=list)
    rules: list[RuleIn] = Field(default_factory=list)

    def to_input(self) -> ResourceInput:
        data = self.model_dump(include=set(ResourceIn.model_fields) - {"fields", "rules"})
        return ResourceInput(
            **data,
            fields=[f.to_input() for f in self.fields],
            rules=[RuleInput(kind=r.kind, fields=list(r.fields), message=r.message) for r in self.rules],
        )


class ResourceCreate(ResourceIn):
    provider_department_id: int | None = Field(None, description="提供方部门；默认为当前用户所在部门")
    classification: str | None = Field(None, description="9位分类代码（类项目细目）；基础信息资源必填")
    code: str | None = Field(None, description="指定资源代码（交换已编制的目录时）；默认自动编号")


class ReviewIn(BaseModel):
    version: int | None = Field(None, description="审核的版本号（与待审核版本不一致时拒绝）")


class RejectIn(ReviewIn):
    reason: str = Field(description="退回理由")


class RetireIn(BaseModel):
    reason: str = Field(description="停用理由")


class ProviderOut(BaseModel):
    id: int
    code: str
    name: str


class ResourceSummaryOut(BaseModel):
    code: str
    name: str
    provider: ProviderOut
    status: ResourceStatus
    status_label: str
    catalog_type: CatalogType
    catalog_type_label: str
    theme: str | None
    theme_label: str | None
    share_type: ShareType
    share_type_label: str
    open_type: OpenType
    open_type_label: str
    update_cycle: UpdateCycle
    update_cycle_label: str
    published_version: int | None
    published_at: dt.datetime | None

    @classmethod
    def of(cls, r: CatalogResource, provider: Department) -> ResourceSummaryOut:
        return cls(
            code=r.code,
            name=r.name,
            provider=ProviderOut(id=provider.id, code=provider.code, name=provider.name),
            status=ResourceStatus(r.status),
            status_label=RESOURCE_STATUS_LABELS[ResourceStatus(r.status)],
            catalog_type=CatalogType(r.catalog_type),
            catalog_type_label=CATALOG_TYPE_LABELS[CatalogType(r.catalog_type)],
            theme=r.theme,
            theme_label=THEMES.get(r.theme) if r.theme else None,
            share_type=ShareType(r.share_type),
            share_type_label=SHARE_TYPE_LABELS[ShareType(r.share_type)],
            open_type=OpenType(r.open_type),
            open_type_label=OPEN_TYPE_LABELS[OpenType(r.open_type)],
            update_cycle=UpdateCycle(r.update_cycle),
            update_cycle_label=UPDATE_CYCLE_LABELS[UpdateCycle(r.update_cycle)],
            published_version=r.published_version,
            published_at=r.published_at,
        )


class ResourcePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[ResourceSummaryOut]


class DraftOut(BaseModel):
    version: int
    status: str
    status_label: str
    review_reason: str | None
    content: dict[str, Any] = Field(description="该版本的快照")
    diff: dict[str, Any] | None = Field(description="相对现行版本的变化")


class ResourceOut(BaseModel):
    resource: ResourceSummaryOut
    published: dict[str, Any] | None = Field(description="现行版本的快照（含信息项和校验规则）")
    draft: DraftOut | None = Field(description="未发布的版本（仅编制部门和审核人员可见）")


class VersionOut(BaseModel):
    version: int
    status: str
    status_label: str
    publish_date: dt.date | None
    review_reason: str | None
    diff: dict[str, Any]


class QueueItemOut(BaseModel):
    code: str
    name: str
    provider: ProviderOut
    version: int
    is_new: bool
    submitted_at: dt.datetime | None


class ImportOut(BaseModel):
    created: list[str]
    revised: list[str]
    unchanged: list[str]
    submitted: list[str]
    summary: str
