"""Downloads, DCAT-AP, 可用不可见 aggregates, developer keys and the public pages."""

from __future__ import annotations

import csv
import io
import json

import duckdb
import pytest
from rdflib import RDF, Graph
from rdflib.namespace import DCAT, DCTERMS
from sqlalchemy import select

from shuzheng.ledger.models import LedgerEntry
from shuzheng.opendata import service
from shuzheng.security import service as accounts
from shuzheng.security.models import Account
from tests import factories as f
from tests.opendata.factories import seed


@pytest.fixture
def opened(session, tmp_path):  # type: ignore[no-untyped-def]
    return seed(session, tmp_path)


def _auth(session, account) -> dict[str, str]:  # type: ignore[no-untyped-def]
    token = accounts.issue_tokens(session, account).access_token
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_downloads_hold_only_open_fields_and_are_counted(client, session, opened, tmp_path) -> None:
    name = service.slug(opened.code)
    r = client.get(f"/opendata/datasets/{name}/download.csv")
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 30 and list(rows[0]) == ["park_id", "park_name", "district", "spaces"]
    data = client.get(f"/opendata/datasets/{name}/download.json").json()
    assert data[0]["park_id"] == "P00001" and "manager_phone" not in data[0]
    parquet = tmp_path / "x.parquet"
    parquet.write_bytes(client.get(f"/opendata/datasets/{name}/download.parquet?version=1").content)
    assert duckdb.connect().execute(f"SELECT sum(spaces) FROM read_parquet('{parquet}')").fetchone() == (
        4650,
    )
    assert service.usage(session, opened.code) == {
        "download_csv": 1,
        "download_json": 1,
        "download_parquet": 1,
    }
    assert client.get(f"/opendata/datasets/{name}/download.xlsx").status_code == 422
    assert client.get(f"/opendata/datasets/{name}/download.csv?version=9").status_code == 404
    assert (
        client.get(f"/opendata/datasets/{service.slug(opened.person_code)}/download.csv").status_code == 404
    )


def test_dcat_catalog_parses_back(client, opened) -> None:
    name = service.slug(opened.code)
    for path, fmt in (("/catalog.ttl", "turtle"), ("/catalog.jsonld", "json-ld")):
        g = Graph().parse(data=client.get(path).text, format=fmt)
        assert len(list(g.subjects(RDF.type, DCAT.Catalog))) == 1
        datasets = list(g.subjects(RDF.type, DCAT.Dataset))
        assert [str(d).rsplit("/", 1)[1] for d in datasets] == [name]
        ds = datasets[0]
        assert str(g.value(ds, DCTERMS.title)) == "公共停车场信息"
        assert g.value(ds, DCTERMS.publisher) is not None
        assert str(g.value(ds, DCTERMS.accrualPeriodicity)).endswith("/MONTHLY")
        assert len(list(g.objects(ds, DCAT.distribution))) == 3
    one = Graph().parse(data=client.get(f"/dataset/{name}.ttl").text, format="turtle")
    assert len(list(one.subjects(RDF.type, DCAT.Dataset))) == 1
    assert client.get("/dataset/nope.ttl").status_code == 404


def test_aggregate_suppresses_small_groups_and_is_traced(client, session, opened) -> None:
    headers = _auth(session, f.staff(session, "data_officer"))
    body = {"resource": opened.person_code, "group_by": ["sex"], "purpose": "人口性别结构统计"}
    r = client.post("/api/opendata/aggregate", json=body, headers=headers)
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["min_group"] == 10
    assert {g["sex"]: g["n"] for g in result["groups"]} == {"1": 22, "2": 23}
    # Grouping by birth date makes single-person groups: all suppressed, none returned.
    fine = client.post(
        "/api/opendata/aggregate", json={**body, "group_by": ["birth_date"]}, headers=headers
    ).json()
    assert fine["groups"] == [] and fine["suppressed_groups"] == 45
    entries = session.scalars(
        select(LedgerEntry).where(LedgerEntry.action == "opendata.aggregate").order_by(LedgerEntry.seq)
    ).all()
    assert len(entries) == 2 and json.loads(entries[0].payload)["groups_suppressed"] == 0


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"group_by": ["id_number"]}, 422),
        ({"group_by": ["name"]}, 422),
        ({"group_by": ["nope"]}, 422),
        ({"sum": ["sex"]}, 422),
        ({"purpose": " "}, 422),
    ],
)
def test_aggregate_refuses_identifying_queries(client, session, opened, change, status) -> None:
    headers = _auth(session, f.staff(session, "data_officer"))
    body = {"resource": opened.person_code, "group_by": ["sex"], "purpose": "统计", **change}
    assert client.post("/api/opendata/aggregate", json=body, headers=headers).status_code == status


