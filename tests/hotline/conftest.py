from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from shuzheng.config import get_settings
from shuzheng.kit import clock
from tests.hotline.factories import City, build_city

# A Tuesday morning in Beijing, well inside the officially scheduled 2026 calendar.
NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=clock.CHINA_TZ)


@pytest.fixture
def frozen() -> Iterator[dt.datetime]:
    with clock.frozen(NOW):
        yield NOW


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(get_settings(), "var_dir", tmp_path)
    return tmp_path


@pytest.fixture
def city(session: Session, frozen: dt.datetime, var_dir: Path) -> City:
    return build_city(session)
