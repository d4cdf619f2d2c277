"""The closed loop after intake: 派单 → 签收 → (下派 / 退单 and arbitration / 延期 / 等待群众) → 办结 →
回访, with 首接负责, supervision, reopening, and corrections kept for the classifier."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from shuzheng.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shuzheng.hotline import service
from shuzheng.hotline.models import Assignment, Event, HotlineRequest
from shuzheng.kit import clock
from shuzheng.ledger.models import LedgerEntry
from tests.hotline.factories import City, dispatched, no_auto_dispatch, submit


def _actions(city: City, req: HotlineRequest) -> list[str]:
    return list(
        city.session.scalars(select(Event.action).where(Event.request_id == req.id).order_by(Event.id))
    )


def test_the_whole_loop_from_the_dispatchers_queue_to_a_satisfied_callback(city: City) -> None:
    no_auto_dispatch(city.session)
    req = submit(city).request
    assert req.status == "pending" and req.queue_reason == "manual"
    dispatcher = city.actor("dispatcher")
    assert [r.id for r in service.dispatcher_queue(city.session, dispatcher).pending] == [req.id]

    service.dispatch(city.session, dispatcher, req.id, city.dept("zjj").id, kind="urgent")
    assert req.status == "dispatched" and req.kind == "urgent"
    assert req.due_at == clock.now() + dt.timedelta(hours=24)
    unit = city.actor("zjj")
    assert [r.id for r in service.department_requests(city.session, unit)] == [req.id]

    clock.advance(dt.timedelta(minutes=30))
    service.accept(city.session, unit, req.id)
    service.resolve(city.session, unit, req.id, "已派维修人员更换阀门，恢复供水")
    assert req.status == "resolved"
    service.callback(city.session, city.actor("agent"), req.id, solved=True, satisfaction="satisfied")
    assert req.status == "closed" and req.closed_at is not None
    assert _actions(city, req) == ["intake", "dispatch", "accept", "resolve", "callback"]
    ledgered = city.session.scalars(
        select(LedgerEntry.action).where(LedgerEntry.subject == f"request:{req.id}").order_by(LedgerEntry.seq)
    ).all()
    assert ledgered == [
        "hotline.intake",
        "hotline.dispatch",
        "hotline.accept",
        "hotline.resolve",
        "hotline.callback",
    ]


def test_only_the_unit_holding_a_request_may_work_on_it(city: City) -> None:
    req = dispatched(city)
    with pytest.raises(PermissionDenied):
        service.accept(city.session, city.actor("cgj"), req.id)
    with pytest.raises(PermissionDenied):
        service.dispatch(city.session, city.actor("zjj"), req.id, city.dept("cgj").id)
    with pytest.raises(NotFound):
        service.get_request(city.session, city.actor("cgj"), req.id)
    assert service.get_request(city.session, city.actor("leader"), req.id) is req


def test_resolving_needs_a_result_and_a_signed_for_request(city: City) -> None:
    req = dispatched(city)
    unit = city.actor("zjj")
    with pytest.raises(Conflict, match="请先签收"):
        service.resolve(city.session, unit, req.id, "已处理完毕")
    service.accept(city.session, unit, req.id)
    with pytest.raises(ValidationFailed) as err:
        service.resolve(city.session, unit, req.id, "  ")
    assert err.value.details[0]["field"] == "result"


def test_a_district_passes_a_request_down_to_its_township_keeping_the_deadline(city: City) -> None:
    req = submit(city, topic_code="noise", content="东华街道人民路12号楼下KTV每晚噪音到凌晨").request
    assert req.department_id == city.dept("dcq").id
    due = req.due_at
    district = city.actor("dcq")
    with pytest.raises(ValidationFailed, match="下级单位"):
        service.transfer(city.session, district, req.id, city.dept("zjj").id)
    service.transfer(city.session, district, req.id, city.dept("donghua").id)
    assert req.department_id == city.dept("donghua").id and req.status == "dispatched" and req.due_at == due
    outcomes = city.session.scalars(
        select(Assignment.outcome).where(Assignment.request_id == req.id).order_by(Assignment.id)
    ).all()
    assert outcomes == ["transferred", None]
    # The district still sees it (its township is in its scope) and the township handles it.
    township = city.actor("donghua")
    service.accept(city.session, township, req.id)
    service.resolve(city.session, township, req.id, "已联系KTV整改，晚十点后停止营业")
    assert req.status == "resolved"


def test_a_dispute_is_arbitrated_upheld_goes_to_the_right_unit_with_a_fresh_deadline(city: City) -> None:
    req = dispatched(city)
    unit = city.actor("zjj")
    with pytest.raises(ValidationFailed):
        service.dispute(city.session, unit, req.id, "不归")
    item = service.dispute(
        city.session,
        unit,
        req.id,
        "属于小区物业管理的二次供水设施，非市政管网",
        suggested_department_id=city.dept("donghua").id,
    )
    assert req.status == "disputed" and req.department_id == city.dept("zjj").id  # still theirs (首接负责)
    dispatcher = city.actor("dispatcher")
    assert [d.id for d in service.dispatcher_queue(city.session, dispatcher).disputes] == [item.id]

    clock.advance(dt.timedelta(days=1))
    service.arbitrate(city.session, dispatcher, item.id, uphold=True)
    assert item.status == "upheld" and req.department_id == city.dept("donghua").id
    assert req.status == "dispatched" and req.due_at == dt.datetime(2026, 3, 19, tzinfo=clock.CHINA_TZ)
    with pytest.raises(Conflict):
        service.arbitrate(city.session, dispatcher, item.id, uphold=False, note="重复处理")


def test_a_rejected_dispute_leaves_the_request_with_the_unit_and_needs_a_reason(city: City) -> None:
    req = dispatched(city)
    unit = city.actor("zjj")
    service.accept(city.session, unit, req.id)
    item = service.dispute(city.session, unit, req.id, "应由自来水公司处理，我局不负责抢修")
    dispatcher = city.actor("dispatcher")
    with pytest.raises(ValidationFailed):
        service.arbitrate(city.session, dispatcher, item.id, uphold=False)
    service.arbitrate(city.session, dispatcher, item.id, uphold=False, note="权责清单明确供水由住建局负责")
    assert item.status == "rejected" and req.status == "handling" and req.department_id == city.dept("zjj").id


def test_a_unit_cannot_dispute_after_the_window_or_just_bounce_it(city: City) -> None:
    req = dispatched(city)
    clock.advance(dt.timedelta(hours=25))
    with pytest.raises(Conflict, match="退单时限"):
        service.dispute(city.session, city.actor("zjj"), req.id, "不属于我单位职责范围")
    with pytest.raises(PermissionDenied):  # only a dispatcher moves a request to another unit
        service.dispatch(city.session, city.actor("zjj"), req.id, city.dept("cgj").id)


def test_an_extension_is_requested_and_approved_in_working_days(city: City) -> None:
    req = dispatched(city)
    unit = city.actor("zjj")
    service.accept(city.session, unit, req.id)
    item = service.request_extension(city.session, unit, req.id, 3, "需要协调燃气、电力部门联合开挖")
    with pytest.raises(Conflict):
        service.request_extension(city.session, unit, req.id, 1, "再申请一次延期时间")
    service.decide_extension(city.session, city.actor("dispatcher"), item.id, approve=True)
    # Due at the end of Tue 03-17; three more working days: Wed 18, Thu 19, Fri 20.
    assert req.due_at == dt.datetime(2026, 3, 21, tzinfo=clock.CHINA_TZ)
    assert item.old_due_at == dt.datetime(2026, 3, 18, tzinfo=clock.CHINA_TZ)


def _notes(city: City, key: str) -> list[tuple[str, str | None]]:
    return [(n.title, n.link) for n in service.notifications_for(city.session, city.actor(key))]


def test_dispute_and_extension_requests_reach_the_dispatchers_and_each_decision_the_unit_once(
    city: City,
) -> None:
    req = dispatched(city)
    unit, dispatcher = city.actor("zjj"), city.actor("dispatcher")
    link = f"/hotline/requests/{req.id}"
    service.accept(city.session, unit, req.id)
    extension = service.request_extension(city.session, unit, req.id, 2, "需要协调燃气、电力部门联合开挖")
    dispute = service.dispute(city.session, unit, req.id, "应由自来水公司处理，我局不负责抢修")
    asked = _notes(city, "dispatcher")
    assert (f"退单申请待仲裁：{req.title}", link) in asked
    assert (f"延期申请待审批：{req.title}", link) in asked

    service.arbitrate(city.session, dispatcher, dispute.id, uphold=False, note="权责清单明确供水由住建局负责")
    service.decide_extension(city.session, dispatcher, extension.id, approve=False, note="时限内可以办完")
    assert dispute.decided_by_id == extension.decided_by_id == dispatcher.account_id
    assert dispute.decision_note == "权责清单明确供水由住建局负责" and extension.decided_at is not None
    told = _notes(city, "zjj")
    assert (f"退单申请被驳回，请继续办理：{req.title}", link) in told
    assert (f"延期申请未同意：{req.title}", link) in told

    with pytest.raises(Conflict, match="该退单申请已处理") as again:
        service.arbitrate(city.session, dispatcher, dispute.id, uphold=True)
    assert again.value.code == "already_decided"
    with pytest.raises(Conflict, match="该延期申请已处理"):
        service.decide_extension(city.session, dispatcher, extension.id, approve=True)
    with pytest.raises(NotFound, match="退单申请不存在"):
        service.arbitrate(city.session, dispatcher, 999_999, uphold=True)
    with pytest.raises(NotFound, match="延期申请不存在"):
        service.decide_extension(city.session, dispatcher, 999_999, approve=True)
    with pytest.raises(PermissionDenied):
        service.decide_extension(city.session, unit, extension.id, approve=True)


def test_waiting_for_the_citizen_pauses_the_clock(city: City) -> None:
    req = dispatched(city)
    unit = city.actor("zjj")
    service.accept(city.session, unit, req.id)
    due = req.due_at
    service.wait_for_citizen(city.session, unit, req.id, "请提供水表编号和停水开始时间")
    clock.advance(dt.timedelta(hours=30))
    service.resume(city.session, unit, req.id, "群众已提供水表编号")
    assert req.status == "handling" and req.due_at == due + dt.timedelta(hours=30)
    assert req.paused_seconds == 30 * 3600


def test_an_unsatisfied_callback_reopens_the_request_with_the_same_unit(city: City) -> None:
    req = dispatched(city)
    unit = city.actor("zjj")
    service.accept(city.session, unit, req.id)
    service.resolve(city.session, unit, req.id, "已告知群众停水原因")
    clock.advance(dt.timedelta(days=1))
    service.callback(
        city.session, city.actor("agent"), req.id, solved=False, satisfaction="unsatisfied", note="仍未来水"
    )
    assert req.status == "dispatched" and req.department_id == city.dept("zjj").id
    assert req.reopen_count == 1 and req.result_text is None
    with pytest.raises(ValidationFailed):
        service.callback(city.session, city.actor("agent"), req.id, solved=True, satisfaction="great")


def test_solved_but_unsatisfied_also_reopens(city: City) -> None:
    req = dispatched(city)
    unit = city.actor("zjj")
    service.accept(city.session, unit, req.id)
    service.resolve(city.session, unit, req.id, "已恢复供水")
    service.callback(city.session, city.actor("agent"), req.id, solved=True, satisfaction="unsatisfied")
    assert req.status == "dispatched" and req.reopen_count == 1


def test_the_citizen_rates_their_own_request(city: City) -> None:
    req = submit(city, who="citizen", channel="web", contact_name=None, contact_phone=None).request
    assert req.status == "dispatched"  # the citizen chose the topic and the address is known
    unit = city.actor("zjj")
    service.accept(city.session, unit, req.id)
    service.resolve(city.session, unit, req.id, "已修复供水管道")
    service.callback(city.session, city.actor("citizen"), req.id, solved=True, satisfaction="basic")
    assert req.status == "closed" and req.satisfaction == "basic"


def test_supervision_by_the_dispatcher_notifies_the_unit(city: City) -> None:
    req = dispatched(city)
    service.supervise(city.session, city.actor("dispatcher"), req.id, "群众反复来电，请加快办理")
    assert req.supervise_count == 1
    titles = [n.title for n in service.notifications_for(city.session, city.actor("zjj"))]
    assert any(t.startswith("督办") for t in titles)
    with pytest.raises(PermissionDenied):
        service.supervise(city.session, city.actor("zjj"), req.id)


def test_corrections_are_kept_for_retraining(city: City) -> None:
    req = dispatched(city)
    service.reclassify(city.session, city.actor("dispatcher"), req.id, "help", "gas")
    service.reclassify(city.session, city.actor("dispatcher"), req.id, "complaint", "heating")
    assert (req.type_code, req.topic_code) == ("complaint", "heating")
    assert service.corrections(city.session) == [(req.content, "complaint", "heating")]
    with pytest.raises(ValidationFailed):
        service.reclassify(city.session, city.actor("dispatcher"), req.id, "complaint", "weather")
