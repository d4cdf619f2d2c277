"""Administrative divisions: the national GB/T 2260 list (province → city → county) from the adcodes
that cpca ships, and townships (乡镇街道) that an operator imports from a CSV file.

Loading only ever adds what is missing, in one bulk INSERT, so running it again changes nothing.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from shuzheng.errors import NotFound, ValidationFailed
from shuzheng.org.models import REGION_LEVEL_LABELS, Region, RegionLevel
from shuzheng.security.roles import Actor, Perm, require

# Parents are inserted before children (SQLite checks the self-referencing key row by row).
LEVEL_ORDER = (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP)

TOWNSHIP_COLUMNS = ("code", "name", "parent_code")
MAX_REPORTED_ERRORS = 20

_SIX_DIGITS = re.compile(r"^\d{6}$")
_NINE_DIGITS = re.compile(r"^\d{9}$")


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: RegionLevel
    parent_code: str | None
    official: bool = True


@dataclass(frozen=True)
class LoadResult:
    added: int
    already_present: int

    @property
    def total(self) -> int:
        return self.added + self.already_present


# ---------------------------------------------------------------- the national list (GB/T 2260)


def level_of(code6: str) -> RegionLevel:
    """PP0000 is a province, PPCC00 a city (地级), anything else a county (县级)."""
    if code6[2:] == "0000":
        return RegionLevel.PROVINCE
    if code6[4:] == "00":
        return RegionLevel.CITY
    return RegionLevel.COUNTY


def cpca_adcodes_path() -> Path:
    # Locate the file without importing cpca, whose import loads its whole address model.
    spec = importlib.util.find_spec("cpca")
    if spec is None or spec.origin is None:
        raise RuntimeError("cpca is not installed")
    return Path(spec.origin).parent / "resources" / "adcodes.csv"


@cache
def national_regions() -> tuple[RegionRow, ...]:
    """GB/T 2260 down to county level, parents before children, every parent present in the list."""
    with cpca_adcodes_path().open(encoding="utf-8") as f:
        named = {row["adcode"][:6]: row["name"].strip() for row in csv.DictReader(f)}
    return tuple(_national_rows(named))


def _national_rows(named: dict[str, str]) -> list[RegionRow]:
    rows = []
    for code, name in named.items():
        level = level_of(code)
        if level is RegionLevel.COUNTY and code.endswith("01") and name == "市辖区":
            # PPCC01 "市辖区" is a statistical placeholder for a city's districts, not a division;
            # the districts themselves (PPCC02…) are listed and hang under the city directly.
            continue
        rows.append(RegionRow(code, name, level, _parent_in(code, level, named)))
    return sorted(rows, key=lambda r: (LEVEL_ORDER.index(r.level), r.code))


def _parent_in(code: str, level: RegionLevel, known: dict[str, str]) -> str | None:
    """The nearest listed ancestor. A county's city may be missing (cpca lists 110100 市辖区 for 北京市,
    other sources do not; 省直辖县级行政区划 such as 469000 may be absent too), so fall back to the
    province rather than leave a dangling parent."""
    if level is RegionLevel.PROVINCE:
        return None
    province = code[:2] + "0000"
    if level is RegionLevel.COUNTY and code[:4] + "00" in known:
        return code[:4] + "00"
    return province if province in known else None


def load_national_regions(session: Session, actor: Actor | None = None) -> LoadResult:
    """Add every GB/T 2260 province, city and county that is not in the database yet."""
    if actor is not None:
        require(actor, Perm.ORG_MANAGE)
    return insert_missing_regions(session, national_regions())


def insert_missing_regions(session: Session, rows: Iterable[RegionRow]) -> LoadResult:
    """One bulk INSERT of the rows whose code is new. Rows must be ordered parents first."""
    session.flush()
    existing = set(session.scalars(select(Region.code)))
    new, seen = [], 0
    for row in rows:
        if row.code in existing:
            seen += 1
            continue
        existing.add(row.code)
        new.append(
            {
                "code": row.code,
                "name": row.name,
                "level": row.level.value,
                "parent_code": row.parent_code,
                "official": row.official,
            }
        )
    if new:
        session.execute(insert(Region), new)
    return LoadResult(added=len(new), already_present=seen)


# ---------------------------------------------------------------- townships from an operator's CSV


def read_csv_text(data: bytes) -> str:
    """CSV files come from Excel as often as from scripts: UTF-8 (with or without BOM) or GB18030."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise ValidationFailed("文件编码无法识别，请保存为 UTF-8 或 GBK 编码的 CSV") from None


def import_townships(session: Session, actor: Actor | None, data: bytes | str) -> LoadResult:
    """Import 乡镇街道 from CSV with the header `code,name,parent_code` (9-digit code whose first six
    digits are its county's code). Every row is checked before anything is written; problems are
    reported by line number (the header is line 1). Rows already imported with the same name and
    parent are skipped, so the same file can be imported again."""
    if actor is not None:
        require(actor, Perm.ORG_MANAGE)
    text = read_csv_text(data) if isinstance(data, bytes) else data
    parsed = _parse_township_csv(text)
    rows, errors = _check_townships(session, parsed)
    if errors:
        raise _row_errors(errors)
    return insert_missing_regions(session, rows)


