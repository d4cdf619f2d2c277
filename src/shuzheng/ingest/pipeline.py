"""One load, from a raw source to a finished (not yet published) version directory. No database here:
the service decides what to build on and publishes the result.

1. check   — one streamed DuckDB query reads the source and cleans, types and checks every cell and
             cross-field rule (vectorised SQL; see normalise.py and validate.py). Its Arrow batches
             are routed as they come: rows without errors to the candidate data file (hashed with
             SM3 as it is written), the others to the rejects, and the candidates' source row numbers
             to a small side file. Memory stays at a few batches whatever the file size.
2. keys    — duplicated keys among the candidates, read from the data file's key columns (by 64-bit
             hash first, then exactly among the few candidates, so the hash table holds 8 bytes a row
             and spills to disk beyond the memory limit); the side file gives their row numbers. Rows
             sharing a key are all rejected; only then is the data file rewritten — clean data is
             written once.
3. finish  — for an incremental load, the previous version minus the replaced keys plus the new rows;
             rejects get their reasons as a list of (field, category, reason, value).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from shuzheng.catalog.spec import DataType, IdentifierKind, ResourceSpec
from shuzheng.errors import ValidationFailed
from shuzheng.ingest import normalise, validate
from shuzheng.ingest.headers import HeaderMapping
from shuzheng.ingest.lake import DATA_FILE, REJECTS_FILE, ident, sql_path, sql_str
from shuzheng.ingest.readers import RawSource

Progress = Callable[[str, float | None], None]

REASON_SAMPLE_ROWS = 10
DUPLICATE_REASON = "主键重复（同一主键出现多次，均未入库）"


@dataclass(frozen=True)
class ReasonCount:
    field: str
    category: str
    reason: str
    count: int
    sample_rows: list[int]


@dataclass
class BuildResult:
    rows_read: int = 0
    accepted: int = 0  # rows of this file that passed (for an incremental load, before the merge)
    rejected: int = 0
    row_count: int = 0  # rows in the new version
    inserted: int = 0
    updated: int = 0
    unchanged: bool = False
    data_sm3: str | None = None  # of data.parquet, when it was hashed while being written
    reasons: list[ReasonCount] = field(default_factory=list)
    filled: dict[str, int] = field(default_factory=dict)  # non-blank cells per field, over rows read
    rows_failing: dict[str, int] = field(default_factory=dict)  # category → rows with such an error


@dataclass(frozen=True)
class Build:
    spec: ResourceSpec
    source: RawSource
    mapping: HeaderMapping
    out_dir: Path
    scratch: Path
    previous: Path | None = None  # the latest version's data file
    incremental: bool = False
    today: dt.date = field(default_factory=dt.date.today)


ARROW_BATCH_ROWS = 65_536


def run(con: duckdb.DuckDBPyConnection, build: Build, progress: Progress | None = None) -> BuildResult:
    spec = build.spec
    validate.check_rules(spec)
    _check_patterns(con, spec)
    if any(f.to_simplified for f in spec.fields):
        normalise.register_functions(con)
    validate.register_functions(con, spec)
    # DuckDB would turn a long IN list into a join, which does not keep the rows in order.
    con.execute("SET disabled_optimizers = 'in_clause'")

    files = _Files(build.scratch, spec)
    result = BuildResult()
    with _reporting(con, "校验数据", progress):
        _route(con, build, files, result)
    if result.rows_read == 0:
        raise ValidationFailed("文件只有表头，没有数据行", code="empty_file")

    if progress:
        progress("检查主键", None)
    has_dups = _find_duplicates(con, spec, files)
    if has_dups:
        _drop_duplicates(con, spec, files)

    if progress:
        progress("写入数据湖", None)
    _write_rejects(con, spec, files, has_dups, build.out_dir / REJECTS_FILE)
    data = build.out_dir / DATA_FILE
    if build.incremental:
        _merge(con, build, files.candidates, result)
    else:
        shutil.move(files.candidates, data)
        result.data_sm3 = files.candidates_sm3
        result.accepted = result.row_count = result.inserted = _count(
            con, f"read_parquet('{sql_path(data)}')"
        )
        if build.previous is not None:
            result.unchanged = _same_content(con, spec, data, build.previous, result.row_count)

    result.rejected = _count(con, f"read_parquet('{sql_path(build.out_dir / REJECTS_FILE)}')")
    _summarise(con, build, files, result)
    return result


@dataclass
class _Files:
    """Scratch files of one load, written batch by batch."""

    scratch: Path
    spec: ResourceSpec
    nulls: dict[str, int] = field(default_factory=dict)
    wrote_rejects: bool = False
    candidates_sm3: str | None = None  # hashed while written; None once the file is rewritten

    @property
    def candidates(self) -> Path:
        return self.scratch / "candidates.parquet"

    @property
    def raw_rejects(self) -> Path:
        return self.scratch / "rejects_raw.parquet"

    @property
    def keys(self) -> Path:
        return self.scratch / "keys.parquet"


def _route(con: duckdb.DuckDBPyConnection, build: Build, files: _Files, result: BuildResult) -> None:
    """Run the checking query and split its batches into candidates, rejects and keys."""
    names = [f.name for f in build.spec.fields]
    region_fields = [f.name for f in build.spec.fields if f.identifier is IdentifierKind.ID_NUMBER]
    has_keys = bool(build.spec.key_fields)
    writers: dict[str, pq.ParquetWriter] = {}
    nulls = dict.fromkeys(names, 0)

    data_sink = _HashingFile(files.candidates)

    def write(kind: str, path: Path, table: pa.Table | pa.RecordBatch) -> None:
        if kind not in writers:
            options = _data_file_options(build.spec) if kind == "data" else _plain_file_options()
            writers[kind] = pq.ParquetWriter(data_sink if kind == "data" else path, table.schema, **options)
        writers[kind].write_batch(table) if isinstance(table, pa.RecordBatch) else writers[kind].write_table(
            table
        )

    try:
        reader = con.sql(stage_sql(build)).to_arrow_reader(ARROW_BATCH_ROWS)
        for batch in _numbered(reader, build.source.first_row):
            for f in region_fields:
                batch = validate.add_region_errors(batch, f, region_key_column(f))
            result.rows_read += batch.num_rows
            for name in names:
                nulls[name] += batch.column(name).null_count
            clean = pc.equal(batch.column("_errors"), "")
            good = batch.filter(clean)
            write("data", files.candidates, good.select(names))
            if has_keys:  # source row numbers of the candidates, in the same order
                write("keys", files.keys, good.select(["_row"]))
            if good.num_rows < batch.num_rows:
                write("rejects", files.raw_rejects, batch.filter(pc.invert(clean)))
    except (duckdb.InvalidInputException, duckdb.ConversionException, pa.ArrowException) as err:
        if build.source.diagnose is None:
            raise ValidationFailed(f"无法读取文件：{_first_line(err)}", code="unreadable_file") from None
        raise build.source.diagnose(con, err) from None
    finally:
        for w in writers.values():
            w.close()
        data_sink.close()
    files.candidates_sm3 = data_sink.hexdigest() if "data" in writers else None
    files.nulls = nulls
    files.wrote_rejects = "rejects" in writers


def _numbered(batches: Iterator[pa.RecordBatch], first_row: int | None) -> Iterator[pa.RecordBatch]:
    """The stage's batches with their source row numbers: counted on from `first_row` when the source
    does not carry them (the stage query keeps source order: see `stage_sql`)."""
    if first_row is None:
        yield from batches
        return
    number = first_row
    for batch in batches:
        rows = pa.array(np.arange(number, number + batch.num_rows, dtype=np.int64))
        yield pa.RecordBatch.from_arrays([rows, *batch.columns], names=["_row", *batch.schema.names])
        number += batch.num_rows


BLOOM_FPP = 0.01
LOOKUP_IDENTIFIERS = frozenset({IdentifierKind.ID_NUMBER, IdentifierKind.USCC, IdentifierKind.PHONE})


def _data_file_options(spec: ResourceSpec) -> dict[str, Any]:
    """How a version's data file is written (pyarrow.parquet.ParquetWriter keywords).

    - Dictionary encoding only where values repeat (code lists, yes/no): on identifiers, names and
      addresses it finds nothing to share and was most of the writing time (1.4 of 1.9 s CPU at 1M).
    - A Bloom filter per row group on the key and identifier fields, which the data service and the
      trace look up by: DuckDB skips the row groups that cannot hold the value, so a lookup by 身份证号
      in a million rows reads one row group instead of all (1.7 ms instead of 27 ms).
    - Statistics where they can skip row groups (see below).
    """
    lookups = dict.fromkeys(
        [*spec.key_fields, *(f.name for f in spec.fields if f.identifier in LOOKUP_IDENTIFIERS)]
    )
    coded = [f.name for f in spec.fields if f.code_list or f.data_type is DataType.BOOLEAN]
    return {
        "use_dictionary": coded,
        "bloom_filter_options": {name: {"ndv": ARROW_BATCH_ROWS, "fpp": BLOOM_FPP} for name in lookups},
        # Min/max per row group let DuckDB skip row groups for ranges of dates and numbers and for
        # codes; over free text (names, addresses) every row group spans everything, and computing
        # them was a fifth of the writing time.
        "write_statistics": [
            f.name
            for f in spec.fields
            if f.data_type is not DataType.STRING or f.name in lookups or f.name in coded
        ],
    }


def _plain_file_options() -> dict[str, Any]:
    return {"use_dictionary": False}


def _write_data_file(con: duckdb.DuckDBPyConnection, spec: ResourceSpec, query: str, target: Path) -> None:
    """A data file from a DuckDB query, written like the load's own (see `_data_file_options`), batch by
    batch. (DuckDB's COPY writes Bloom filters only for dictionary-encoded columns.)"""
    reader = con.sql(query).to_arrow_reader(ARROW_BATCH_ROWS)
    with pq.ParquetWriter(target, reader.schema, **_data_file_options(spec)) as writer:
        for batch in reader:
            writer.write_batch(batch)


class _HashingFile:
    """A write-only file that computes its SM3 as Parquet is written into it: the data file is not
    read back to checksum it."""

    def __init__(self, path: Path):
        self._path = path
        self._fh: io.BufferedWriter | None = None
        self._hash = hashlib.new("sm3")
        self.closed = False

    def _file(self) -> io.BufferedWriter:
        if self._fh is None:
            self._fh = self._path.open("wb")
        return self._fh

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        self._hash.update(view)
        return self._file().write(view)

    def tell(self) -> int:
        return self._file().tell()

    def flush(self) -> None:
        if self._fh is not None:
            self._fh.flush()

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readable(self) -> bool:
        return False

    def close(self) -> None:
        if self._fh is not None and not self._fh.closed:
            self._fh.close()
        self.closed = True

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0][:200] if text else type(err).__name__


