"""Checking what a data officer writes into a catalog entry, attribute by attribute, with every problem
reported at once in Chinese, naming the attribute (and the field, 信息项, it belongs to).

Two levels: `check_resource(..., complete=False)` runs on every save — values must be valid and must
not contradict each other, but a draft may be unfinished; `complete=True` runs on submission and also
asks for what a published entry must have (summary, source system, fields, a key, conditions).

Values may be given as the code (`unconditional`) or as the Chinese label people use in forms and
Excel (`无条件共享`, or just `无条件`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

import duckdb

from shuzheng.catalog.models import (
    BASE_LIBRARIES,
    CATALOG_TYPE_DIGITS,
    CATALOG_TYPE_LABELS,
    DATA_TYPE_LABELS,
    FORMAT_LABELS,
    IDENTIFIER_LABELS,
    LEVEL_LABELS,
    OPEN_TYPE_LABELS,
    RULE_KIND_LABELS,
    SHARE_METHOD_LABELS,
    SHARE_TYPE_LABELS,
    THEMES,
    UPDATE_CYCLE_LABELS,
    CatalogType,
    ResourceFormat,
    RuleKind,
    ShareMethod,
)
from shuzheng.catalog.spec import DataType, IdentifierKind, Level, OpenType, ShareType, UpdateCycle
from shuzheng.errors import ValidationFailed

E = TypeVar("E", bound=StrEnum)

MAX_FIELDS = 500
MAX_RULES = 50
MAX_CODE_LIST = 1000
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
CLASSIFICATION = re.compile(r"[1-3]\d{8}")
PROVIDER_CODE = re.compile(r"[A-Za-z0-9_]{1,32}")
# 类项目细目-提供方编码-顺序号, e.g. 101001001-gaj-00001.
RESOURCE_CODE = re.compile(
    r"(?P<classification>[1-3]\d{8})-(?P<provider>[A-Za-z0-9_]{1,32})-(?P<sequence>\d{5})"
)

RESOURCE_LABELS = {
    "code": "资源代码",
    "classification": "分类代码",
    "provider": "资源提供方",
    "name": "资源名称",
    "summary": "资源摘要",
    "catalog_type": "目录类型",
    "theme": "主题",
    "format": "资源格式",
    "update_cycle": "更新周期",
    "source_system": "来源业务系统",
    "share_type": "共享类型",
    "share_conditions": "共享条件",
    "share_method": "共享方式",
    "open_type": "开放类型",
    "open_conditions": "开放条件",
    "related": "关联资源",
    "fields": "信息项",
    "rules": "校验规则",
}
FIELD_LABELS = {
    "name": "字段名",
    "label": "中文名称",
    "data_type": "数据类型",
    "required": "必填",
    "is_key": "主键",
    "level": "分级",
    "sensitive_pi": "个人敏感信息",
    "share_type": "共享类型",
    "open_type": "开放类型",
    "identifier": "标识类型",
    "code_list": "代码表",
    "pattern": "格式（正则表达式）",
    "min_value": "最小值",
    "max_value": "最大值",
    "max_length": "最大长度",
    "to_simplified": "繁体转简体",
    "description": "说明",
}
RULE_LABELS = {"kind": "规则类型", "fields": "涉及信息项", "message": "提示信息"}

_ORDER = {ShareType.UNCONDITIONAL: 2, ShareType.CONDITIONAL: 1, ShareType.NONE: 0}
_OPEN_ORDER = {OpenType.UNCONDITIONAL: 2, OpenType.CONDITIONAL: 1, OpenType.NONE: 0}
_RANGE_TYPES = frozenset({DataType.INTEGER, DataType.DECIMAL, DataType.DATE})
_NUMERIC = frozenset({DataType.INTEGER, DataType.DECIMAL})
_TEMPORAL = frozenset({DataType.DATE, DataType.DATETIME})


# ---------------------------------------------------------------- inputs


@dataclass
class FieldInput:
    """A field (信息项) as written; `check_resource` returns a normalised copy."""

    name: str
    label: str
    data_type: str = DataType.STRING.value
    required: bool = False
    is_key: bool = False
    level: str = Level.GENERAL.value
    sensitive_pi: bool = False
    share_type: str = ShareType.UNCONDITIONAL.value
    open_type: str = OpenType.NONE.value
    identifier: str | None = None
    code_list: list[str] | None = None
    pattern: str | None = None
    min_value: str | None = None
    max_value: str | None = None
    max_length: int | None = None
    to_simplified: bool = False
    description: str = ""


@dataclass
class RuleInput:
    kind: str
    fields: list[str]
    message: str = ""


@dataclass
class ResourceInput:
    """Everything of a version that a data officer edits (the code and provider are fixed at creation)."""

    name: str
    summary: str = ""
    catalog_type: str = CatalogType.DEPARTMENT.value
    theme: str | None = None
    format: str = ResourceFormat.DATABASE.value
    update_cycle: str = UpdateCycle.MONTHLY.value
    source_system: str = ""
    share_type: str = ShareType.CONDITIONAL.value
    share_conditions: str = ""
    share_method: str | None = ShareMethod.API.value
    open_type: str = OpenType.NONE.value
    open_conditions: str = ""
    related: list[str] = field(default_factory=list)
    fields: list[FieldInput] = field(default_factory=list)
    rules: list[RuleInput] = field(default_factory=list)


# ---------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    path: str  # machine path: "name", "fields[2].pattern", "rules[0].fields"
    message: str  # Chinese, names the attribute


class Problems:
    """Collects every problem, so one round trip shows them all."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(Problem(path, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def error(self, summary: str = "目录条目不符合要求") -> ValidationFailed:
        first = self.items[0].message
        more = f"（共{len(self.items)}处问题）" if len(self.items) > 1 else ""
        return ValidationFailed(
            f"{summary}：{first}{more}", details=[{"field": p.path, "message": p.message} for p in self.items]
        )

    def raise_if_any(self, summary: str = "目录条目不符合要求") -> None:
        if self.items:
            raise self.error(summary)


