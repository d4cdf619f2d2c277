"""The catalog as departments exchange it: an Excel workbook (.xlsx) with Chinese headers.

Sheets: 「数据资源」 (one row per resource), 「信息项」 (one row per field, keyed by 资源代码, in order),
「校验规则」 (optional: cross-field rules keyed by 资源代码) and, on export, 「填写说明」. Values are
written as people read them (有条件共享, 字符型, 是/否); on import codes and labels are both accepted.
Lists (代码表, 关联资源) are one value per line — a comma or semicolon also separates; 、 does not,
because it occurs inside values.

Import is all-or-nothing: every row is checked, every problem is reported with its sheet, row and
column, and nothing is written unless the whole workbook is right. Export neutralises formula
injection: a text cell beginning with = + - @ or a tab/carriage return gets a leading single quote,
which import removes again.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from shuzheng.catalog import service
from shuzheng.catalog.models import (
    BASE_LIBRARIES,
    CATALOG_TYPE_LABELS,
    DATA_TYPE_LABELS,
    FORMAT_LABELS,
    IDENTIFIER_LABELS,
    LEVEL_LABELS,
    OPEN_TYPE_LABELS,
    RESOURCE_STATUS_LABELS,
    RULE_KIND_LABELS,
    SHARE_METHOD_LABELS,
    SHARE_TYPE_LABELS,
    THEMES,
    UPDATE_CYCLE_LABELS,
    ResourceStatus,
)
from shuzheng.catalog.validation import FieldInput, ResourceInput, RuleInput
from shuzheng.errors import DomainError, NotFound, PayloadTooLarge, ValidationFailed
from shuzheng.org import service as org
from shuzheng.org.models import Department
from shuzheng.security.roles import Actor, Perm, require

RESOURCE_SHEET = "数据资源"
FIELD_SHEET = "信息项"
RULE_SHEET = "校验规则"
GUIDE_SHEET = "填写说明"

MAX_BYTES = 5 * 1024 * 1024
MAX_RESOURCE_ROWS = 2000
MAX_FIELD_ROWS = 50000
MAX_REPORTED = 200

# (key, header); keys are ResourceInput/FieldInput attributes or import-only/export-only columns.
RESOURCE_COLUMNS = (
    ("code", "资源代码"),
    ("name", "资源名称"),
    ("provider", "提供方部门编码"),
    ("provider_name", "提供方"),
    ("catalog_type", "目录类型"),
    ("theme", "主题"),
    ("summary", "资源摘要"),
    ("format", "资源格式"),
    ("update_cycle", "更新周期"),
    ("source_system", "来源业务系统"),
    ("share_type", "共享类型"),
    ("share_conditions", "共享条件"),
    ("share_method", "共享方式"),
    ("open_type", "开放类型"),
    ("open_conditions", "开放条件"),
    ("related", "关联资源"),
    ("version", "版本"),
    ("publish_date", "发布日期"),
    ("status", "状态"),
)
FIELD_COLUMNS = (
    ("code", "资源代码"),
    ("position", "序号"),
    ("name", "字段名"),
    ("label", "中文名称"),
    ("data_type", "数据类型"),
    ("max_length", "最大长度"),
    ("required", "必填"),
    ("is_key", "主键"),
    ("level", "分级"),
    ("sensitive_pi", "个人敏感信息"),
    ("share_type", "共享类型"),
    ("open_type", "开放类型"),
    ("identifier", "标识类型"),
    ("code_list", "代码表"),
    ("pattern", "格式（正则表达式）"),
    ("min_value", "最小值"),
    ("max_value", "最大值"),
    ("to_simplified", "繁体转简体"),
    ("description", "说明"),
)
RULE_COLUMNS = (("code", "资源代码"), ("kind", "规则类型"), ("fields", "涉及信息项"), ("message", "提示信息"))
REQUIRED_HEADERS = {
    RESOURCE_SHEET: ("资源代码", "资源名称"),
    FIELD_SHEET: ("资源代码", "字段名", "中文名称"),
    RULE_SHEET: ("资源代码", "规则类型", "涉及信息项"),
}
EXPORT_ONLY = frozenset({"provider_name", "version", "publish_date", "status", "position"})
# Importing accepts a provider by name when the code column is absent.
COLUMN_ALIASES = {"提供方部门": "provider_name", "资源提供方": "provider_name", "数源部门": "provider_name"}

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
LIST_SPLIT = re.compile(r"[\r\n]+|[,，;；]")
TRUE_WORDS = frozenset({"是", "y", "yes", "true", "1", "√", "✓"})
FALSE_WORDS = frozenset({"否", "n", "no", "false", "0", ""})

ENUM_LABELS: dict[str, Mapping[Any, str]] = {
    "catalog_type": CATALOG_TYPE_LABELS,
    "format": FORMAT_LABELS,
    "update_cycle": UPDATE_CYCLE_LABELS,
    "share_type": SHARE_TYPE_LABELS,
    "share_method": SHARE_METHOD_LABELS,
    "open_type": OPEN_TYPE_LABELS,
    "level": LEVEL_LABELS,
    "data_type": DATA_TYPE_LABELS,
    "identifier": IDENTIFIER_LABELS,
    "kind": RULE_KIND_LABELS,
    "theme": THEMES,
}
BOOLEAN_KEYS = frozenset({"required", "is_key", "sensitive_pi", "to_simplified"})


# ---------------------------------------------------------------- cells


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula (=cmd|' /C calc'!A0, +1, -1, @SUM…)
    is written with a leading single quote, so it stays text. Control characters XML cannot hold
    are dropped."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(DANGEROUS_START):
        return "'" + value
    return value


def unneutralise(text: str) -> str:
    if text.startswith("'") and text[1:2] and text[1:2] in DANGEROUS_START:
        return text[1:]
    return text


def _cell_text(value: Any) -> str:
    """A cell as the text a person typed: dates as ISO, whole numbers without .0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    return unneutralise(str(value)).strip()


