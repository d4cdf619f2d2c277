"""Accounts: registration rules, encrypted identifiers, staff creation, throttled login, tokens."""

import datetime as dt

import pytest
from sqlalchemy import select, text

from shuzheng.errors import (
    Conflict,
    Locked,
    NotAuthenticated,
    PermissionDenied,
    TooManyRequests,
    ValidationFailed,
)
from shuzheng.kit import clock
from shuzheng.security import pi
from shuzheng.security import service as accounts
from shuzheng.security.models import Account
from tests import factories as f


def test_citizen_id_number_is_stored_encrypted_and_found_by_blind_index(session) -> None:
    number = f.id_number(501)
    account = f.citizen(session, id_number=number)
    raw = session.execute(
        text("SELECT id_number_enc, id_number_bidx, phone_enc FROM security_accounts WHERE id = :id"),
        {"id": account.id},
    ).one()
    assert number.encode() not in bytes(raw.id_number_enc)
    assert b"13812345678" not in bytes(raw.phone_enc)
    assert raw.id_number_bidx == pi.blind_index(pi.PIKind.ID_NUMBER, number)
    assert accounts.find_account_by_login(session, number.lower()).id == account.id
    assert accounts.masked_id_number(account) == number[:4] + "*" * 10 + number[-4:]
    assert accounts.masked_phone(account) == "138****5678"


def test_duplicate_citizen_is_a_conflict_and_nothing_is_written(session) -> None:
    number = f.id_number(502)
    f.citizen(session, id_number=number)
    before = session.scalar(select(text("count(*)")).select_from(Account))
    with pytest.raises(Conflict, match="已注册"):
        f.citizen(session, id_number=number)
    assert session.scalar(select(text("count(*)")).select_from(Account)) == before


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"id_number": "110105194912310021"}, "id_number"),
        ({"password": "short1"}, "password"),
        ({"password": "onlyletters"}, "password"),
        ({"name": "  "}, "name"),
        ({"phone": "12345"}, "phone"),
    ],
)
def test_bad_registration_names_the_field(session, kw, field) -> None:
    with pytest.raises(ValidationFailed) as info:
        f.citizen(session, **kw)
    assert info.value.details[0]["field"] == field


def test_enterprise_registration_validates_uscc(session) -> None:
    with pytest.raises(ValidationFailed, match="统一社会信用代码"):
        f.enterprise(session, uscc="91110000600037341M")
    ent = f.enterprise(session, uscc="91110000600037341L")
    assert accounts.find_account_by_login(session, "91110000600037341L").id == ent.id
    with pytest.raises(Conflict):
        f.enterprise(session, uscc="91110000600037341L")


def _new_staff(session, actor, dept, username, *roles, **password):
    return accounts.create_staff(
        session,
        actor,
        username=username,
        display_name="甲",
        department_id=dept.id,
        roles=roles or ("approver",),
        **(password or {"password": f.PASSWORD}),
    )


def test_staff_creation_needs_permission_for_that_department(session) -> None:
    dept = f.department(session)
    officer = f.actor(session, f.staff(session, "data_officer", dept=dept))
    with pytest.raises(PermissionDenied):
        _new_staff(session, officer, dept, "x1")
    admin = f.admin(session)
    created = _new_staff(session, admin, dept, "Li.Si", "approver", "approver")
    assert created.username == "li.si" and created.role_names == ["approver"]
    with pytest.raises(Conflict, match="用户名已存在"):
        _new_staff(session, admin, dept, "li.si")
    with pytest.raises(ValidationFailed, match="未知角色"):
        _new_staff(session, admin, dept, "x2", "wizard")
    with pytest.raises(ValidationFailed, match="不能拥有该角色"):
        _new_staff(session, admin, dept, "x3", "citizen")


def test_role_change_and_admin_cannot_demote_self(session) -> None:
    admin_account = f.staff(session, "platform_admin")
    admin = f.actor(session, admin_account)
    other = f.staff(session, "data_officer")
    assert accounts.set_roles(session, admin, other.id, ["leader", "approver"]).role_names == [
        "approver",
        "leader",
    ]
    with pytest.raises(PermissionDenied, match="不能撤销自己"):
        accounts.set_roles(session, admin, admin_account.id, ["leader"])