# ---------------------------------------------------------------- choices


def _aliases(labels: Mapping[E, str], extra: Mapping[str, E] | None = None) -> dict[str, E]:
    """Codes, labels, and labels without their common suffix (无条件共享 → 无条件, 字符型 → 字符)."""
    found: dict[str, E] = {}
    for member, label in labels.items():
        found[member.value] = member
        found[label] = member
        for suffix in ("共享", "开放", "数据", "型", "信息资源", "类"):
            if label.endswith(suffix) and len(label) > len(suffix):
                found[label[: -len(suffix)]] = member
    found.update(extra or {})
    return found


CHOICES: dict[str, dict[str, Any]] = {
    "catalog_type": _aliases(CATALOG_TYPE_LABELS, {"基础类": CatalogType.BASE, "主题类": CatalogType.THEME}),
    "format": _aliases(FORMAT_LABELS, {"表格": ResourceFormat.SPREADSHEET, "文件": ResourceFormat.DOCUMENT}),
    "update_cycle": _aliases(
        UPDATE_CYCLE_LABELS,
        {
            "日": UpdateCycle.DAILY,
            "周": UpdateCycle.WEEKLY,
            "月": UpdateCycle.MONTHLY,
            "季": UpdateCycle.QUARTERLY,
            "季度": UpdateCycle.QUARTERLY,
            "年": UpdateCycle.YEARLY,
        },
    ),
    "share_type": _aliases(SHARE_TYPE_LABELS),
    "share_method": _aliases(SHARE_METHOD_LABELS, {"接口": ShareMethod.API, "库表": ShareMethod.TABLE}),
    "open_type": _aliases(OPEN_TYPE_LABELS),
    "level": _aliases(LEVEL_LABELS),
    "data_type": _aliases(
        DATA_TYPE_LABELS, {"文本": DataType.STRING, "数字": DataType.DECIMAL, "日期时间": DataType.DATETIME}
    ),
    "identifier": _aliases(
        IDENTIFIER_LABELS, {"USCC": IdentifierKind.USCC, "公民身份号码": IdentifierKind.ID_NUMBER}
    ),
    "rule_kind": _aliases(RULE_KIND_LABELS),
}
LABELS: dict[str, Mapping[Any, str]] = {
    "catalog_type": CATALOG_TYPE_LABELS,
    "format": FORMAT_LABELS,
    "update_cycle": UPDATE_CYCLE_LABELS,
    "share_type": SHARE_TYPE_LABELS,
    "share_method": SHARE_METHOD_LABELS,
    "open_type": OPEN_TYPE_LABELS,
    "level": LEVEL_LABELS,
    "data_type": DATA_TYPE_LABELS,
    "identifier": IDENTIFIER_LABELS,
    "rule_kind": RULE_KIND_LABELS,
}


