"""Open data: which datasets are public, what of them is public, and reading them from the lake.

A dataset is public when its catalog resource is published with open type 无条件开放; of it only the
fields whose own open type is 无条件开放 are public (a field's openness is the stricter of its own and
its resource's). Every read here goes through DuckDB over the version's Parquet file with bound
parameters and selects the open fields only — nothing else can leave through this module.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shuzheng.catalog import snapshots
from shuzheng.catalog.models import CATALOG_TYPE_LABELS, THEMES, CatalogResource, CatalogRevision
from shuzheng.catalog.spec import DataType, FieldSpec, OpenType, ResourceSpec
from shuzheng.errors import (
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    field_error,
)
from shuzheng.ingest import lake
from shuzheng.ingest.models import DatasetVersion
from shuzheng.kit import clock
from shuzheng.kit.ids import token
from shuzheng.ledger import service as ledger
from shuzheng.opendata.models import ApiKey, UsageCounter
from shuzheng.org.models import Department
from shuzheng.security.crypto.sm3 import sm3_hex
from shuzheng.security.roles import Actor, Perm, require

FORMATS = ("csv", "json", "parquet")
ANONYMOUS_LIMIT = 100  # datastore_search rows per call without an API key
KEY_LIMIT = 10_000  # … and with one
PREVIEW_ROWS = 20


class OpenDataSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHUZHENG_OPENDATA_", extra="ignore")

    min_group: int = 10  # k of 可用不可见: smallest group an aggregate may show (never below 10)
    approval_days: int = 365  # how long an approved application lasts at most (and by default)


def min_group() -> int:
    return max(10, OpenDataSettings().min_group)


def approval_days() -> int:
    return max(1, OpenDataSettings().approval_days)


def slug(text: str) -> str:
    """CKAN names are lowercase ASCII, digits, '-' and '_'."""
    return re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-") or "x"


@dataclass(frozen=True)
class Distribution:
    id: str
    version: int
    row_count: int
    loaded_at: dt.datetime
    path: str  # relative to the lake


@dataclass(frozen=True)
class Organization:
    id: int
    name: str
    title: str
    created: dt.datetime


@dataclass(frozen=True)
class OpenDataset:
    name: str
    code: str
    title: str
    notes: str
    spec: ResourceSpec
    organization: Organization
    tags: tuple[str, ...]
    theme: str | None
    published_at: dt.datetime | None
    fields: tuple[FieldSpec, ...]  # the open ones, in catalog order
    distributions: tuple[Distribution, ...] = field(default_factory=tuple)  # newest first

    @property
    def modified(self) -> dt.datetime | None:
        return self.distributions[0].loaded_at if self.distributions else self.published_at

    @property
    def latest(self) -> Distribution | None:
        return self.distributions[0] if self.distributions else None


def open_fields(spec: ResourceSpec) -> tuple[FieldSpec, ...]:
    if spec.open_type != OpenType.UNCONDITIONAL:
        return ()
    return tuple(f for f in spec.fields if f.open_type == OpenType.UNCONDITIONAL)


def organization_of(dept: Department) -> Organization:
    return Organization(id=dept.id, name=slug(dept.code), title=dept.name, created=dept.created_at)


def organizations(session: Session) -> list[Organization]:
    depts = session.scalars(select(Department).where(Department.active.is_(True)).order_by(Department.code))
    return [organization_of(d) for d in depts]


def _published(
    session: Session, open_types: Sequence[str]
) -> Iterator[tuple[CatalogResource, dict[str, Any]]]:
    query = (
        select(CatalogResource, CatalogRevision.snapshot)
        .join(
            CatalogRevision,
            (CatalogRevision.resource_id == CatalogResource.id)
            & (CatalogRevision.number == CatalogResource.published_version),
        )
        .where(CatalogResource.status == "published", CatalogResource.open_type.in_(list(open_types)))
        .order_by(CatalogResource.code)
    )
    for resource, snap in session.execute(query):
        if snap is not None:
            yield resource, snap


def _distributions(session: Session, codes: Sequence[str]) -> dict[str, list[Distribution]]:
    found: dict[str, list[Distribution]] = {c: [] for c in codes}
    if not codes:
        return found
    rows = session.scalars(
        select(DatasetVersion)
        .where(DatasetVersion.resource_code.in_(list(codes)), DatasetVersion.pruned_at.is_(None))
        .order_by(DatasetVersion.resource_code, DatasetVersion.number.desc())
    )
    for v in rows:
        found[v.resource_code].append(
            Distribution(
                id=f"{slug(v.resource_code)}-v{v.number}",
                version=v.number,
                row_count=v.row_count,
                loaded_at=v.loaded_at,
                path=v.path,
            )
        )
    return found


def open_datasets(session: Session) -> list[OpenDataset]:
    """Every public dataset, by code."""
    published = list(_published(session, [OpenType.UNCONDITIONAL.value]))
    depts = {d.id: d for d in session.scalars(select(Department))}
    dists = _distributions(session, [r.code for r, _ in published])
    datasets = []
    for resource, snap in published:
        spec = snapshots.to_spec(resource.id, snap)
        theme = snap.get("theme")
        type_labels = {str(k.value): v for k, v in CATALOG_TYPE_LABELS.items()}
        tags = tuple(
            t for t in (THEMES.get(theme or ""), type_labels.get(str(snap.get("catalog_type")))) if t
        )
        datasets.append(
            OpenDataset(
                name=slug(resource.code),
                code=resource.code,
                title=resource.name,
                notes=snap.get("summary") or "",
                spec=spec,
                organization=organization_of(depts[resource.provider_department_id]),
                tags=tags,
                theme=theme,
                published_at=resource.published_at,
                fields=open_fields(spec),
                distributions=tuple(dists[resource.code]),
            )
        )
    return datasets


@dataclass(frozen=True)
class ConditionalDataset:
    code: str
    title: str
    notes: str
    conditions: str
    organization: Organization


def conditional_datasets(session: Session) -> list[ConditionalDataset]:
    """Published 有条件开放 resources: listed on the portal, used only by application."""
    depts = {d.id: d for d in session.scalars(select(Department))}
    return [
        ConditionalDataset(
            code=r.code,
            title=r.name,
            notes=snap.get("summary") or "",
            conditions=snap.get("open_conditions") or "",
            organization=organization_of(depts[r.provider_department_id]),
        )
        for r, snap in _published(session, [OpenType.CONDITIONAL.value])
    ]


def find_dataset(session: Session, name_or_code: str) -> OpenDataset:
    key = str(name_or_code)
    for d in open_datasets(session):
        if key in (d.name, d.code):
            return d
    raise NotFound(f"没有名为「{key}」的开放数据集", code="dataset_not_found")


def find_distribution(session: Session, resource_id: str) -> tuple[OpenDataset, Distribution]:
    for d in open_datasets(session):
        for dist in d.distributions:
            if dist.id == resource_id:
                return d, dist
    raise NotFound(f"没有编号为「{resource_id}」的开放数据资源", code="resource_not_found")


def distribution_of(dataset: OpenDataset, version: int | None) -> Distribution:
    if not dataset.distributions:
        raise NotFound(f"开放数据集「{dataset.title}」还没有数据", code="no_data")
    if version is None:
        return dataset.distributions[0]
    for dist in dataset.distributions:
        if dist.version == version:
            return dist
    raise NotFound(f"开放数据集「{dataset.title}」没有第{version}版数据", code="version_not_found")


# ---------------------------------------------------------------- reading (DuckDB over the lake)

CKAN_TYPES = {
    DataType.STRING: "text",
    DataType.INTEGER: "int",
    DataType.DECIMAL: "numeric",
    DataType.DATE: "date",
    DataType.DATETIME: "timestamp",
    DataType.BOOLEAN: "bool",
}


def parquet_path(dist: Distribution) -> Path:
    path = lake.absolute(dist.path) / lake.DATA_FILE
    if not path.is_file():
        raise NotFound(f"第{dist.version}版的数据文件不在数据湖中", code="lake_missing")
    return path


def _relation(dist: Distribution) -> str:
    return f"read_parquet('{lake.sql_path(parquet_path(dist))}')"


@dataclass(frozen=True)
class Query:
    filters: Mapping[str, Any] = field(default_factory=dict)
    q: str | None = None
    fields: Sequence[str] | None = None
    sort: str | None = None
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True)
class Page:
    fields: list[FieldSpec]
    records: list[dict[str, Any]]
    total: int


def _select_fields(dataset: OpenDataset, wanted: Sequence[str] | None) -> list[FieldSpec]:
    by_name = {f.name: f for f in dataset.fields}
    if not wanted:
        return list(dataset.fields)
    chosen = []
    for name in wanted:
        if name not in by_name:
            raise field_error("fields", f"「{name}」不是该数据集的开放字段")
        chosen.append(by_name[name])
    return chosen


def _order_by(dataset: OpenDataset, sort: str | None) -> str:
    if not sort:
        return ""
    names = {f.name for f in dataset.fields}
    parts = []
    for item in sort.split(","):
        words = item.split()
        if not words or len(words) > 2:
            raise field_error("sort", f"无法识别的排序「{item.strip()}」")
        direction = words[1].lower() if len(words) == 2 else "asc"
        if words[0] not in names or direction not in ("asc", "desc"):
            raise field_error("sort", f"无法识别的排序「{item.strip()}」：只能按开放字段 asc/desc 排序")
        parts.append(f"{lake.ident(words[0])} {direction.upper()}")
    return " ORDER BY " + ", ".join(parts)


def _where(dataset: OpenDataset, query: Query) -> tuple[str, list[Any]]:
    names = {f.name for f in dataset.fields}
    clauses: list[str] = []
    params: list[Any] = []
    for name, value in query.filters.items():
        if name not in names:
            raise field_error("filters", f"「{name}」不是该数据集的开放字段")
        values = value if isinstance(value, list) else [value]
        if not values or any(isinstance(v, dict | list) for v in values):
            raise field_error("filters", f"「{name}」的筛选值必须是文本、数字或其列表")
        marks = ", ".join("?" for _ in values)
        clauses.append(f"CAST({lake.ident(name)} AS VARCHAR) IN ({marks})")
        params.extend(str(v).lower() if isinstance(v, bool) else str(v) for v in values)
    if query.q:
        texts = [f.name for f in dataset.fields]
        clauses.append("(" + " OR ".join(f"CAST({lake.ident(n)} AS VARCHAR) ILIKE ?" for n in texts) + ")")
        pattern = "%" + query.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params.extend(pattern for _ in texts)
    if not clauses:
        return "", []
    return " WHERE " + " AND ".join(clauses), params


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def search(dataset: OpenDataset, dist: Distribution, query: Query) -> Page:
    """Open fields of one version, filtered, searched, sorted and paged."""
    chosen = _select_fields(dataset, query.fields)
    relation = _relation(dist)
    where, params = _where(dataset, query)
    order = _order_by(dataset, query.sort)
    columns = ", ".join(lake.ident(f.name) for f in chosen)
    with lake.reader() as con:
        total_row = con.execute(f"SELECT count(*) FROM {relation}{where}", params).fetchone()
        cursor = con.execute(
            f"SELECT {columns} FROM {relation}{where}{order} LIMIT {int(query.limit)} OFFSET {int(query.offset)}",
            params,
        )
        names = [f.name for f in chosen]
        records = [{n: _json_value(v) for n, v in zip(names, row, strict=True)} for row in cursor.fetchall()]
    return Page(fields=chosen, records=records, total=int(total_row[0]) if total_row else 0)


def preview(dataset: OpenDataset) -> Page | None:
    if dataset.latest is None:
        return None
    return search(dataset, dataset.latest, Query(limit=PREVIEW_ROWS))


def export(dataset: OpenDataset, dist: Distribution, fmt: str, target: Path) -> Path:
    """Write the open fields of a version to `target` with DuckDB's COPY (CSV with a UTF-8 BOM-less
    header, JSON as an array, Parquet zstd)."""
    if fmt not in FORMATS:
        raise field_error("format", f"不支持的格式「{fmt}」，可选 csv、json、parquet")
    columns = ", ".join(lake.ident(f.name) for f in dataset.fields)
    options = {
        "csv": "(FORMAT CSV, HEADER true)",
        "json": "(FORMAT JSON, ARRAY true)",
        "parquet": "(FORMAT PARQUET, COMPRESSION zstd)",
    }[fmt]
    con = lake.connect()
    try:
        con.execute(f"COPY (SELECT {columns} FROM {_relation(dist)}) TO '{lake.sql_path(target)}' {options}")
    finally:
        con.close()
    return target


# ---------------------------------------------------------------- usage counters and API keys


def count_use(session: Session, code: str, kind: str) -> None:
    """Add one to a dataset's counter (created on first use)."""
    done = session.execute(
        update(UsageCounter)
        .where(UsageCounter.resource_code == code, UsageCounter.kind == kind)
        .values(count=UsageCounter.count + 1)
    )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        session.add(UsageCounter(resource_code=code, kind=kind, count=1))
        session.flush()


