"""JSON shapes of the quality API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from shuzheng.quality.scoring import LABELS, WEIGHTS
from shuzheng.quality.service import DepartmentQuality, ResourceQuality


class TrendOut(BaseModel):
    version: int
    mode: str
    loaded_at: dt.datetime
    score: float
    rows_read: int
    rejected: int


class ResourceQualityOut(BaseModel):
    code: str
    name: str
    department_id: int
    department_name: str
    update_cycle: str
    version: int | None
    score: float | None
    grade: str
    dimensions: dict[str, float]
    weights: dict[str, float]
    labels: dict[str, str]
    age_days: float | None
    overdue: bool
    fields: list[dict[str, Any]]
    reasons: list[dict[str, Any]]
    trend: list[TrendOut]

    @classmethod
    def of(cls, q: ResourceQuality, *, detail: bool = True) -> ResourceQualityOut:
        return cls(
            code=q.code,
            name=q.name,
            department_id=q.department_id,
            department_name=q.department_name,
            update_cycle=q.update_cycle,
            version=q.version.number if q.version else None,
            score=q.score,
            grade=q.grade,
            dimensions={k: round(v, 4) for k, v in q.dimensions.items()},
            weights=WEIGHTS,
            labels=LABELS,
            age_days=q.age_days,
            overdue=q.overdue,
            fields=q.fields if detail else [],
            reasons=q.reasons[:50] if detail else q.reasons[:3],
            trend=[TrendOut(**t.__dict__) for t in q.trend] if detail else [],
        )


class DepartmentQualityOut(BaseModel):
    rank: int
    department_id: int
    department_name: str
    resources: int
    loaded: int
    overdue: int
    problems: int
    score: float | None

    @classmethod
    def of(cls, d: DepartmentQuality) -> DepartmentQualityOut:
        return cls(**d.to_dict())
