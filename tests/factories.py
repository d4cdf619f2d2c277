"""Plain factory functions for test data: call them with a session, get real rows back."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy.orm import Session

from shuzheng.kit.identifiers import make_id_number, make_uscc
from shuzheng.org import service as org
from shuzheng.org.models import Department, DepartmentKind, RegionLevel
from shuzheng.security import service as accounts
from shuzheng.security.models import Account
from shuzheng.security.passwords import hash_password
from shuzheng.security.roles import Actor

PASSWORD = "Passw0rd!2026"
# argon2 is slow on purpose; hash the shared test password once. Tests that check the password rules
# pass `password=` explicitly and go through the policy and hashing.
PASSWORD_HASH = hash_password(PASSWORD)
_seq = itertools.count(1)

CITY = "379900"  # a fictional city code under 山东省, not in GB/T 2260
DISTRICT = "379902"
OTHER_DISTRICT = "379903"


def regions(session: Session) -> None:
    org.upsert_regions(
        session,
        [
            ("370000", "山东省", RegionLevel.PROVINCE, None, True),
            (CITY, "示范市", RegionLevel.CITY, "370000", False),
            (DISTRICT, "东城区", RegionLevel.COUNTY, CITY, False),
            (OTHER_DISTRICT, "西城区", RegionLevel.COUNTY, CITY, False),
        ],
    )


def _password(kw: dict[str, Any]) -> dict[str, str]:
    return {"password": kw["password"]} if "password" in kw else {"password_hash": PASSWORD_HASH}


def department(
    session: Session,
    *,
    name: str | None = None,
    parent: Department | None = None,
    kind: DepartmentKind = DepartmentKind.COMMITTEE,
    region: str = CITY,
) -> Department:
    regions(session)
    n = next(_seq)
    return org.create_department(
        session,
        None,
        org.DepartmentInput(
            code=f"dept{n}",
            name=name or f"测试局{n}",
            short_name=f"测试{n}",
            kind=kind,
            region_code=region,
            uscc=make_uscc("11", region, f"MB{n:06d}"),
            parent_code=parent.code if parent else None,
        ),
    )


def staff(session: Session, *roles: str, dept: Department | None = None, **kw: Any) -> Account:
    dept = dept or department(session)
    n = next(_seq)
    return accounts.create_staff(
        session,
        None,
        username=kw.get("username", f"staff{n}"),
        display_name=kw.get("name", f"工作人员{n}"),
        department_id=dept.id,
        roles=roles or ("data_officer",),
        **_password(kw),
    )


def id_number(n: int | None = None, birth: dt.date = dt.date(1988, 6, 1)) -> str:
    return make_id_number("370802", birth, n if n is not None else next(_seq))


def citizen(session: Session, **kw: Any) -> Account:
    return accounts.register_citizen(
        session,
        name=kw.get("name", "张三"),
        id_number=kw.get("id_number") or id_number(),
        phone=kw.get("phone", "13812345678"),
        **_password(kw),
    )


def enterprise(session: Session, **kw: Any) -> Account:
    n = next(_seq)
    return accounts.register_enterprise(
        session,
        name=kw.get("name", f"示范科技有限公司{n}"),
        uscc=kw.get("uscc") or make_uscc("91", "370800", f"MA{n:06d}"),
        **_password(kw),
    )


def actor(session: Session, account: Account) -> Actor:
    return accounts.actor_for(session, account)


def admin(session: Session) -> Actor:
    return actor(session, staff(session, "platform_admin"))
