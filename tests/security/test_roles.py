"""`require` for every role: what each may do, and the department scope."""

import pytest

from shuzheng.errors import NotAuthenticated, PermissionDenied
from shuzheng.org.models import DepartmentKind
from shuzheng.security.roles import Perm, Role, require
from tests import factories as f

EXPECTED = {
    Role.PLATFORM_ADMIN: set(Perm),
    Role.DATA_OFFICER: {
        Perm.CATALOG_PUBLISH,
        Perm.DATA_LOAD,
        Perm.SHARING_REQUEST,
        Perm.SHARING_APPROVE,
        Perm.HOTLINE_HANDLE,
    },
    Role.APPROVER: {Perm.APPLICATION_REVIEW, Perm.LICENCE_ISSUE, Perm.HOTLINE_HANDLE},
    Role.HOTLINE_AGENT: {Perm.HOTLINE_INTAKE},
    Role.DISPATCHER: {Perm.HOTLINE_INTAKE, Perm.HOTLINE_DISPATCH},
    Role.LEADER: {Perm.DASHBOARD_VIEW, Perm.AUDIT_READ},
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_staff_role_has_exactly_its_permissions(session, role: Role) -> None:
    actor = f.actor(session, f.staff(session, role.value))
    for perm in Perm:
        if perm in EXPECTED[role]:
            assert require(actor, perm) is actor
        else:
            with pytest.raises(PermissionDenied):
                require(actor, perm)


@pytest.mark.parametrize("factory", [f.citizen, f.enterprise])
def test_citizens_and_enterprises_only_serve_themselves(session, factory) -> None:
    actor = f.actor(session, factory(session))
    require(actor, Perm.SELF_SERVICE)
    for perm in set(Perm) - {Perm.SELF_SERVICE}:
        with pytest.raises(PermissionDenied):
            require(actor, perm)


def test_department_scope_covers_own_department_and_below_only(session) -> None:
    district = f.department(session, kind=DepartmentKind.DISTRICT_GOVERNMENT, region=f.DISTRICT)
    township = f.department(session, parent=district, kind=DepartmentKind.TOWNSHIP, region=f.DISTRICT)
    other = f.department(session)
    officer = f.actor(session, f.staff(session, "data_officer", dept=district))
    require(officer, Perm.CATALOG_PUBLISH, department=district.id)
    require(officer, Perm.CATALOG_PUBLISH, department=township.id)
    with pytest.raises(PermissionDenied, match="超出本部门范围"):
        require(officer, Perm.CATALOG_PUBLISH, department=other.id)


def test_citywide_roles_act_for_any_department(session) -> None:
    other = f.department(session)
    dispatcher = f.actor(session, f.staff(session, "dispatcher"))
    admin = f.admin(session)
    require(dispatcher, Perm.HOTLINE_DISPATCH, department=other.id)
    require(admin, Perm.CATALOG_REVIEW, department=other.id)


def test_no_actor_means_not_authenticated() -> None:
    with pytest.raises(NotAuthenticated):
        require(None, Perm.SELF_SERVICE)
