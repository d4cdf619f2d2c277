"""Ingest test helpers: specs built by hand (the engine needs no database), files in every format,
and a way to run the engine alone."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from shuzheng.catalog.spec import (
    CrossFieldRule,
    DataType,
    FieldSpec,
    IdentifierKind,
    OpenType,
    ResourceSpec,
    ShareType,
    UpdateCycle,
)
from shuzheng.ingest import lake, pipeline, readers
from shuzheng.ingest.headers import map_headers
from shuzheng.kit.identifiers import make_id_number, make_uscc

HEADER = ["身份证号", "姓名", "性别", "出生日期", "户籍地址"]


def person_spec(**overrides: Any) -> ResourceSpec:
    fields = (
        FieldSpec(
            "id_number",
            "身份证号",
            DataType.STRING,
            required=True,
            is_key=True,
            identifier=IdentifierKind.ID_NUMBER,
        ),
        FieldSpec("name", "姓名", DataType.STRING, required=True, max_length=20, to_simplified=True),
        FieldSpec("sex", "性别", DataType.STRING, code_list=("1", "2", "9")),
        FieldSpec("birth_date", "出生日期", DataType.DATE, required=True, min_value=dt.date(1900, 1, 1)),
        FieldSpec("address", "户籍地址", DataType.STRING, max_length=100, to_simplified=True),
    )
    values: dict[str, Any] = {
        "id": 1,
        "code": "101001001-test-00001",
        "name": "人口基础信息",
        "provider_department_id": 1,
        "update_cycle": UpdateCycle.DAILY,
        "share_type": ShareType.CONDITIONAL,
        "open_type": OpenType.NONE,
        "fields": fields,
        "rules": (
            CrossFieldRule(
                "id_number_birth_date", ("id_number", "birth_date"), "身份证号中的出生日期与出生日期不一致"
            ),
        ),
    }
    values.update(overrides)
    return ResourceSpec(**values)


def typed_spec() -> ResourceSpec:
    """Every data type and identifier kind, for the normalisation tests."""
    return person_spec(
        code="900001001-test-00002",
        fields=(
            FieldSpec("code", "编码", DataType.STRING, required=True, is_key=True),
            FieldSpec("day", "日期", DataType.DATE),
            FieldSpec("at", "时间", DataType.DATETIME),
            FieldSpec("count", "数量", DataType.INTEGER, min_value=Decimal(0), max_value=Decimal(1000)),
            FieldSpec("amount", "金额", DataType.DECIMAL, min_value=Decimal(0)),
            FieldSpec("flag", "是否有效", DataType.BOOLEAN),
            FieldSpec("uscc", "统一社会信用代码", DataType.STRING, identifier=IdentifierKind.USCC),
            FieldSpec("phone", "手机号", DataType.STRING, identifier=IdentifierKind.PHONE),
            FieldSpec("adcode", "行政区划代码", DataType.STRING, identifier=IdentifierKind.ADCODE),
            FieldSpec("text", "备注", DataType.STRING, max_length=10),
            FieldSpec("plate", "车牌", DataType.STRING, pattern=r"[A-Z]\d{5}"),
        ),
        rules=(),
    )


def person_id(n: int, birth: dt.date = dt.date(1990, 5, 17)) -> str:
    return make_id_number("370802", birth, n)


def uscc(n: int) -> str:
    return make_uscc("91", "370800", f"MA{n:06d}")


def people(count: int, start: int = 1) -> list[list[str]]:
    """Valid 人口 rows."""
    rows = []
    for n in range(start, start + count):
        birth = dt.date(1985, 1, 1) + dt.timedelta(days=n * 7)  # 370802 existed 1983–2013
        rows.append(
            [make_id_number("370802", birth, n), f"居民{n}", "12"[n % 2], birth.isoformat(), f"东城区{n}号"]
        )
    return rows


def write_csv(
    path: Path, rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER, encoding: str = "utf-8"
) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@dataclass
class EngineRun:
    result: pipeline.BuildResult
    data: list[dict[str, Any]]
    rejects: list[dict[str, Any]]
    raw: readers.RawSource

    def reasons(self) -> dict[tuple[str, str], int]:
        return {(r.field, r.reason): r.count for r in self.result.reasons}

    def rejected_rows(self) -> dict[int, list[str]]:
        return {r["_row"]: [e["reason"] for e in r["_errors"]] for r in self.rejects}


def run_engine(
    tmp_path: Path,
    spec: ResourceSpec,
    path: Path,
    *,
    kind: str | None = None,
    mapping: dict[str, str] | None = None,
    previous: Path | None = None,
    incremental: bool = False,
) -> EngineRun:
    """The pipeline alone, without the database: read, check, route, into tmp_path/out."""
    out = tmp_path / f"out-{path.stem}"
    scratch = tmp_path / f"scratch-{path.stem}"
    out.mkdir(exist_ok=True)
    scratch.mkdir(exist_ok=True)
    raw = readers.open_source(path, spec, scratch, kind)
    build = pipeline.Build(
        spec,
        raw,
        map_headers(raw.headers, spec, mapping),
        out,
        scratch,
        previous=previous,
        incremental=incremental,
        today=dt.date(2026, 11, 22),
    )
    con = lake.connect(scratch / "duck")
    try:
        result = pipeline.run(con, build)
        data = _rows(con, out / lake.DATA_FILE)
        rejects = _rows(con, out / lake.REJECTS_FILE)
    finally:
        con.close()
    return EngineRun(result, data, rejects, raw)


def _rows(con: Any, path: Path) -> list[dict[str, Any]]:
    cursor = con.execute(f"SELECT * FROM read_parquet('{lake.sql_path(path)}')")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
