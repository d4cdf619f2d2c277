"""The objection lifecycle through the service: filing, duplicates, answers, permissions, escalation,
the operator's actions, and a ledger entry for every step."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from shuzheng.errors import Conflict, NotFound, PermissionDenied, ServiceUnavailable, ValidationFailed
from shuzheng.kit import clock
from shuzheng.ledger.models import LedgerEntry
from shuzheng.objections import jobs, service
from shuzheng.objections.models import Status
from tests import factories as f
from tests.objections import factories as of

BEIJING = dt.timezone(dt.timedelta(hours=8))


def at(y: int, m: int, d: int, h: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=BEIJING)


def _ledger(session, objection_id: int) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    rows = session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.subject == f"objection:{objection_id}")
        .order_by(LedgerEntry.seq)
    )
    return [(e.action, json.loads(e.payload)) for e in rows]


def test_filed_objection_goes_to_the_provider_with_a_working_day_deadline_across_national_day(
    session,
) -> None:
    w = of.world(session)
    # 2026-09-30 (Wed) + 5 working days: 10-01..07 off, 08 Thu, 09 Fri, 10 Sat (worked), 12 Mon, 13 Tue.
    with clock.frozen(at(2026, 9, 30)):
        o = of.objection(session, w)
    assert o.status == Status.FILED
    assert o.department_id == w.dept.id == o.provider_department_id
    assert o.due_date == dt.date(2026, 10, 13)
    assert not o.due_provisional
    assert o.deadline_days == 5
    assert o.field_name == "birth_date" and o.field_label == "出生日期"
    assert o in service.inbox(session, w.officer)
    assert o not in service.inbox(session, w.other_officer)
    assert o in service.mine(session, w.filer)


def test_personal_data_is_encrypted_and_only_masked_in_the_ledger(session) -> None:
    w = of.world(session)
    number = f.id_number()
    o = of.objection(session, w, id_number=number)
    assert number.encode() not in o.content_enc
    assert number not in o.record_masked and o.record_masked.startswith("身份证号=3708")
    assert service.content(session, w.officer, o).record == {"id_number": number}
    [(action, payload)] = _ledger(session, o.id)
    assert action == "objection.file"
    assert number not in str(payload)
    assert payload["record_digest"] == o.record_digest
    assert payload["due_date"] == o.due_date.isoformat()


def test_duplicate_open_objection_is_refused_with_a_link_to_the_open_one(session) -> None:
    w = of.world(session)
    number = f.id_number()
    first = of.objection(session, w, id_number=number)
    with pytest.raises(Conflict) as err:
        of.objection(session, w, id_number=number, actor=w.other_officer)
    assert err.value.status == 409
    assert f"第{first.id}号" in err.value.message and f"/objections/{first.id}" in err.value.message
    # Another field of the same record is a different objection.
    of.objection(session, w, id_number=number, field="sex", claimed_value="1", proposed_value="2")


def test_confirm_corrects_through_ingest_and_closes(session, corrections) -> None:
    w = of.world(session)
    number = f.id_number()
    o = of.objection(session, w, id_number=number)
    with pytest.raises(PermissionDenied):
        service.confirm(session, w.other_officer, o.id)
    assert corrections == []
    service.confirm(session, w.officer, o.id, note="已核对户籍档案")
    assert o.status == Status.CONFIRMED and o.corrected_version == 7
    assert o.decided_by_account_id == w.officer.account_id and o.decided_at is not None
    [(code, keys, changes, reason)] = corrections
    assert (code, keys, changes) == (w.code, {"id_number": number}, {"birth_date": "1988-06-01"})
    assert f"异议第{o.id}号" in reason
    # Closed: a second answer is refused, and the same record may be objected to again.
    with pytest.raises(Conflict):
        service.reject(session, w.officer, o.id, "重复")
    of.objection(session, w, id_number=number)
    assert [a for a, _ in _ledger(session, o.id)] == ["objection.file", "objection.confirm"]
    assert _ledger(session, o.id)[1][1]["corrected_version"] == 7


def test_confirm_with_other_values_and_whole_record(session, corrections) -> None:
    w = of.world(session)
    o = of.objection(session, w, field=None, claimed_value=None, proposed_value=None)
    with pytest.raises(ValidationFailed, match="至少一个"):
        service.confirm(session, w.officer, o.id)
    with pytest.raises(ValidationFailed, match="主键"):
        service.confirm(session, w.officer, o.id, corrected={"id_number": "x"})
    with pytest.raises(ValidationFailed, match="没有信息项"):
        service.confirm(session, w.officer, o.id, corrected={"height": "1"})
    service.confirm(session, w.officer, o.id, corrected={"姓名": "李四", "sex": "2"})
    assert corrections[0][2] == {"name": "李四", "sex": "2"}
    assert "李四" not in str(_ledger(session, o.id)[-1][1])


def test_reject_needs_a_reason_and_is_ledgered(session) -> None:
    w = of.world(session)
    o = of.objection(session, w)
    with pytest.raises(ValidationFailed, match="理由"):
        service.reject(session, w.officer, o.id, "  ")
    with pytest.raises(PermissionDenied):
        service.reject(session, w.other_officer, o.id, "不是我们的")
    service.reject(session, w.officer, o.id, "经核对原始档案，出生日期无误")
    assert o.status == Status.REJECTED and o.decision_reason == "经核对原始档案，出生日期无误"
    assert _ledger(session, o.id)[-1][0] == "objection.reject"


def test_confirm_without_ingest_correction_says_so_and_leaves_it_open(session, monkeypatch) -> None:
    w = of.world(session)
    o = of.objection(session, w)
    monkeypatch.setattr(service, "_ingest_service", lambda: None)
    with pytest.raises(ServiceUnavailable, match="尚未就绪"):
        service.confirm(session, w.officer, o.id)
    assert o.status == Status.FILED


def test_overdue_objection_escalates_once_and_the_operator_can_extend_reassign_decide(session) -> None:
    w = of.world(session)
    with clock.frozen(at(2026, 9, 30)):
        o = of.objection(session, w)
        late = of.objection(session, w)
    with clock.frozen(at(2026, 10, 13, 23)):  # the due day itself: not yet overdue
        assert jobs.tick(session).escalated == []
    with clock.frozen(at(2026, 10, 14, 9)):
        assert jobs.tick(session).escalated == [o.id, late.id]
        assert jobs.tick(session).escalated == []  # idempotent
        assert o.status == Status.ESCALATED and o.overdue_at is not None
        assert set(service.escalation_queue(session, w.operator)) == {o, late}
        with pytest.raises(PermissionDenied):
            service.escalation_queue(session, w.officer)
        with pytest.raises(PermissionDenied):
            service.extend(session, w.officer, o.id, 3)
        service.extend(session, w.operator, o.id, 3, note="部门申请延期核实")
        assert o.status == Status.FILED and o.due_date == dt.date(2026, 10, 19)
        service.reassign(session, w.operator, late.id, w.other_dept.id, note="应由另一部门核实")
        assert late.department_id == w.other_dept.id and late.status == Status.FILED
        assert late in service.inbox(session, w.other_officer)
        with pytest.raises(PermissionDenied):
            service.reject(session, w.officer, late.id, "x")
        service.reject(session, w.other_officer, late.id, "核实无误")
    assert [a for a, _ in _ledger(session, o.id)] == [
        "objection.file",
        "objection.escalate",
        "objection.extend",
    ]
    assert [a for a, _ in _ledger(session, late.id)] == [
        "objection.file",
        "objection.escalate",
        "objection.reassign",
        "objection.reject",
    ]
    assert _ledger(session, o.id)[1][1]["status"] == "escalated"


def test_who_may_see_and_file(session) -> None:
    w = of.world(session)
    o = of.objection(session, w)
    stranger = f.actor(session, f.staff(session, "hotline_agent"))
    with pytest.raises(NotFound):
        service.get(session, stranger, o.id)
    assert service.get(session, w.filer, o.id) is o
    assert service.get(session, w.operator, o.id) is o
    # A citizen: about their own record only.
    number = f.id_number()
    citizen = f.actor(session, f.citizen(session, id_number=number))
    own = of.objection(session, w, id_number=number, actor=citizen)
    assert own.filed_by_account_id == citizen.account_id
    with pytest.raises(PermissionDenied, match="本人"):
        of.objection(session, w, actor=citizen)
    enterprise = f.actor(session, f.enterprise(session))
    with pytest.raises(PermissionDenied):
        of.objection(session, w, actor=enterprise)
