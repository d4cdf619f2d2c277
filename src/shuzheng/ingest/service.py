"""Ingest: loading a department's data into a new dataset version, reading versions, corrections, and
lake housekeeping (verify, prune). Every rule lives here; the API, the pages and the CLI call these.

A load, in order:
1. authorise (汇聚数据 for the resource's provider department) and fetch the published spec;
2. SM3 the source; the same file as the latest version (under the same spec) adds nothing;
3. build the version in a temporary directory (pipeline.py: read, clean, check, route);
4. content unchanged from the latest version → nothing is published either;
5. SM3 the Parquet files, rename the directory into place, add the version row, its reject reasons
   and its quality report, and append to the ledger — all in the caller's transaction.
If that transaction rolls back, the directory is removed again (session events); a crash in between
leaves only an unreferenced directory, which readers never see and `shuzheng lake prune` removes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from shuzheng.catalog import service as catalog
from shuzheng.catalog.spec import ResourceSpec
from shuzheng.errors import Conflict, NotFound, ValidationFailed, field_error
from shuzheng.ingest import lake, pipeline, readers
from shuzheng.ingest.headers import HeaderMapping, map_headers
from shuzheng.ingest.models import DatasetVersion, LoadMode, RejectReason
from shuzheng.ingest.pipeline import ReasonCount
from shuzheng.kit import clock
from shuzheng.ledger import service as ledger
from shuzheng.security.roles import Actor, Perm, require

Progress = Callable[[str, float | None], None]

MAX_READ_ROWS = 10_000
CLI_LABEL = "命令行"
STALE_SECONDS = 3600
_PUBLISHED = "shuzheng.ingest.published"
_DELETE_ON_COMMIT = "shuzheng.ingest.delete_on_commit"


# ---------------------------------------------------------------- results


@dataclass
class LoadSummary:
    """What a load did, for the CLI summary, the API and the page."""

    code: str
    name: str
    mode: str
    source_name: str
    source_sm3: str
    version: DatasetVersion | None  # the new version, or the latest one when unchanged
    unchanged: bool = False
    unchanged_reason: str = ""
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    inserted: int = 0
    updated: int = 0
    row_count: int = 0
    reasons: list[ReasonCount] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None
    score: float | None = None
    dimensions: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0


# ---------------------------------------------------------------- loading


def load(
    session: Session,
    actor: Actor | None,
    code: str,
    path: Path,
    *,
    incremental: bool = False,
    mapping: Mapping[str, str] | None = None,
    source_name: str | None = None,
    kind: str | None = None,
    progress: Progress | None = None,
    source_sm3: str | None = None,
) -> LoadSummary:
    """Load a file (CSV, .xlsx, JSON Lines, Parquet) as a new version of resource `code`.
    `actor=None` is the server-side CLI without --as. `source_sm3` is the file's SM3 when the platform
    computed it already (an upload, hashed as it arrived); otherwise the file is hashed here."""
    spec = catalog.published_spec(session, code)
    return load_with_spec(
        session,
        actor,
        spec,
        path,
        incremental=incremental,
        mapping=mapping,
        source_name=source_name,
        kind=kind,
        progress=progress,
        source_sm3=source_sm3,
    )


def load_with_spec(
    session: Session,
    actor: Actor | None,
    spec: ResourceSpec,
    path: Path,
    *,
    incremental: bool = False,
    mapping: Mapping[str, str] | None = None,
    source_name: str | None = None,
    kind: str | None = None,
    progress: Progress | None = None,
    source_sm3: str | None = None,
) -> LoadSummary:
    """`load` for a spec already in hand (the benchmark and the demo use it directly)."""
    _authorise(actor, spec)
    source_kind = readers.kind_of(path, kind)
    name = _display_name(source_name or path.name)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sm3") as pool:
        if source_sm3 is not None:
            sha: str | Future[str] = source_sm3
        elif latest_version(session, spec.code) is not None:
            # The same file again must be refused at once, before any work: checksum first.
            sha = lake.sm3_file(path, _byte_progress(path, progress))
        else:
            # A first load cannot be a repeat: checksum the file while it is being checked.
            sha = pool.submit(lake.sm3_file, path)
        return _load(
            session,
            actor,
            spec,
            lambda scratch: readers.open_source(path, spec, scratch, source_kind),
            source_kind=source_kind,
            source_name=name,
            source_sm3=sha,
            mode=LoadMode.INCREMENTAL if incremental else LoadMode.FULL,
            mapping=mapping,
            progress=progress,
        )


def pull(
    session: Session,
    actor: Actor | None,
    code: str,
    url: str,
    query: str,
    *,
    incremental: bool = False,
    mapping: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> LoadSummary:
    """逻辑接入: run `query` on a department's database and load the rows. The source's checksum is
    that of the rows (a Parquet file of them), so pulling unchanged data twice adds nothing."""
    spec = catalog.published_spec(session, code)
    _authorise(actor, spec)
    with lake.staging() as scratch:
        if progress:
            progress("读取部门数据库", None)
        raw = readers.pull_sql(url, query, scratch)
        pulled = scratch / "source.parquet"
        sha = lake.sm3_file(pulled)
        return _load(
            session,
            actor,
            spec,
            lambda _scratch: raw,
            source_kind="sql",
            source_name=_display_name(_safe_url(url)),
            source_sm3=sha,
            mode=LoadMode.INCREMENTAL if incremental else LoadMode.FULL,
            mapping=mapping,
            progress=progress,
        )


def _authorise(actor: Actor | None, spec: ResourceSpec) -> None:
    if actor is not None:
        require(actor, Perm.DATA_LOAD, department=spec.provider_department_id)


def _display_name(name: str) -> str:
    return os.path.basename(name.replace("\\", "/")).strip()[:200] or "未命名文件"


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "数据库"


def _byte_progress(path: Path, progress: Progress | None) -> Callable[[int], None] | None:
    if progress is None:
        return None
    total = max(path.stat().st_size, 1)
    done = 0
    progress("计算校验值", 0.0)

    def step(n: int) -> None:
        nonlocal done
        done += n
        progress("计算校验值", min(done / total, 1.0))

    return step


def _load(
    session: Session,
    actor: Actor | None,
    spec: ResourceSpec,
    open_source: Callable[[Path], readers.RawSource],
    *,
    source_kind: str,
    source_name: str,
    source_sm3: str | Future[str],
    mode: LoadMode,
    mapping: Mapping[str, str] | None,
    progress: Progress | None,
    note: str | None = None,
    all_or_nothing: bool = False,
) -> LoadSummary:
    started = time.perf_counter()
    if mode is not LoadMode.FULL and not spec.key_fields:
        raise ValidationFailed(
            f"数据资源「{spec.code}」的目录没有主键信息项，不能增量加载，请使用全量加载", code="no_key"
        )
    latest = latest_version(session, spec.code)
    summary = LoadSummary(
        code=spec.code,
        name=spec.name,
        mode=mode.value,
        source_name=source_name,
        source_sm3=source_sm3 if isinstance(source_sm3, str) else "",
        version=latest,
    )
    if latest is not None and latest.source_sm3 == summary.source_sm3 and latest.spec_version == spec.version:
        summary.unchanged = True
        summary.unchanged_reason = f"与当前第{latest.number}版的源文件相同（SM3一致）"
        _record_unchanged(session, actor, spec, summary)
        return summary

    number = (max_version_number(session, spec.code) or 0) + 1
    written = lake.new_version_dir(spec.code, number)
    published = False
    try:
        with lake.staging() as scratch:
            raw = open_source(scratch)
            header_map = map_headers(raw.headers, spec, mapping)
            summary.notes = raw.notes + header_map.notes
            summary.encoding = raw.encoding
            build = pipeline.Build(
                spec=spec,
                source=raw,
                mapping=header_map,
                out_dir=written.tmp,
                scratch=scratch,
                previous=lake.absolute(latest.path) / lake.DATA_FILE if latest is not None else None,
                incremental=mode is not LoadMode.FULL,
                today=clock.today_in_china(),
            )
            con = lake.connect(scratch / "duckdb")
            try:
                result = pipeline.run(con, build, progress)
            finally:
                con.close()
        _fill(summary, result)
        if not isinstance(source_sm3, str):
            summary.source_sm3 = source_sm3.result()
        if all_or_nothing and result.rejected:
            raise _rejected_correction(result.reasons, spec)
        if result.unchanged:
            summary.unchanged = True
            summary.unchanged_reason = (
                f"数据内容与当前第{latest.number}版相同" if latest else "数据内容没有变化"
            )
            _record_unchanged(session, actor, spec, summary)
            return summary
        version = _publish(
            session, actor, spec, written, result, summary, number, latest, mode, source_kind, note
        )
        published = True
    finally:
        if not published:
            lake.remove(written.tmp)
    summary.version = version
    summary.seconds = time.perf_counter() - started
    return summary


def _fill(summary: LoadSummary, result: pipeline.BuildResult) -> None:
    summary.rows_read = result.rows_read
    summary.accepted = result.accepted
    summary.rejected = result.rejected
    summary.inserted = result.inserted
    summary.updated = result.updated
    summary.row_count = result.row_count
    summary.reasons = result.reasons


def _publish(
    session: Session,
    actor: Actor | None,
    spec: ResourceSpec,
    written: lake.WrittenVersion,
    result: pipeline.BuildResult,
    summary: LoadSummary,
    number: int,
    latest: DatasetVersion | None,
    mode: LoadMode,
    source_kind: str,
    note: str | None,
) -> DatasetVersion:
    from shuzheng.quality import service as quality

    data_sm3 = result.data_sm3 or lake.sm3_file(written.tmp / lake.DATA_FILE)
    rejects_sm3 = lake.sm3_file(written.tmp / lake.REJECTS_FILE)
    version = DatasetVersion(
        resource_id=spec.id,
        resource_code=spec.code,
        department_id=spec.provider_department_id,
        number=number,
        mode=mode.value,
        spec_version=spec.version,
        base_version=latest.number if latest is not None and mode is not LoadMode.FULL else None,
        path=written.relative,
        rows_read=result.rows_read,
        accepted=result.accepted,
        rejected=result.rejected,
        row_count=result.row_count,
        inserted=result.inserted,
        updated=result.updated,
        data_sm3=data_sm3,
        rejects_sm3=rejects_sm3,
        source_kind=source_kind,
        source_name=summary.source_name,
        source_sm3=summary.source_sm3,
        encoding=summary.encoding,
        note=note,
        loaded_by_id=actor.account_id if actor is not None else None,
        loaded_by_label=(actor.display_name if actor is not None else CLI_LABEL)[:64],
        loaded_at=clock.now(),
    )
    version.reasons = [
        RejectReason(
            field=r.field[:200],
            category=r.category,
            reason=r.reason[:200],
            count=r.count,
            sample_rows=r.sample_rows,
        )
        for r in result.reasons
    ]
    lake.write_manifest(
        written.tmp,
        {
            "resource": spec.code,
            "version": number,
            "mode": mode.value,
            "spec_version": spec.version,
            "rows": result.row_count,
            "rejected": result.rejected,
            "data_sm3": data_sm3,
            "rejects_sm3": rejects_sm3,
            "source_sm3": summary.source_sm3,
            "fields": [f.name for f in spec.fields],
        },
    )
    final = lake.publish(written)
    try:
        with session.begin_nested():
            session.add(version)
            session.flush()
    except IntegrityError:
        lake.remove(final)
        raise Conflict(
            f"数据资源「{spec.code}」刚刚有另一次加载生成了第{number}版，请重新加载", code="concurrent_load"
        ) from None
    _remove_if_rolled_back(session, final)
    previous_at = latest.loaded_at if latest is not None else None
    report = quality.record_load(session, version, spec, result, previous_at)
    summary.score = report.score
    summary.dimensions = {
        "completeness": report.completeness,
        "validity": report.validity,
        "uniqueness": report.uniqueness,
        "consistency": report.consistency,
        "timeliness": report.timeliness,
    }
    action = "ingest.correct" if mode is LoadMode.CORRECTION else "ingest.load"
    ledger.append(
        session,
        action=action,
        subject=f"resource:{spec.code}",
        payload={
            "version": number,
            "mode": mode.value,
            "rows": result.row_count,
            "read": result.rows_read,
            "accepted": result.accepted,
            "rejected": result.rejected,
            "data_sm3": data_sm3,
            "source_sm3": summary.source_sm3,
            "spec_version": spec.version,
            "quality": report.score,
        },
        actor=actor,
        actor_label=None if actor is not None else CLI_LABEL,
    )
    session.flush()
    return version


def _record_unchanged(
    session: Session, actor: Actor | None, spec: ResourceSpec, summary: LoadSummary
) -> None:
    """Nothing is published, but the attempt is evidence too."""
    ledger.append(
        session,
        action="ingest.load",
        subject=f"resource:{spec.code}",
        payload={
            "unchanged": True,
            "version": summary.version.number if summary.version is not None else None,
            "source_sm3": summary.source_sm3,
            "mode": summary.mode,
        },
        actor=actor,
        actor_label=None if actor is not None else CLI_LABEL,
    )
    session.flush()


# ---------------------------------------------------------------- publish / remove with the transaction


def _remove_if_rolled_back(session: Session, path: Path) -> None:
    """The version directory is in place; if the transaction holding its row rolls back, remove it."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PUBLISHED, []).append((path, transaction))
    _listen(session)


