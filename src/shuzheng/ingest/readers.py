"""Turning a department's file or database into one shape the pipeline reads: a DuckDB relation of text
columns c0…cN, in source order, and the row number a person finds in the source for each row (the header
is row 1 in a CSV or a sheet; the first record is 1 in JSON Lines, Parquet and a database query) —
either as a `_row` column or, for sources whose rows are consecutive, as the number of the first row
(`RawSource.first_row`), the pipeline counting on from it as the rows stream out in order.

CSV is read by DuckDB straight from the file (UTF-8, with or without BOM); a GBK/GB18030 or UTF-16 file
is first transcoded to UTF-8 in streamed chunks. Excel sheets and database queries are streamed in
batches into a Parquet file in the load's scratch space. Nothing is loaded whole into memory.

Structural problems — an empty file, an undecodable line, ragged rows — raise ValidationFailed with the
line numbers; per-value problems are the validator's business.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import decimal
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from shuzheng.catalog.spec import ResourceSpec
from shuzheng.errors import ValidationFailed
from shuzheng.ingest.headers import normalise_header
from shuzheng.ingest.lake import ident, sql_path, sql_str

SAMPLE_BYTES = 256 * 1024
TRANSCODE_CHUNK = 4 << 20
BATCH_ROWS = 20_000
HEADER_SCAN_ROWS = 10
MAX_LISTED = 20

SUFFIXES = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
}
KIND_LABELS = {
    "csv": "CSV",
    "xlsx": "Excel",
    "jsonl": "JSON Lines",
    "parquet": "Parquet",
    "sql": "数据库",
    "correction": "更正",
}


@dataclass
class RawSource:
    """A source ready for the pipeline: `relation` is a SQL query yielding c0…cN (VARCHAR) in source order,
    and `_row` unless `first_row` is set.

    Numbering in the pipeline rather than in SQL matters for speed: `row_number() OVER ()` over a CSV
    scan makes DuckDB run the whole check query on one thread, whereas a plain scan streams out in order
    on all of them."""

    kind: str
    headers: list[str | None]
    relation: str
    first_row: int | None = None  # rows are consecutive from this number, the relation has no `_row`
    encoding: str | None = None
    # Run when DuckDB fails while reading, to turn its error into per-line Chinese reasons.
    diagnose: Callable[[duckdb.DuckDBPyConnection, Exception], ValidationFailed] | None = None
    notes: list[str] = field(default_factory=list)

    def column(self, index: int) -> str:
        return f"c{index}"


def kind_of(path: Path, declared: str | None = None) -> str:
    if declared:
        return declared
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ValidationFailed(
            f"不支持的文件类型“{path.suffix or '无扩展名'}”：请上传 CSV、Excel（.xlsx）、JSON Lines 或 Parquet 文件",
            code="unsupported_format",
        )
    return kind


def open_source(path: Path, spec: ResourceSpec, scratch: Path, kind: str | None = None) -> RawSource:
    """Inspect `path` and describe how to read it. Raises ValidationFailed for an unreadable file."""
    kind = kind_of(path, kind)
    if not path.is_file() or path.stat().st_size == 0:
        raise ValidationFailed("文件为空：没有表头，也没有数据", code="empty_file")
    if kind == "csv":
        return _csv(path, spec, scratch)
    if kind == "xlsx":
        return _xlsx(path, spec, scratch)
    if kind == "jsonl":
        return _jsonl(path, scratch)
    return _parquet(path)


# ---------------------------------------------------------------- encodings


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) if the sample decodes strictly as UTF-8, else GB18030 (a superset
    of GBK and GB2312, what Chinese Excel and WPS write by default)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError as err:
        line = sample[: err.start].count(b"\n") + 1
        decoded = sample[: err.start].decode("utf-8", errors="ignore")
        if line > 1 and sum("\u4e00" <= c <= "\u9fff" for c in decoded) >= 2:
            # Whole lines of Chinese decoded as UTF-8 before this one: a UTF-8 file with lines in
            # another encoding. (GBK bytes that happen to be valid UTF-8 decode as Latin letters, not
            # as Chinese characters.)
            raise ValidationFailed(
                f"第{line}行不是UTF-8编码，而文件前面的内容是UTF-8：文件可能混用了UTF-8和GBK编码，"
                "请统一另存为UTF-8后重新上传",
                code="bad_encoding",
                details=[{"field": f"第{line}行", "message": "编码与文件其余部分不一致"}],
            ) from None
    try:
        codecs.getincrementaldecoder("gb18030")("strict").decode(sample, final=False)
        return "gb18030"
    except UnicodeDecodeError as err:
        line = sample[: err.start].count(b"\n") + 1
        raise ValidationFailed(
            f"无法识别文件编码：第{line}行既不是UTF-8也不是GBK/GB18030编码，请另存为UTF-8后重新上传",
            code="bad_encoding",
            details=[{"field": f"第{line}行", "message": "编码无法识别"}],
        ) from None


def transcode_to_utf8(path: Path, encoding: str, target: Path) -> None:
    """Stream a GB18030/UTF-16 file into UTF-8, naming the first line that does not decode."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    lines_before = 0
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as out:
        while True:
            chunk = src.read(TRANSCODE_CHUNK)
            try:
                out.write(decoder.decode(chunk, final=not chunk))
            except UnicodeDecodeError as err:
                line = lines_before + chunk[: max(err.start, 0)].count(b"\n") + 1
                raise ValidationFailed(
                    f"第{line}行含有无法识别的字符：文件按{_encoding_label(encoding)}读取，但这一行不是该编码"
                    "（文件可能混用了UTF-8和GBK编码），请统一另存为UTF-8后重新上传",
                    code="bad_encoding",
                    details=[{"field": f"第{line}行", "message": "编码与文件其余部分不一致"}],
                ) from None
            if not chunk:
                return
            lines_before += chunk.count(b"\n")


