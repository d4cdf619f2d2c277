"""Intake from every channel: validation, contact protection, placing the address, routing, the
dispatcher's queue for whatever cannot be placed or routed, duplicates and merging."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from shuzheng.errors import PayloadTooLarge, PermissionDenied, ValidationFailed
from shuzheng.hotline import attachments, service
from shuzheng.hotline.models import Attachment, HotlineRequest
from shuzheng.kit import clock
from shuzheng.ledger.models import LedgerEntry
from tests.hotline.factories import DONGCHENG, DONGHUA, City, submit

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_agent_intake_is_placed_routed_and_dispatched_with_a_working_day_deadline(city: City) -> None:
    result = submit(city)
    req = result.request
    assert result.auto_dispatched
    assert req.status == "dispatched"
    assert req.department_id == city.dept("zjj").id
    assert (req.district_code, req.region_code, req.grid_code) == (DONGCHENG, DONGHUA, "G-DH-01")
    assert req.address_normalized == "示范市东城区东华街道人民路12号"
    assert req.lat == pytest.approx(35.41)
    # Dispatched Tuesday 2026-03-10: five working days later is Tuesday 03-17, due at its end.
    assert req.due_at == dt.datetime(2026, 3, 18, 0, 0, tzinfo=clock.CHINA_TZ)
    assert result.route is not None and "权责清单" in result.route.basis
    assert service.request_number(req).startswith("20260310")


def test_contact_is_encrypted_at_rest_masked_by_default_and_never_in_the_ledger(city: City) -> None:
    req = submit(city).request
    raw = city.session.execute(
        text("SELECT contact_phone_enc, contact_name_enc FROM hotline_requests WHERE id = :id"),
        {"id": req.id},
    ).one()
    assert b"13812345678" not in bytes(raw[0]) and "王五".encode() not in bytes(raw[1])
    assert service.masked_contact(req).phone == "138****5678"
    assert service.masked_contact(req).name == "王*"
    payloads = city.session.scalars(
        select(LedgerEntry.payload).where(LedgerEntry.subject == f"request:{req.id}")
    )
    for payload in payloads:
        assert "13812345678" not in payload and "王五" not in payload


def test_revealing_the_contact_is_for_the_centre_and_the_unit_and_is_ledgered(city: City) -> None:
    req = submit(city).request
    assert service.reveal_contact(city.session, city.actor("agent"), req.id).phone == "13812345678"
    assert service.reveal_contact(city.session, city.actor("zjj"), req.id).name == "王五"
    with pytest.raises(PermissionDenied):
        service.reveal_contact(city.session, city.actor("leader"), req.id)
    actions = city.session.scalars(
        select(LedgerEntry.action).where(LedgerEntry.action == "hotline.contact_reveal")
    ).all()
    assert len(actions) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "诉求内容不能为空"),
        ("   \n ", "诉求内容不能为空"),
        ("水" * 10_000, "不能超过4000个字（当前10000个字）"),
    ],
)
def test_empty_or_overlong_content_is_refused_and_nothing_is_written(
    city: City, content: str, message: str
) -> None:
    before = city.session.scalar(select(HotlineRequest.id).order_by(HotlineRequest.id.desc()).limit(1))
    with pytest.raises(ValidationFailed) as err:
        submit(city, content=content)
    assert message in err.value.message
    assert err.value.details[0]["field"] == "content"
    after = city.session.scalar(select(HotlineRequest.id).order_by(HotlineRequest.id.desc()).limit(1))
    assert before == after


def test_emoji_in_the_content_are_kept(city: City) -> None:
    req = submit(city, content="小区门口垃圾堆成山了😡😡 臭气熏天🤢，请城管来看看").request
    city.session.expire(req)
    assert "😡😡" in req.content and "🤢" in req.content


@pytest.mark.parametrize("phone", ["1381234567", "23812345678", "138-1234-567a", "12345"])
def test_malformed_phone_numbers_are_refused(city: City, phone: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        submit(city, contact_phone=phone)
    assert err.value.details[0]["field"] == "contact_phone"
    assert "手机号" in err.value.message


@pytest.mark.parametrize("phone", ["138 1234 5678", "+8613812345678", "0537-2345678", "053712345678"])
def test_mobile_and_landline_numbers_in_common_spellings_are_accepted(city: City, phone: str) -> None:
    assert submit(city, contact_phone=phone).request.contact_phone_bidx


def test_a_name_with_emoji_is_refused(city: City) -> None:
    with pytest.raises(ValidationFailed) as err:
        submit(city, contact_name="王五😀")
    assert err.value.details[0]["field"] == "contact_name"


def test_attachments_are_checked_by_their_bytes_and_stored(city: City) -> None:
    req = submit(city, attachments=[attachments.Upload("现场.png", PNG)]).request
    item = city.session.scalar(select(Attachment).where(Attachment.request_id == req.id))
    assert item is not None and item.content_type == "image/png" and item.size == len(PNG)
    _, data = service.attachment_bytes(city.session, city.actor("zjj"), item.id)
    assert data == PNG


def test_an_attachment_of_the_wrong_type_is_refused_naming_the_file(city: City) -> None:
    with pytest.raises(ValidationFailed) as err:
        submit(city, attachments=[attachments.Upload("照片.jpg", b"MZ\x90\x00 this is an exe")])
    assert "照片.jpg" in err.value.message and "不支持" in err.value.message


def test_an_attachment_over_the_size_limit_is_refused(city: City) -> None:
    with pytest.raises(PayloadTooLarge):
        submit(city, attachments=[attachments.Upload("big.png", PNG + b"\x00" * attachments.MAX_BYTES)])


@pytest.mark.parametrize(
    "address",
    [
        "北京市朝阳区建国路88号",
        "山东省济南市历下区泉城路1号",
        "济宁市任城区古槐路3号",
        "北京市东城区东华门大街1号",
    ],
)
def test_an_address_outside_the_city_waits_for_a_dispatcher(city: City, address: str) -> None:
    req = submit(city, address=address).request
    assert (req.status, req.location_status, req.queue_reason) == ("pending", "outside", "outside")
    assert req.address_text == address


def test_an_address_that_cannot_be_placed_waits_for_a_dispatcher(city: City) -> None:
    req = submit(city, address="我家楼下那条街").request
    assert (req.status, req.location_status, req.queue_reason) == ("pending", "unresolved", "unlocated")


def test_a_request_without_an_address_waits_for_a_dispatcher(city: City) -> None:
    req = submit(city, address=None).request
    assert (req.status, req.queue_reason) == ("pending", "no_address")


def test_a_road_number_in_two_districts_needs_the_district(city: City) -> None:
    assert submit(city, address="人民路12号").request.location_status == "unresolved"
    assert submit(city, address="西城区人民路12号").request.district_code == "379903"


def test_a_named_place_and_coordinates_are_matched_to_the_standard_address_list(city: City) -> None:
    by_place = submit(city, address="幸福里小区3号楼").request
    assert (by_place.region_code, by_place.grid_code) == (DONGHUA, "G-DH-01")
    by_point = submit(city, address=None, lat=35.4101, lon=116.5801).request
    assert by_point.standard_address_id is not None and by_point.region_code == DONGHUA


def test_a_request_the_classifier_cannot_place_waits_for_a_dispatcher_with_the_accounts_contact(
    city: City,
) -> None:
    result = submit(
        city,
        who="citizen",
        channel="web",
        type_code=None,
        topic_code=None,
        contact_phone=None,
        contact_name=None,
        content="😀😀😀😀！！",
    )
    req = result.request
    assert req.status == "pending" and req.queue_reason in ("unclassified", "low_confidence")
    assert req.citizen_account_id == city.accounts["citizen"].id
    assert service.masked_contact(req).phone == "139****1111"  # taken from the account
    assert [r.id for r in service.my_requests(city.session, city.actor("citizen"))] == [req.id]


def test_citizens_cannot_file_as_a_phone_agent(city: City) -> None:
    with pytest.raises(ValidationFailed):
        submit(city, who="citizen", channel="phone")
    with pytest.raises(PermissionDenied):
        submit(city, who="zjj", channel="web")


def test_same_caller_with_similar_content_is_suggested_as_a_duplicate_and_merged(city: City) -> None:
    first = submit(city).request
    clock.advance(dt.timedelta(hours=3))
    second = submit(city, content="人民路12号停水两天了还没来水，请尽快处理一下").request
    assert second.status == "pending" and second.queue_reason == "duplicate"
    candidates = service.find_duplicates(city.session, second)
    assert [(d.request_id, d.reason) for d in candidates] == [(first.id, "same_caller")]

    service.merge(city.session, city.actor("dispatcher"), second.id, first.id)
    assert second.status == "merged" and second.merged_into_id == first.id

    unit = city.actor("zjj")
    service.accept(city.session, unit, first.id)
    service.resolve(city.session, unit, first.id, "已抢修管道，恢复供水")
    # Both callers learn the result and each gets a callback.
    assert second.status == "resolved" and second.result_text == "已抢修管道，恢复供水"
    assert {r.id for r in service.dispatcher_queue(city.session, city.actor("dispatcher")).callbacks} == {
        first.id,
        second.id,
    }


def test_different_callers_at_the_same_place_on_the_same_topic_are_suggested(city: City) -> None:
    first = submit(city, address=None, lat=35.4100, lon=116.5800).request
    other = submit(
        city, address=None, lat=35.4105, lon=116.5803, contact_phone="13987654321", content="这一片都停水了"
    ).request
    found = service.find_duplicates(city.session, other)
    assert [(d.request_id, d.reason) for d in found] == [(first.id, "same_place")]
    far = submit(
        city, address=None, lat=35.4300, lon=116.5800, contact_phone="13700000000", content="这一片都停水了"
    ).request
    assert service.find_duplicates(city.session, far) == []


def test_dissimilar_content_from_the_same_caller_is_not_a_duplicate(city: City) -> None:
    submit(city)
    other = submit(
        city, content="楼上装修噪音太大，晚上十点还在电钻", topic_code="noise", address=None
    ).request
    assert service.find_duplicates(city.session, other) == []
