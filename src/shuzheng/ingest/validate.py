"""Validation as DuckDB SQL expressions: every check of a field is one CASE over whole columns.

A failing cell yields one error record `field␟category␟reason␟value` (␟ = U+001F); a row's records
are joined with U+001E into its `_errors` text, empty when the row is clean. Each field reports its
first problem only (a blank required cell is not also "wrong format").

Identifier checks are arithmetic over the characters, the same as python-stdnum computes them:
- 身份证号 (cn.ric): 17 digits and a check character (weights 2^(17-i) mod 11 → "10X98765432"), a
  birth date that exists, and a birth region that existed in the birth year (stdnum's own table of
  county codes and their validity periods, looked up batch by batch in NumPy; births before 1900 or in the
  future are refused first as implausible, as `kit.identifiers.validate_id_number` does);
- 统一社会信用代码 (cn.uscc): 8 digits, 10 characters of the GB 32100 alphabet, check character
  (weights 3^i mod 31).
Tests check both agree with stdnum on thousands of generated valid and corrupted numbers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shuzheng.catalog.spec import CrossFieldRule, DataType, FieldSpec, IdentifierKind, ResourceSpec
from shuzheng.errors import ValidationFailed
from shuzheng.ingest.lake import sql_str
from shuzheng.ingest.normalise import DATE_SHAPE

UNIT = "\x1f"
RECORD = "\x1e"

COMPLETENESS = "completeness"
VALIDITY = "validity"
UNIQUENESS = "uniqueness"
CONSISTENCY = "consistency"
CATEGORIES = (COMPLETENESS, VALIDITY, UNIQUENESS, CONSISTENCY)
CATEGORY_LABELS = {
    COMPLETENESS: "完整性",
    VALIDITY: "有效性",
    UNIQUENESS: "唯一性",
    CONSISTENCY: "一致性",
}

RIC_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, …
RIC_CHECK = "10X98765432"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, …
RULE_KINDS = ("id_number_birth_date", "not_after", "required_if")
REGION_REASON = "身份证号中的地区码不存在（或出生时尚未设立）"
INLINE_CODES = 64  # code lists up to this long are tested by comparisons, longer ones by a set lookup
FIRST_YEAR, LAST_YEAR = 1900, 2100


@dataclass(frozen=True)
class Columns:
    """How the pipeline names one field's columns: its cleaned text, its typed value and values
    derived from it once per row for the checks (see `derived_columns`)."""

    text: str
    value: str
    derived: dict[str, str] = field(default_factory=dict)


def record_prefix(field: str, category: str, reason: str) -> str:
    """An error record up to its value: `field␟category␟reason␟`."""
    return f"{field}{UNIT}{category}{UNIT}{reason}{UNIT}"


def error_record(field: str, category: str, reason: str, value_sql: str | None) -> str:
    prefix = sql_str(record_prefix(field, category, reason))
    return f"({prefix} || coalesce({value_sql or 'NULL'}, ''))"


def field_check(spec: FieldSpec, cols: Columns, today: dt.date) -> str:
    """One CASE yielding the field's first error record, or NULL."""
    t, v = cols.text, cols.value
    branches: list[tuple[str, str, str]] = []  # (condition, category, reason)
    required = spec.required or spec.is_key
    when_blank = error_record(spec.name, COMPLETENESS, "必填项为空", None) if required else "NULL"
    branches += _type_checks(spec, t, v)
    branches += _identifier_checks(spec, cols, today)
    if spec.code_list:
        listed = "、".join(spec.code_list[:10]) + ("等" if len(spec.code_list) > 10 else "")
        branches.append((f"NOT {code_list_test(spec, t)}", VALIDITY, f"不在代码表中（可选：{listed}）"))
    if spec.pattern:
        branches.append((f"NOT regexp_full_match({t}, {sql_str(spec.pattern)})", VALIDITY, "格式不符合要求"))
    if spec.max_length:
        branches.append(
            (f"length({t}) > {int(spec.max_length)}", VALIDITY, f"超过最大长度{spec.max_length}个字符")
        )
    branches += _range_checks(spec, v)
    parts = [f"WHEN {t} IS NULL THEN {when_blank}"]
    parts += [f"WHEN {cond} THEN {error_record(spec.name, cat, reason, t)}" for cond, cat, reason in branches]
    return "CASE " + " ".join(parts) + " END"