def _encoding_label(encoding: str) -> str:
    return {"gb18030": "GBK/GB18030", "utf-16": "UTF-16", "utf-8-sig": "UTF-8", "utf-8": "UTF-8"}[encoding]


def _utf8_copy(path: Path, scratch: Path) -> tuple[Path, str]:
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    if not sample.strip().strip(codecs.BOM_UTF8):
        raise ValidationFailed("文件为空：没有表头，也没有数据", code="empty_file")
    encoding = detect_encoding(sample)
    if encoding in ("utf-8", "utf-8-sig"):
        return path, encoding
    target = scratch / "source.utf8"
    transcode_to_utf8(path, encoding, target)
    return target, encoding


# ---------------------------------------------------------------- CSV


def _csv(path: Path, spec: ResourceSpec, scratch: Path) -> RawSource:
    readable, encoding = _utf8_copy(path, scratch)
    with readable.open("r", encoding="utf-8-sig", newline="", errors="replace") as fh:
        head = fh.read(SAMPLE_BYTES)
    lines = head.splitlines()
    delimiter = _delimiter(lines[0] if lines else "")
    rows = list(csv.reader(io.StringIO("\n".join(lines[:HEADER_SCAN_ROWS])), delimiter=delimiter))
    header_index = pick_header_row(rows, spec)
    headers: list[str | None] = list(rows[header_index]) if rows else []
    if not any(normalise_header(h) for h in headers):
        raise ValidationFailed("文件为空：没有表头，也没有数据", code="empty_file")
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(headers))) + "}"
    options = (
        f"header = true, skip = {header_index}, delim = {sql_str(delimiter)}, quote = '\"', escape = '\"', "
        f"columns = {columns}, auto_detect = false, null_padding = false"
    )
    reader = f"read_csv('{sql_path(readable)}', {options})"
    relation = f"SELECT * FROM {reader}"
    diagnose_reader = (
        f"read_csv('{sql_path(readable)}', {options}, store_rejects = true, ignore_errors = true)"
    )
    notes = [f"表头位于第{header_index + 1}行"] if header_index else []

    def diagnose(con: duckdb.DuckDBPyConnection, err: Exception) -> ValidationFailed:
        return _csv_problems(con, diagnose_reader, len(headers), err)

    return RawSource(
        "csv",
        headers,
        relation,
        first_row=header_index + 2,
        encoding=encoding,
        diagnose=diagnose,
        notes=notes,
    )