def _delete_after_commit(session: Session, path: Path) -> None:
    session.info.setdefault(_DELETE_ON_COMMIT, []).append(path)
    _listen(session)


def _listen(session: Session) -> None:
    if not event.contains(session, "after_commit", _after_commit):
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_soft_rollback", _after_soft_rollback)


def _after_commit(session: Session) -> None:
    session.info.pop(_PUBLISHED, None)
    for path in session.info.pop(_DELETE_ON_COMMIT, []):
        lake.remove(path)


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    kept = []
    for path, transaction in session.info.get(_PUBLISHED, []):
        if _within(transaction, previous):
            lake.remove(path)
        else:
            kept.append((path, transaction))
    session.info[_PUBLISHED] = kept
    if previous.parent is None:
        session.info.pop(_DELETE_ON_COMMIT, None)


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


# ---------------------------------------------------------------- versions


def latest_version(session: Session, code: str) -> DatasetVersion | None:
    """The current version of a resource's data (None before the first load)."""
    return session.scalar(
        select(DatasetVersion)
        .where(DatasetVersion.resource_code == code, DatasetVersion.pruned_at.is_(None))
        .order_by(DatasetVersion.number.desc())
        .limit(1)
    )


def max_version_number(session: Session, code: str) -> int | None:
    return session.scalar(select(func.max(DatasetVersion.number)).where(DatasetVersion.resource_code == code))