@dataclass(frozen=True)
class _CsvRow:
    line: int
    code: str
    name: str
    parent_code: str


@dataclass(frozen=True)
class _RowError:
    line: int
    field: str
    message: str


def _parse_township_csv(text: str) -> list[_CsvRow]:
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    if tuple(header[:3]) != TOWNSHIP_COLUMNS:
        raise ValidationFailed(
            f"第1行：表头应为 {','.join(TOWNSHIP_COLUMNS)}（乡镇街道代码,名称,上级区县代码）",
            details=[{"row": 1, "column": "header", "message": "表头不正确"}],
        )
    rows = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        padded = [c.strip() for c in cells] + [""] * 3
        rows.append(_CsvRow(reader.line_num, padded[0], padded[1], padded[2]))
    if not rows:
        raise ValidationFailed("文件中没有数据行")
    return rows


def _check_townships(session: Session, rows: Sequence[_CsvRow]) -> tuple[list[RegionRow], list[_RowError]]:
    # All regions in one query: an IN list of a whole province's townships would exceed bind limits.
    known = {
        code: (name, parent, level)
        for code, name, parent, level in session.execute(
            select(Region.code, Region.name, Region.parent_code, Region.level)
        )
    }
    parents = {code: level for code, (_, _, level) in known.items()}
    existing = {code: (name, parent) for code, (name, parent, _) in known.items()}
    good: list[RegionRow] = []
    errors: list[_RowError] = []
    first_line: dict[str, int] = {}
    for row in rows:
        problem = _township_problem(row, parents, existing, first_line)
        if problem:
            errors.append(_RowError(row.line, *problem))
        else:
            first_line[row.code] = row.line
            good.append(RegionRow(row.code, row.name, RegionLevel.TOWNSHIP, row.parent_code, official=False))
    return good, errors


def _township_problem(
    row: _CsvRow,
    parents: dict[str, str],
    existing: dict[str, tuple[str, str | None]],
    first_line: dict[str, int],
) -> tuple[str, str] | None:
    if not _NINE_DIGITS.match(row.code):
        return "code", f"乡镇街道代码应为9位数字，实际为“{row.code}”"
    if not row.name:
        return "name", "名称不能为空"
    if len(row.name) > 64:
        return "name", "名称不能超过64个字"
    if not _SIX_DIGITS.match(row.parent_code):
        return "parent_code", f"上级区县代码应为6位数字，实际为“{row.parent_code}”"
    if row.parent_code not in parents:
        return "parent_code", f"上级行政区划不存在：{row.parent_code}（请先执行 shuzheng regions load）"
    if parents[row.parent_code] not in (RegionLevel.COUNTY.value, RegionLevel.CITY.value):
        return "parent_code", f"上级应为区县（或不设区县的地级市），{row.parent_code} 是省级"
    if not row.code.startswith(row.parent_code):
        return "code", f"乡镇街道代码 {row.code} 的前6位应与上级代码 {row.parent_code} 一致"
    if row.code in first_line:
        return "code", f"代码 {row.code} 与第{first_line[row.code]}行重复"
    if row.code in existing and existing[row.code] != (row.name, row.parent_code):
        name, parent = existing[row.code]
        return "code", f"代码 {row.code} 已存在（{name}，上级 {parent}），与本行不一致"
    return None


def _row_errors(errors: list[_RowError]) -> ValidationFailed:
    shown = errors[:MAX_REPORTED_ERRORS]
    lines = [f"第{e.line}行：{e.field}：{e.message}" for e in shown]
    if len(errors) > len(shown):
        lines.append(f"……另有 {len(errors) - len(shown)} 处错误")
    return ValidationFailed(
        f"导入失败，共 {len(errors)} 处错误，未写入任何数据：\n" + "\n".join(lines),
        details=[{"row": e.line, "column": e.field, "message": e.message} for e in errors],
    )


# ---------------------------------------------------------------- lookups


def region_path(session: Session, code: str) -> list[Region]:
    """The region and its ancestors, from the province down."""
    path: list[Region] = []
    current: str | None = code
    while current is not None:
        region = session.get(Region, current)
        if region is None:
            if not path:
                raise NotFound(f"行政区划不存在：{code}")
            break
        path.append(region)
        current = region.parent_code
    return list(reversed(path))


def count_by_level(session: Session) -> dict[RegionLevel, int]:
    counts = {
        level: n for level, n in session.execute(select(Region.level, func.count()).group_by(Region.level))
    }
    return {level: counts.get(level.value, 0) for level in LEVEL_ORDER}


def level_label(level: str) -> str:
    return REGION_LEVEL_LABELS.get(RegionLevel(level), level)