def test_login_with_each_kind_of_identifier(session) -> None:
    staff = f.staff(session, "leader", username="wang.wu")
    citizen = f.citizen(session)
    ent = f.enterprise(session)
    number = accounts.masked_id_number(citizen)  # masked: cannot log in with it
    assert accounts.authenticate(session, "WANG.WU", f.PASSWORD).account.id == staff.id
    assert accounts.authenticate(session, ent.uscc, f.PASSWORD).account.id == ent.id
    assert accounts.authenticate(session, number, f.PASSWORD).error is not None


def test_repeated_failures_slow_down_then_lock(session) -> None:
    account = f.staff(session, "approver", username="zhao.liu")
    t0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    with clock.frozen(t0):
        for _ in range(2):
            assert isinstance(accounts.authenticate(session, "zhao.liu", "wrong").error, NotAuthenticated)
        third = accounts.authenticate(session, "zhao.liu", "wrong")
        assert isinstance(third.error, NotAuthenticated)
        # Now even the right password must wait.
        waiting = accounts.authenticate(session, "zhao.liu", f.PASSWORD)
        assert isinstance(waiting.error, TooManyRequests) and waiting.error.retry_after >= 1
        for _ in range(5):
            clock.advance(dt.timedelta(minutes=1))
            accounts.authenticate(session, "zhao.liu", "wrong")
        clock.advance(dt.timedelta(seconds=1))
        locked = accounts.authenticate(session, "zhao.liu", f.PASSWORD)
        assert isinstance(locked.error, Locked) and "锁定" in locked.error.message
        clock.advance(dt.timedelta(minutes=16))
        ok = accounts.authenticate(session, "zhao.liu", f.PASSWORD)
        assert ok.error is None and ok.account.id == account.id and ok.account.failed_logins == 0


def test_unknown_login_and_wrong_password_give_the_same_answer(session) -> None:
    f.staff(session, "approver", username="sun.qi")
    a = accounts.authenticate(session, "nobody", "whatever1")
    b = accounts.authenticate(session, "sun.qi", "whatever1")
    assert a.error.message == b.error.message == "账号或密码错误"


def test_refresh_tokens_rotate_and_reuse_revokes_the_family(session) -> None:
    account = f.citizen(session)
    first = accounts.issue_tokens(session, account)
    assert accounts.account_from_access_token(session, first.access_token).id == account.id
    second = accounts.refresh_tokens(session, first.refresh_token)
    with pytest.raises(NotAuthenticated, match="已被使用"):
        accounts.refresh_tokens(session, first.refresh_token)
    with pytest.raises(NotAuthenticated):
        accounts.refresh_tokens(session, second.refresh_token)


def test_expired_and_forged_access_tokens_are_refused(session) -> None:
    account = f.citizen(session)
    with clock.frozen(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)):
        old = accounts.issue_tokens(session, account).access_token
    with pytest.raises(NotAuthenticated, match="过期"):
        accounts.account_from_access_token(session, old)
    fresh = accounts.issue_tokens(session, account).access_token
    with pytest.raises(NotAuthenticated, match="无效"):
        accounts.account_from_access_token(session, fresh[:-3] + "abc")


def test_web_sessions_end_on_logout(session) -> None:
    account = f.citizen(session)
    raw = accounts.start_web_session(session, account)
    assert accounts.resolve_web_session(session, raw).id == account.id
    accounts.end_web_session(session, raw)
    assert accounts.resolve_web_session(session, raw) is None
    assert accounts.resolve_web_session(session, "made-up") is None


def test_only_bootstrap_loaders_may_pass_a_password_hash(session) -> None:
    admin = f.admin(session)
    dept = f.department(session)
    with pytest.raises(PermissionDenied, match="初始化程序"):
        _new_staff(session, admin, dept, "hash.me", password_hash=f.PASSWORD_HASH)
    with pytest.raises(ValidationFailed, match="argon2"):
        _new_staff(session, None, dept, "hash.me", password_hash="plaintext")
    created = _new_staff(session, None, dept, "hash.me", password_hash=f.PASSWORD_HASH)
    assert accounts.authenticate(session, "hash.me", f.PASSWORD).account.id == created.id


def test_token_expiry_follows_the_platform_clock(session) -> None:
    account = f.citizen(session)
    t0 = dt.datetime(2030, 5, 1, 8, 0, tzinfo=dt.UTC)
    with clock.frozen(t0):
        access = accounts.issue_tokens(session, account).access_token
        assert accounts.account_from_access_token(session, access).id == account.id
        clock.advance(dt.timedelta(minutes=16))
        with pytest.raises(NotAuthenticated, match="过期"):
            accounts.account_from_access_token(session, access)