def parse_choice(kind: str, value: Any) -> Any:
    """The enum member for a code or a Chinese label, or None when it is not one."""
    text = str(value or "").strip()
    return CHOICES[kind].get(text) or CHOICES[kind].get(text.lower())


def allowed(kind: str) -> str:
    return "、".join(LABELS[kind].values())


def theme_code(value: Any) -> str | None:
    """A theme by its 2-digit code or its name."""
    text = str(value or "").strip()
    if text in THEMES:
        return text
    return next((code for code, name in THEMES.items() if name == text), None)


# ---------------------------------------------------------------- the resource


def check_resource(
    data: ResourceInput, *, complete: bool = False, problems: Problems | None = None
) -> ResourceInput:
    """Validate and normalise a version. Raises ValidationFailed listing every problem — unless the
    caller passes its own `problems` to add more before raising."""
    own = problems is None
    found = Problems() if problems is None else problems
    clean = _check_attributes(data, found, complete)
    clean.fields = _check_fields(data.fields, clean, found, complete)
    clean.rules = _check_rules(data.rules, clean.fields, found)
    if own:
        found.raise_if_any()
    return clean


def _label(attr: str) -> str:
    return RESOURCE_LABELS[attr]


def _text(
    problems: Problems, path: str, label: str, value: Any, *, max_len: int, required: bool = False
) -> str:
    text = str(value or "").strip()
    if required and not text:
        problems.add(path, f"{label}：不能为空")
    if len(text) > max_len:
        problems.add(path, f"{label}：不能超过{max_len}个字（现有{len(text)}个）")
    return text


def _choice(problems: Problems, path: str, label: str, kind: str, value: Any) -> Any:
    member = parse_choice(kind, value)
    if member is None:
        shown = str(value or "").strip()
        problems.add(
            path, f"{label}：{'不能为空' if not shown else f'「{shown}」不是可选值'}，可选：{allowed(kind)}"
        )
    return member