# ---------------------------------------------------------------- pass 1: stage


def stage_sql(build: Build) -> str:
    """The query that reads, cleans, types and checks every row (see module docstring).

    It is SELECTs over one table and nothing else — no join, no subquery, no window — so DuckDB runs it
    on all threads and still returns the rows in source order (its documented order preservation),
    which is what lets the pipeline number them. Lookups in large sets are therefore functions, not
    joins (see validate.register_functions), and the optimizer's rewriting of IN lists into joins is
    switched off for the load's connection (see `run`)."""
    spec, mapping, source = build.spec, build.mapping, build.source
    cleaned, texts, typed = [], [], []
    cols: dict[str, validate.Columns] = {}
    raw_of = {}
    for f in spec.fields:
        index = mapping.columns.get(f.name)
        raw_of[f.name] = source.column(index) if index is not None else None
    groups: dict[str, list[str]] = {}
    for f in spec.fields:
        if raw_of[f.name] is not None:
            groups.setdefault(normalise.clean_group(f), []).append(str(raw_of[f.name]))
    flags = [
        f"{normalise.dirty_expr(g, columns)} AS {ident('__dirty_' + g)}" for g, columns in groups.items()
    ]
    for n, f in enumerate(spec.fields):
        c, t = ident(f"__c{n}"), ident(f"__t{n}")
        raw = raw_of[f.name]
        if raw is None:
            cleaned.append(f"CAST(NULL AS VARCHAR) AS {c}")
        else:
            cleaned.append(
                f"{normalise.text_expr(raw, f, ident('__dirty_' + normalise.clean_group(f)))} AS {c}"
            )
        texts.append(f"{normalise.blank_to_null(c)} AS {t}")
        typed.append(f"{normalise.typed_expr(t, f)} AS {ident(f.name)}")
        derived = validate.derived_columns(f, t)
        typed += [f"{expr} AS {ident(f'__{role}{n}')}" for role, expr in derived.items()]
        cols[f.name] = validate.Columns(
            text=t, value=ident(f.name), derived={role: ident(f"__{role}{n}") for role in derived}
        )

    checks = [validate.field_check(f, cols[f.name], build.today) for f in spec.fields]
    checks += [validate.rule_check(rule, cols) for rule in spec.rules]
    errors = [ident(f"__e{n}") for n in range(len(checks))]
    text_cols = ", ".join(ident(f"__t{n}") for n in range(len(spec.fields)))
    region_keys = [
        f"{validate.region_key_expr(ident(f'__e{n}'), ident(f'__t{n}'))} AS {ident(region_key_column(f.name))}"
        for n, f in enumerate(spec.fields)
        if f.identifier is IdentifierKind.ID_NUMBER
    ]
    row = "_row, " if source.first_row is None else ""  # else numbered as the batches arrive
    return (
        f"WITH src AS ({source.relation}), "
        f"flagged AS (SELECT *{''.join(', ' + x for x in flags)} FROM src), "
        f"cleaned AS (SELECT {row}{', '.join(cleaned)} FROM flagged), "
        f"texts AS (SELECT {row}{', '.join(texts)} FROM cleaned), "
        f"typed AS (SELECT {row}{text_cols}, {', '.join(typed)} FROM texts), "
        f"checked AS (SELECT {row}{text_cols}, {_field_list(spec)}, "
        f"{', '.join(f'{check} AS {name}' for check, name in zip(checks, errors, strict=True))} FROM typed) "
        f"SELECT {row}{_field_list(spec)}, {validate.join_errors(errors)} AS _errors"
        f"{''.join(', ' + key for key in region_keys)} FROM checked"
    )