def split_list(text: str) -> list[str]:
    return [v.strip() for v in LIST_SPLIT.split(text) if v.strip()]


# ---------------------------------------------------------------- export


def export_catalog(
    session: Session,
    actor: Actor | None,
    *,
    department_id: int | None = None,
    include_drafts: bool = False,
) -> bytes:
    """The published catalog (optionally one provider's) as a workbook. With `include_drafts`, a
    resource the actor may edit is exported as its open draft, to be edited and imported again."""
    service.require_staff(actor)
    snaps = list(_export_snapshots(session, actor, department_id, include_drafts))
    providers = {d.id: d for d in org.list_departments(session)}
    wb = Workbook()
    resources_ws = wb.active
    assert resources_ws is not None
    resources_ws.title = RESOURCE_SHEET
    fields_ws = wb.create_sheet(FIELD_SHEET)
    rules_ws = wb.create_sheet(RULE_SHEET)
    _header(resources_ws, RESOURCE_COLUMNS)
    _header(fields_ws, FIELD_COLUMNS)
    _header(rules_ws, RULE_COLUMNS)
    for status, snap in snaps:
        provider = providers[int(snap["provider"]["id"])]
        resources_ws.append([neutralise(v) for v in _resource_row(snap, provider, status)])
        for i, f in enumerate(snap["fields"], start=1):
            fields_ws.append([neutralise(v) for v in _field_row(snap["code"], i, f)])
        for r in snap["rules"]:
            rules_ws.append([neutralise(v) for v in _rule_row(snap["code"], r)])
    _validations(resources_ws, RESOURCE_COLUMNS, len(snaps))
    _validations(fields_ws, FIELD_COLUMNS, sum(len(s["fields"]) for _, s in snaps))
    _guide(wb.create_sheet(GUIDE_SHEET))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _export_snapshots(
    session: Session, actor: Actor | None, department_id: int | None, include_drafts: bool
) -> Iterator[tuple[str, dict[str, Any]]]:
    if include_drafts:
        resources = service.worklist(session, actor)
        if department_id is not None:
            resources = [r for r in resources if r.provider_department_id == department_id]
    else:
        resources = service.browse(
            session, actor, department_id=department_id, limit=service.MAX_PAGE_SIZE
        ).items
        resources = _all_published(session, actor, department_id, resources)
    for resource in resources:
        revision = service.open_revision(session, resource) if include_drafts else None
        if revision is not None:
            yield "草稿", service.revision_snapshot(session, resource, revision)
            continue
        published = service.published_revision(session, resource)
        if published is not None and published.snapshot is not None:
            yield RESOURCE_STATUS_LABELS[ResourceStatus(resource.status)], published.snapshot


