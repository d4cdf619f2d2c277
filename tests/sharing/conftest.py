"""Every sharing test gets a lake of its own under tmp_path."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from shuzheng.config import get_settings


@pytest.fixture(autouse=True)
def lake_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SHUZHENG_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield get_settings().lake_dir
    get_settings.cache_clear()