def region_key_column(field: str) -> str:
    return f"__region_{field}"


def _field_list(spec: ResourceSpec, alias: str | None = None) -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{ident(f.name)}" for f in spec.fields)


def _check_patterns(con: duckdb.DuckDBPyConnection, spec: ResourceSpec) -> None:
    for f in spec.fields:
        if not f.pattern:
            continue
        try:
            con.execute(f"SELECT regexp_full_match('', {sql_str(f.pattern)})").fetchall()
        except duckdb.Error:
            raise ValidationFailed(
                f"目录中信息项“{f.label}”的格式规则（正则表达式）无法使用，请联系目录编制人员",
                code="bad_rule",
            ) from None


# ---------------------------------------------------------------- pass 2: duplicate keys


def _key_match(spec: ResourceSpec, left: str, right: str) -> str:
    return " AND ".join(f"{left}.{ident(k)} = {right}.{ident(k)}" for k in spec.key_fields)


def _find_duplicates(con: duckdb.DuckDBPyConnection, spec: ResourceSpec, files: _Files) -> bool:
    keys = ", ".join(ident(k) for k in spec.key_fields)
    if not keys or not files.keys.exists():
        return False
    candidates = f"read_parquet('{sql_path(files.candidates)}')"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE dup_hashes AS SELECT hash({keys}) AS h FROM {candidates} "
        f"GROUP BY 1 HAVING count(*) > 1"
    )
    if _count(con, "dup_hashes") == 0:
        return False
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE dup_rows AS SELECT k._row, c.* EXCLUDE (file_row_number) "
        f"FROM read_parquet('{sql_path(files.candidates)}', file_row_number = true) c "
        f"JOIN read_parquet('{sql_path(files.keys)}', file_row_number = true) k USING (file_row_number) "
        f"WHERE hash({', '.join('c.' + ident(k) for k in spec.key_fields)}) IN (SELECT h FROM dup_hashes)"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE dup_keys AS SELECT {keys}, min(_row) AS first_row, count(*) AS n "
        f"FROM dup_rows GROUP BY {keys} HAVING count(*) > 1"
    )
    con.execute(
        f"DELETE FROM dup_rows r WHERE NOT EXISTS (SELECT 1 FROM dup_keys d WHERE {_key_match(spec, 'd', 'r')})"
    )
    return _count(con, "dup_keys") > 0