def _check_attributes(data: ResourceInput, problems: Problems, complete: bool) -> ResourceInput:
    name = _text(problems, "name", _label("name"), data.name, max_len=128, required=True)
    summary = _text(problems, "summary", _label("summary"), data.summary, max_len=2000, required=complete)
    catalog_type = _choice(
        problems, "catalog_type", _label("catalog_type"), "catalog_type", data.catalog_type
    )
    theme = None
    if catalog_type is CatalogType.THEME:
        theme = theme_code(data.theme)
        if theme is None:
            shown = str(data.theme or "").strip()
            reason = f"「{shown}」不是平台的主题" if shown else "主题信息资源必须选择主题"
            problems.add("theme", f"{_label('theme')}：{reason}，可选：{'、'.join(THEMES.values())}")
    fmt = _choice(problems, "format", _label("format"), "format", data.format)
    cycle = _choice(problems, "update_cycle", _label("update_cycle"), "update_cycle", data.update_cycle)
    source_system = _text(
        problems, "source_system", _label("source_system"), data.source_system, max_len=128, required=complete
    )
    share = _choice(problems, "share_type", _label("share_type"), "share_type", data.share_type)
    share_conditions = _text(
        problems, "share_conditions", _label("share_conditions"), data.share_conditions, max_len=1000
    )
    share_method = None
    if share is not None and share is not ShareType.NONE:
        if str(data.share_method or "").strip():
            share_method = _choice(
                problems, "share_method", _label("share_method"), "share_method", data.share_method
            )
        elif complete:
            problems.add(
                "share_method",
                f"{_label('share_method')}：共享的资源须写明共享方式，可选：{allowed('share_method')}",
            )
    openness = _choice(problems, "open_type", _label("open_type"), "open_type", data.open_type)
    open_conditions = _text(
        problems, "open_conditions", _label("open_conditions"), data.open_conditions, max_len=1000
    )
    if complete and share is ShareType.CONDITIONAL and not share_conditions:
        problems.add("share_conditions", f"{_label('share_conditions')}：有条件共享须写明共享条件")
    if complete and share is ShareType.NONE and not share_conditions:
        problems.add("share_conditions", f"{_label('share_conditions')}：不予共享须写明法律法规或政策依据")
    if complete and openness is OpenType.CONDITIONAL and not open_conditions:
        problems.add("open_conditions", f"{_label('open_conditions')}：有条件开放须写明开放条件")
    if share is ShareType.NONE and openness is not None and openness is not OpenType.NONE:
        problems.add(
            "open_type",
            f"{_label('open_type')}：不予共享的资源不能{OPEN_TYPE_LABELS[openness]}（共享类型与开放类型相互矛盾）",
        )
    related = _check_related(data.related, problems)
    return ResourceInput(
        name=name,
        summary=summary,
        catalog_type=catalog_type.value if catalog_type else "",
        theme=theme,
        format=fmt.value if fmt else "",
        update_cycle=cycle.value if cycle else "",
        source_system=source_system,
        share_type=share.value if share else "",
        share_conditions=share_conditions,
        share_method=share_method.value if share_method else None,
        open_type=openness.value if openness else "",
        open_conditions=open_conditions,
        related=related,
    )


def _check_related(values: Iterable[str], problems: Problems) -> list[str]:
    codes: list[str] = []
    for value in values or []:
        code = str(value or "").strip()
        if not code:
            continue
        if not RESOURCE_CODE.fullmatch(code):
            problems.add(
                "related", f"{_label('related')}：「{code}」不是资源代码（格式如 101001001-gaj-00001）"
            )
        elif code not in codes:
            codes.append(code)
    return codes


# ---------------------------------------------------------------- fields


def field_title(index: int, item: FieldInput | None) -> str:
    """How a field is named in messages: 第3个信息项「身份证号」."""
    label = (item.label or item.name or "").strip() if item is not None else ""
    return f"第{index + 1}个信息项" + (f"「{label}」" if label else "")


def _check_fields(
    items: list[FieldInput], resource: ResourceInput, problems: Problems, complete: bool
) -> list[FieldInput]:
    if len(items) > MAX_FIELDS:
        problems.add("fields", f"信息项：最多{MAX_FIELDS}个（现有{len(items)}个）")
        return []
    clean = [_check_field(i, item, problems) for i, item in enumerate(items)]
    _check_unique(clean, "name", problems)
    _check_unique(clean, "label", problems)
    if complete and not clean:
        problems.add("fields", "信息项：至少需要一个信息项")
    elif complete and not any(f.is_key for f in clean):
        problems.add("fields", "信息项：至少需要一个主键信息项（用于增量更新和异议定位）")
    return clean