def list_versions(session: Session, code: str) -> list[DatasetVersion]:
    """Every version, newest first (pruned ones included, marked)."""
    return list(
        session.scalars(
            select(DatasetVersion)
            .where(DatasetVersion.resource_code == code)
            .order_by(DatasetVersion.number.desc())
        )
    )


def get_version(session: Session, code: str, number: int | None = None) -> DatasetVersion:
    """A version by number, or the latest. NotFound with a Chinese reason otherwise."""
    if number is None:
        version = latest_version(session, code)
        if version is None:
            raise NotFound(f"数据资源「{code}」还没有汇聚任何数据", code="no_data")
        return version
    version = session.scalar(
        select(DatasetVersion).where(DatasetVersion.resource_code == code, DatasetVersion.number == number)
    )
    if version is None:
        raise NotFound(f"数据资源「{code}」没有第{number}版数据", code="version_not_found")
    if version.pruned_at is not None:
        raise NotFound(f"数据资源「{code}」的第{number}版已按保留策略清理", code="version_pruned")
    return version


def versions_by_codes(session: Session, codes: Sequence[str]) -> dict[str, DatasetVersion]:
    """The latest version of each of `codes` that has one."""
    if not codes:
        return {}
    rows = session.scalars(
        select(DatasetVersion)
        .where(DatasetVersion.resource_code.in_(list(codes)), DatasetVersion.pruned_at.is_(None))
        .order_by(DatasetVersion.resource_code, DatasetVersion.number)
    )
    return {v.resource_code: v for v in rows}


