"""The demo city: valid identifiers, a sane department tree, every role, idempotent loading, the CLI.

Creating the demo accounts hashes ~90 passwords with argon2 (tens of seconds on a busy machine), so
this module loads the city once: through the CLI into a throwaway database of its own, as `make run`
does. Each test then reads it in a transaction that is rolled back.
"""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType

import pytest
from click.testing import Result
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shuzheng.cli import app
from shuzheng.config import get_settings
from shuzheng.demo import city as spec
from shuzheng.demo.loader import DEMO_ORDER, demo_logins, in_demo_order, load_demo
from shuzheng.kit.identifiers import birth_date_of, is_valid_phone, validate_id_number, validate_uscc
from shuzheng.org import service as org
from shuzheng.org.models import Department, DepartmentKind, Region, RegionLevel
from shuzheng.security import service as accounts
from shuzheng.security.models import Account, AccountRole
from shuzheng.security.roles import STAFF_ROLES, Perm, Role
from tests.conftest import ThrowawayDatabase

runner = CliRunner()


@dataclass
class LoadedDemo:
    database: ThrowawayDatabase
    first_run: Result


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedDemo]:
    database = ThrowawayDatabase(tmp_path_factory.mktemp("demo"))
    try:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("SHUZHENG_DATABASE_URL", database.url)
            get_settings.cache_clear()
            first = runner.invoke(app, ["demo", "load"])
        get_settings.cache_clear()
        assert first.exit_code == 0, first.output
        yield LoadedDemo(database, first)
    finally:
        get_settings.cache_clear()
        database.drop()


@pytest.fixture
def demo_session(demo_db: LoadedDemo) -> Iterator[Session]:
    connection = demo_db.database.engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def loaded(demo_session: Session):
    """The demo city's handles, from a load that finds everything already there."""
    return demo_session, load_demo(demo_session)


def _counts(session: Session) -> dict[str, int]:
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model))
        for model in (Region, Department, Account, AccountRole)
    }


# ---------------------------------------------------------------- the spec (no database)


def test_the_city_is_the_same_every_time() -> None:
    first = (spec.departments(), spec.citizens(), spec.enterprises())
    for generator in (spec.departments, spec.citizens, spec.enterprises, spec._birth_regions_in):
        generator.cache_clear()
    assert (spec.departments(), spec.citizens(), spec.enterprises()) == first


def test_every_citizen_has_a_valid_id_number_matching_their_sex_and_birth() -> None:
    people = spec.citizens()
    assert len(people) == spec.CITIZEN_COUNT
    for person in people:
        assert validate_id_number(person.id_number) == person.id_number
        assert birth_date_of(person.id_number) == person.birth_date
        assert int(person.id_number[16]) % 2 == (1 if person.sex == "男" else 0), person
        assert is_valid_phone(person.phone)
        assert person.township in spec.region_names()
    assert len({p.id_number for p in people}) == len(people)
    assert len({p.name for p in people}) == len(people)
    assert len({p.phone for p in people}) == len(people)
    sexes = Counter(p.sex for p in people)
    assert sexes["男"] >= 15 and sexes["女"] >= 15
    years = [p.birth_date.year for p in people]
    assert min(years) < 1960 and max(years) > 1995  # elderly people and young adults
    assert max(years) <= 2007  # every citizen is an adult from 2025 on


def test_every_uscc_is_valid_and_typed_by_its_first_two_characters() -> None:
    codes = [d.uscc for d in spec.departments()] + [e.uscc for e in spec.enterprises()]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert validate_uscc(code) == code
    for dept in spec.departments():
        assert dept.uscc[:2] == ("12" if dept.kind is DepartmentKind.INSTITUTION else "11"), dept
        assert dept.uscc[2:8] == dept.region[:6]
    prefixes = Counter(e.uscc[:2] for e in spec.enterprises())
    assert set(prefixes) == {"91", "92", "93"}
    assert len(spec.enterprises()) >= 20
    for firm in spec.enterprises():
        assert firm.uscc[:2] == spec.ENTERPRISE_KINDS[firm.kind][0]
        assert is_valid_phone(firm.phone)


def test_the_demo_password_satisfies_the_policy() -> None:
    from shuzheng.security.passwords import check_policy

    check_policy(spec.DEMO_PASSWORD)


# ---------------------------------------------------------------- the loaded city


