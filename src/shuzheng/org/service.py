"""Regions and departments: lookups, the department tree, and maintenance by the operator."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shuzheng.errors import Conflict, NotFound, field_error
from shuzheng.kit.identifiers import validate_uscc
from shuzheng.org.models import DEPARTMENT_KIND_LABELS, Department, DepartmentKind, Region, RegionLevel
from shuzheng.security.roles import Actor, Perm, require


def get_department(session: Session, department_id: int) -> Department:
    dept = session.get(Department, department_id)
    if dept is None:
        raise NotFound(f"部门不存在：{department_id}")
    return dept


def department_by_code(session: Session, code: str) -> Department:
    dept = session.scalar(select(Department).where(Department.code == code))
    if dept is None:
        raise NotFound(f"部门不存在：{code}")
    return dept


def list_departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.id)))


def subtree_ids(session: Session, department_id: int) -> frozenset[int]:
    """The department and every department below it (the scope of its staff)."""
    children: dict[int | None, list[int]] = {}
    for dept_id, parent_id in session.execute(select(Department.id, Department.parent_id)):
        children.setdefault(parent_id, []).append(dept_id)
    found, stack = set(), [department_id]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(children.get(current, []))
    return frozenset(found)


@dataclass(frozen=True)
class DepartmentInput:
    code: str
    name: str
    short_name: str
    kind: DepartmentKind
    region_code: str
    uscc: str | None = None
    parent_code: str | None = None


def create_department(session: Session, actor: Actor | None, data: DepartmentInput) -> Department:
    """Create a department. `actor=None` is reserved for the bootstrap (demo loader, first operator)."""
    if actor is not None:
        require(actor, Perm.ORG_MANAGE)
    if data.kind not in DEPARTMENT_KIND_LABELS:
        raise field_error("kind", "部门类型应为：市政府、委办局、区县政府、乡镇街道、事业单位之一")
    if session.get(Region, data.region_code) is None:
        raise field_error("region_code", f"行政区划代码不存在：{data.region_code}")
    uscc = validate_uscc(data.uscc) if data.uscc else None
    if session.scalar(select(Department.id).where(Department.name == data.name)):
        raise Conflict(f"部门名称已存在：{data.name}")
    if session.scalar(select(Department.id).where(Department.code == data.code)):
        raise Conflict(f"部门编码已存在：{data.code}")
    if uscc and session.scalar(select(Department.id).where(Department.uscc == uscc)):
        raise Conflict(f"统一社会信用代码已被其他部门使用：{uscc}")
    parent_id = department_by_code(session, data.parent_code).id if data.parent_code else None
    dept = Department(
        code=data.code,
        name=data.name,
        short_name=data.short_name,
        kind=data.kind.value,
        region_code=data.region_code,
        uscc=uscc,
        parent_id=parent_id,
    )
    session.add(dept)
    session.flush()
    return dept


def get_region(session: Session, code: str) -> Region:
    region = session.get(Region, code)
    if region is None:
        raise NotFound(f"行政区划不存在：{code}")
    return region


def region_children(session: Session, code: str) -> list[Region]:
    return list(session.scalars(select(Region).where(Region.parent_code == code).order_by(Region.code)))


def upsert_regions(session: Session, rows: Iterable[tuple[str, str, RegionLevel, str | None, bool]]) -> int:
    """Insert regions that are not there yet (code, name, level, parent, official). Returns how many were new.
    Parents must come before children."""
    existing = set(session.scalars(select(Region.code)))
    added = 0
    for code, name, level, parent, official in rows:
        if code in existing:
            continue
        session.add(Region(code=code, name=name, level=level.value, parent_code=parent, official=official))
        existing.add(code)
        added += 1
    session.flush()
    return added