def usage(session: Session, code: str) -> dict[str, int]:
    rows = session.scalars(select(UsageCounter).where(UsageCounter.resource_code == code))
    return {r.kind: r.count for r in rows}


def _digest(raw: str) -> str:
    return sm3_hex(raw.encode())


MAX_ACTIVE_KEYS = 20  # per account: enough for every app a developer runs, few enough to audit
KEY_ACTIVE, KEY_REVOKED = "active", "revoked"
KEY_STATUS_LABELS = {KEY_ACTIVE: "有效", KEY_REVOKED: "已停用"}


def key_status(key: ApiKey) -> str:
    return KEY_REVOKED if key.revoked_at is not None else KEY_ACTIVE


def create_api_key(session: Session, actor: Actor | None, label: str) -> tuple[ApiKey, str]:
    """A new developer key for a signed-in account; the raw key is returned once and never stored.
    The creation goes to the ledger (key id and label, never the key)."""
    if actor is None:
        raise NotAuthenticated("请先登录再申请开发者密钥")
    label = (label or "").strip()
    if not label or len(label) > 64:
        raise field_error("label", "请填写 1–64 个字的用途说明")
    active = session.scalar(
        select(func.count())
        .select_from(ApiKey)
        .where(ApiKey.account_id == actor.account_id, ApiKey.revoked_at.is_(None))
    )
    if (active or 0) >= MAX_ACTIVE_KEYS:
        raise Conflict(
            f"每个账号最多保留 {MAX_ACTIVE_KEYS} 个有效密钥，请先停用不再使用的密钥", code="too_many_keys"
        )
    raw = "od_" + token(24)
    key = ApiKey(key_digest=_digest(raw), prefix=raw[:10], label=label, account_id=actor.account_id, calls=0)
    session.add(key)
    session.flush()
    ledger.append(
        session,
        action="opendata.key_create",
        subject=f"opendata_key:{key.id}",
        payload={"key": key.id, "label": label},
        actor=actor,
    )
    return key, raw


