"""The contract between the catalog and everything that reads or loads data: what a published resource
and its fields (信息项) promise. The catalog produces these; ingest validates rows against them; sharing
and open data decide what may leave by them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class DataType(StrEnum):
    STRING = "string"  # 字符型
    INTEGER = "integer"  # 整数
    DECIMAL = "decimal"  # 数值
    DATE = "date"  # 日期
    DATETIME = "datetime"  # 日期时间
    BOOLEAN = "boolean"  # 布尔


class IdentifierKind(StrEnum):
    ID_NUMBER = "id_number"  # 身份证号
    USCC = "uscc"  # 统一社会信用代码
    PHONE = "phone"  # 手机号
    ADCODE = "adcode"  # 行政区划代码


class ShareType(StrEnum):
    UNCONDITIONAL = "unconditional"  # 无条件共享
    CONDITIONAL = "conditional"  # 有条件共享
    NONE = "none"  # 不予共享


class OpenType(StrEnum):
    UNCONDITIONAL = "unconditional"  # 无条件开放
    CONDITIONAL = "conditional"  # 有条件开放
    NONE = "none"  # 不予开放


class Level(StrEnum):
    """数据分级 per GB/T 43697."""

    GENERAL = "general"  # 一般
    IMPORTANT = "important"  # 重要
    CORE = "core"  # 核心


class UpdateCycle(StrEnum):
    REALTIME = "realtime"  # 实时
    DAILY = "daily"  # 日
    WEEKLY = "weekly"  # 周
    MONTHLY = "monthly"  # 月
    QUARTERLY = "quarterly"  # 季
    YEARLY = "yearly"  # 年


UPDATE_CYCLE_DAYS = {
    UpdateCycle.REALTIME: 1,
    UpdateCycle.DAILY: 1,
    UpdateCycle.WEEKLY: 7,
    UpdateCycle.MONTHLY: 31,
    UpdateCycle.QUARTERLY: 92,
    UpdateCycle.YEARLY: 366,
}


@dataclass(frozen=True)
class CrossFieldRule:
    """A rule across fields, e.g. the birth date inside 身份证号 must equal 出生日期."""

    kind: str  # "id_number_birth_date" | "not_after" (field a ≤ field b) | "required_if"
    fields: tuple[str, ...]
    message: str  # Chinese, shown for every row that breaks it


@dataclass(frozen=True)
class FieldSpec:
    name: str  # column name in the lake (ASCII snake_case)
    label: str  # 中文名称, also accepted as a header in uploaded files
    data_type: DataType
    required: bool = False
    is_key: bool = False
    level: Level = Level.GENERAL
    sensitive_pi: bool = False
    share_type: ShareType = ShareType.UNCONDITIONAL
    open_type: OpenType = OpenType.NONE
    identifier: IdentifierKind | None = None
    code_list: tuple[str, ...] | None = None  # allowed values
    pattern: str | None = None  # a regular expression the whole value must match
    min_value: Decimal | dt.date | None = None
    max_value: Decimal | dt.date | None = None
    max_length: int | None = None
    to_simplified: bool = False  # convert 繁体 → 简体 (OpenCC) on load


@dataclass(frozen=True)
class ResourceSpec:
    """A published catalog resource as loaders and consumers see it."""

    id: int
    code: str
    name: str
    provider_department_id: int
    update_cycle: UpdateCycle
    share_type: ShareType
    open_type: OpenType
    fields: tuple[FieldSpec, ...]
    rules: tuple[CrossFieldRule, ...] = field(default_factory=tuple)
    version: int = 1

    @property
    def key_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.is_key)

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)
