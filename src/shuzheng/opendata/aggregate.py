"""可用不可见: grouped counts and sums over conditional and personal datasets, never rows.

Every group smaller than k (SHUZHENG_OPENDATA_MIN_GROUP, at least 10) is suppressed — dropped, and
only their number told — so no answer describes fewer than k people. Grouping by identifiers, keys or
personal fields is refused (every such group would be a single person). Each query is appended to the
ledger in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from shuzheng.catalog import service as catalog
from shuzheng.catalog.spec import DataType, FieldSpec, OpenType, ResourceSpec
from shuzheng.errors import NotAuthenticated, PermissionDenied, ValidationFailed, field_error
from shuzheng.ingest import lake
from shuzheng.ingest import service as ingest
from shuzheng.ledger import service as ledger
from shuzheng.opendata import applications, service
from shuzheng.security.roles import Actor

MAX_GROUP_FIELDS = 3
NUMERIC = (DataType.INTEGER, DataType.DECIMAL)


@dataclass(frozen=True)
class AggregateResult:
    resource: str
    group_by: list[str]
    min_group: int
    groups: list[dict[str, Any]]
    suppressed_groups: int


def eligible(spec: ResourceSpec) -> bool:
    """Conditional datasets, and any dataset holding personal fields."""
    return spec.open_type == OpenType.CONDITIONAL or any(f.sensitive_pi for f in spec.fields)


def _groupable(f: FieldSpec) -> bool:
    return not (f.is_key or f.sensitive_pi or f.identifier is not None)


def _require(session: Session, actor: Actor | None, code: str) -> Actor:
    """Staff accounts may query (their work is already traced and accountable); anyone else needs an
    application for this dataset approved by its provider."""
    if actor is None:
        raise NotAuthenticated("可用不可见查询需要访问令牌")
    if not actor.is_staff and not applications.has_approved(session, actor, code):
        lapsed = applications.latest_expiry(session, actor, code)
        if lapsed is not None:
            raise PermissionDenied(
                f"您对数据资源「{code}」的使用授权已于 {lapsed.isoformat()} 到期，请重新申请",
                code="application_expired",
            )
        raise PermissionDenied(f"请先申请使用数据资源「{code}」并经提供部门批准", code="application_required")
    return actor


def _field(spec: ResourceSpec, name: str, where: str) -> FieldSpec:
    try:
        return spec.field(name)
    except KeyError:
        raise field_error(where, f"数据资源「{spec.code}」没有信息项「{name}」") from None


def run(
    session: Session,
    actor: Actor | None,
    code: str,
    group_by: Sequence[str],
    sums: Sequence[str] = (),
    purpose: str = "",
) -> AggregateResult:
    spec = catalog.published_spec(session, code)
    actor = _require(session, actor, code)
    if not eligible(spec):
        raise ValidationFailed(
            f"数据资源「{code}」不是有条件开放或含个人信息的数据集，请直接使用开放数据接口",
            code="not_eligible",
        )
    if not purpose.strip():
        raise field_error("purpose", "请写明查询用途")
    if not group_by or len(group_by) > MAX_GROUP_FIELDS:
        raise field_error("group_by", f"请选择 1–{MAX_GROUP_FIELDS} 个分组信息项")
    for name in group_by:
        if not _groupable(_field(spec, name, "group_by")):
            raise field_error("group_by", f"「{name}」是标识或个人信息，不能作为分组")
    for name in sums:
        f = _field(spec, name, "sum")
        if f.data_type not in NUMERIC or not _groupable(f):
            raise field_error("sum", f"「{name}」不是可求和的数值信息项")
    k = service.min_group()
    version = ingest.get_version(session, code)
    path = lake.absolute(version.path) / lake.DATA_FILE
    keys = ", ".join(lake.ident(n) for n in group_by)
    measures = "".join(f", sum({lake.ident(n)}) AS {lake.ident('sum_' + n)}" for n in sums)
    with lake.reader() as con:
        cursor = con.execute(
            f"SELECT {keys}, count(*) AS n{measures} FROM read_parquet(?) GROUP BY ALL ORDER BY ALL",
            [str(path)],
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    shown = [{n: service._json_value(v) for n, v in r.items()} for r in rows if r["n"] >= k]
    result = AggregateResult(code, list(group_by), k, shown, len(rows) - len(shown))
    _trace(session, actor, result, list(sums), purpose, version.number)
    return result


def _trace(
    session: Session, actor: Actor, result: AggregateResult, sums: list[str], purpose: str, version: int
) -> None:
    payload: Mapping[str, Any] = {
        "resource": result.resource,
        "version": version,
        "group_by": result.group_by,
        "sum": sums,
        "purpose": purpose.strip()[:200],
        "min_group": result.min_group,
        "groups_returned": len(result.groups),
        "groups_suppressed": result.suppressed_groups,
    }
    ledger.append(
        session,
        action="opendata.aggregate",
        subject=f"resource:{result.resource}",
        payload=payload,
        actor=actor,
    )
