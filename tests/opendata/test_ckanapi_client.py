"""The `ckanapi` package, unchanged, against the real app served by uvicorn on a free local port."""

from __future__ import annotations

import ckanapi
import pytest

from shuzheng.opendata import service


def test_ckanapi_reads_the_portal(live) -> None:  # type: ignore[no-untyped-def]
    url, opened = live
    name = service.slug(opened.code)
    with ckanapi.RemoteCKAN(url, user_agent="shuzheng-test") as ckan:
        assert ckan.action.package_list() == [name]
        pkg = ckan.action.package_show(id=name)
        assert pkg["title"] == "公共停车场信息"
        found = ckan.action.package_search(fq=f"organization:{pkg['organization']['name']}", rows=5)
        assert found["count"] == 1
        rows = ckan.action.datastore_search(
            resource_id=pkg["resources"][0]["id"], filters={"district": "芝罘区"}, limit=3, sort="park_id"
        )
        assert rows["total"] == 10 and [r["park_id"] for r in rows["records"]] == [
            "P00003",
            "P00006",
            "P00009",
        ]
        orgs = ckan.action.organization_list(all_fields=True)
        assert any(o["package_count"] == 1 for o in orgs)
        with pytest.raises(ckanapi.NotFound):
            ckan.action.package_show(id="no-such-dataset")
        with pytest.raises(ckanapi.ValidationError):
            ckan.action.package_search(rows="abc")
    with ckanapi.RemoteCKAN(url, get_only=True, user_agent="shuzheng-test") as ckan:
        assert ckan.action.tag_list()
        assert ckan.action.resource_show(id=pkg["resources"][0]["id"])["package_id"] == name
    with (
        ckanapi.RemoteCKAN(url, apikey="od_not-a-key", user_agent="shuzheng-test") as ckan,
        pytest.raises(ckanapi.NotAuthorized),
    ):
        ckan.action.package_list()
