"""Loading the demo city, idempotently: whatever already exists is found and reused, so a second run
adds nothing. Then each domain's `demo.py` adds its part.

A domain joins the demo by adding `shuzheng/<domain>/demo.py` with

    def load(session: Session, city: DemoCity) -> int | None:  # how many rows it added (0 on a rerun)

which must itself be idempotent and go through its own services. Domains run in `DEMO_ORDER`; one
that must run after another it does not follow there declares `DEMO_AFTER = ("catalog", …)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from types import ModuleType
from typing import Any

from sqlalchemy.orm import Session

from shuzheng.demo import city as spec
from shuzheng.errors import NotFound
from shuzheng.org import regions
from shuzheng.org import service as org
from shuzheng.org.models import Department
from shuzheng.registry import domain_modules
from shuzheng.security import service as accounts
from shuzheng.security.models import Account
from shuzheng.security.passwords import check_policy, hash_password
from shuzheng.security.roles import ROLE_LABELS, Actor, Role

# The data flows of the design: what a domain's demo needs is made by the domains before it.
DEMO_ORDER = (
    "security",
    "ledger",
    "catalog",
    "ingest",
    "quality",
    "sharing",
    "opendata",
    "profiles",
    "licences",
    "services",
    "hotline",
    "credit",
    "inspection",
    "policies",
    "documents",
    "office",
    "iot",
    "dashboard",
)


@dataclass(frozen=True)
class DemoCitizen:
    spec: spec.CitizenSpec
    account: Account

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def id_number(self) -> str:
        return self.spec.id_number


@dataclass(frozen=True)
class DemoEnterprise:
    spec: spec.EnterpriseSpec
    account: Account

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def uscc(self) -> str:
        return self.spec.uscc


@dataclass
class DemoCity:
    """Handles on the demo city for the domains that extend it: departments by code (e.g. "gaj"),
    staff by username (e.g. "shenpi.xzsp"), citizens ("citizen01"…) and enterprises ("ent01"…) by key,
    regions by name ("city", "dcq", …) — see `shuzheng.demo.city` for the full cast."""

    password: str = spec.DEMO_PASSWORD
    regions: dict[str, str] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)
    staff: dict[str, Account] = field(default_factory=dict)
    citizens: dict[str, DemoCitizen] = field(default_factory=dict)
    enterprises: dict[str, DemoEnterprise] = field(default_factory=dict)

    def department(self, code: str) -> Department:
        return _pick(self.departments, code, "部门")

    def account(self, username: str) -> Account:
        return _pick(self.staff, username, "工作人员")

    def actor(self, session: Session, username: str) -> Actor:
        """Act as a demo staff member (their roles, their department's scope)."""
        return accounts.actor_for(session, self.account(username))

    def citizen(self, key: str) -> DemoCitizen:
        return _pick(self.citizens, key, "群众")

    def enterprise(self, key: str) -> DemoEnterprise:
        return _pick(self.enterprises, key, "企业")


def _pick(items: dict[str, Any], key: str, what: str) -> Any:
    try:
        return items[key]
    except KeyError:
        raise KeyError(f"演示数据中没有这个{what}：{key}") from None


@dataclass
class DemoSummary:
    """What one run added. Every count is 0 when the demo was already loaded."""

    city: DemoCity
    regions: int = 0
    departments: int = 0
    staff: int = 0
    citizens: int = 0
    enterprises: int = 0
    domains: dict[str, Any] = field(default_factory=dict)  # domain → what its demo.load returned

    @property
    def added(self) -> int:
        counted = [n for n in self.domains.values() if isinstance(n, int) and not isinstance(n, bool)]
        return self.regions + self.departments + self.staff + self.citizens + self.enterprises + sum(counted)


def load_demo(session: Session) -> DemoSummary:
    """Load the national regions, the demo city and every domain's demo data. Flushes, never commits:
    the caller's unit of work makes it all-or-nothing."""
    city = DemoCity()
    summary = DemoSummary(city=city)
    summary.regions = _load_regions(session, city)
    summary.departments = _load_departments(session, city)
    summary.staff = _load_staff(session, city)
    summary.citizens = _load_citizens(session, city)
    summary.enterprises = _load_enterprises(session, city)
    for name, module in demo_modules():
        summary.domains[name] = module.load(session, city)
        session.flush()
    return summary


def _load_regions(session: Session, city: DemoCity) -> int:
    added = regions.load_national_regions(session).added
    added += regions.insert_missing_regions(session, spec.regions()).added
    city.regions = {"province": spec.PROVINCE, "city": spec.CITY}
    for district in spec.DISTRICTS:
        city.regions[district.key] = district.code
        for code, _, key in district.townships:
            city.regions[f"{district.key}_{key}"] = code
    return added


def _load_departments(session: Session, city: DemoCity) -> int:
    added = 0
    for d in spec.departments():
        try:
            dept = org.department_by_code(session, d.code)
        except NotFound:
            data = org.DepartmentInput(
                code=d.code,
                name=d.name,
                short_name=d.short_name,
                kind=d.kind,
                region_code=d.region,
                uscc=d.uscc,
                parent_code=d.parent,
            )
            dept = org.create_department(session, None, data)
            added += 1
        city.departments[d.code] = dept
    return added


@lru_cache(maxsize=1)
def _demo_password_hash() -> str:
    """Every demo account shares one public password: check it against the policy and hash it once
    (argon2 is deliberately slow; ninety hashes of the same password would be most of the load time)."""
    check_policy(spec.DEMO_PASSWORD)
    return hash_password(spec.DEMO_PASSWORD)


def _load_staff(session: Session, city: DemoCity) -> int:
    added = 0
    for s in spec.STAFF:
        account = accounts.find_account_by_login(session, s.username)
        if account is None:
            account = accounts.create_staff(
                session,
                None,
                username=s.username,
                display_name=s.name,
                department_id=city.department(s.department).id,
                roles=[r.value for r in s.roles],
                password_hash=_demo_password_hash(),
            )
            added += 1
        city.staff[s.username] = account
    return added


def _load_citizens(session: Session, city: DemoCity) -> int:
    added = 0
    for c in spec.citizens():
        account = accounts.find_account_by_login(session, c.id_number)
        if account is None:
            account = accounts.register_citizen(
                session,
                name=c.name,
                id_number=c.id_number,
                password_hash=_demo_password_hash(),
                phone=c.phone,
            )
            added += 1
        city.citizens[c.key] = DemoCitizen(c, account)
    return added


def _load_enterprises(session: Session, city: DemoCity) -> int:
    added = 0
    for e in spec.enterprises():
        account = accounts.find_account_by_login(session, e.uscc)
        if account is None:
            account = accounts.register_enterprise(
                session, name=e.name, uscc=e.uscc, password_hash=_demo_password_hash(), phone=e.phone
            )
            added += 1
        city.enterprises[e.key] = DemoEnterprise(e, account)
    return added


def demo_modules() -> list[tuple[str, ModuleType]]:
    """Each domain's demo module as (domain, module), in the order they must run."""
    found = {m.__name__.split(".")[1]: m for m in domain_modules("demo")}
    found.pop("demo", None)
    return in_demo_order(found)


def in_demo_order(found: dict[str, ModuleType]) -> list[tuple[str, ModuleType]]:
    """DEMO_ORDER first, then other domains by name; a module waits for those its DEMO_AFTER names."""

    def rank(name: str) -> tuple[int, str]:
        return (DEMO_ORDER.index(name) if name in DEMO_ORDER else len(DEMO_ORDER), name)

    pending = sorted(found, key=rank)
    ordered: list[str] = []
    while pending:
        ready = next((n for n in pending if _waits_for(found, n) <= set(ordered)), None)
        if ready is None:
            raise RuntimeError(f"demo.py 的 DEMO_AFTER 形成循环：{', '.join(pending)}")
        pending.remove(ready)
        ordered.append(ready)
    return [(name, found[name]) for name in ordered]


def _waits_for(found: dict[str, ModuleType], name: str) -> set[str]:
    return set(getattr(found[name], "DEMO_AFTER", ())) & found.keys()


# ---------------------------------------------------------------- the login table


@dataclass(frozen=True)
class DemoLogin:
    role: str
    login: str
    who: str  # name and department
    note: str


def demo_logins(*, everyone: bool = False) -> list[DemoLogin]:
    """The logins to print: every staff account, and a few citizens and enterprises (all with
    `everyone`). Built from the spec, so it reads the same whether or not this run added anything."""
    depts = {d.code: d.short_name for d in spec.departments()}
    rows = [
        DemoLogin(
            "、".join(ROLE_LABELS[r] for r in s.roles),
            s.username,
            f"{s.name}（{depts[s.department]}）",
            s.note,
        )
        for s in spec.STAFF
    ]
    people = list(spec.citizens())
    if not everyone:
        oldest = min(people, key=lambda c: c.birth_date)
        people = [people[0], oldest]
    for c in people:
        age_note = "老年人，可体验长辈模式" if c.birth_date.year < 1960 else "办事、查看电子证照、12345诉求"
        rows.append(
            DemoLogin(
                ROLE_LABELS[Role.CITIZEN],
                c.id_number,
                f"{c.name}（{c.sex}，{c.birth_date.year}年生）",
                age_note,
            )
        )
    firms = list(spec.enterprises())
    if not everyone:
        firms = [next(e for e in firms if e.kind == kind) for kind in spec.ENTERPRISE_KINDS]
    for e in firms:
        rows.append(DemoLogin(ROLE_LABELS[Role.ENTERPRISE], e.uscc, e.name, spec.ENTERPRISE_KINDS[e.kind][1]))
    return rows
