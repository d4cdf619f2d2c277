"""The `ckanapi` package, unchanged, against the real app served by uvicorn on a free local port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import ckanapi
import pytest
import uvicorn
from sqlalchemy.orm import Session

from shuzheng.app import create_app
from shuzheng.db import Database
from shuzheng.opendata import service
from tests.opendata.factories import OpenFixture, seed


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live(fresh_database, tmp_path: Path) -> Iterator[tuple[str, OpenFixture]]:  # type: ignore[no-untyped-def]
    with Session(fresh_database.engine) as session:
        opened = seed(session, tmp_path)
        session.commit()
    app = create_app(database=Database(engine=fresh_database.engine))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="opendata-ckan-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("测试服务器未能启动")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", opened
    finally:
        server.should_exit = True
        thread.join(timeout=15)


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