def can_load(actor: Actor | None, spec: ResourceSpec) -> bool:
    return actor is not None and actor.can(Perm.DATA_LOAD, department=spec.provider_department_id)


def require_view(actor: Actor | None, department_id: int) -> Actor:
    """Who may see a resource's versions and rejects: its provider's data officers and the operator."""
    if actor is not None and (
        actor.can(Perm.CATALOG_REVIEW) or actor.can(Perm.DATA_LOAD, department=department_id)
    ):
        return actor
    return require(actor, Perm.DATA_LOAD, department=department_id)


# ---------------------------------------------------------------- reading


def _data_path(version: DatasetVersion, name: str = lake.DATA_FILE) -> Path:
    path = lake.absolute(version.path) / name
    if not path.is_file():
        raise NotFound(
            f"第{version.number}版的数据文件不在数据湖中，请运行 shuzheng lake verify 检查",
            code="lake_missing",
        )
    return path


def _where(
    con: duckdb.DuckDBPyConnection, relation: str, filters: Mapping[str, Any] | None
) -> tuple[str, list[Any]]:
    if not filters:
        return "", []
    columns = _columns(con, relation)
    clauses, params = [], []
    for name, value in filters.items():
        if name not in columns:
            raise field_error(name, "没有这个信息项")
        if value is None:
            clauses.append(f"{lake.ident(name)} IS NULL")
        else:
            clauses.append(f"CAST({lake.ident(name)} AS VARCHAR) = ?")
            params.append(_as_text(value))
    return " WHERE " + " AND ".join(clauses), params