def _drop_duplicates(con: duckdb.DuckDBPyConnection, spec: ResourceSpec, files: _Files) -> None:
    """Every row of a duplicated key leaves the candidates (and joins the rejects); the data file is
    rewritten only in this case."""
    kept = files.scratch / "candidates_unique.parquet"
    _write_data_file(
        con,
        spec,
        f"SELECT {_field_list(spec, 'c')} FROM read_parquet('{sql_path(files.candidates)}') c "
        f"WHERE NOT EXISTS (SELECT 1 FROM dup_keys d WHERE {_key_match(spec, 'd', 'c')})",
        kept,
    )
    kept.replace(files.candidates)
    files.candidates_sm3 = None


# ---------------------------------------------------------------- pass 3: outputs


def _write_rejects(
    con: duckdb.DuckDBPyConnection, spec: ResourceSpec, files: _Files, has_dups: bool, target: Path
) -> None:
    unit, record = f"chr({ord(validate.UNIT)})", f"chr({ord(validate.RECORD)})"
    parts = [f"split_part(e, {unit}, {i + 1})" for i in range(4)]
    errors = (
        f"[{{'field': {parts[0]}, 'category': {parts[1]}, 'reason': {parts[2]}, 'value': {parts[3]}}} "
        f"FOR e IN string_split(_errors, {record})]"
    )
    queries = []
    if files.wrote_rejects:
        queries.append(
            f"SELECT _row, {_field_list(spec)}, {errors} AS _errors FROM read_parquet('{sql_path(files.raw_rejects)}')"
        )
    if has_dups:
        key_text = " || '/' || ".join(f"CAST(r.{ident(k)} AS VARCHAR)" for k in spec.key_fields)
        queries.append(
            f"SELECT r._row, {_field_list(spec, 'r')}, "
            f"[{{'field': {sql_str(','.join(spec.key_fields))}, 'category': '{validate.UNIQUENESS}', "
            f"'reason': {sql_str(DUPLICATE_REASON)}, "
            f"'value': {key_text} || '（共' || d.n || '行，首次出现在第' || d.first_row || '行）'}}] AS _errors "
            f"FROM dup_rows r JOIN dup_keys d ON {_key_match(spec, 'd', 'r')}"
        )
    if not queries:
        typed = ", ".join(
            f"CAST(NULL AS {normalise.DUCKDB_TYPES[f.data_type]}) AS {ident(f.name)}" for f in spec.fields
        )
        queries.append(
            f"SELECT CAST(NULL AS BIGINT) AS _row, {typed}, "
            f"CAST([] AS STRUCT(field VARCHAR, category VARCHAR, reason VARCHAR, value VARCHAR)[]) AS _errors "
            f"WHERE false"
        )
    union = " UNION ALL ".join(queries)
    con.execute(f"COPY ({union} ORDER BY _row) TO '{sql_path(target)}' (FORMAT parquet)")