def _all_published(
    session: Session, actor: Actor | None, department_id: int | None, first: list[Any]
) -> list[Any]:
    """Every page of the 一本账, not only the first."""
    found, offset = list(first), len(first)
    while len(first) == service.MAX_PAGE_SIZE:
        first = service.browse(
            session, actor, department_id=department_id, limit=service.MAX_PAGE_SIZE, offset=offset
        ).items
        found += first
        offset += len(first)
    return found


def _header(ws: Worksheet, columns: Iterable[tuple[str, str]]) -> None:
    headers = [h for _, h in columns]
    ws.append(headers)
    fill = PatternFill("solid", fgColor="DDE7F3")
    for i, header in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font, cell.fill = Font(bold=True), fill
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(header) * 2 + 4))
    ws.freeze_panes = "A2"


def _label(key: str, value: Any) -> str:
    if value in (None, ""):
        return ""
    labels = ENUM_LABELS.get(key)
    if labels is None:
        return str(value)
    return next((label for k, label in labels.items() if str(k) == str(value)), str(value))


def _resource_row(snap: Mapping[str, Any], provider: Department, status: str) -> list[Any]:
    values = {
        **{k: _label(k, snap.get(k)) for k, _ in RESOURCE_COLUMNS if k in snap},
        "provider": provider.code,
        "provider_name": provider.name,
        "related": "\n".join(snap.get("related") or []),
        "version": snap.get("version"),
        "publish_date": snap.get("publish_date") or "",
        "status": status,
    }
    return [values.get(k, "") for k, _ in RESOURCE_COLUMNS]


def _field_row(code: str, position: int, f: Mapping[str, Any]) -> list[Any]:
    values: dict[str, Any] = {"code": code, "position": position}
    for key, _ in FIELD_COLUMNS:
        if key in values:
            continue
        value = f.get(key)
        if key in BOOLEAN_KEYS:
            values[key] = "是" if value else "否"
        elif key == "code_list":
            values[key] = "\n".join(value or [])
        elif key == "max_length":
            values[key] = value if value is not None else ""
        else:
            values[key] = _label(key, value)
    return [values[k] for k, _ in FIELD_COLUMNS]


def _rule_row(code: str, r: Mapping[str, Any]) -> list[Any]:
    return [code, _label("kind", r["kind"]), "\n".join(r["fields"]), r["message"]]


def _validations(ws: Worksheet, columns: Iterable[tuple[str, str]], rows: int) -> None:
    """Drop-down lists for the columns with fixed values (Excel's own data validation)."""
    last = max(rows + 200, 500)
    for i, (key, _) in enumerate(columns, start=1):
        if key in BOOLEAN_KEYS:
            options = ["是", "否"]
        elif key in ENUM_LABELS and key != "theme":
            options = list(ENUM_LABELS[key].values())
        else:
            continue
        rule = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
        rule.error, rule.errorTitle = f"请从下拉列表中选择：{'、'.join(options)}", "取值不正确"
        ws.add_data_validation(rule)
        letter = get_column_letter(i)
        rule.add(f"{letter}2:{letter}{last}")