def _delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def pick_header_row(rows: Sequence[Sequence[Any]], spec: ResourceSpec) -> int:
    """The header is the first of the top rows naming a catalog field; a title row above it (common in
    Excel exports: "示范市户籍人口信息表") is skipped. Without any match, the first non-blank row."""
    known = {normalise_header(f.label) for f in spec.fields} | {normalise_header(f.name) for f in spec.fields}
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if any(normalise_header(_text(cell)) in known for cell in row if cell is not None):
            return index
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if any(normalise_header(_text(cell)) for cell in row if cell is not None):
            return index
    return 0


_ERROR_LABELS = {
    "MISSING COLUMNS": "列数少于表头",
    "TOO MANY COLUMNS": "列数多于表头",
    "INVALID UNICODE": "不是有效的UTF-8编码（文件可能混用了UTF-8和GBK编码）",
    "UNQUOTED VALUE": "引号使用不正确",
    "LINE SIZE OVER MAXIMUM": "行过长",
}


def _csv_problems(
    con: duckdb.DuckDBPyConnection, reader: str, expected: int, err: Exception
) -> ValidationFailed:
    # A connection of its own: the failed streaming query may still hold the load's connection.
    fresh = duckdb.connect()
    try:
        fresh.execute(f"SELECT count(*) FROM {reader}").fetchall()
        # One line can be reported once per missing column: the first report says how many it has.
        rejects = fresh.execute(
            "SELECT line, arg_min(error_type, coalesce(column_idx, 0)), "
            "arg_min(error_message, coalesce(column_idx, 0)) FROM reject_errors GROUP BY line ORDER BY line"
        ).fetchall()
    except duckdb.Error:
        rejects = []
    finally:
        fresh.close()
    if not rejects:
        return ValidationFailed(f"无法读取CSV文件：{_first_line(err)}", code="unreadable_file")
    details = []
    for line, error_type, message in rejects[:MAX_LISTED]:
        reason = _ERROR_LABELS.get(str(error_type), "格式不正确")
        if error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
            found = re.search(r"Found:\s*(\d+)", str(message))
            reason += f"（表头{expected}列，该行{found.group(1) if found else '?'}列）"
        details.append({"field": f"第{line}行", "message": reason})
    more = f"等共{len(rejects)}行" if len(rejects) > MAX_LISTED else f"共{len(rejects)}行"
    listed = "、".join(f"{d['field']}{d['message']}" for d in details[:5])
    return ValidationFailed(
        f"文件结构有误（{more}），请修正后重新上传：{listed}", code="malformed_file", details=details
    )


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0][:200] if str(err).strip() else type(err).__name__


# ---------------------------------------------------------------- Excel