NO_SUCH_DATE = "日期不存在"
TYPE_REASONS_BY_KIND = {
    DataType.INTEGER: "应为整数",
    DataType.DECIMAL: "应为数字",
    DataType.DATE: "不是有效的日期（可写作 2023-07-12、2023/7/12、2023年7月12日、20230712）",
    DataType.DATETIME: "不是有效的日期时间（如 2023-07-12 08:30:00）",
    DataType.BOOLEAN: "应为“是”或“否”",
}
# The reasons given when a filled cell could not be read as its type (its typed value is NULL).
TYPE_REASONS = frozenset({NO_SUCH_DATE, *TYPE_REASONS_BY_KIND.values()})


def _type_checks(spec: FieldSpec, t: str, v: str) -> list[tuple[str, str, str]]:
    kind = spec.data_type
    if kind is DataType.STRING:
        return []
    checks = []
    if kind is DataType.DATE:
        checks.append((f"{v} IS NULL AND regexp_full_match({t}, '{DATE_SHAPE}')", VALIDITY, NO_SUCH_DATE))
    checks.append((f"{v} IS NULL", VALIDITY, TYPE_REASONS_BY_KIND[kind]))
    return checks


def _range_checks(spec: FieldSpec, v: str) -> list[tuple[str, str, str]]:
    out = []
    is_date = spec.data_type in (DataType.DATE, DataType.DATETIME)
    for bound, op, word in (
        (spec.min_value, "<", "早于" if is_date else "小于"),
        (spec.max_value, ">", "晚于" if is_date else "大于"),
    ):
        if bound is None:
            continue
        out.append((f"{v} {op} {_literal(bound)}", VALIDITY, f"不能{word}{bound}"))
    return out


def _literal(bound: Decimal | dt.date) -> str:
    if isinstance(bound, dt.date):
        return f"DATE '{bound.isoformat()}'"
    return f"CAST('{Decimal(bound)}' AS DECIMAL(38, 6))"


# ---------------------------------------------------------------- identifiers


def derived_columns(spec: FieldSpec, t: str) -> dict[str, str]:
    """Values the 身份证号 checks share, computed once per row: the first 17 characters as a number
    (integer arithmetic is far cheaper per row than slicing characters) and the birth date."""
    if spec.identifier is not IdentifierKind.ID_NUMBER:
        return {}
    return {
        "n": f"CASE WHEN regexp_full_match({t}, '\\d{{17}}[\\dX]') THEN CAST(substr({t}, 1, 17) AS BIGINT) END",
        # Read only where the number is all digits (see _identifier_checks), so strptime sees 8 digits.
        "b": f"CAST(try_strptime(substr({t}, 7, 8), '%Y%m%d') AS DATE)",
    }


def ric_check_char(n: str) -> str:
    """The 身份证号 check character from its first 17 digits held as an integer `n` (SQL)."""
    total = " + ".join(f"(({n} // {10 ** (16 - i)}) % 10) * {w}" for i, w in enumerate(RIC_WEIGHTS))
    return f"substr('{RIC_CHECK}', (({total}) % 11) + 1, 1)"


def uscc_check_char(t: str) -> str:
    total = " + ".join(
        f"(strpos('{USCC_ALPHABET}', {t}[{i + 1}]) - 1) * {w}" for i, w in enumerate(USCC_WEIGHTS)
    )
    return f"substr('{USCC_ALPHABET}', ((31 - (({total}) % 31)) % 31) + 1, 1)"


