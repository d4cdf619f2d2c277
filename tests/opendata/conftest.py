"""Every open-data test gets a lake of its own under tmp_path; `live` serves the real app with the seeded
open datasets over uvicorn on a free local port (for ckanapi and the browser)."""

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy.orm import Session

from shuzheng.app import create_app
from shuzheng.config import get_settings
from shuzheng.db import Database
from tests.opendata.factories import OpenFixture, seed


@pytest.fixture(autouse=True)
def lake_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SHUZHENG_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield get_settings().lake_dir
    get_settings.cache_clear()


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


# A failing browser test here leaves a full-page screenshot under test-results/, as in tests/browser.
from tests.browser.conftest import pytest_runtest_makereport  # noqa: E402, F401