def _xlsx(path: Path, spec: ResourceSpec, scratch: Path) -> RawSource:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise ValidationFailed(
            "无法打开Excel文件：文件已损坏或不是 .xlsx 格式（旧版 .xls 请另存为 .xlsx）",
            code="unreadable_file",
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        top: list[tuple[Any, ...]] = []
        for row in rows:
            top.append(row)
            if len(top) >= HEADER_SCAN_ROWS:
                break
        if not any(any(_text(c) for c in row) for row in top):
            raise ValidationFailed("文件为空：工作表没有表头，也没有数据", code="empty_file")
        header_index = pick_header_row(top, spec)
        headers: list[str | None] = [_text(c) or None for c in top[header_index]]
        while headers and headers[-1] is None:
            headers.pop()
        first_row = header_index + 2  # Excel numbers rows from 1; data starts below the header

        def data_rows() -> Iterator[tuple[int, Sequence[Any]]]:
            number = first_row
            for row in top[header_index + 1 :]:
                yield number, row
                number += 1
            for row in rows:
                yield number, row
                number += 1

        target = scratch / "source.parquet"
        _write_batches(target, len(headers), data_rows(), source="Excel")
    finally:
        workbook.close()
    notes = [f"读取工作表“{sheet.title}”"] + ([f"表头位于第{header_index + 1}行"] if header_index else [])
    return RawSource("xlsx", headers, _parquet_relation(target, len(headers)), notes=notes)


def _write_batches(
    target: Path, width: int, numbered_rows: Iterable[tuple[int, Sequence[Any]]], *, source: str
) -> None:
    """Rows → Parquet in batches of BATCH_ROWS (`_row` + c0…): memory stays at one batch."""
    schema = pa.schema([("_row", pa.int64())] + [(f"c{i}", pa.string()) for i in range(width)])
    ragged: list[int] = []
    with pq.ParquetWriter(target, schema) as writer:
        batch: list[list[Any]] = [[] for _ in range(width + 1)]
        for number, row in numbered_rows:
            cells = [_text(c) or None for c in row]
            if not any(cells):
                continue  # blank rows in sheets are noise, not records
            if len(cells) > width and any(cells[width:]):
                ragged.append(number)
                continue
            batch[0].append(number)
            for i in range(width):
                batch[i + 1].append(cells[i] if i < len(cells) else None)
            if len(batch[0]) >= BATCH_ROWS:
                writer.write_table(pa.Table.from_arrays(batch, schema=schema))
                batch = [[] for _ in range(width + 1)]
        if batch[0]:
            writer.write_table(pa.Table.from_arrays(batch, schema=schema))
    if ragged:
        listed = "、".join(f"第{n}行" for n in ragged[:MAX_LISTED])
        raise ValidationFailed(
            f"{source}中有{len(ragged)}行的数据超出了表头范围（{listed}），请检查是否错列",
            code="malformed_file",
            details=[{"field": f"第{n}行", "message": "数据超出表头范围"} for n in ragged[:MAX_LISTED]],
        )


def _text(value: Any) -> str:
    """One cell as text, the way a person would have typed it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    return str(value)


def _parquet_relation(target: Path, width: int) -> str:
    cols = ", ".join(f"c{i}" for i in range(width))
    return f"SELECT _row{', ' if cols else ''}{cols} FROM read_parquet('{sql_path(target)}')"


# ---------------------------------------------------------------- JSON Lines


def _jsonl(path: Path, scratch: Path) -> RawSource:
    readable, encoding = _utf8_copy(path, scratch)
    keys: dict[str, None] = {}
    with readable.open("r", encoding="utf-8-sig") as fh:
        for number, line in enumerate(fh, start=1):
            if number > 1000:
                break
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                raise _bad_json(number) from None
            if not isinstance(record, dict):
                raise ValidationFailed(
                    f'第{number}行不是JSON对象（每行应为一条记录，如 {{"姓名": "张三"}}）',
                    code="malformed_file",
                )
            keys.update(dict.fromkeys(record))
    if not keys:
        raise ValidationFailed("文件为空：没有任何记录", code="empty_file")
    headers: list[str | None] = list(keys)
    columns = "{" + ", ".join(f"{sql_str(k)}: 'VARCHAR'" for k in keys) + "}"
    reader = f"read_json('{sql_path(readable)}', format = 'newline_delimited', columns = {columns})"
    selects = ", ".join(f"{ident(k)} AS c{i}" for i, k in enumerate(keys))
    relation = f"SELECT {selects} FROM {reader}"

    def diagnose(con: duckdb.DuckDBPyConnection, err: Exception) -> ValidationFailed:
        line = re.search(r"line (\d+)", str(err))
        where = f"第{line.group(1)}行" if line else "文件中"
        return ValidationFailed(f"{where}不是有效的JSON记录：{_first_line(err)}", code="malformed_file")

    return RawSource("jsonl", headers, relation, first_row=1, encoding=encoding, diagnose=diagnose)


def _bad_json(number: int) -> ValidationFailed:
    return ValidationFailed(
        f"第{number}行不是有效的JSON（JSON Lines 文件每行一条JSON记录）",
        code="malformed_file",
        details=[{"field": f"第{number}行", "message": "不是有效的JSON"}],
    )


# ---------------------------------------------------------------- Parquet


def _parquet(path: Path) -> RawSource:
    try:
        names = [field.name for field in pq.read_schema(path)]
    except Exception:
        raise ValidationFailed(
            "无法读取Parquet文件：文件已损坏或格式不正确", code="unreadable_file"
        ) from None
    if not names:
        raise ValidationFailed("文件为空：Parquet文件没有任何列", code="empty_file")
    selects = ", ".join(f"CAST({ident(n)} AS VARCHAR) AS c{i}" for i, n in enumerate(names))
    relation = (
        f"SELECT file_row_number + 1 AS _row, {selects} "
        f"FROM read_parquet('{sql_path(path)}', file_row_number = true)"
    )
    return RawSource("parquet", list(names), relation)


# ---------------------------------------------------------------- a department's database (逻辑接入)


def pull_sql(url: str, query: str, scratch: Path) -> RawSource:
    """Run a read-only query against a department's database and stream its rows into the load."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    if not re.match(r"^\s*(select|with)\b", query, re.IGNORECASE) or ";" in query.strip().rstrip(";"):
        raise ValidationFailed("只能执行一条查询语句（SELECT 或 WITH 开头）", code="bad_query")
    try:
        engine = create_engine(url)
    except (SQLAlchemyError, ValueError, ImportError):
        raise ValidationFailed("数据库连接地址无效或不支持该数据库类型", code="bad_url") from None
    target = scratch / "source.parquet"
    try:
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(text(query))
            headers: list[str | None] = list(result.keys())
            _write_result(target, len(headers), result)
    except SQLAlchemyError as err:
        orig = getattr(err, "orig", None)
        reason = _first_line(orig if isinstance(orig, Exception) else err)
        raise ValidationFailed(f"无法从部门数据库读取数据：{reason}", code="pull_failed") from None
    finally:
        engine.dispose()
    if not headers:
        raise ValidationFailed("查询没有返回任何列", code="empty_file")
    return RawSource("sql", headers, _parquet_relation(target, len(headers)))


def _write_result(target: Path, width: int, result: Any) -> None:
    schema = pa.schema([("_row", pa.int64())] + [(f"c{i}", pa.string()) for i in range(width)])
    number = 1
    with pq.ParquetWriter(target, schema) as writer:
        while rows := result.fetchmany(BATCH_ROWS):
            columns = list(zip(*rows, strict=True)) if rows else [()] * width
            arrays = [pa.array(range(number, number + len(rows)), pa.int64())]
            arrays += [_string_array(col) for col in columns]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            number += len(rows)


def _string_array(values: Sequence[Any]) -> pa.Array:
    """A column of driver values as text: Arrow converts homogeneous columns in C; mixed ones fall back."""
    try:
        array = pa.array(values)
        if pa.types.is_null(array.type):
            return pa.nulls(len(values), pa.string())
        if not (pa.types.is_floating(array.type) or pa.types.is_decimal(array.type)):
            return array.cast(pa.string())
    except pa.ArrowException:  # a mix Arrow cannot type, or a type it cannot cast to text
        pass
    # Numbers with a fraction as a person writes them (12.5, not 12.500000), and what Arrow refused.
    return pa.array([None if v is None else _text(v) for v in values], pa.string())
