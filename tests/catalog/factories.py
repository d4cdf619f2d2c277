"""Catalog test data: a department with its data officer, an operator, and a small 人口-like resource."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from shuzheng.catalog import service
from shuzheng.catalog.models import CatalogRevision
from shuzheng.catalog.validation import FieldInput, ResourceInput, RuleInput
from shuzheng.org.models import Department
from shuzheng.security.roles import Actor
from tests import factories as f


@dataclass
class Cast:
    dept: Department
    officer: Actor
    operator: Actor


def cast(session: Session) -> Cast:
    dept = f.department(session)
    officer = f.actor(session, f.staff(session, "data_officer", dept=dept))
    return Cast(dept, officer, f.admin(session))


def person_fields() -> list[FieldInput]:
    return [
        FieldInput(
            name="id_number",
            label="身份证号",
            data_type="string",
            required=True,
            is_key=True,
            level="core",
            sensitive_pi=True,
            share_type="conditional",
            identifier="id_number",
        ),
        FieldInput(name="name", label="姓名", required=True, level="important", sensitive_pi=True),
        FieldInput(name="sex", label="性别", code_list=["1", "2", "9"], description="1-男，2-女，9-未说明"),
        FieldInput(name="birth_date", label="出生日期", data_type="date", min_value="1900-01-01"),
    ]


def person(name: str = "人口基础信息", **overrides: object) -> ResourceInput:
    data = ResourceInput(
        name=name,
        summary="全市户籍人口的身份、出生和户籍信息",
        catalog_type="base",
        format="database",
        update_cycle="daily",
        source_system="人口管理信息系统",
        share_type="conditional",
        share_conditions="用于政务服务身份核验",
        share_method="api",
        open_type="none",
        fields=person_fields(),
        rules=[RuleInput(kind="id_number_birth_date", fields=["id_number", "birth_date"])],
    )
    for key, value in overrides.items():
        setattr(data, key, value)
    return data


def draft(session: Session, c: Cast, data: ResourceInput | None = None) -> CatalogRevision:
    data = data or person()
    return service.create_resource(
        session,
        c.officer,
        provider_department_id=c.dept.id,
        data=data,
        classification="101001001" if data.catalog_type == "base" else None,
    )


def published(session: Session, c: Cast, data: ResourceInput | None = None) -> str:
    """A resource taken through submit and approve; returns its code."""
    code = draft(session, c, data).resource.code
    service.submit(session, c.officer, code)
    service.approve(session, c.operator, code)
    return code
