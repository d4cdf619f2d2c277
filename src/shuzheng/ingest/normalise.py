"""Normalisation as DuckDB SQL expressions over whole columns (vectorised; no Python per row).

Every source cell arrives as text. `text_expr` cleans it the way a data officer would by hand —
full-width digits and letters to half-width, whitespace trimmed and collapsed, empty to NULL, 繁体 to
简体 where the field asks for it — and `typed_expr` turns the cleaned text into the field's type
(NULL when it does not parse; the validator then says why).

The only Python that sees values is OpenCC, and it sees each distinct string of an Arrow batch once.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from shuzheng.catalog.spec import DataType, FieldSpec, IdentifierKind

FULL_WIDTH = "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ\u3000\u00a0"
HALF_WIDTH = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz  "
FULL_WIDTH_PUNCT = "－．／：＋，"
HALF_WIDTH_PUNCT = "-./:+,"
NULL_MARKERS = ("NULL", "null", "None", "N/A", "\\N")

DUCKDB_TYPES = {
    DataType.STRING: "VARCHAR",
    DataType.INTEGER: "BIGINT",
    DataType.DECIMAL: "DECIMAL(38, 6)",
    DataType.DATE: "DATE",
    DataType.DATETIME: "TIMESTAMP",
    DataType.BOOLEAN: "BOOLEAN",
}
# What people write: 2023-07-12, 2023-7-12, 2023/7/12, 2023.07.12, 20230712, 2023年7月12日, and what
# databases and Excel export (with a time part). The common ISO shape takes DuckDB's fast date cast;
# the others are rewritten to it first. Shapes are checked before casting because DuckDB's cast alone
# is lenient ("23-7-12", "epoch"); the cast then rejects dates that do not exist (2023-02-30).
ISO_DATE = r"\d{4}[-/]\d{1,2}[-/]\d{1,2}"
COMPACT_DATE = r"\d{8}"
WRITTEN_DATE = r"(\d{4}) ?[-/.年] ?(\d{1,2}) ?[-/.月] ?(\d{1,2}) ?日?(?:[ T]\d{1,2}[:时]\d{1,2}(?:[:分]\d{1,2}(?:\.\d+)?秒?)?)?"
ISO_DATETIME = r"\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?"
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日%H时%M分%S秒",
    "%Y年%m月%d日%H时%M分",
    "%Y%m%d%H%M%S",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y年%m月%d日",
    "%Y%m%d",
)
# A value shaped like a date (so "2023-02-30" is "不存在", not "格式不正确").
DATE_SHAPE = rf"{COMPACT_DATE}|{WRITTEN_DATE}"
TRUE_WORDS = ("是", "true", "1", "y", "yes", "t", "真", "有")
FALSE_WORDS = ("否", "false", "0", "n", "no", "f", "假", "无")


def sql_list(values: Sequence[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def clean_group(spec: FieldSpec) -> str:
    """Fields of a group share one dirtiness test per row (see `dirty_expr`): "text" (free text and
    dates: spaces inside are meaningful) and "value" (identifiers and numbers: no spaces at all)."""
    if spec.identifier is not None or spec.data_type in (
        DataType.INTEGER,
        DataType.DECIMAL,
        DataType.BOOLEAN,
    ):
        return "value"
    return "text"


def _cleaning(spec: FieldSpec) -> str:
    if clean_group(spec) == "value":
        return "compact"
    return "free" if spec.data_type is DataType.STRING else "date"


# What makes a cell of each group need cleaning, tested on the row's cells of that group joined with
# U+001F (so a space next to a separator is a leading or trailing space). Full-width "，：" are normal
# in Chinese text and not looked for there. An identifier or a number needs cleaning when it holds any
# whitespace or any character beyond ASCII (every full-width one is): byte searches, far cheaper per row
# than a regular expression.
DIRTY_TEXT = f"[{FULL_WIDTH}－．／＋]|\\s\\s|[\\t\\n\\r\\f\\v]|\\x1f\\s|\\s\\x1f|^\\s|\\s$"
ASCII_WHITESPACE = (" ", "\t", "\n", "\r", "\f", "\v")


def dirty_expr(group: str, columns: Sequence[str]) -> str:
    """One test per row and group, instead of one per cell: a test costs far more than its bytes, and
    most rows of real data are clean, so most cells skip cleaning altogether."""
    joined = f"concat_ws(chr(31), {', '.join(columns)})" if len(columns) > 1 else columns[0]
    if group == "value":
        spaces = " OR ".join(f"contains({joined}, chr({ord(c)}))" for c in ASCII_WHITESPACE)
        return f"coalesce(strlen({joined}) <> length({joined}) OR {spaces}, false)"
    return f"coalesce(regexp_matches({joined}, '{DIRTY_TEXT}'), false)"


def text_expr(column: str, spec: FieldSpec, dirty: str) -> str:
    """Cleaned text of a source column when its row's group is `dirty` (a boolean column), else the
    column as it is. See `blank_to_null` for empty cells."""
    cleaning = _cleaning(spec)
    fw_from, fw_to = FULL_WIDTH, HALF_WIDTH
    if cleaning != "free":
        # In dates, numbers and identifiers full-width punctuation is a typing slip; in free text not.
        fw_from, fw_to = fw_from + FULL_WIDTH_PUNCT, fw_to + HALF_WIDTH_PUNCT
    # DuckDB's translate() is slow: only the rare cell with full-width characters pays for it.
    fixed = (
        f"CASE WHEN regexp_matches({column}, '[{fw_from}]') "
        f"THEN translate({column}, '{fw_from}', '{fw_to}') ELSE {column} END"
    )
    if cleaning == "compact":
        # Identifiers, codes and numbers carry no meaningful spaces: "3708 0219…" is one number.
        fixed = f"regexp_replace({fixed}, '\\s+', '', 'g')"
    else:
        fixed = f"trim(regexp_replace({fixed}, '\\s+', ' ', 'g'))"
    value = f"CASE WHEN {dirty} THEN {fixed} ELSE {column} END"
    if spec.identifier is IdentifierKind.ID_NUMBER:
        # Its only letter is the check character X (a byte replacement costs less than case mapping).
        value = f"replace({value}, 'x', 'X')"
    elif spec.identifier is IdentifierKind.USCC:
        value = f"upper({value})"
    if spec.identifier is IdentifierKind.PHONE:
        # +86 138-1234-5678 → 13812345678; most cells are already 11 characters.
        value = (
            f"CASE WHEN strlen({value}) = 11 THEN {value} "
            f"ELSE regexp_replace(regexp_replace({value}, '^\\+?86', ''), '-', '', 'g') END"
        )
    if spec.to_simplified:
        # OpenCC only for cells holding a character it would change: most rows never leave DuckDB.
        value = f"CASE WHEN regexp_matches({value}, '[{traditional_characters()}]') THEN t2s({value}) ELSE {value} END"
    return value


def blank_to_null(cleaned: str) -> str:
    """Empty cells and the markers exports write for "no value" become NULL (`cleaned` is a column)."""
    # Comparisons, not IN: DuckDB plans a constant list as a join, costlier for a test on every cell.
    markers = " OR ".join(f"{cleaned} = {_literal(m)}" for m in NULL_MARKERS)
    # Only short cells can be one: CASE tests its next branch on the remaining cells only, so the
    # length test spares most cells the comparisons (an AND would compute both sides everywhere).
    return (
        f"CASE WHEN strlen({cleaned}) > {max(len(m) for m in NULL_MARKERS)} THEN {cleaned} "
        f"WHEN {cleaned} = '' OR {markers} THEN NULL ELSE {cleaned} END"
    )


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def date_expr(text: str) -> str:
    # Cheapest tests first: most cells are ISO dates, which DuckDB's own cast reads fastest.
    return (
        f"CASE WHEN starts_with({text}, '0000') THEN NULL "
        # 4 characters, then - or /, 8 to 10 in all: the ISO shape, which DuckDB's cast reads strictly.
        f"WHEN strlen({text}) BETWEEN 8 AND 10 AND (substr({text}, 5, 1) = '-' OR substr({text}, 5, 1) = '/') "
        f"AND substr({text}, 1, 1) BETWEEN '0' AND '9' THEN TRY_CAST({text} AS DATE) "
        # 20230712 and 2023年7月12日 without the regular expression (strptime and the cast are strict
        # enough once spaces are ruled out); anything else written like a date with it.
        f"WHEN strlen({text}) = 8 AND NOT contains({text}, ' ') THEN CAST(try_strptime({text}, '%Y%m%d') AS DATE) "
        f"WHEN substr({text}, 5, 1) = '年' AND ends_with({text}, '日') AND NOT contains({text}, ' ') "
        f"THEN TRY_CAST(replace(replace(replace({text}, '年', '-'), '月', '-'), '日', '') AS DATE) "
        f"WHEN regexp_full_match({text}, '{WRITTEN_DATE}') "
        f"THEN TRY_CAST(regexp_replace({text}, '^{WRITTEN_DATE}$', '\\1-\\2-\\3') AS DATE) END"
    )


def typed_expr(text: str, spec: FieldSpec) -> str:
    """The field's value from its cleaned text; NULL when the text does not parse as the type."""
    kind = spec.data_type
    if kind is DataType.STRING:
        return text
    if kind is DataType.INTEGER:
        # The shape first: DuckDB's cast alone accepts "0x12", "1_000" and "1e3".
        return (
            f"CASE WHEN regexp_full_match({text}, '[-+]?\\d+') THEN TRY_CAST({text} AS BIGINT) "
            f"WHEN regexp_full_match({text}, '[-+]?\\d{{1,3}}(,\\d{{3}})+|[-+]?\\d+\\.0+') "
            f"THEN TRY_CAST(split_part(replace({text}, ',', ''), '.', 1) AS BIGINT) END"
        )
    if kind is DataType.DECIMAL:
        return (
            f"CASE WHEN regexp_full_match({text}, '[-+]?(\\d+\\.?\\d*|\\.\\d+)') THEN TRY_CAST({text} AS DECIMAL(38, 6)) "
            f"WHEN regexp_full_match({text}, '[-+]?¥?\\d{{1,3}}(,\\d{{3}})*(\\.\\d+)?') "
            f"THEN TRY_CAST(replace(replace({text}, ',', ''), '¥', '') AS DECIMAL(38, 6)) END"
        )
    if kind is DataType.DATE:
        return date_expr(text)
    if kind is DataType.DATETIME:
        return (
            f"CASE WHEN starts_with({text}, '0000') THEN NULL "
            f"WHEN regexp_full_match({text}, '{ISO_DATETIME}') THEN TRY_CAST({text} AS TIMESTAMP) "
            f"ELSE try_strptime({text}, {sql_list(DATETIME_FORMATS)}) END"
        )
    return (
        f"CASE WHEN list_contains({sql_list(TRUE_WORDS)}, lower({text})) THEN true "
        f"WHEN list_contains({sql_list(FALSE_WORDS)}, lower({text})) THEN false END"
    )


