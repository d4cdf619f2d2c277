"""Every open-data test gets a lake of its own under tmp_path; `live` serves the real app with the seeded
open datasets over uvicorn on a free local port (for ckanapi and the browser)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from shuzheng.config import get_settings
from tests.browser.live import serve
from tests.opendata.factories import OpenFixture, seed


@pytest.fixture(autouse=True)
def lake_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SHUZHENG_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield get_settings().lake_dir
    get_settings.cache_clear()


@pytest.fixture
def live(fresh_database, tmp_path: Path) -> Iterator[tuple[str, OpenFixture]]:  # type: ignore[no-untyped-def]
    with Session(fresh_database.engine) as session:
        opened = seed(session, tmp_path)
        session.commit()
    with serve(fresh_database.engine, name="opendata-ckan-server") as url:
        yield url, opened


# A failing browser test here leaves a full-page screenshot under test-results/, as in tests/browser.
from tests.browser.conftest import pytest_runtest_makereport  # noqa: E402, F401