def _aligned(con: duckdb.DuckDBPyConnection, spec: ResourceSpec, path: Path) -> str:
    """A previous version read in today's field list and types (a field added since reads as NULL)."""
    present = {
        row[0] for row in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{sql_path(path)}')").fetchall()
    }
    cols = []
    for f in spec.fields:
        kind = normalise.DUCKDB_TYPES[f.data_type]
        source = f"TRY_CAST({ident(f.name)} AS {kind})" if f.name in present else f"CAST(NULL AS {kind})"
        cols.append(f"{source} AS {ident(f.name)}")
    return f"SELECT {', '.join(cols)} FROM read_parquet('{sql_path(path)}')"


def _merge(con: duckdb.DuckDBPyConnection, build: Build, fresh: Path, result: BuildResult) -> None:
    """Upsert by key: previous rows whose key is not in the new rows, then the new rows."""
    spec = build.spec
    con.execute(f"CREATE OR REPLACE TEMP VIEW incoming AS SELECT * FROM read_parquet('{sql_path(fresh)}')")
    result.accepted = _count(con, "incoming")
    data = build.out_dir / DATA_FILE
    if build.previous is None:
        shutil.move(fresh, data)
        result.row_count = result.inserted = result.accepted
        return
    con.execute(f"CREATE OR REPLACE TEMP VIEW previous AS {_aligned(con, spec, build.previous)}")
    match = _key_match(spec, "p", "i")
    result.updated = _count(
        con, f"(SELECT 1 FROM incoming i WHERE EXISTS (SELECT 1 FROM previous p WHERE {match}))"
    )
    result.inserted = result.accepted - result.updated
    result.unchanged = _count(con, "(SELECT * FROM incoming EXCEPT SELECT * FROM previous)") == 0
    _write_data_file(
        con,
        spec,
        f"SELECT * FROM previous p WHERE NOT EXISTS (SELECT 1 FROM incoming i WHERE {match}) "
        f"UNION ALL SELECT * FROM incoming",
        data,
    )
    result.row_count = _count(con, f"read_parquet('{sql_path(data)}')")