# ---------------------------------------------------------------- 繁→简 (OpenCC)


@lru_cache(maxsize=1)
def _converter():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def traditional_characters() -> str:
    """Every CJK character OpenCC's t2s changes on its own (≈4,200), for a cheap test per cell."""
    chars = [chr(c) for c in (*range(0x3400, 0xA000), *range(0xF900, 0xFB00))]
    # One call with the characters on separate lines, so no phrase spans two of them.
    converted = _converter().convert("\n".join(chars)).split("\n")
    return "".join(a for a, b in zip(chars, converted, strict=True) if a != b)


def to_simplified_batch(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """繁→简 on an Arrow batch: each distinct string of the batch is converted once; pure ASCII
    strings never reach OpenCC."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    encoded = array.dictionary_encode()
    dictionary = encoded.dictionary
    ascii_only = pc.string_is_ascii(dictionary)
    convert = _converter().convert
    values = [
        v if a else convert(v) for v, a in zip(dictionary.to_pylist(), ascii_only.to_pylist(), strict=True)
    ]
    return pc.take(pa.array(values, pa.string()), encoded.indices)


def register_functions(con: duckdb.DuckDBPyConnection) -> None:
    from duckdb.func import PythonUDFType
    from duckdb.sqltypes import VARCHAR

    con.create_function(
        "t2s", to_simplified_batch, [VARCHAR], VARCHAR, type=PythonUDFType.ARROW, side_effects=False
    )
