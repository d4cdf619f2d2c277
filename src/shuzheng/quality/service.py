"""Data quality: a report per load (recorded by ingest in the same transaction), the quality of a
resource now, its trend, the department ranking and the list of problem data.

A resource's quality is that of the data now in the lake: the loads since (and including) the latest
full load, weighted by their rows; timeliness is measured against the update cycle at the moment of
asking (shuzheng.kit.clock). Scoring is in scoring.py.

Who may look: the platform operator (审核目录) and leaders (驾驶舱) see every department; a
department's data officers (汇聚数据) see their own department's resources.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shuzheng.catalog import service as catalog
from shuzheng.catalog.spec import UPDATE_CYCLE_DAYS, ResourceSpec
from shuzheng.errors import PermissionDenied
from shuzheng.ingest import service as ingest
from shuzheng.ingest.models import DatasetVersion, LoadMode
from shuzheng.ingest.pipeline import BuildResult
from shuzheng.ingest.validate import CONSISTENCY, UNIQUENESS, VALIDITY
from shuzheng.kit import clock
from shuzheng.org import service as org
from shuzheng.quality import scoring
from shuzheng.quality.models import QualityReport
from shuzheng.security.roles import Actor, Perm, require

PROBLEM_SCORE = scoring.FAIR


# ---------------------------------------------------------------- per load (called by ingest)


def record_load(
    session: Session,
    version: DatasetVersion,
    spec: ResourceSpec,
    result: BuildResult,
    previous_loaded_at: dt.datetime | None,
) -> QualityReport:
    rows = result.rows_read
    failing = result.rows_failing
    interval = (version.loaded_at - previous_loaded_at).total_seconds() / 86400 if previous_loaded_at else 0.0
    dims = scoring.Dimensions(
        completeness=scoring.completeness(rows, result.filled),
        validity=scoring.share_ok(rows, failing.get(VALIDITY, 0)),
        uniqueness=scoring.share_ok(rows, failing.get(UNIQUENESS, 0)) if spec.key_fields else 1.0,
        consistency=scoring.share_ok(rows, failing.get(CONSISTENCY, 0)) if spec.rules else 1.0,
        timeliness=scoring.timeliness(interval, UPDATE_CYCLE_DAYS[spec.update_cycle]),
    )
    labels = {f.name: f.label for f in spec.fields}
    invalid: dict[str, int] = {}
    for r in result.reasons:
        if r.category == VALIDITY:
            invalid[r.field] = invalid.get(r.field, 0) + r.count
    report = QualityReport(
        version_id=version.id,
        resource_id=spec.id,
        resource_code=spec.code,
        department_id=spec.provider_department_id,
        rows_read=rows,
        score=dims.score,
        breakdown={
            "fields": [
                {
                    "name": f.name,
                    "label": f.label,
                    "filled": result.filled.get(f.name, 0),
                    "invalid": invalid.get(f.name, 0),
                }
                for f in spec.fields
            ],
            "rows_failing": dict(failing),
            "reasons": [
                {
                    "field": r.field,
                    "label": "、".join(labels.get(n, n) for n in r.field.split(",")),
                    "category": r.category,
                    "reason": r.reason,
                    "count": r.count,
                }
                for r in result.reasons[:50]
            ],
            "interval_days": round(interval, 2),
        },
        created_at=clock.now(),
        **dims.as_dict(),
    )
    session.add(report)
    session.flush()
    return report


# ---------------------------------------------------------------- per resource


@dataclass
class TrendPoint:
    version: int
    mode: str
    loaded_at: dt.datetime
    score: float
    rows_read: int
    rejected: int


@dataclass
class ResourceQuality:
    code: str
    name: str
    department_id: int
    department_name: str
    update_cycle: str
    version: DatasetVersion | None
    dimensions: dict[str, float] = field(default_factory=dict)
    score: float | None = None
    age_days: float | None = None
    cycle_days: int = 0
    fields: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[dict[str, Any]] = field(default_factory=list)
    trend: list[TrendPoint] = field(default_factory=list)

    @property
    def grade(self) -> str:
        return scoring.grade(self.score) if self.score is not None else "无数据"

    @property
    def overdue(self) -> bool:
        return self.age_days is not None and self.age_days > self.cycle_days

    @property
    def rows_rejected(self) -> int:
        return sum(r["count"] for r in self.reasons)


def can_view_all(actor: Actor | None) -> bool:
    return actor is not None and (actor.can(Perm.CATALOG_REVIEW) or actor.can(Perm.DASHBOARD_VIEW))


def require_view(actor: Actor | None, department_id: int | None = None) -> Actor:
    if can_view_all(actor):
        assert actor is not None
        return actor
    if department_id is None:
        raise PermissionDenied(
            "没有权限：查看全市数据质量", details={"permission": Perm.CATALOG_REVIEW.value}
        )
    return require(actor, Perm.DATA_LOAD, department=department_id)


def resource_quality(session: Session, actor: Actor | None, code: str) -> ResourceQuality:
    spec = catalog.published_spec(session, code)
    require_view(actor, spec.provider_department_id)
    return _resource_quality(session, spec, _department_names(session))


def _resource_quality(session: Session, spec: ResourceSpec, departments: dict[int, str]) -> ResourceQuality:
    versions = [v for v in ingest.list_versions(session, spec.code)]
    reports = _reports_by_version(session, [v.id for v in versions])
    cycle = UPDATE_CYCLE_DAYS[spec.update_cycle]
    quality = ResourceQuality(
        code=spec.code,
        name=spec.name,
        department_id=spec.provider_department_id,
        department_name=departments.get(spec.provider_department_id, ""),
        update_cycle=spec.update_cycle.value,
        version=next((v for v in versions if v.pruned_at is None), None),
        cycle_days=cycle,
    )
    quality.trend = [
        TrendPoint(v.number, v.mode, v.loaded_at, reports[v.id].score, v.rows_read, v.rejected)
        for v in reversed(versions)
        if v.id in reports
    ]
    current = _current_loads(versions)
    current_reports = [reports[v.id] for v in current if v.id in reports]
    if quality.version is None or not current_reports:
        return quality
    quality.age_days = round((clock.now() - quality.version.loaded_at).total_seconds() / 86400, 2)
    quality.dimensions = _weighted(current_reports)
    quality.dimensions["timeliness"] = scoring.timeliness(quality.age_days, cycle)
    quality.score = scoring.score(quality.dimensions)
    quality.fields, quality.reasons = _merge_breakdowns(current_reports)
    return quality


def _current_loads(versions: list[DatasetVersion]) -> list[DatasetVersion]:
    """The loads that made the current data: the latest full load and the incremental ones after it."""
    out = []
    for v in versions:  # newest first
        if v.pruned_at is not None:
            continue
        out.append(v)
        if v.mode == LoadMode.FULL.value:
            break
    return out


def _weighted(reports: list[QualityReport]) -> dict[str, float]:
    total = sum(r.rows_read for r in reports) or 1
    return {
        name: sum(getattr(r, name) * r.rows_read for r in reports) / total
        for name in ("completeness", "validity", "uniqueness", "consistency")
    }


def _merge_breakdowns(reports: list[QualityReport]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    fields: dict[str, dict[str, Any]] = {}
    reasons: dict[tuple[str, str, str], dict[str, Any]] = {}
    rows = sum(r.rows_read for r in reports) or 1
    for report in reports:
        for f in report.breakdown.get("fields", []):
            entry = fields.setdefault(
                f["name"], {"name": f["name"], "label": f["label"], "filled": 0, "invalid": 0}
            )
            entry["filled"] += f["filled"]
            entry["invalid"] += f["invalid"]
        for r in report.breakdown.get("reasons", []):
            key = (r["field"], r["category"], r["reason"])
            entry = reasons.setdefault(key, {**r, "count": 0})
            entry["count"] += r["count"]
    for entry in fields.values():
        entry["completeness"] = round(min(entry["filled"] / rows, 1.0), 4)
        entry["validity"] = round(1 - min(entry["invalid"] / rows, 1.0), 4)
    return list(fields.values()), sorted(reasons.values(), key=lambda r: -r["count"])


def _reports_by_version(session: Session, version_ids: Iterable[int]) -> dict[int, QualityReport]:
    ids = list(version_ids)
    if not ids:
        return {}
    return {
        r.version_id: r
        for r in session.scalars(select(QualityReport).where(QualityReport.version_id.in_(ids)))
    }


def report_for(session: Session, version_id: int) -> QualityReport | None:
    return session.scalar(select(QualityReport).where(QualityReport.version_id == version_id))


def _department_names(session: Session) -> dict[int, str]:
    return {d.id: d.name for d in org.list_departments(session)}


# ---------------------------------------------------------------- departments and problems


@dataclass
class DepartmentQuality:
    department_id: int
    department_name: str
    resources: int = 0
    loaded: int = 0
    overdue: int = 0
    problems: int = 0
    scores: list[float] = field(default_factory=list)
    rank: int = 0

    @property
    def score(self) -> float | None:
        return round(sum(self.scores) / len(self.scores), 1) if self.scores else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "department_id": self.department_id,
            "department_name": self.department_name,
            "resources": self.resources,
            "loaded": self.loaded,
            "overdue": self.overdue,
            "problems": self.problems,
            "score": self.score,
        }


def overview(
    session: Session, actor: Actor | None, department_id: int | None = None
) -> tuple[list[DepartmentQuality], list[ResourceQuality]]:
    """Every published resource's quality now, grouped by department and ranked (best first;
    departments without data last). With `department_id`, only that department (its officers may ask)."""
    require_view(actor, department_id)
    departments = _department_names(session)
    specs = [
        s
        for s in catalog.published_specs(session)
        if department_id is None or s.provider_department_id == department_id
    ]
    qualities = [_resource_quality(session, s, departments) for s in specs]
    ranking: dict[int, DepartmentQuality] = {}
    for q in qualities:
        d = ranking.setdefault(q.department_id, DepartmentQuality(q.department_id, q.department_name))
        d.resources += 1
        if q.score is not None:
            d.loaded += 1
            d.scores.append(q.score)
        d.overdue += int(q.overdue)
        d.problems += int(is_problem(q))
    ordered = sorted(ranking.values(), key=lambda d: (d.score is None, -(d.score or 0), d.department_name))
    for i, d in enumerate(ordered, start=1):
        d.rank = i
    return ordered, qualities


def is_problem(q: ResourceQuality) -> bool:
    return q.score is None or q.score < PROBLEM_SCORE or q.overdue or q.rows_rejected > 0


def problems(qualities: list[ResourceQuality]) -> list[ResourceQuality]:
    """Problem data first: never loaded, then lowest score."""
    flagged = [q for q in qualities if is_problem(q)]
    return sorted(flagged, key=lambda q: (q.score is not None, q.score or 0, -q.rows_rejected))