def _guide(ws: Worksheet) -> None:
    lines = [
        ("数据资源目录交换格式", ""),
        (
            "资源代码",
            "类(1位)项(2位)目(3位)细目(3位)-提供方部门编码-顺序号(5位)，如 101001001-gaj-00001；类：1基础、2主题、3部门",
        ),
        ("基础信息资源的项", "；".join(f"{c} {n}" for c, n in BASE_LIBRARIES.items())),
        ("主题信息资源的项（主题）", "；".join(f"{c} {n}" for c, n in THEMES.items())),
        ("目录类型", "、".join(CATALOG_TYPE_LABELS.values())),
        ("资源格式", "、".join(FORMAT_LABELS.values())),
        ("更新周期", "、".join(UPDATE_CYCLE_LABELS.values())),
        ("共享类型", "、".join(SHARE_TYPE_LABELS.values()) + "；有条件共享须写明条件，不予共享须写明依据"),
        ("共享方式", "、".join(SHARE_METHOD_LABELS.values())),
        ("开放类型", "、".join(OPEN_TYPE_LABELS.values())),
        ("数据类型", "、".join(DATA_TYPE_LABELS.values())),
        ("分级", "、".join(LEVEL_LABELS.values()) + "（GB/T 43697）"),
        ("标识类型", "、".join(IDENTIFIER_LABELS.values())),
        ("规则类型", "、".join(RULE_KIND_LABELS.values())),
        ("是/否列", "填“是”或“否”"),
        ("代码表、关联资源、涉及信息项", "每行一个值（单元格内换行），也可用逗号或分号分隔"),
        (
            "导入",
            "任何一行有误则整个文件不导入，错误会注明工作表、行号和列；已发布的资源导入后形成新的草稿版本，需提交审核",
        ),
    ]
    for row in lines:
        ws.append(list(row))
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 100
    for row in ws.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True)


# ---------------------------------------------------------------- import


@dataclass
class _Row:
    number: int
    values: dict[str, str]


@dataclass
class _Sheet:
    name: str
    columns: dict[str, int]  # key → 1-based column index
    rows: list[_Row]

    def where(self, key: str) -> tuple[str, str]:
        """(column letter, header) of a key, if the sheet has it."""
        index = self.columns.get(key)
        if index is None:
            return "", ""
        return get_column_letter(index), _HEADERS[self.name][key]


_HEADERS = {
    RESOURCE_SHEET: dict(RESOURCE_COLUMNS),
    FIELD_SHEET: dict(FIELD_COLUMNS),
    RULE_SHEET: dict(RULE_COLUMNS),
}


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, sheet: _Sheet | str, row: int | None, key: str | None, message: str) -> None:
        name = sheet if isinstance(sheet, str) else sheet.name
        letter, header = sheet.where(key) if isinstance(sheet, _Sheet) and key else ("", "")
        place = (
            f"工作表「{name}」"
            + (f"第{row}行" if row else "")
            + (f" {letter}列（{header}）" if letter else "")
        )
        self.items.append(
            {
                "sheet": name,
                "row": row,
                "column": letter or None,
                "header": header or None,
                "field": place,
                "message": message,
            }
        )

    def raise_if_any(self) -> None:
        if not self.items:
            return
        shown = self.items[:MAX_REPORTED]
        first = shown[0]
        raise ValidationFailed(
            f"导入未完成，未写入任何数据：共{len(self.items)}处错误，第一处在{first['field']}：{first['message']}",
            code="catalog_import_invalid",
            details=shown,
        )


@dataclass
class _Entry:
    """One resource of the workbook: its row, its fields' rows and rules' rows, and the input built."""

    row: _Row
    code: str
    provider: Department | None = None
    data: ResourceInput | None = None
    field_rows: list[_Row] = field(default_factory=list)
    rule_rows: list[_Row] = field(default_factory=list)


@dataclass(frozen=True)
class ImportOutcome:
    created: list[str]
    revised: list[str]
    unchanged: list[str]
    submitted: list[str]

    @property
    def summary(self) -> str:
        text = (
            f"已导入目录：新建{len(self.created)}个、修订{len(self.revised)}个、未变化{len(self.unchanged)}个"
        )
        if self.submitted:
            text += f"，已提交审核{len(self.submitted)}个"
        return text