def test_aggregate_needs_a_staff_token_and_an_eligible_dataset(client, session, opened) -> None:
    # A refused request rolls the test's work back to the last commit: take the tokens (which commit) first.
    citizen = _auth(session, f.citizen(session))
    staff = _auth(session, f.staff(session, "data_officer"))
    body = {"resource": opened.person_code, "group_by": ["sex"], "purpose": "统计"}
    assert client.post("/api/opendata/aggregate", json=body).status_code == 401
    assert client.post("/api/opendata/aggregate", json=body, headers=citizen).status_code == 403
    public = {**body, "resource": opened.code, "group_by": ["district"]}
    r = client.post("/api/opendata/aggregate", json=public, headers=staff)
    assert r.status_code == 422, r.text


def test_a_developer_key_lifts_the_row_cap(client, session, opened) -> None:
    headers = _auth(session, f.citizen(session))
    created = client.post("/api/opendata/keys", json={"label": "停车应用"}, headers=headers)
    assert created.status_code == 201
    raw = created.json()["key"]
    rid = client.get("/api/3/action/package_show", params={"id": opened.code}).json()["result"]["resources"][
        0
    ]["id"]
    res = client.get(
        "/api/3/action/datastore_search",
        params={"resource_id": rid, "limit": 500},
        headers={"Authorization": raw},
    ).json()["result"]
    assert res["limit"] == 500 and "limit_capped" not in res


def test_public_pages_without_login(client, opened) -> None:
    name = service.slug(opened.code)
    page = client.get("/opendata")
    assert page.status_code == 200 and "公共停车场信息" in page.text
    assert "人口基础信息" not in page.text.split("有条件开放的数据集")[0]
    assert "公共停车场信息" not in client.get("/opendata", params={"q": "不存在"}).text
    detail = client.get(f"/opendata/datasets/{name}")
    assert detail.status_code == 200
    assert "第20停车场" in detail.text and "第21停车场" not in detail.text
    assert "13800000001" not in detail.text and "download.csv" in detail.text
    assert json.dumps(name)[1:-1] in detail.text


def test_an_approved_application_opens_aggregates_to_a_citizen(client, session, opened) -> None:
    citizen = _auth(session, f.citizen(session))
    provider = _auth(session, session.get(Account, opened.cast.officer.account_id))
    other = _auth(session, f.staff(session, "data_officer"))
    body = {"resource": opened.person_code, "group_by": ["sex"], "purpose": "人口结构研究"}
    assert client.post("/api/opendata/aggregate", json=body, headers=citizen).status_code == 403
    applied = client.post(
        "/api/opendata/applications",
        json={"resource": opened.person_code, "purpose": "高校人口结构研究课题"},
        headers=citizen,
    )
    assert applied.status_code == 201, applied.text
    app_id = applied.json()["id"]
    assert client.get("/api/opendata/applications", headers=provider).json()["to_decide"][0]["id"] == app_id
    decision = f"/api/opendata/applications/{app_id}/decision"
    assert client.post(decision, json={"approve": True}, headers=other).status_code == 403
    assert client.post(decision, json={"approve": False}, headers=provider).status_code == 422
    assert client.post(decision, json={"approve": True}, headers=provider).json()["status"] == "approved"
    assert client.post(decision, json={"approve": True}, headers=provider).status_code == 409
    assert client.post("/api/opendata/aggregate", json=body, headers=citizen).status_code == 200
    mine = client.get("/api/opendata/applications", headers=citizen).json()
    assert mine["mine"][0]["status_label"] == "已批准" and mine["to_decide"] == []


def test_a_public_dataset_needs_no_application(client, session, opened) -> None:
    citizen = _auth(session, f.citizen(session))
    r = client.post(
        "/api/opendata/applications",
        json={"resource": opened.code, "purpose": "停车应用开发"},
        headers=citizen,
    )
    assert r.status_code == 422
