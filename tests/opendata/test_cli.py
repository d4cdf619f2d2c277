"""`shuzheng opendata list|stats` against a real, committed database."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shuzheng.cli import app
from shuzheng.config import get_settings
from shuzheng.opendata import service
from tests.opendata.factories import seed

runner = CliRunner()


@pytest.fixture
def cli_db(fresh_database, monkeypatch, lake_dir, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SHUZHENG_DATABASE_URL", fresh_database.url)
    get_settings.cache_clear()
    with Session(fresh_database.engine) as session:
        opened = seed(session, tmp_path)
        service.count_use(session, opened.code, "download_csv")
        service.count_use(session, opened.code, "download_csv")
        service.count_use(session, opened.code, "api")
        session.commit()
    yield opened
    get_settings.cache_clear()


def test_list_and_stats(cli_db) -> None:
    name = service.slug(cli_db.code)
    listed = runner.invoke(app, ["opendata", "list"])
    assert listed.exit_code == 0, listed.output
    assert name in listed.output and "30 行" in listed.output and "管理员电话" not in listed.output
    assert "共 1 个开放数据集" in listed.output
    stats = runner.invoke(app, ["opendata", "stats"])
    assert stats.exit_code == 0 and "下载 2 次，接口调用 1 次" in stats.output
