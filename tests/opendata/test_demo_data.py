"""The demo city's open resource (企业) through the CKAN API and the downloads, as a visitor sees it."""

import json

from shuzheng.catalog import demo as catalog_demo
from shuzheng.demo import loader
from shuzheng.demo.loader import DemoCity
from shuzheng.ingest import demo
from tests import factories as f


def test_the_demo_open_dataset_is_served(client, session) -> None:
    city = DemoCity()
    loader._load_regions(session, city)
    loader._load_departments(session, city)
    city.staff["admin"] = f.staff(session, "platform_admin", username="admin", dept=city.department("dsjj"))
    catalog_demo.load(session, city)
    demo.load(session, city, scale=0.06)

    names = client.get("/api/3/action/package_list").json()["result"]
    assert names
    pkg = client.get("/api/3/action/package_show", params={"id": names[0]}).json()["result"]
    rid = pkg["resources"][0]["id"]
    res = client.get("/api/3/action/datastore_search", params={"resource_id": rid, "limit": 3}).json()
    assert res["success"] and len(res["result"]["records"]) == 3
    assert "legal_representative" not in json.dumps(res["result"]["fields"])  # 有条件开放 field stays closed
    for fmt in ("csv", "json", "parquet"):
        assert client.get(f"/opendata/datasets/{names[0]}/download.{fmt}").status_code == 200
    assert client.get(f"/opendata/datasets/{names[0]}").status_code == 200
    assert client.get("/catalog.ttl").status_code == 200