def _may_manage_all_keys(actor: Actor) -> bool:
    return actor.can(Perm.KEYS_MANAGE)


def api_keys(session: Session, actor: Actor | None, *, everyone: bool = False) -> list[ApiKey]:
    """The actor's own keys, newest first; with `everyone`, every account's (the operator only)."""
    if actor is None:
        raise NotAuthenticated("请先登录")
    query = select(ApiKey).order_by(ApiKey.id.desc())
    if everyone:
        require(actor, Perm.KEYS_MANAGE)
    else:
        query = query.where(ApiKey.account_id == actor.account_id)
    return list(session.scalars(query))


def get_api_key(session: Session, actor: Actor | None, key_id: int) -> ApiKey:
    """One key its owner (or the operator) may see; anyone else is told it does not exist."""
    if actor is None:
        raise NotAuthenticated("请先登录")
    key = session.get(ApiKey, key_id)
    if key is None or (key.account_id != actor.account_id and not _may_manage_all_keys(actor)):
        raise NotFound("没有这个开发者密钥", code="api_key_not_found")
    return key


def revoke_api_key(session: Session, actor: Actor | None, key_id: int) -> ApiKey:
    """Stop a key at once. Its owner may revoke it, and so may the operator (管理密钥) any key.
    Revoking a revoked key changes nothing and is not recorded twice."""
    key = get_api_key(session, actor, key_id)
    assert actor is not None
    if key.revoked_at is not None:
        return key
    key.revoked_at = clock.now()
    session.flush()
    ledger.append(
        session,
        action="opendata.key_revoke",
        subject=f"opendata_key:{key.id}",
        payload={
            "key": key.id,
            "label": key.label,
            "owner": key.account_id,
            "by_owner": key.account_id == actor.account_id,
        },
        actor=actor,
    )
    return key


def check_api_key(session: Session, raw: str | None) -> ApiKey | None:
    """The valid key for `raw` (its use counted), None when no key was given; a wrong or revoked key is
    an error rather than silently anonymous."""
    if not raw:
        return None
    key = session.scalar(select(ApiKey).where(ApiKey.key_digest == _digest(raw.strip())))
    if key is None or key.revoked_at is not None:
        raise PermissionDenied("开发者密钥无效或已停用", code="api_key_invalid")
    key.calls += 1
    key.last_used_at = clock.now()
    return key


def row_limit(requested: int, has_key: bool) -> tuple[int, bool]:
    """The rows a datastore_search call may return, and whether the request was capped."""
    cap = KEY_LIMIT if has_key else ANONYMOUS_LIMIT
    if requested < 0:
        raise ValidationFailed("limit 不能为负数", code="bad_limit")
    return min(requested, cap), requested > cap