_column_cache: dict[str, frozenset[str]] = {}


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> frozenset[str]:
    """A version file's column names. Version files never change once written (and their directory
    names are unique), so the answer is cached by the relation's text."""
    cached = _column_cache.get(relation)
    if cached is None:
        cached = frozenset(row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall())
        if len(_column_cache) >= 4096:
            _column_cache.clear()
        _column_cache[relation] = cached
    return cached


def _as_text(value: Any) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def read_rows(
    session: Session,
    code: str,
    version: int | None = None,
    filters: Mapping[str, Any] | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Rows of a version (the latest by default) as dicts, in file order; `filters` compare fields for
    equality (values compared as text, so "2023-07-12" matches a date). Callers authorise: this is the
    data itself."""
    path = _data_path(get_version(session, code, version))
    relation = f"read_parquet('{lake.sql_path(path)}')"
    limit = max(0, min(int(limit), MAX_READ_ROWS))
    with lake.reader() as con:
        where, params = _where(con, relation, filters)
        cursor = con.execute(
            f"SELECT * FROM {relation}{where} LIMIT {limit} OFFSET {max(0, int(offset))}", params
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def copy_rows(
    session: Session,
    code: str,
    target: Path,
    columns: Sequence[tuple[str, str]],
    *,
    version: int,
    filters: Mapping[str, Any] | None = None,
) -> int:
    """Write a version's rows (filtered as in `read_rows`) to a CSV file in one DuckDB COPY. `columns` are
    (header, SQL expression over the version's fields) pairs, so a caller can mask inside the copy
    (`pi.mask_sql`) instead of row by row. Returns the number of rows written. Callers authorise."""
    relation = f"read_parquet('{lake.sql_path(_data_path(get_version(session, code, version)))}')"
    select_list = ", ".join(f"{expr} AS {lake.ident(header)}" for header, expr in columns)
    with lake.staging() as scratch:
        con = lake.connect(scratch / "duckdb")
        try:
            where, params = _where(con, relation, filters)
            row = con.execute(
                f"COPY (SELECT {select_list} FROM {relation}{where}) "
                f"TO '{lake.sql_path(target)}' (FORMAT CSV, HEADER true)",
                params,
            ).fetchone()
        finally:
            con.close()
    return int(row[0]) if row else 0


def iter_distinct(
    session: Session,
    code: str,
    fields: Sequence[str],
    *,
    version: int,
    filters: Mapping[str, Any] | None = None,
    batch: int = 250_000,
) -> Iterator[list[str]]:
    """The distinct non-empty values found in any of `fields` of a version (filtered as in `read_rows`),
    as text, in batches, so a million identifiers never sit in memory at once."""
    relation = f"read_parquet('{lake.sql_path(_data_path(get_version(session, code, version)))}')"
    with lake.reader() as con:
        where, params = _where(con, relation, filters)
        for name in fields:
            if name not in _columns(con, relation):
                raise field_error(name, "没有这个信息项")
        values = " UNION ".join(
            f"SELECT CAST({lake.ident(name)} AS VARCHAR) AS v FROM {relation}{where}" for name in fields
        )
        cursor = con.execute(
            f"SELECT DISTINCT v FROM ({values}) WHERE v IS NOT NULL AND v <> ''", params * len(fields)
        )
        while chunk := cursor.fetchmany(batch):
            yield [value for (value,) in chunk]


def count_rows(
    session: Session, code: str, version: int | None = None, filters: Mapping[str, Any] | None = None
) -> int:
    path = _data_path(get_version(session, code, version))
    relation = f"read_parquet('{lake.sql_path(path)}')"
    with lake.reader() as con:
        where, params = _where(con, relation, filters)
        row = con.execute(f"SELECT count(*) FROM {relation}{where}", params).fetchone()
        return int(row[0]) if row else 0


@dataclass(frozen=True)
class RejectedRow:
    row: int
    values: dict[str, Any]
    errors: list[dict[str, str]]


def read_rejects(
    session: Session, actor: Actor | None, code: str, number: int, *, limit: int = 100, offset: int = 0
) -> tuple[int, list[RejectedRow]]:
    """Rejected rows of a version with their reasons (total, page). Only the provider's data officers
    and the operator may look: rejected rows are the department's data too."""
    version = get_version(session, code, number)
    require_view(actor, version.department_id)
    path = _data_path(version, lake.REJECTS_FILE)
    relation = f"read_parquet('{lake.sql_path(path)}')"
    with lake.reader() as con:
        total_row = con.execute(f"SELECT count(*) FROM {relation}").fetchone()
        cursor = con.execute(
            f"SELECT * FROM {relation} ORDER BY _row LIMIT {max(0, min(limit, 1000))} OFFSET {max(0, offset)}"
        )
        names = [d[0] for d in cursor.description]
        rows = []
        for values in cursor.fetchall():
            record = dict(zip(names, values, strict=True))
            errors = record.pop("_errors") or []
            rows.append(RejectedRow(row=int(record.pop("_row")), values=record, errors=list(errors)))
        return (int(total_row[0]) if total_row else 0), rows


# ---------------------------------------------------------------- corrections (异议更正)


def apply_correction(
    session: Session,
    actor: Actor | None,
    code: str,
    key_values: Mapping[str, Any],
    changes: Mapping[str, Any],
    reason: str,
) -> DatasetVersion:
    """Correct one record: the current row (found by its key), with `changes` applied, is loaded as an
    incremental version — validated like any load, all or nothing. Returns the new version (the latest
    one if the values were already so)."""
    spec = catalog.published_spec(session, code)
    _authorise(actor, spec)
    if not spec.key_fields:
        raise ValidationFailed(f"数据资源「{code}」没有主键，无法按记录更正", code="no_key")
    missing = [k for k in spec.key_fields if k not in key_values or key_values[k] in (None, "")]
    if missing:
        raise field_error(missing[0], "更正需要提供完整的主键")
    names = {f.name for f in spec.fields}
    for name in changes:
        if name not in names:
            raise field_error(name, "没有这个信息项")
        if name in spec.key_fields:
            raise field_error(name, "不能更正主键信息项（请重新加载该记录）")
    if not (reason or "").strip():
        raise field_error("reason", "请填写更正原因")
    current = read_rows(session, code, filters={k: key_values[k] for k in spec.key_fields}, limit=2)
    if not current:
        raise NotFound("找不到主键对应的记录", code="record_not_found")
    record = {
        f.name: _as_text(current[0].get(f.name)) if current[0].get(f.name) is not None else ""
        for f in spec.fields
    }
    record.update({name: "" if value is None else _as_text(value) for name, value in changes.items()})
    with lake.staging() as scratch:
        source = scratch / "correction.jsonl"
        source.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
        summary = _load(
            session,
            actor,
            spec,
            lambda s: readers.open_source(source, spec, s, "jsonl"),
            source_kind="correction",
            source_name="异议更正",
            source_sm3=lake.sm3_file(source),
            mode=LoadMode.CORRECTION,
            mapping=None,
            progress=None,
            note=reason.strip()[:2000],
            all_or_nothing=True,
        )
    assert summary.version is not None
    return summary.version


def _rejected_correction(reasons: Sequence[ReasonCount], spec: ResourceSpec) -> ValidationFailed:
    labels = {f.name: f.label for f in spec.fields}
    details = [{"field": r.field, "message": f"{labels.get(r.field, r.field)}：{r.reason}"} for r in reasons]
    return ValidationFailed(
        "更正后的记录未通过校验：" + "；".join(d["message"] for d in details),
        code="correction_invalid",
        details=details,
    )


# ---------------------------------------------------------------- lake housekeeping


@dataclass(frozen=True)
class LakeProblem:
    code: str
    number: int | None
    problem: str
    fatal: bool = True


def verify_lake(session: Session) -> tuple[int, list[LakeProblem]]:
    """Check every published (not pruned) version: files present, SM3 as recorded, row counts as
    recorded. Also lists directories no version owns (left by a crash; prune removes them)."""
    versions = list(session.scalars(select(DatasetVersion).where(DatasetVersion.pruned_at.is_(None))))
    problems: list[LakeProblem] = []
    con = lake.connect()
    try:
        for v in versions:
            problems += _verify_version(con, v)
    finally:
        con.close()
    owned = {lake.absolute(v.path).resolve() for v in session.scalars(select(DatasetVersion))}
    for orphan in _orphans(owned):
        problems.append(
            LakeProblem(orphan.parent.name, None, f"目录 {orphan.name} 不属于任何数据版本", fatal=False)
        )
    return len(versions), problems


def _verify_version(con: duckdb.DuckDBPyConnection, v: DatasetVersion) -> list[LakeProblem]:
    out = []
    directory = lake.absolute(v.path)
    for name, expected_sm3, expected_rows, label in (
        (lake.DATA_FILE, v.data_sm3, v.row_count, "数据"),
        (lake.REJECTS_FILE, v.rejects_sm3, v.rejected, "拒收记录"),
    ):
        path = directory / name
        if not path.is_file():
            out.append(LakeProblem(v.resource_code, v.number, f"{label}文件缺失：{v.path}/{name}"))
            continue
        if lake.sm3_file(path) != expected_sm3:
            out.append(
                LakeProblem(
                    v.resource_code, v.number, f"{label}文件的SM3校验值与登记不符（文件被改动或损坏）"
                )
            )
        try:
            rows = lake.parquet_row_count(con, path)
        except duckdb.Error:
            out.append(
                LakeProblem(v.resource_code, v.number, f"{label}文件无法读取（不是有效的Parquet文件）")
            )
            continue
        if rows != expected_rows:
            out.append(
                LakeProblem(v.resource_code, v.number, f"{label}文件有{rows}行，登记为{expected_rows}行")
            )
    return out


def _orphans(owned: set[Path]) -> list[Path]:
    root = lake.lake_dir()
    if not root.is_dir():
        return []
    found = []
    for resource in root.iterdir():
        if not resource.is_dir() or resource.name.startswith("."):
            continue
        for child in resource.iterdir():
            if child.is_dir() and child.resolve() not in owned:
                found.append(child)
    return found


@dataclass
class PruneResult:
    pruned: list[tuple[str, int]] = field(default_factory=list)
    removed_dirs: int = 0


def prune(session: Session, actor: Actor | None, keep: int) -> PruneResult:
    """Keep the newest `keep` versions of every resource (never fewer than one: the latest always
    stays); mark older ones pruned and delete their files once this transaction commits. Also removes
    directories no version owns and stale scratch space."""
    if actor is not None:
        require(actor, Perm.CATALOG_REVIEW)
    if keep < 1:
        raise field_error("keep", "至少保留1个版本（当前版本永不清理）")
    result = PruneResult()
    by_code: dict[str, list[DatasetVersion]] = {}
    for v in session.scalars(
        select(DatasetVersion)
        .where(DatasetVersion.pruned_at.is_(None))
        .order_by(DatasetVersion.number.desc())
    ):
        by_code.setdefault(v.resource_code, []).append(v)
    now = clock.now()
    for code, versions in sorted(by_code.items()):
        old = versions[keep:]
        if not old:
            continue
        for v in old:
            v.pruned_at = now
            _delete_after_commit(session, lake.absolute(v.path))
            result.pruned.append((code, v.number))
        ledger.append(
            session,
            action="lake.prune",
            subject=f"resource:{code}",
            payload={"versions": [v.number for v in old], "keep": keep, "latest": versions[0].number},
            actor=actor,
            actor_label=None if actor is not None else CLI_LABEL,
        )
    session.flush()
    owned = {lake.absolute(v.path).resolve() for v in session.scalars(select(DatasetVersion))}
    cutoff = time.time() - STALE_SECONDS
    for orphan in _orphans(owned):
        if orphan.stat().st_mtime < cutoff:
            _delete_after_commit(session, orphan)
            result.removed_dirs += 1
    staging = lake.lake_dir() / lake.STAGING_DIR
    if staging.is_dir():
        for child in staging.iterdir():
            if child.stat().st_mtime < cutoff:
                shutil.rmtree(child, ignore_errors=True)
                result.removed_dirs += 1
    return result


__all__ = [
    "HeaderMapping",
    "LoadSummary",
    "apply_correction",
    "count_rows",
    "get_version",
    "latest_version",
    "list_versions",
    "load",
    "prune",
    "pull",
    "read_rejects",
    "read_rows",
    "verify_lake",
]
