"""Account events are in the ledger, in the same transaction as the action (issue: trust core, item 5)."""

import json

import pytest
from sqlalchemy import select

from shuzheng.errors import Conflict
from shuzheng.ledger.models import LedgerEntry
from shuzheng.security import service as accounts
from tests import factories as f


def _entries(session, subject: str) -> list[tuple[str, dict]]:
    rows = session.scalars(
        select(LedgerEntry).where(LedgerEntry.subject == subject).order_by(LedgerEntry.seq)
    )
    return [(e.action, json.loads(e.payload)) for e in rows]


def test_registration_is_traced_with_a_masked_identifier(session) -> None:
    number = f.id_number(801)
    account = f.citizen(session, id_number=number)
    [(action, payload)] = _entries(session, f"account:{account.id}")
    assert action == "account.register"
    assert payload["id_number"] == number[:4] + "*" * 10 + number[-4:]
    assert number not in json.dumps(payload)


def test_staff_creation_role_change_and_unlock_are_traced_with_the_operator(session) -> None:
    admin = f.admin(session)
    dept = f.department(session)
    account = accounts.create_staff(
        session,
        admin,
        username="trace.me",
        display_name="留痕",
        department_id=dept.id,
        roles=["approver"],
        password=f.PASSWORD,
    )
    accounts.set_roles(session, admin, account.id, ["leader"])
    accounts.unlock(session, admin, account.id)
    trail = _entries(session, f"account:{account.id}")
    assert [a for a, _ in trail] == ["account.create", "account.roles_change", "account.unlock"]
    assert trail[1][1]["before"] == ["approver"] and trail[1][1]["after"] == ["leader"]
    actors = session.scalars(
        select(LedgerEntry.actor_id).where(LedgerEntry.subject == f"account:{account.id}")
    ).all()
    assert set(actors) == {admin.account_id}


def test_logins_and_failed_logins_are_traced(session) -> None:
    account = f.staff(session, "leader", username="trace.login")
    accounts.authenticate(session, "trace.login", "wrong-pass1", channel="web")
    accounts.authenticate(session, "trace.login", f.PASSWORD)
    accounts.authenticate(session, "no.such.user", "whatever1")
    trail = _entries(session, f"account:{account.id}")
    assert [(a, p.get("reason"), p.get("channel")) for a, p in trail[-2:]] == [
        ("account.login_failed", "invalid_credentials", "web"),
        ("account.login", None, "api"),
    ]
    [(action, payload)] = _entries(session, "account:unknown")[-1:]
    assert action == "account.login_failed" and "no.such.user" not in json.dumps(payload)
    assert len(payload["login_fingerprint"]) == 32


def test_a_refused_action_leaves_no_trace(session) -> None:
    number = f.id_number(802)
    f.citizen(session, id_number=number)
    before = session.scalar(select(LedgerEntry.seq).order_by(LedgerEntry.seq.desc()).limit(1))
    with pytest.raises(Conflict):
        f.citizen(session, id_number=number)
    after = session.scalar(select(LedgerEntry.seq).order_by(LedgerEntry.seq.desc()).limit(1))
    assert before == after


def test_a_rolled_back_login_leaves_no_trace(fresh_database) -> None:
    from shuzheng.db import Database

    db = Database(engine=fresh_database.engine)
    with db.unit_of_work() as s:
        f.staff(s, "leader", username="rollback.me")
    with pytest.raises(RuntimeError), db.unit_of_work() as s:
        accounts.authenticate(s, "rollback.me", f.PASSWORD)
        raise RuntimeError("the request failed after the login was traced")
    with db.unit_of_work() as s:
        actions = s.scalars(select(LedgerEntry.action)).all()
    assert "account.login" not in actions and "account.create" in actions
