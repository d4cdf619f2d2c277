"""A small stand-in for the demo city, for testing one domain's demo loader without loading the whole
city: the departments the catalog demo names (plus any others asked for), the operator `admin` and the
data officers asked for, by username and department code."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from shuzheng.catalog import demo as catalog_demo
from shuzheng.demo.loader import DemoCity
from shuzheng.org import service as org
from shuzheng.org.models import DepartmentKind
from shuzheng.security.roles import Role
from tests import factories as f


def small_city(
    session: Session, officers: Sequence[tuple[str, str]], *, more_departments: Iterable[str] = ()
) -> DemoCity:
    f.regions(session)
    city = DemoCity()
    for code in sorted({r.department for r in catalog_demo.resources()} | set(more_departments)):
        city.departments[code] = org.create_department(
            session,
            None,
            org.DepartmentInput(
                code=code,
                name=f"示范市{code}",
                short_name=code,
                kind=DepartmentKind.COMMITTEE,
                region_code=f.CITY,
            ),
        )
    city.staff["admin"] = f.staff(session, Role.PLATFORM_ADMIN.value, username="admin")
    for username, dept in officers:
        city.staff[username] = f.staff(
            session, "data_officer", dept=city.departments[dept], username=username
        )
    return city