def _check_unique(items: list[FieldInput], attr: str, problems: Problems) -> None:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        value = getattr(item, attr)
        if not value:
            continue
        if value in seen:
            problems.add(
                f"fields[{i}].{attr}",
                f"{field_title(i, item)}·{FIELD_LABELS[attr]}：「{value}」与第{seen[value] + 1}个信息项重复",
            )
        else:
            seen[value] = i


def _check_field(i: int, item: FieldInput, problems: Problems) -> FieldInput:
    title = field_title(i, item)

    def path(attr: str) -> str:
        return f"fields[{i}].{attr}"

    def lab(attr: str) -> str:
        return f"{title}·{FIELD_LABELS[attr]}"

    name = str(item.name or "").strip()
    if not name:
        problems.add(
            path("name"), f"{lab('name')}：不能为空（英文小写字母开头，可含数字和下划线，如 id_number）"
        )
    elif not FIELD_NAME.fullmatch(name):
        problems.add(
            path("name"),
            f"{lab('name')}：「{name}」应以英文小写字母开头，只含小写字母、数字和下划线，不超过63个字符",
        )
    label = _text(problems, path("label"), lab("label"), item.label, max_len=64, required=True)
    data_type = _choice(problems, path("data_type"), lab("data_type"), "data_type", item.data_type)
    level = _choice(problems, path("level"), lab("level"), "level", item.level)
    share = _choice(problems, path("share_type"), lab("share_type"), "share_type", item.share_type)
    openness = _choice(problems, path("open_type"), lab("open_type"), "open_type", item.open_type)
    identifier = None
    if str(item.identifier or "").strip():
        identifier = _choice(problems, path("identifier"), lab("identifier"), "identifier", item.identifier)
    required, is_key, sensitive = bool(item.required), bool(item.is_key), bool(item.sensitive_pi)
    if is_key and not required:
        problems.add(path("required"), f"{lab('required')}：主键信息项必须为必填")
    if identifier is not None and data_type is not None and data_type is not DataType.STRING:
        problems.add(
            path("data_type"),
            f"{lab('data_type')}：标识类型为{IDENTIFIER_LABELS[identifier]}的信息项必须是字符型（保留前导零和末位X）",
        )
    if sensitive and openness is OpenType.UNCONDITIONAL:
        problems.add(path("open_type"), f"{lab('open_type')}：个人敏感信息不得无条件开放")
    if level in (Level.IMPORTANT, Level.CORE) and openness is OpenType.UNCONDITIONAL:
        problems.add(path("open_type"), f"{lab('open_type')}：{LEVEL_LABELS[level]}不得无条件开放")
    if share is ShareType.NONE and openness is not None and openness is not OpenType.NONE:
        problems.add(
            path("open_type"), f"{lab('open_type')}：不予共享的信息项不能{OPEN_TYPE_LABELS[openness]}"
        )
    code_list = _check_code_list(item.code_list, data_type, path("code_list"), lab("code_list"), problems)
    pattern = _check_pattern(item.pattern, data_type, path("pattern"), lab("pattern"), problems)
    min_value = _check_bound(item.min_value, data_type, path("min_value"), lab("min_value"), problems)
    max_value = _check_bound(item.max_value, data_type, path("max_value"), lab("max_value"), problems)
    if min_value is not None and max_value is not None and data_type in _RANGE_TYPES:
        _check_range(min_value, max_value, data_type, path("max_value"), lab("max_value"), problems)
    max_length = _check_max_length(
        item.max_length, data_type, path("max_length"), lab("max_length"), problems
    )
    to_simplified = bool(item.to_simplified)
    if to_simplified and data_type is not None and data_type is not DataType.STRING:
        problems.add(path("to_simplified"), f"{lab('to_simplified')}：只适用于字符型信息项")
    description = _text(problems, path("description"), lab("description"), item.description, max_len=1000)
    return FieldInput(
        name=name,
        label=label,
        data_type=data_type.value if data_type else "",
        required=required,
        is_key=is_key,
        level=level.value if level else "",
        sensitive_pi=sensitive,
        share_type=share.value if share else "",
        open_type=openness.value if openness else "",
        identifier=identifier.value if identifier else None,
        code_list=code_list,
        pattern=pattern,
        min_value=min_value,
        max_value=max_value,
        max_length=max_length,
        to_simplified=to_simplified,
        description=description,
    )


