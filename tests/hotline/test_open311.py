"""Open311 GeoReport v2: services and definitions, posting with an API key, reading requests and
tokens, JSON and XML, and Open311's error format."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from shuzheng.hotline import service
from tests.hotline.factories import City


@pytest.fixture
def api_key(city: City) -> str:
    _, raw = service.create_api_client(city.session, None, "市民App")
    city.session.commit()  # an error response rolls back to here, not past the city
    return raw


def post(client: TestClient, key: str | None, fmt: str = "json", **fields: str) -> object:
    data = {
        "service_code": "water",
        "description": "人民路12号停水了",
        "address_string": "东城区东华街道人民路12号",
        "first_name": "五",
        "last_name": "王",
        "phone": "13812345678",
        **fields,
    }
    if key is not None:
        data["api_key"] = key
    return client.post(f"/open311/v2/requests.{fmt}", data={k: v for k, v in data.items() if v is not None})


def test_services_and_definitions_in_json_and_xml(city: City, client: TestClient) -> None:
    services = client.get("/open311/v2/services.json").json()
    assert {"service_code": "water", "service_name": "供水", "metadata": True}.items() <= services[0].items()
    assert len(services) == 18
    xml = ET.fromstring(client.get("/open311/v2/services.xml").content)
    assert xml.tag == "services" and xml.find("service/service_code").text == "water"
    definition = client.get("/open311/v2/services/noise.json").json()
    assert [a["code"] for a in definition["attributes"]] == ["request_type", "urgency"]
    missing = client.get("/open311/v2/services/weather.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_posting_a_request_and_reading_it_back(city: City, client: TestClient, api_key: str) -> None:
    r = post(client, api_key, **{"attribute[request_type]": "complaint", "attribute[urgency]": "urgent"})
    assert r.status_code == 201, r.text
    [created] = r.json()
    rid, token = created["service_request_id"], created["token"]
    req = service.get_request(city.session, city.actor("agent"), int(rid))
    assert (req.channel, req.type_code, req.kind, req.status) == (
        "open311",
        "complaint",
        "urgent",
        "dispatched",
    )

    [read] = client.get(f"/open311/v2/requests/{rid}.json").json()
    assert read["status"] == "open" and read["service_code"] == "water"
    assert read["agency_responsible"] == city.dept("zjj").name
    assert "13812345678" not in client.get(f"/open311/v2/requests/{rid}.json").text
    assert client.get(f"/open311/v2/tokens/{token}.json").json() == [
        {"service_request_id": rid, "token": token}
    ]
    xml = ET.fromstring(client.get(f"/open311/v2/requests/{rid}.xml").content)
    assert xml.tag == "service_requests" and xml.find("request/service_request_id").text == rid

    listed = client.get("/open311/v2/requests.json?status=open&service_code=water").json()
    assert [x["service_request_id"] for x in listed] == [rid]
    assert client.get("/open311/v2/requests.json?status=closed").json() == []


def test_phone_numbers_written_in_descriptions_are_masked_when_read(
    city: City, client: TestClient, api_key: str
) -> None:
    r = post(client, api_key, description="请回电13912345678，身份证370802198806010011也可以查")
    [read] = client.get(f"/open311/v2/requests/{r.json()[0]['service_request_id']}.json").json()
    assert "139****5678" in read["description"] and "13912345678" not in read["description"]


@pytest.mark.parametrize(
    ("fields", "status", "needle"),
    [
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "weather"}, 400, "service_code"),
        ({"address_string": None}, 400, "lat 和 long"),
        ({"description": None}, 400, "description"),
        ({"phone": "12345"}, 400, "手机号"),
        ({"lat": "north"}, 400, "lat"),
        ({"lat": "95", "long": "116", "address_string": None}, 400, "纬度"),
    ],
)
def test_bad_posts_get_open311_errors(
    city: City, client: TestClient, api_key: str, fields: dict[str, str | None], status: int, needle: str
) -> None:
    r = post(client, api_key, **fields)  # type: ignore[arg-type]
    assert r.status_code == status
    [err] = r.json()
    assert err["code"] == status and needle in err["description"]


def test_a_missing_or_revoked_key_is_refused_in_the_requested_format(
    city: City, client: TestClient, api_key: str
) -> None:
    r = post(client, None, fmt="xml")
    assert r.status_code == 403 and ET.fromstring(r.content).find("error/code").text == "403"
    service.revoke_api_client(city.session, None, "市民App")
    assert post(client, api_key).status_code == 403


def test_a_request_outside_the_city_is_accepted_and_waits_for_a_dispatcher(
    city: City, client: TestClient, api_key: str
) -> None:
    r = post(client, api_key, address_string="北京市朝阳区建国路88号")
    assert r.status_code == 201
    req = service.get_request(city.session, city.actor("agent"), int(r.json()[0]["service_request_id"]))
    assert (req.status, req.queue_reason) == ("pending", "outside")


def test_coordinates_alone_are_a_location(city: City, client: TestClient, api_key: str) -> None:
    r = post(client, api_key, address_string=None, lat="35.4101", long="116.5801")
    assert r.status_code == 201
    req = service.get_request(city.session, city.actor("agent"), int(r.json()[0]["service_request_id"]))
    assert req.district_code == "379902" and req.status == "dispatched"