def test_the_first_load_creates_the_whole_city(demo_db: LoadedDemo) -> None:
    output = demo_db.first_run.output
    assert "演示数据已载入" in output
    for count in (
        f"部门 {len(spec.departments())} 个",
        f"工作人员 {len(spec.STAFF)} 个",
        f"群众 {spec.CITIZEN_COUNT} 位",
        f"企业 {len(spec.ENTERPRISES)} 家",
    ):
        assert count in output
    with Session(demo_db.database.engine) as session:
        counts = _counts(session)
    assert counts["Account"] == len(spec.STAFF) + spec.CITIZEN_COUNT + len(spec.ENTERPRISES)
    assert counts["Department"] == len(spec.departments()) >= 40
    assert counts["Region"] > 3000 + len(spec.regions())


def test_a_second_load_adds_nothing_and_finds_every_row(demo_session: Session) -> None:
    before = _counts(demo_session)
    again = load_demo(demo_session)
    assert again.added == 0
    assert (again.regions, again.departments, again.staff, again.citizens, again.enterprises) == (
        0,
        0,
        0,
        0,
        0,
    )
    assert _counts(demo_session) == before
    city = again.city
    assert set(city.departments) == {d.code for d in spec.departments()}
    assert set(city.staff) == {s.username for s in spec.STAFF}
    assert len(city.citizens) == spec.CITIZEN_COUNT and len(city.enterprises) == len(spec.ENTERPRISES)
    assert city.department("gaj").id == org.department_by_code(demo_session, "gaj").id


def test_the_demo_regions_sit_under_shandong_and_are_marked_unofficial(loaded) -> None:
    session, _ = loaded
    city = session.get(Region, spec.CITY)
    assert (city.name, city.level, city.parent_code, city.official) == ("示范市", "city", "370000", False)
    districts = org.region_children(session, spec.CITY)
    assert [d.name for d in districts] == ["东城区", "西城区", "示范县"]
    for district in districts:
        towns = org.region_children(session, district.code)
        assert 3 <= len(towns) <= 5
        for town in towns:
            assert len(town.code) == 9 and town.code.startswith(district.code)
            assert town.level == RegionLevel.TOWNSHIP.value and not town.official
    assert session.get(Region, "370800").name == "济宁市"


def test_every_role_has_an_account(loaded) -> None:
    session, _ = loaded
    held = set(session.scalars(select(AccountRole.role).distinct()))
    assert {r.value for r in STAFF_ROLES} | {Role.CITIZEN.value, Role.ENTERPRISE.value} <= held


def test_stored_accounts_match_the_spec_and_accept_the_demo_password(loaded) -> None:
    session, summary = loaded
    for person in spec.citizens():
        account = accounts.find_account_by_login(session, person.id_number)
        assert account is not None and account.display_name == person.name
    for firm in spec.enterprises():
        account = accounts.find_account_by_login(session, firm.uscc)
        assert account is not None and account.display_name == firm.name
    for staff in spec.STAFF:
        account = summary.city.account(staff.username)
        assert account.department_id == summary.city.department(staff.department).id
        assert account.role_names == sorted(r.value for r in staff.roles)
    for login in ("admin", spec.citizens()[0].id_number, spec.enterprises()[0].uscc):
        result = accounts.authenticate(session, login, spec.DEMO_PASSWORD)
        assert result.error is None, login


def test_the_department_tree_is_sane(loaded) -> None:
    session, summary = loaded
    depts = {d.code: d for d in org.list_departments(session) if d.code in summary.city.departments}
    by_id = {d.id: d for d in depts.values()}
    root = depts[spec.CITY_GOVERNMENT]
    assert root.parent_id is None and root.kind == DepartmentKind.CITY_GOVERNMENT.value
    for dept in depts.values():
        if dept is root:
            continue
        parent = by_id[dept.parent_id]
        region = session.get(Region, dept.region_code)
        if dept.kind == DepartmentKind.TOWNSHIP.value:
            # A township (乡镇街道) sits under the government of the county its region belongs to.
            assert parent.kind == DepartmentKind.DISTRICT_GOVERNMENT.value, dept.name
            assert region.level == RegionLevel.TOWNSHIP.value
            assert region.parent_code == parent.region_code
        elif dept.kind == DepartmentKind.DISTRICT_GOVERNMENT.value:
            assert parent is root and region.parent_code == spec.CITY
        elif dept.kind == DepartmentKind.COMMITTEE.value:
            assert parent.kind in (
                DepartmentKind.CITY_GOVERNMENT.value,
                DepartmentKind.DISTRICT_GOVERNMENT.value,
            )
            assert dept.region_code == parent.region_code
        else:
            assert dept.kind == DepartmentKind.INSTITUTION.value
            assert parent.kind == DepartmentKind.COMMITTEE.value
    names = {d.short_name for d in depts.values()}
    for bureau in ("市公安局", "市民政局", "市人社局", "市市场监管局", "市卫健委", "市教育局", "市大数据局"):
        assert bureau in names
    assert "市12345热线中心" in names


