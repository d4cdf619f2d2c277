"""Routing: which unit handles a request, from the responsibility list (权责清单) and the grid (网格).

The list maps topic × region → department; a region entry covers every region below it, and the most
specific entry wins (township over district over city). Without an entry, the grid's responsible unit
handles it (属地管理). Without either, a dispatcher decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from shuzheng.errors import Conflict, NotFound, field_error
from shuzheng.hotline import taxonomy
from shuzheng.hotline.models import Grid, Responsibility
from shuzheng.kit import clock
from shuzheng.org import regions as org_regions
from shuzheng.org import service as org
from shuzheng.org.models import Department


@dataclass(frozen=True)
class Route:
    department_id: int
    department_name: str
    basis: str  # why, for people: "权责清单：供水 · 东城区" / "网格：东华街道第一网格"


_CHAINS = "shuzheng.hotline.routing.chains"


def _region_chain(session: Session, region_code: str | None) -> list[str]:
    """The region and its ancestors, most specific first (remembered for the transaction)."""
    if not region_code:
        return []
    chains: dict[str, list[str]] = session.info.setdefault(_CHAINS, {})
    if region_code not in chains:
        try:
            chains[region_code] = [r.code for r in reversed(org_regions.region_path(session, region_code))]
        except NotFound:
            chains[region_code] = []
    return chains[region_code]


@event.listens_for(Session, "after_transaction_end")
def _forget_chains(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        forget(session)


def forget(session: Session) -> None:
    session.info.pop(_CHAINS, None)
    session.info.pop(_ROUTES, None)


_ROUTES = "shuzheng.hotline.routing.routes"


def route(
    session: Session, topic_code: str | None, region_code: str | None, grid_code: str | None = None
) -> Route | None:
    """The unit for a topic at a place (remembered for the transaction: intake routes many requests to
    the same few places, and ORM objects are only weakly held by the session)."""
    routes: dict[tuple[str | None, str | None, str | None], Route | None] = session.info.setdefault(
        _ROUTES, {}
    )
    key = (topic_code, region_code, grid_code)
    if key not in routes:
        routes[key] = _route(session, topic_code, region_code, grid_code)
    return routes[key]


def _route(
    session: Session, topic_code: str | None, region_code: str | None, grid_code: str | None
) -> Route | None:
    chain = _region_chain(session, region_code)
    if topic_code and chain:
        entries = {
            r.region_code: r
            for r in session.scalars(
                select(Responsibility).where(
                    Responsibility.topic_code == topic_code, Responsibility.region_code.in_(chain)
                )
            )
        }
        for code in chain:
            entry = entries.get(code)
            if entry is not None:
                dept = org.get_department(session, entry.department_id)
                region = org.get_region(session, code)
                return Route(
                    dept.id, dept.name, f"权责清单：{taxonomy.topic_label(topic_code)} · {region.name}"
                )
    if grid_code:
        grid = session.get(Grid, grid_code)
        if grid is not None and grid.department_id is not None:
            dept = org.get_department(session, grid.department_id)
            return Route(dept.id, dept.name, f"网格：{grid.name}（属地管理）")
    return None


# ---------------------------------------------------------------- maintaining the list


def list_responsibilities(session: Session, topic_code: str | None = None) -> list[Responsibility]:
    query = select(Responsibility).order_by(Responsibility.topic_code, Responsibility.region_code)
    if topic_code:
        query = query.where(Responsibility.topic_code == topic_code)
    return list(session.scalars(query))


def set_responsibility(
    session: Session,
    *,
    topic_code: str,
    region_code: str,
    department_id: int,
    note: str | None,
    actor_id: int | None,
) -> Responsibility:
    """Create or replace the entry for topic × region."""
    taxonomy.check_topic(topic_code)
    try:
        org.get_region(session, region_code)
    except NotFound:
        raise field_error("region_code", f"行政区划不存在：{region_code}") from None
    try:
        dept: Department = org.get_department(session, department_id)
    except NotFound:
        raise field_error("department_id", f"部门不存在：{department_id}") from None
    if not dept.active:
        raise field_error("department_id", f"部门已停用：{dept.name}")
    note = (note or "").strip() or None
    if note and len(note) > 200:
        raise field_error("note", "备注不能超过200个字")
    entry = session.scalar(
        select(Responsibility).where(
            Responsibility.topic_code == topic_code, Responsibility.region_code == region_code
        )
    )
    if entry is None:
        entry = Responsibility(topic_code=topic_code, region_code=region_code)
        session.add(entry)
    entry.department_id, entry.note = department_id, note
    entry.updated_at, entry.updated_by_id = clock.now(), actor_id
    session.flush()
    forget(session)
    return entry


def delete_responsibility(session: Session, entry_id: int) -> Responsibility:
    entry = session.get(Responsibility, entry_id)
    if entry is None:
        raise NotFound(f"权责清单条目不存在：{entry_id}")
    session.delete(entry)
    session.flush()
    forget(session)
    return entry


def set_grid(
    session: Session,
    *,
    code: str,
    name: str,
    district_code: str,
    township_code: str | None,
    department_id: int | None,
) -> Grid:
    code, name = (code or "").strip(), (name or "").strip()
    if not code or len(code) > 32 or not code.replace("-", "").replace("_", "").isalnum():
        raise field_error("code", "网格编码应为不超过32位的字母、数字、连字符")
    if not name or len(name) > 64:
        raise field_error("name", "网格名称不能为空，不超过64个字")
    for field, value in (("district_code", district_code), ("township_code", township_code)):
        if value:
            try:
                org.get_region(session, value)
            except NotFound:
                raise field_error(field, f"行政区划不存在：{value}") from None
    if township_code and not township_code.startswith(district_code[:6]):
        raise Conflict(f"街道乡镇 {township_code} 不属于区县 {district_code}")
    if department_id is not None:
        org.get_department(session, department_id)
    grid = session.get(Grid, code)
    if grid is None:
        grid = Grid(code=code)
        session.add(grid)
    grid.name, grid.district_code, grid.township_code, grid.department_id = (
        name,
        district_code,
        township_code,
        department_id,
    )
    session.flush()
    forget(session)
    return grid


def is_below(session: Session, department_id: int, ancestor_id: int) -> bool:
    """Whether `department_id` sits strictly below `ancestor_id` in the department tree."""
    return department_id != ancestor_id and department_id in org.subtree_ids(session, ancestor_id)