def _same_content(
    con: duckdb.DuckDBPyConnection, spec: ResourceSpec, data: Path, previous: Path, rows: int
) -> bool:
    if _count(con, f"read_parquet('{sql_path(previous)}')") != rows:
        return False
    new = f"SELECT * FROM read_parquet('{sql_path(data)}')"
    return _count(con, f"({new} EXCEPT ALL {_aligned(con, spec, previous)})") == 0


def _summarise(con: duckdb.DuckDBPyConnection, build: Build, files: _Files, result: BuildResult) -> None:
    rejects = f"read_parquet('{sql_path(build.out_dir / REJECTS_FILE)}')"
    rows = con.execute(
        f"SELECT e.field, e.category, e.reason, count(*) AS n, "
        f"list(_row ORDER BY _row)[1:{REASON_SAMPLE_ROWS}] "
        f"FROM (SELECT _row, unnest(_errors) AS e FROM {rejects}) GROUP BY ALL ORDER BY n DESC, e.field"
    ).fetchall()
    result.reasons = [
        ReasonCount(str(f), str(c), str(r), int(n), list(sample)) for f, c, r, n, sample in rows
    ]
    result.rows_failing = dict(
        con.execute(
            f"SELECT e.category, count(DISTINCT _row) FROM (SELECT _row, unnest(_errors) AS e FROM {rejects}) "
            "GROUP BY ALL"
        ).fetchall()
    )
    # A typed value is NULL when the cell was blank or could not be read as its type; the latter have
    # a type reason, so filled = rows - NULLs + unreadable.
    unparsed: dict[str, int] = {}
    for reason in result.reasons:
        if reason.reason in validate.TYPE_REASONS:
            unparsed[reason.field] = unparsed.get(reason.field, 0) + reason.count
    for f in build.spec.fields:
        result.filled[f.name] = result.rows_read - files.nulls.get(f.name, 0) + unparsed.get(f.name, 0)


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    rows = con.execute(f"SELECT count(*) FROM {relation}").fetchall()  # all: leaves no open result
    return int(rows[0][0]) if rows else 0


# ---------------------------------------------------------------- progress


@contextmanager
def _reporting(con: duckdb.DuckDBPyConnection, phase: str, progress: Progress | None) -> Iterator[None]:
    """Report DuckDB's own progress of the running statement, polled from a second thread."""
    if progress is None:
        yield
        return
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    con.execute("SET progress_bar_time = 0")
    done = threading.Event()

    def poll() -> None:
        while not done.wait(0.2):
            value = con.query_progress()
            if value >= 0:
                progress(phase, min(value, 100.0) / 100.0)

    progress(phase, 0.0)
    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        progress(phase, 1.0)
