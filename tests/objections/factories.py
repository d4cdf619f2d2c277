"""Objection test data: a provider department with its data officer and a published 人口-like resource,
a second department's officer, the operator, and a plain staff filer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from shuzheng.objections import service
from shuzheng.objections.models import Objection
from shuzheng.org.models import Department
from shuzheng.security.roles import Actor
from tests import factories as f
from tests.catalog import factories as cf


@dataclass
class World:
    code: str
    dept: Department
    officer: Actor
    other_dept: Department
    other_officer: Actor
    operator: Actor
    filer: Actor


def world(session: Session) -> World:
    c = cf.cast(session)
    code = cf.published(session, c)
    other = f.department(session)
    other_officer = f.actor(session, f.staff(session, "data_officer", dept=other))
    filer = f.actor(session, f.staff(session, "approver", dept=other))
    return World(code, c.dept, c.officer, other, other_officer, c.operator, filer)


def objection(session: Session, w: World, *, id_number: str | None = None, **kw: Any) -> Objection:
    data = service.ObjectionInput(
        resource_code=kw.pop("resource_code", w.code),
        record=kw.pop("record", None) or {"id_number": id_number or f.id_number()},
        evidence=kw.pop("evidence", "户口簿显示出生日期为1988年6月1日"),
        field=kw.pop("field", "birth_date"),
        claimed_value=kw.pop("claimed_value", "1988-06-11"),
        proposed_value=kw.pop("proposed_value", "1988-06-01"),
    )
    return service.file(session, kw.pop("actor", w.filer), data, kw.pop("attachment", None))
