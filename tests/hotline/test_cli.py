"""`shuzheng hotline …` against a real, committed database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shuzheng.cli import app
from shuzheng.config import get_settings
from shuzheng.hotline import service
from tests.hotline.factories import build_city, submit

runner = CliRunner()


@pytest.fixture
def cli_db(fresh_database, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[object]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SHUZHENG_DATABASE_URL", fresh_database.url)
    monkeypatch.setenv("SHUZHENG_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield fresh_database
    get_settings.cache_clear()


def test_api_keys_settings_jobs_and_reports(cli_db) -> None:  # type: ignore[no-untyped-def]
    with Session(cli_db.engine) as session:
        city = build_city(session)
        submit(city)
        session.commit()

    created = runner.invoke(app, ["hotline", "apikey", "create", "市民App"])
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    assert key.startswith("sz311_")
    with Session(cli_db.engine) as session:
        assert service.client_for_key(session, key).name == "市民App"
    again = runner.invoke(app, ["hotline", "apikey", "create", "市民App"])
    assert again.exit_code != 0 and "已存在" in again.output
    listed = runner.invoke(app, ["hotline", "apikey", "list"])
    assert "市民App" in listed.output and key not in listed.output
    assert runner.invoke(app, ["hotline", "apikey", "revoke", "市民App"]).exit_code == 0

    shown = runner.invoke(app, ["hotline", "settings", "urgent_hours", "12"])
    assert shown.exit_code == 0 and "urgent_hours" in shown.output
    bad = runner.invoke(app, ["hotline", "settings", "urgent_hours", "0"])
    assert bad.exit_code != 0 and "1 到 240" in bad.output

    tick = runner.invoke(app, ["hotline", "tick"])
    assert tick.exit_code == 0 and "预警" in tick.output
    daily = runner.invoke(app, ["hotline", "daily", "--day", "2026-03-10"])
    assert daily.exit_code == 0 and "日清日结 2026-03-10" in daily.output
    assert runner.invoke(app, ["hotline", "report", "--day", "nonsense"]).exit_code != 0
    rates = runner.invoke(app, ["hotline", "rates"])
    assert rates.exit_code == 0 and "响应率" in rates.output
    retrained = runner.invoke(app, ["hotline", "retrain"])
    assert retrained.exit_code == 0 and "领域准确率" in retrained.output, retrained.output
