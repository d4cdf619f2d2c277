"""Demand → agreement: each path (unconditional, conditional approve/narrow/reject, 不予共享, 需求清单),
expiry and revocation, permissions, and a ledger entry for every decision."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from shuzheng.errors import Conflict, PermissionDenied, ValidationFailed
from shuzheng.kit import clock
from shuzheng.ledger.models import LedgerEntry
from shuzheng.sharing import service
from shuzheng.sharing.schemas import ApproveInput
from tests import factories as f
from tests.sharing import factories as sf


@pytest.fixture
def w(session, tmp_path: Path) -> sf.World:  # type: ignore[no-untyped-def]
    return sf.world(session, tmp_path)


def _actions(session, subject: str) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            select(LedgerEntry.action).where(LedgerEntry.subject == subject).order_by(LedgerEntry.seq)
        )
    )


def test_unconditional_data_is_granted_at_once(session, w) -> None:  # type: ignore[no-untyped-def]
    d = service.file_demand(
        session, w.consumer_officer, sf.demand_input(w.open_code, fields=["code", "title"])
    )
    assert d.status == service.APPROVED
    assert d.decided_by_name == "无条件共享，自动通过"
    [a] = service.agreements_for(session, w.consumer_officer)
    assert a.fields == ["code", "title"] and service.agreement_state(a) == service.ACTIVE
    assert _actions(session, f"sharing.demand:{d.id}") == ["sharing.demand.file", "sharing.demand.approve"]


def test_conditional_data_waits_for_the_provider_with_a_working_day_deadline(session, w) -> None:  # type: ignore[no-untyped-def]
    d = sf.demand(session, w)
    assert d.status == service.PENDING
    assert d.due_date is not None and d.due_date > clock.today_in_china()
    assert [x.id for x in service.provider_demands(session, w.provider_officer, pending_only=True)] == [d.id]
    assert service.provider_demands(session, w.consumer_officer, pending_only=True) == []


def test_provider_may_narrow_fields_and_period(session, w) -> None:  # type: ignore[no-untyped-def]
    d = sf.demand(session, w, unmasked_fields=["name"])
    end = clock.today_in_china() + dt.timedelta(days=30)
    a = service.approve(
        session,
        w.provider_officer,
        d.id,
        ApproveInput(fields=["id_number", "name"], unmasked_fields=[], period_end=end),
    )
    assert a.fields == ["id_number", "name"] and a.unmasked_fields == [] and a.valid_until == end
    assert _actions(session, f"sharing.demand:{d.id}")[-1] == "sharing.demand.approve"


def test_provider_cannot_widen(session, w) -> None:  # type: ignore[no-untyped-def]
    d = sf.demand(session, w, fields=["id_number", "sex"])
    with pytest.raises(ValidationFailed, match="不能增加"):
        service.approve(session, w.provider_officer, d.id, ApproveInput(fields=["id_number", "name"]))
    with pytest.raises(ValidationFailed, match="不能延长"):
        service.approve(
            session, w.provider_officer, d.id, ApproveInput(period_end=d.period_end + dt.timedelta(days=1))
        )


def test_reject_needs_a_reason_and_is_final(session, w) -> None:  # type: ignore[no-untyped-def]
    d = sf.demand(session, w)
    with pytest.raises(ValidationFailed, match="驳回理由"):
        service.reject(session, w.provider_officer, d.id, "  ")
    service.reject(session, w.provider_officer, d.id, "用途与最小必要原则不符")
    assert d.status == service.REJECTED and d.decision_reason == "用途与最小必要原则不符"
    with pytest.raises(Conflict):
        service.approve(session, w.provider_officer, d.id)
    assert _actions(session, f"sharing.demand:{d.id}")[-1] == "sharing.demand.reject"


def test_not_shared_data_is_refused_with_the_reason(session, w) -> None:  # type: ignore[no-untyped-def]
    d = service.file_demand(session, w.consumer_officer, sf.demand_input(w.closed, fields=["code"]))
    assert d.status == service.REFUSED and "不予共享" in (d.decision_reason or "")
    assert _actions(session, f"sharing.demand:{d.id}") == ["sharing.demand.refuse"]


def test_demand_for_unpublished_data_goes_to_the_demand_list(session, w) -> None:  # type: ignore[no-untyped-def]
    d = service.file_demand(
        session, w.consumer_officer, sf.demand_input(None, fields=[], wanted="全市养老机构床位数据")
    )
    assert d.status == service.UNMATCHED
    assert [x.id for x in service.demand_list(session, w.operator)] == [d.id]
    with pytest.raises(PermissionDenied):
        service.assign(session, w.provider_officer, d.id, w.provider.id)
    service.assign(session, w.operator, d.id, w.provider.id)
    assert d.status == service.ASSIGNED and d.assigned_department_id == w.provider.id
    assert _actions(session, f"sharing.demand:{d.id}") == ["sharing.demand.file", "sharing.demand.assign"]


def test_only_the_providers_officer_decides(session, w) -> None:  # type: ignore[no-untyped-def]
    d = sf.demand(session, w)
    with pytest.raises(PermissionDenied):
        service.approve(session, w.consumer_officer, d.id)
    outsider = f.actor(session, f.staff(session, "approver", dept=w.consumer))
    with pytest.raises(PermissionDenied):
        service.file_demand(session, outsider, sf.demand_input(w.person))
    service.approve(session, w.operator, d.id)  # the operator acts city-wide


def test_bad_demands_name_the_field(session, w) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed, match="没有信息项"):
        service.file_demand(session, w.consumer_officer, sf.demand_input(w.person, fields=["salary"]))
    with pytest.raises(ValidationFailed, match="用途"):
        service.file_demand(session, w.consumer_officer, sf.demand_input(w.person, purpose=""))
    with pytest.raises(ValidationFailed, match="截止日期"):
        service.file_demand(
            session,
            w.consumer_officer,
            sf.demand_input(w.person, period_end=clock.today_in_china() - dt.timedelta(days=1)),
        )


def test_agreements_expire_and_can_be_revoked(session, w) -> None:  # type: ignore[no-untyped-def]
    a = sf.agreement(session, w)
    assert service.agreement_state(a, a.valid_until + dt.timedelta(days=1)) == service.EXPIRED
    with pytest.raises(PermissionDenied):
        service.revoke(session, f.actor(session, f.staff(session, "data_officer")), a.id, "无关部门")
    service.revoke(session, w.provider_officer, a.id, "使用方超范围使用")
    assert service.agreement_state(a) == service.REVOKED
    with pytest.raises(Conflict):
        service.issue_credentials(session, w.consumer_officer, a.id)
    assert _actions(session, f"sharing.agreement:{a.id}") == ["sharing.agreement.revoke"]