def _check_code_list(
    values: Iterable[Any] | None, data_type: DataType | None, path: str, label: str, problems: Problems
) -> list[str] | None:
    if not values:
        return None
    items = [str(v).strip() for v in values if str(v).strip()]
    if not items:
        return None
    if data_type is not None and data_type not in (DataType.STRING, DataType.INTEGER):
        problems.add(path, f"{label}：只适用于字符型或整数型信息项")
        return items
    if len(items) > MAX_CODE_LIST:
        problems.add(path, f"{label}：最多{MAX_CODE_LIST}个代码值（现有{len(items)}个）")
    seen: set[str] = set()
    for value in items:
        if value in seen:
            problems.add(path, f"{label}：代码值「{value}」重复，代码表中的值必须唯一")
        seen.add(value)
        if len(value) > 64:
            problems.add(path, f"{label}：代码值「{value[:20]}…」超过64个字")
        if data_type is DataType.INTEGER and not re.fullmatch(r"-?\d+", value):
            problems.add(path, f"{label}：整数型信息项的代码值「{value}」应为整数")
    return items


def _check_pattern(
    value: Any, data_type: DataType | None, path: str, label: str, problems: Problems
) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    if data_type is not None and data_type is not DataType.STRING:
        problems.add(path, f"{label}：只适用于字符型信息项")
    if len(text) > 500:
        problems.add(path, f"{label}：不能超过500个字符")
        return text
    reason = regex_problem(text)
    if reason is not None:
        problems.add(path, f"{label}：「{text}」不是有效的正则表达式（{reason}）")
    return text


# RE2's messages (DuckDB and Polars, which validate loads, use RE2-style engines) in Chinese.
RE2_REASONS = (
    ("invalid perl operator", "不支持前后断言 (?=…)、(?!…) 等"),
    ("invalid escape sequence", "转义字符无效；不支持反向引用 \\1"),
    ("missing ]", "方括号不配对"),
    ("missing )", "缺少右括号"),
    ("unexpected )", "括号不配对"),
    ("missing argument to repetition operator", "量词前没有可重复的内容"),
    ("bad repetition operator", "量词无效"),
    ("invalid repetition size", "重复次数无效"),
    ("invalid character class range", "字符范围无效"),
    ("invalid named capture group", "命名分组无效"),
    ("invalid UTF-8", "含无效字符"),
)


def regex_problem(pattern: str) -> str | None:
    """Why `pattern` cannot run where loads are validated (RE2 syntax, via DuckDB), or None.

    RE2 is the authority, not Python's `re`: RE2 has no lookaround or backreferences (so they are
    refused) but does have Unicode classes such as \\p{Han} (so they are allowed)."""
    with duckdb.connect() as con:
        try:
            con.execute("SELECT regexp_full_match('', ?)", [pattern]).fetchall()
        except duckdb.Error as exc:
            message = str(exc)
            return next((chinese for english, chinese in RE2_REASONS if english in message), "语法错误")
    return None


def _check_bound(
    value: Any, data_type: DataType | None, path: str, label: str, problems: Problems
) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if data_type is None:
        return text
    if data_type not in _RANGE_TYPES:
        problems.add(path, f"{label}：只适用于整数型、数值型或日期型信息项")
        return text
    try:
        return _normalise_bound(text, data_type)
    except ValueError as exc:
        problems.add(path, f"{label}：{exc}")
        return text