def _identifier_checks(spec: FieldSpec, cols: Columns, today: dt.date) -> list[tuple[str, str, str]]:
    t = cols.text
    kind = spec.identifier
    if kind is IdentifierKind.ID_NUMBER:
        n, birth = cols.derived["n"], cols.derived["b"]
        return [
            (f"strlen({t}) <> 18", VALIDITY, "身份证号应为18位"),
            (f"{n} IS NULL", VALIDITY, "身份证号只能包含数字，最后一位可以是X"),
            (f"{t}[18] <> {ric_check_char(n)}", VALIDITY, "身份证号校验位不正确"),
            (f"{birth} IS NULL OR substr({t}, 7, 4) = '0000'", VALIDITY, "身份证号中的出生日期不存在"),
            (
                f"{birth} > DATE '{today.isoformat()}' OR substr({t}, 7, 4) < '{FIRST_YEAR}'",
                VALIDITY,
                "身份证号中的出生日期不合理",
            ),
        ]  # then the birth region: see `region_key_expr`
    if kind is IdentifierKind.USCC:
        return [
            (f"length({t}) <> 18", VALIDITY, "统一社会信用代码应为18位"),
            (
                f"NOT regexp_full_match({t}, '\\d{{8}}[{USCC_ALPHABET}]{{10}}')",
                VALIDITY,
                "统一社会信用代码格式不正确",
            ),
            (f"{t}[18] <> {uscc_check_char(t)}", VALIDITY, "统一社会信用代码校验位不正确"),
        ]
    if kind is IdentifierKind.PHONE:
        return [(f"NOT regexp_full_match({t}, '1[3-9]\\d{{9}}')", VALIDITY, "手机号应为以1开头的11位数字")]
    if kind is IdentifierKind.ADCODE:
        return [
            (
                f"NOT regexp_full_match({t}, '\\d{{6}}(\\d{{3}})?')",
                VALIDITY,
                "行政区划代码应为6位（或乡镇9位）数字",
            )
        ]
    return []


@lru_cache(maxsize=1)
def birth_regions() -> tuple[tuple[str, int, int], ...]:
    """(6-digit code, first year, last year) for every county code stdnum knows, with the periods it
    was in use — exactly what `stdnum.cn.ric.get_birth_place` accepts."""
    from stdnum import numdb

    rows: list[tuple[str, int, int]] = []
    for _, plo, phi, _props, counties in numdb.get("cn/loc").prefixes:
        for province in _expand(plo, phi):
            for _, clo, chi, props, _children in counties:
                periods = _periods(props.get("county", ""))
                for county in _expand(clo, chi):
                    rows.extend((province + county, lo, hi) for lo, hi in periods)
    return tuple(rows)


def _expand(low: str, high: str) -> list[str]:
    if low == high:
        return [low]
    return [str(n).zfill(len(low)) for n in range(int(low), int(high) + 1)]


def _periods(county: str) -> list[tuple[int, int]]:
    """stdnum's loop: the first unbracketed name means "any year"; bracketed ones give a range."""
    periods = []
    for name in county.split(","):
        if not name.startswith("["):
            return [(0, 9999)]
        start, end = name[1:].split("]")[0].split("-")
        periods.append((int(start) if start else 0, int(end) if end else 9999))
    return periods


@lru_cache(maxsize=1)
def _region_keys() -> np.ndarray:
    """Every valid (county code, birth year) as one integer — the first ten characters of a 身份证号
    read as a number — sorted, ≈0.6 M keys. Years outside FIRST_YEAR…LAST_YEAR are refused as
    implausible first."""
    codes, lows, highs = (np.array(column, dtype=np.int64) for column in zip(*birth_regions(), strict=True))
    lows, highs = np.maximum(lows, FIRST_YEAR), np.minimum(highs, LAST_YEAR)
    spans = np.maximum(highs - lows + 1, 0)
    starts = np.repeat(codes * 10000 + lows - np.cumsum(spans) + spans, spans)
    return np.unique(starts + np.arange(spans.sum()))


def region_key_expr(check: str, t: str) -> str:
    """The 身份证号's last check, the birth region, needs a lookup in ≈0.6 M (county, year) keys. A join
    would cost the check query its row order (see pipeline.stage_sql), so the query hands over the key —
    the first ten characters as a number, for numbers that passed every other check (`check` is the
    field's check, NULL when it passed) — and `add_region_errors` looks the keys up batch by batch."""
    return f"CASE WHEN {check} IS NULL AND {t} IS NOT NULL THEN TRY_CAST(substr({t}, 1, 10) AS BIGINT) END"


def add_region_errors(batch: pa.RecordBatch, field: str, key_column: str) -> pa.RecordBatch:
    """The batch with the region error added to `_errors` where the key of `field` is not a (county,
    birth year) that existed, and without the key column."""
    keys = batch.column(key_column)
    rest = batch.drop_columns([key_column])
    if keys.null_count == len(keys):
        return rest
    known = _region_keys()
    values = pc.fill_null(keys, -1).to_numpy(zero_copy_only=False)
    found = known[np.minimum(np.searchsorted(known, values), len(known) - 1)] == values
    wrong = pa.array((values != -1) & ~found)
    if not pc.any(wrong).as_py():
        return rest
    record = pc.binary_join_element_wise(
        record_prefix(field, VALIDITY, REGION_REASON), pc.fill_null(batch.column(field), ""), ""
    )
    errors = batch.column("_errors")
    joined = pc.if_else(pc.equal(errors, ""), record, pc.binary_join_element_wise(errors, record, RECORD))
    index = rest.schema.get_field_index("_errors")
    return rest.set_column(index, "_errors", pc.if_else(wrong, joined, errors))


