"""The CKAN Action API through the real app: envelope, mapping, search, datastore and bad input."""

from __future__ import annotations

import json

import pytest

from shuzheng.opendata import service
from tests.opendata.factories import seed


@pytest.fixture
def opened(session, tmp_path):  # type: ignore[no-untyped-def]
    return seed(session, tmp_path)


def ok(response):  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True and "help" in body
    return body["result"]


def test_only_unconditional_datasets_are_listed_on_both_paths(client, opened) -> None:
    name = service.slug(opened.code)
    assert ok(client.get("/api/3/action/package_list")) == [name]
    assert ok(client.post("/api/action/package_list", json={})) == [name]


def test_package_show_maps_the_catalog_and_hides_closed_fields(client, opened) -> None:
    name = service.slug(opened.code)
    pkg = ok(client.get("/api/3/action/package_show", params={"id": name}))
    assert pkg["title"] == "公共停车场信息"
    assert pkg["notes"] == "全市公共停车场的位置和泊位数"
    assert pkg["organization"]["title"] == opened.cast.dept.name
    assert len(pkg["resources"]) == 1
    rid = pkg["resources"][0]["id"]
    res = ok(client.post("/api/3/action/datastore_search", json={"resource_id": rid, "limit": 5}))
    assert res["total"] == 30
    assert [f["id"] for f in res["fields"]] == ["park_id", "park_name", "district", "spaces"]
    assert all("manager_phone" not in r for r in res["records"])
    assert {f["id"]: f["type"] for f in res["fields"]}["spaces"] == "int"


def test_datastore_filters_q_sort_and_fields(client, opened) -> None:
    rid = ok(client.get("/api/3/action/package_show", params={"id": opened.code}))["resources"][0]["id"]
    res = ok(
        client.get(
            "/api/3/action/datastore_search",
            params={
                "resource_id": rid,
                "filters": json.dumps({"district": "莱山区"}),
                "sort": "spaces desc",
                "fields": "park_id,spaces",
            },
        )
    )
    assert res["total"] == 10
    assert res["records"][0] == {"park_id": "P00028", "spaces": 280}
    found = ok(client.get("/api/3/action/datastore_search", params={"resource_id": rid, "q": "第7停车场"}))
    assert [r["park_id"] for r in found["records"]] == ["P00007"]


def test_a_closed_field_cannot_be_filtered_or_selected(client, opened) -> None:
    rid = ok(client.get("/api/3/action/package_show", params={"id": opened.code}))["resources"][0]["id"]
    for params in (
        {"filters": json.dumps({"manager_phone": "13800000001"})},
        {"fields": "manager_phone"},
        {"sort": "manager_phone"},
    ):
        r = client.get("/api/3/action/datastore_search", params={"resource_id": rid, **params})
        assert r.status_code == 409
        assert r.json()["error"]["__type"] == "Validation Error"


def test_package_search_fq_facets_and_paging(client, opened) -> None:
    org = service.slug(opened.cast.dept.code)
    res = ok(
        client.get(
            "/api/3/action/package_search",
            params={"fq": f'organization:{org} res_format:"CSV"', "facet.field": '["organization","tags"]'},
        )
    )
    assert res["count"] == 1
    assert res["search_facets"]["organization"]["items"][0]["count"] == 1
    assert ok(client.get("/api/3/action/package_search", params={"q": "不存在的词"}))["count"] == 0
    assert ok(client.get("/api/3/action/package_search", params={"rows": 0}))["results"] == []


def test_organizations_groups_tags_and_resource_show(client, opened) -> None:
    orgs = ok(client.get("/api/3/action/organization_list", params={"all_fields": "true"}))
    mine = next(o for o in orgs if o["title"] == opened.cast.dept.name)
    assert mine["package_count"] == 1
    shown = ok(client.get("/api/3/action/organization_show", params={"id": mine["name"]}))
    assert shown["is_organization"] is True
    assert "部门信息资源" in ok(client.get("/api/3/action/tag_list"))
    assert isinstance(ok(client.get("/api/3/action/group_list")), list)
    pkg = ok(client.get("/api/3/action/package_show", params={"id": opened.code}))
    res = ok(client.get("/api/3/action/resource_show", params={"id": pkg["resources"][0]["id"]}))
    assert res["url"].endswith(".csv?version=1")


@pytest.mark.parametrize(
    ("action", "params", "status", "kind"),
    [
        ("package_show", {"id": "nope"}, 404, "Not Found Error"),
        ("resource_show", {"id": "nope"}, 404, "Not Found Error"),
        ("datastore_search", {"resource_id": "x'; DROP TABLE t; --"}, 404, "Not Found Error"),
        ("package_search", {"rows": "-1"}, 409, "Validation Error"),
        ("package_search", {"rows": "abc"}, 409, "Validation Error"),
        ("package_search", {"fq": "organization:x OR 1=1) --"}, 409, "Search Query Error"),
        ("package_search", {"sort": "drop table"}, 409, "Validation Error"),
        ("datastore_search", {}, 409, "Validation Error"),
        ("no_such_action", {}, 400, "Not Found Error"),
    ],
)
def test_bad_parameters_are_ckan_errors(client, opened, action, params, status, kind) -> None:
    r = client.get(f"/api/3/action/{action}", params=params)
    assert r.status_code == status, r.text
    body = r.json()
    assert body["success"] is False and body["error"]["__type"] == kind


def test_a_person_dataset_is_not_public(client, opened) -> None:
    r = client.get("/api/3/action/package_show", params={"id": opened.person_code})
    assert r.status_code == 404


def test_filter_injection_is_just_a_value(client, opened) -> None:
    rid = ok(client.get("/api/3/action/package_show", params={"id": opened.code}))["resources"][0]["id"]
    res = ok(
        client.post(
            "/api/3/action/datastore_search",
            json={"resource_id": rid, "filters": {"district": "x' OR '1'='1"}},
        )
    )
    assert res["total"] == 0


def test_limit_is_capped_without_a_key_and_the_response_says_so(client, opened) -> None:
    rid = ok(client.get("/api/3/action/package_show", params={"id": opened.code}))["resources"][0]["id"]
    res = ok(client.get("/api/3/action/datastore_search", params={"resource_id": rid, "limit": 5000}))
    assert res["limit"] == service.ANONYMOUS_LIMIT and res["limit_capped"] is True
    bad = client.get(
        "/api/3/action/datastore_search", params={"resource_id": rid}, headers={"Authorization": "od_wrong"}
    )
    assert bad.status_code == 403 and bad.json()["error"]["__type"] == "Authorization Error"