def import_catalog(
    session: Session, actor: Actor | None, data: bytes, *, submit: bool = False
) -> ImportOutcome:
    """Create or revise the workbook's resources as drafts (and submit them, with `submit`).
    All or nothing: any problem, anywhere, and nothing is written."""
    require(actor, Perm.CATALOG_PUBLISH)
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge(f"文件过大：目录文件不超过 {MAX_BYTES // 1024 // 1024} MB")
    sheets = _read_workbook(data)
    errors = _Errors()
    entries = _entries(session, sheets, errors)
    errors.raise_if_any()
    outcome = ImportOutcome([], [], [], [])
    codes = {e.code for e in entries}
    try:
        with session.begin_nested():
            for entry in entries:
                _apply(session, actor, entry, codes, sheets, errors, outcome, submit)
            if errors.items:
                raise _Abort
    except _Abort:
        pass  # the savepoint rolled back: nothing of this workbook is written
    errors.raise_if_any()
    return outcome


class _Abort(Exception):
    pass


def _read_workbook(data: bytes) -> dict[str, _Sheet]:
    if not data:
        raise DomainError("文件为空：请上传目录 Excel 文件（.xlsx）", code="catalog_import_empty")
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError):
        raise DomainError(
            "文件不是有效的 Excel 工作簿（.xlsx）：请用 Excel 或 WPS 另存为 .xlsx 后再上传",
            code="catalog_import_not_xlsx",
        ) from None
    try:
        missing = [name for name in (RESOURCE_SHEET, FIELD_SHEET) if name not in wb.sheetnames]
        if missing:
            raise DomainError(
                f"缺少工作表：{'、'.join('「' + m + '」' for m in missing)}（现有：{'、'.join(wb.sheetnames)}）",
                code="catalog_import_sheets",
            )
        found = {
            RESOURCE_SHEET: _read_sheet(
                wb[RESOURCE_SHEET], RESOURCE_SHEET, RESOURCE_COLUMNS, MAX_RESOURCE_ROWS
            ),
            FIELD_SHEET: _read_sheet(wb[FIELD_SHEET], FIELD_SHEET, FIELD_COLUMNS, MAX_FIELD_ROWS),
        }
        if RULE_SHEET in wb.sheetnames:
            found[RULE_SHEET] = _read_sheet(wb[RULE_SHEET], RULE_SHEET, RULE_COLUMNS, MAX_FIELD_ROWS)
        return found
    finally:
        wb.close()


def _read_sheet(ws: Any, name: str, columns: tuple[tuple[str, str], ...], max_rows: int) -> _Sheet:
    by_header = {header: key for key, header in columns} | {
        alias: key for alias, key in COLUMN_ALIASES.items() if name == RESOURCE_SHEET
    }
    rows = ws.iter_rows(values_only=True)
    header_row = next(rows, None) or ()
    positions: dict[str, int] = {}
    for index, cell in enumerate(header_row, start=1):
        header = _cell_text(cell)
        key = by_header.get(header)
        if key is None:
            continue
        if key in positions:
            raise DomainError(
                f"工作表「{name}」第1行：列「{header}」重复（{get_column_letter(positions[key])}列和{get_column_letter(index)}列）",
                code="catalog_import_headers",
            )
        positions[key] = index
    headers = {_HEADERS[name][k] for k in positions}
    missing = [h for h in REQUIRED_HEADERS[name] if h not in headers]
    if missing:
        raise DomainError(
            f"工作表「{name}」缺少列：{'、'.join(missing)}（第1行应为表头）", code="catalog_import_headers"
        )
    found: list[_Row] = []
    for number, cells in enumerate(rows, start=2):
        values = {key: _cell_text(cells[i - 1]) if i - 1 < len(cells) else "" for key, i in positions.items()}
        if not any(values.values()):
            continue
        if len(found) >= max_rows:
            raise DomainError(
                f"工作表「{name}」超过 {max_rows} 行，请分批导入", code="catalog_import_too_many_rows"
            )
        found.append(_Row(number, values))
    return _Sheet(name, positions, found)