def _check_range(low: str, high: str, data_type: DataType, path: str, label: str, problems: Problems) -> None:
    try:
        if data_type is DataType.DATE:
            inverted = dt.date.fromisoformat(low) > dt.date.fromisoformat(high)
        else:
            inverted = Decimal(low) > Decimal(high)
    except (ValueError, ArithmeticError):
        return  # an invalid bound is reported on its own
    if inverted:
        problems.add(path, f"{label}：不能小于最小值（{low}）")


def _normalise_bound(text: str, data_type: DataType) -> str:
    if data_type is DataType.DATE:
        try:
            return dt.date.fromisoformat(
                text[:10] if len(text) > 10 and text[10] in " T" else text
            ).isoformat()
        except ValueError:
            raise ValueError(f"「{text}」不是有效日期，应写作 2020-01-01") from None
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"「{text}」不是数字") from None
    if not number.is_finite():
        raise ValueError(f"「{text}」不是有限的数字")
    if data_type is DataType.INTEGER:
        if number != number.to_integral_value():
            raise ValueError(f"「{text}」不是整数")
        return str(int(number))
    return format(number.normalize(), "f")


def _bound_value(text: str, data_type: str | DataType) -> Decimal | dt.date:
    if DataType(data_type) is DataType.DATE:
        return dt.date.fromisoformat(text)
    return Decimal(text)


def bound_value(text: str | None, data_type: str | DataType) -> Decimal | dt.date | None:
    """A stored min/max as spec.FieldSpec wants it."""
    return None if text is None else _bound_value(text, data_type)


def _check_max_length(
    value: Any, data_type: DataType | None, path: str, label: str, problems: Problems
) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        problems.add(path, f"{label}：应为正整数")
        return None
    if not 1 <= number <= 4000:
        problems.add(path, f"{label}：应在1到4000之间")
    if data_type is not None and data_type is not DataType.STRING:
        problems.add(path, f"{label}：只适用于字符型信息项")
    return number


# ---------------------------------------------------------------- cross-field rules


def _check_rules(items: list[RuleInput], fields: list[FieldInput], problems: Problems) -> list[RuleInput]:
    if len(items) > MAX_RULES:
        problems.add("rules", f"校验规则：最多{MAX_RULES}条")
        return []
    by_name = {f.name: f for f in fields if f.name}
    by_label = {f.label: f for f in fields if f.label}
    clean: list[RuleInput] = []
    for i, rule in enumerate(items):
        title = f"第{i + 1}条校验规则"
        kind = _choice(problems, f"rules[{i}].kind", f"{title}·规则类型", "rule_kind", rule.kind)
        named = [str(n).strip() for n in rule.fields or [] if str(n).strip()]
        found = [by_name.get(n) or by_label.get(n) for n in named]
        for n, f in zip(named, found, strict=True):
            if f is None:
                problems.add(f"rules[{i}].fields", f"{title}·涉及信息项：没有名为「{n}」的信息项")
        if len(named) != 2:
            problems.add(f"rules[{i}].fields", f"{title}·涉及信息项：应恰好两个信息项（现有{len(named)}个）")
        resolved = [f for f in found if f is not None]
        if kind is not None and len(resolved) == 2:
            _check_rule_types(kind, resolved[0], resolved[1], f"rules[{i}].fields", title, problems)
        message = str(rule.message or "").strip()
        if len(message) > 200:
            problems.add(f"rules[{i}].message", f"{title}·提示信息：不能超过200个字")
        if not message and kind is not None and len(resolved) == 2:
            message = default_rule_message(kind, resolved[0].label, resolved[1].label)
        clean.append(
            RuleInput(
                kind=kind.value if kind else "",
                fields=[f.name for f in resolved] if len(resolved) == len(named) else named,
                message=message,
            )
        )
    return clean