def register_functions(con: duckdb.DuckDBPyConnection, spec: ResourceSpec) -> None:
    """Code lists too long to test by comparisons, as vectorised set lookups rather than joins (a join
    would cost the check query its row order; see pipeline.stage_sql)."""
    from duckdb.func import PythonUDFType
    from duckdb.sqltypes import BOOLEAN, VARCHAR

    for f in spec.fields:
        if len(f.code_list or ()) > INLINE_CODES:
            con.create_function(
                _code_function(f),
                _set_lookup(f.code_list or ()),
                [VARCHAR],
                BOOLEAN,
                type=PythonUDFType.ARROW,
                side_effects=False,
            )


def _set_lookup(codes: Sequence[str]) -> Callable[[pa.Array], pa.Array]:
    value_set = pa.array(list(codes), pa.string())

    def contains(values: pa.Array) -> pa.Array:
        return pc.is_in(values, value_set=value_set, skip_nulls=True)

    return contains


def _code_function(spec: FieldSpec) -> str:
    return f"_in_codes_{hashlib.sha256(spec.name.encode()).hexdigest()[:12]}"


def code_list_test(spec: FieldSpec, t: str) -> str:
    """SQL true when `t` is in the field's code list: comparisons for a short list, a set lookup for a
    long one (an administrative-division or industry list has thousands of codes)."""
    if len(spec.code_list or ()) > INLINE_CODES:
        return f"{_code_function(spec)}({t})"
    return "(" + " OR ".join(f"{t} = {sql_str(c)}" for c in spec.code_list or ()) + ")"


# ---------------------------------------------------------------- cross-field rules


def rule_label(rule: CrossFieldRule) -> str:
    return ",".join(rule.fields)


def check_rules(spec: ResourceSpec) -> None:
    """Refuse a spec whose rules name unknown kinds or fields (before any data is read)."""
    names = {f.name for f in spec.fields}
    for rule in spec.rules:
        if rule.kind not in RULE_KINDS:
            raise ValidationFailed(f"目录中的跨字段规则“{rule.kind}”不受支持", code="bad_rule")
        unknown = [n for n in rule.fields if n not in names]
        if unknown or len(rule.fields) < 2:
            raise ValidationFailed(
                f"目录中的跨字段规则引用了不存在的信息项：{'、'.join(unknown) or rule.kind}", code="bad_rule"
            )


def rule_check(rule: CrossFieldRule, cols: dict[str, Columns]) -> str:
    """The rule's error record for a row breaking it, or NULL (rows missing a value are left to the
    field checks, except for required_if, whose point is a missing value)."""
    a, b = cols[rule.fields[0]], cols[rule.fields[1]]
    if rule.kind == "id_number_birth_date":
        # Only a well-formed 身份证号 is compared; a malformed one already has its own error.
        shaped = a.derived.get("n") or f"CASE WHEN regexp_full_match({a.text}, '\\d{{17}}[\\dX]') THEN 1 END"
        birth = a.derived.get("b") or (
            f"TRY_CAST(substr({a.text}, 7, 4) || '-' || substr({a.text}, 11, 2) || '-' || substr({a.text}, 13, 2) AS DATE)"
        )
        condition = f"{shaped} IS NOT NULL AND {birth} <> {b.value}"
        value = f"{b.text}"
    elif rule.kind == "not_after":
        condition = f"{a.value} > {b.value}"
        value = f"{a.text} || ' > ' || {b.text}"
    else:  # required_if: the first field must be filled when the second is
        condition = f"{a.text} IS NULL AND {b.text} IS NOT NULL"
        value = "NULL"
    return (
        f"CASE WHEN {condition} THEN {error_record(rule_label(rule), CONSISTENCY, rule.message, value)} END"
    )


def join_errors(parts: Sequence[str]) -> str:
    if not parts:
        return "''"
    return f"concat_ws(chr({ord(RECORD)}), {', '.join(parts)})"