def _entries(session: Session, sheets: dict[str, _Sheet], errors: _Errors) -> list[_Entry]:
    resources = sheets[RESOURCE_SHEET]
    entries: dict[str, _Entry] = {}
    departments = {d.code: d for d in org.list_departments(session)}
    by_name = {d.name: d for d in departments.values()} | {d.short_name: d for d in departments.values()}
    for row in resources.rows:
        code = row.values.get("code", "")
        if not code:
            errors.add(
                resources,
                row.number,
                "code",
                "资源代码不能为空（格式：类项目细目-部门编码-顺序号，如 101001001-gaj-00001）",
            )
            continue
        if code in entries:
            errors.add(
                resources, row.number, "code", f"资源代码「{code}」与第{entries[code].row.number}行重复"
            )
            continue
        entry = _Entry(row, code)
        entry.provider = _provider(row, resources, departments, by_name, errors)
        entries[code] = entry
    if not resources.rows:
        errors.add(resources, None, None, "没有任何资源行")
    for sheet_name, attr in ((FIELD_SHEET, "field_rows"), (RULE_SHEET, "rule_rows")):
        sheet = sheets.get(sheet_name)
        if sheet is None:
            continue
        for row in sheet.rows:
            code = row.values.get("code", "")
            target = entries.get(code)
            if target is None:
                where = "不能为空" if not code else f"「{code}」不在「{RESOURCE_SHEET}」工作表中"
                errors.add(sheet, row.number, "code", f"资源代码{where}")
            else:
                getattr(target, attr).append(row)
    for entry in entries.values():
        entry.data = _resource_input(entry, sheets, errors)
    return list(entries.values())


def _provider(
    row: _Row,
    sheet: _Sheet,
    departments: dict[str, Department],
    by_name: dict[str, Department],
    errors: _Errors,
) -> Department | None:
    code, name = row.values.get("provider", ""), row.values.get("provider_name", "")
    if code:
        dept = departments.get(code)
        if dept is None:
            errors.add(sheet, row.number, "provider", f"部门编码「{code}」不存在")
        return dept
    if name:
        dept = by_name.get(name)
        if dept is None:
            errors.add(sheet, row.number, "provider_name", f"部门「{name}」不存在")
        return dept
    match = re.fullmatch(r"\d{9}-(?P<dept>[A-Za-z0-9_]+)-\d{5}", row.values.get("code", ""))
    dept = departments.get(match["dept"]) if match else None
    if dept is None:
        errors.add(sheet, row.number, "provider", "请填写提供方部门编码")
    return dept


def _boolean(text: str, sheet: _Sheet, row: _Row, key: str, errors: _Errors) -> bool:
    value = text.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value not in FALSE_WORDS:
        errors.add(sheet, row.number, key, f"「{text}」应填“是”或“否”")
    return False


