"""JSON shapes of the ingest API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from shuzheng.ingest.models import DatasetVersion
from shuzheng.ingest.pipeline import ReasonCount
from shuzheng.ingest.service import LoadSummary, RejectedRow


class ReasonOut(BaseModel):
    field: str
    category: str
    reason: str
    count: int
    sample_rows: list[int]

    @classmethod
    def of(cls, r: ReasonCount | Any) -> ReasonOut:
        return cls(
            field=r.field,
            category=r.category,
            reason=r.reason,
            count=r.count,
            sample_rows=list(r.sample_rows),
        )


class VersionOut(BaseModel):
    number: int
    mode: str
    mode_label: str
    spec_version: int
    base_version: int | None
    rows_read: int
    accepted: int
    rejected: int
    row_count: int
    inserted: int
    updated: int
    data_sm3: str
    source_kind: str
    source_name: str
    source_sm3: str
    encoding: str | None
    loaded_by: str
    loaded_at: dt.datetime
    pruned: bool
    note: str | None
    reasons: list[ReasonOut]

    @classmethod
    def of(cls, v: DatasetVersion) -> VersionOut:
        return cls(
            number=v.number,
            mode=v.mode,
            mode_label=v.mode_label,
            spec_version=v.spec_version,
            base_version=v.base_version,
            rows_read=v.rows_read,
            accepted=v.accepted,
            rejected=v.rejected,
            row_count=v.row_count,
            inserted=v.inserted,
            updated=v.updated,
            data_sm3=v.data_sm3,
            source_kind=v.source_kind,
            source_name=v.source_name,
            source_sm3=v.source_sm3,
            encoding=v.encoding,
            loaded_by=v.loaded_by_label,
            loaded_at=v.loaded_at,
            pruned=v.pruned_at is not None,
            note=v.note,
            reasons=[ReasonOut.of(r) for r in v.reasons],
        )


class LoadOut(BaseModel):
    code: str
    name: str
    unchanged: bool
    message: str
    version: VersionOut | None
    rows_read: int
    accepted: int
    rejected: int
    inserted: int
    updated: int
    row_count: int
    reasons: list[ReasonOut]
    notes: list[str]
    quality_score: float | None
    quality: dict[str, float]

    @classmethod
    def of(cls, s: LoadSummary) -> LoadOut:
        if s.unchanged:
            message = f"未变化，没有生成新版本：{s.unchanged_reason}"
        else:
            number = s.version.number if s.version else "?"
            message = f"已生成第{number}版：读取{s.rows_read}行，通过{s.accepted}行，拒收{s.rejected}行"
        return cls(
            code=s.code,
            name=s.name,
            unchanged=s.unchanged,
            message=message,
            version=VersionOut.of(s.version) if s.version is not None else None,
            rows_read=s.rows_read,
            accepted=s.accepted,
            rejected=s.rejected,
            inserted=s.inserted,
            updated=s.updated,
            row_count=s.row_count,
            reasons=[ReasonOut.of(r) for r in s.reasons],
            notes=s.notes,
            quality_score=s.score,
            quality=s.dimensions,
        )


class RejectedRowOut(BaseModel):
    row: int
    values: dict[str, Any]
    errors: list[dict[str, str]]

    @classmethod
    def of(cls, r: RejectedRow) -> RejectedRowOut:
        return cls(row=r.row, values={k: _plain(v) for k, v in r.values.items()}, errors=r.errors)


class RejectsPage(BaseModel):
    total: int
    offset: int
    items: list[RejectedRowOut]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if value is not None and not isinstance(value, str | int | float | bool):
        return str(value)
    return value