def test_staff_act_within_their_department_and_below(loaded) -> None:
    session, summary = loaded
    city = summary.city
    everything = {d.id for d in city.departments.values()}
    assert everything <= city.actor(session, "leader.city").scope
    district = city.actor(session, "leader.dongcheng")
    assert city.department("dcq_donghua").id in district.scope
    assert city.department("dcq_xzspj").id in district.scope
    assert city.department("xcq_xiguan").id not in district.scope
    assert city.department("gaj").id not in district.scope
    officer = city.actor(session, "shuju.gongan")
    assert officer.can(Perm.CATALOG_PUBLISH, department=city.department("gaj").id)
    assert not officer.can(Perm.CATALOG_PUBLISH, department=city.department("mzj").id)


def test_unknown_handles_say_what_is_missing(loaded) -> None:
    _, summary = loaded
    with pytest.raises(KeyError, match="部门"):
        summary.city.department("nope")


# ---------------------------------------------------------------- other domains' demo.py


def _module(name: str, after: tuple[str, ...] = ()) -> ModuleType:
    module = ModuleType(f"shuzheng.{name}.demo")
    if after:
        module.DEMO_AFTER = after
    return module


def test_domain_demos_run_in_the_data_flow_order() -> None:
    found = {name: _module(name) for name in ("hotline", "catalog", "zoo", "sharing", "alpha")}
    assert [n for n, _ in in_demo_order(found)] == ["catalog", "sharing", "hotline", "alpha", "zoo"]
    assert DEMO_ORDER.index("catalog") < DEMO_ORDER.index("sharing") < DEMO_ORDER.index("dashboard")


def test_a_domain_can_ask_to_run_after_another() -> None:
    found = {
        "catalog": _module("catalog", after=("zoo",)),
        "zoo": _module("zoo"),
        "hotline": _module("hotline"),
    }
    assert [n for n, _ in in_demo_order(found)] == ["hotline", "zoo", "catalog"]
    cyclic = {"a": _module("a", after=("b",)), "b": _module("b", after=("a",))}
    with pytest.raises(RuntimeError, match="循环"):
        in_demo_order(cyclic)


# ---------------------------------------------------------------- CLI


def test_cli_prints_the_logins_and_a_rerun_changes_nothing(demo_db: LoadedDemo, monkeypatch) -> None:
    first = demo_db.first_run.output
    assert spec.DEMO_PASSWORD in first
    for login in demo_logins():
        assert login.login in first
    for username in ("admin", "shenpi.xzsp", "hotline01", "paidan01", "leader.city", "shuju.gongan"):
        assert username in first
    assert "/login" in first

    with Session(demo_db.database.engine) as session:
        before = _counts(session)
    monkeypatch.setenv("SHUZHENG_DATABASE_URL", demo_db.database.url)
    get_settings.cache_clear()
    try:
        second = runner.invoke(app, ["demo", "load"])
    finally:
        get_settings.cache_clear()
    assert second.exit_code == 0, second.output
    assert "未新增任何数据" in second.output
    table = "演示账号（"
    assert second.output[second.output.index(table) :] == first[first.index(table) :]  # the same login table
    with Session(demo_db.database.engine) as session:
        assert _counts(session) == before


def test_cli_lists_every_demo_login() -> None:
    result = runner.invoke(app, ["demo", "logins", "--all"])
    assert result.exit_code == 0, result.output
    for person in spec.citizens():
        assert person.id_number in result.output
    for firm in spec.enterprises():
        assert firm.uscc in result.output


def test_the_first_demo_citizens_see_who_used_their_data(loaded) -> None:
    """人口基础信息 holds the demo citizens, and the sharing demo's calls that served the first ones (three
    lookups, a query of the first rows) are on their own "我的数据被谁用了" page; the last has none."""
    from shuzheng.sharing import service as sharing

    session, result = loaded
    citizens = [c.account for _, c in sorted(result.city.citizens.items())]
    seen = [sharing.my_trace(session, accounts.actor_for(session, c)) for c in citizens[:3] + citizens[-1:]]
    assert all(seen[:3]), seen
    assert {(v.consumer, v.purpose) for views in seen[:3] for v in views} == {
        ("示范市民政局", "最低生活保障对象身份核验")
    }
    assert seen[3] == []