def _resource_input(entry: _Entry, sheets: dict[str, _Sheet], errors: _Errors) -> ResourceInput:
    v = entry.row.values
    defaults = ResourceInput(name="")
    data = ResourceInput(
        name=v.get("name", ""),
        summary=v.get("summary", ""),
        catalog_type=v.get("catalog_type") or defaults.catalog_type,
        theme=v.get("theme") or None,
        format=v.get("format") or defaults.format,
        update_cycle=v.get("update_cycle") or defaults.update_cycle,
        source_system=v.get("source_system", ""),
        share_type=v.get("share_type") or defaults.share_type,
        share_conditions=v.get("share_conditions", ""),
        share_method=v.get("share_method") or None,
        open_type=v.get("open_type") or defaults.open_type,
        open_conditions=v.get("open_conditions", ""),
        related=split_list(v.get("related", "")),
    )
    fields_sheet = sheets[FIELD_SHEET]
    for row in entry.field_rows:
        f = row.values
        max_length = f.get("max_length", "")
        if max_length and not max_length.isdigit():
            errors.add(fields_sheet, row.number, "max_length", f"「{max_length}」应为正整数")
            max_length = ""
        data.fields.append(
            FieldInput(
                name=f.get("name", ""),
                label=f.get("label", ""),
                data_type=f.get("data_type") or "string",
                required=_boolean(f.get("required", ""), fields_sheet, row, "required", errors),
                is_key=_boolean(f.get("is_key", ""), fields_sheet, row, "is_key", errors),
                level=f.get("level") or "general",
                sensitive_pi=_boolean(f.get("sensitive_pi", ""), fields_sheet, row, "sensitive_pi", errors),
                share_type=f.get("share_type") or "unconditional",
                open_type=f.get("open_type") or "none",
                identifier=f.get("identifier") or None,
                code_list=split_list(f.get("code_list", "")) or None,
                pattern=f.get("pattern") or None,
                min_value=f.get("min_value") or None,
                max_value=f.get("max_value") or None,
                max_length=int(max_length) if max_length else None,
                to_simplified=_boolean(
                    f.get("to_simplified", ""), fields_sheet, row, "to_simplified", errors
                ),
                description=f.get("description", ""),
            )
        )
    for row in entry.rule_rows:
        r = row.values
        data.rules.append(
            RuleInput(
                kind=r.get("kind", ""), fields=split_list(r.get("fields", "")), message=r.get("message", "")
            )
        )
    return data


def _apply(
    session: Session,
    actor: Actor | None,
    entry: _Entry,
    codes: set[str],
    sheets: dict[str, _Sheet],
    errors: _Errors,
    outcome: ImportOutcome,
    submit: bool,
) -> None:
    assert entry.data is not None
    if entry.provider is None:
        return
    try:
        with session.begin_nested():
            try:
                existing = service.get_resource(session, entry.code)
            except NotFound:
                existing = None
            if existing is None:
                service.create_resource(
                    session,
                    actor,
                    provider_department_id=entry.provider.id,
                    data=entry.data,
                    code=entry.code,
                    also_known=codes,
                )
                outcome.created.append(entry.code)
            else:
                if existing.provider_department_id != entry.provider.id:
                    errors.add(
                        sheets[RESOURCE_SHEET], entry.row.number, "provider", "已有资源的提供方不能修改"
                    )
                    return
                saved = service.save_draft(session, actor, entry.code, entry.data, also_known=codes)
                (outcome.revised if saved.changed else outcome.unchanged).append(entry.code)
                if not saved.changed:
                    return
            if submit:
                service.submit(session, actor, entry.code)
                outcome.submitted.append(entry.code)
    except DomainError as err:
        _locate(err, entry, sheets, errors)


def _locate(err: DomainError, entry: _Entry, sheets: dict[str, _Sheet], errors: _Errors) -> None:
    """Put each problem the service found on its sheet, row and column."""
    details = err.details if isinstance(err.details, list) else []
    problems = [d for d in details if isinstance(d, dict) and "message" in d]
    if not problems:
        errors.add(sheets[RESOURCE_SHEET], entry.row.number, None, f"资源「{entry.code}」：{err.message}")
        return
    for problem in problems:
        path, message = str(problem.get("field") or ""), str(problem["message"])
        match = re.fullmatch(r"(fields|rules)\[(\d+)\]\.(\w+)", path)
        if match:
            kind, index, key = match[1], int(match[2]), match[3]
            rows = entry.field_rows if kind == "fields" else entry.rule_rows
            sheet = sheets[FIELD_SHEET if kind == "fields" else RULE_SHEET]
            errors.add(sheet, rows[index].number if index < len(rows) else None, key, _without_title(message))
        else:
            key = {"classification": "code"}.get(path, path)
            errors.add(
                sheets[RESOURCE_SHEET],
                entry.row.number,
                key if key in _HEADERS[RESOURCE_SHEET] else None,
                message,
            )


def _without_title(message: str) -> str:
    """The row and column already say which field: 第3个信息项「身份证号」·必填：… → 必填：…"""
    return re.sub(r"^第\d+(个信息项|条校验规则)(「[^」]*」)?·", "", message)