def _check_rule_types(
    kind: RuleKind, a: FieldInput, b: FieldInput, path: str, title: str, problems: Problems
) -> None:
    label = f"{title}·涉及信息项"
    if a.name == b.name:
        problems.add(path, f"{label}：两个信息项不能相同")
    elif kind is RuleKind.ID_NUMBER_BIRTH_DATE:
        if a.identifier != IdentifierKind.ID_NUMBER.value:
            problems.add(path, f"{label}：第一个信息项「{a.label}」的标识类型应为身份证号")
        if b.data_type != DataType.DATE.value:
            problems.add(path, f"{label}：第二个信息项「{b.label}」应为日期型")
    elif kind is RuleKind.NOT_AFTER:
        types = {a.data_type, b.data_type}
        if not (types <= {t.value for t in _TEMPORAL} or types <= {t.value for t in _NUMERIC}):
            problems.add(path, f"{label}：「{a.label}」和「{b.label}」应同为日期或同为数值")


def default_rule_message(kind: RuleKind, a: str, b: str) -> str:
    if kind is RuleKind.ID_NUMBER_BIRTH_DATE:
        return f"{a}中的出生日期与{b}不一致"
    if kind is RuleKind.NOT_AFTER:
        return f"{a}不能晚于（大于）{b}"
    return f"填写了{b}时，{a}不能为空"


# ---------------------------------------------------------------- codes


def check_classification(
    value: str | None,
    catalog_type: str,
    theme: str | None,
    problems: Problems,
    *,
    path: str = "classification",
) -> str:
    """The 9-digit 类项目细目 of a new resource; defaults from the type (and theme) when not given."""
    label = RESOURCE_LABELS["classification"]
    text = str(value or "").strip()
    ctype = parse_choice("catalog_type", catalog_type)
    if ctype is None:
        return text  # reported with the type
    digit = CATALOG_TYPE_DIGITS[ctype]
    if not text:
        if ctype is CatalogType.BASE:
            libraries = "；".join(f"{c} {n}" for c, n in BASE_LIBRARIES.items())
            problems.add(path, f"{label}：基础信息资源须填写分类代码，第2–3位为基础库编号（{libraries}）")
            return text
        return f"{digit}{theme or '01'}001001"
    if not CLASSIFICATION.fullmatch(text):
        problems.add(path, f"{label}：「{text}」应为9位数字（类1位、项2位、目3位、细目3位），如 101001001")
        return text
    if text[0] != digit:
        problems.add(path, f"{label}：第1位（类）应为{digit}（{CATALOG_TYPE_LABELS[ctype]}），现为{text[0]}")
    if ctype is CatalogType.BASE and text[1:3] not in BASE_LIBRARIES:
        problems.add(path, f"{label}：第2–3位（项）应为基础库编号：{'、'.join(BASE_LIBRARIES)}")
    if ctype is CatalogType.THEME and theme and text[1:3] != theme:
        problems.add(path, f"{label}：第2–3位（项）应为主题编号 {theme}（{THEMES[theme]}）")
    return text


def check_against_code(code: str, data: ResourceInput, problems: Problems) -> None:
    """A revision may not change what the code encodes: the type (类) and, for themes, the theme (项)."""
    match = RESOURCE_CODE.fullmatch(code)
    ctype = parse_choice("catalog_type", data.catalog_type)
    if match is None or ctype is None:
        return
    classification = match["classification"]
    if classification[0] != CATALOG_TYPE_DIGITS[ctype]:
        problems.add(
            "catalog_type",
            f"{RESOURCE_LABELS['catalog_type']}：资源代码 {code} 已编入目录类型，不能改为{CATALOG_TYPE_LABELS[ctype]}；"
            "如需调整请新建资源并停用本资源",
        )
    elif ctype is CatalogType.THEME and data.theme and classification[1:3] != data.theme:
        problems.add(
            "theme",
            f"{RESOURCE_LABELS['theme']}：资源代码 {code} 已编入主题 {THEMES.get(classification[1:3], classification[1:3])}，不能修改",
        )
