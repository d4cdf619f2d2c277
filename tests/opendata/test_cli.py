"""`shuzheng opendata list|stats|keys` against a real, committed database."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shuzheng.cli import app
from shuzheng.config import get_settings
from shuzheng.ledger.models import LedgerEntry
from shuzheng.opendata import service
from tests import factories as f
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


def test_keys_list_and_revoke(cli_db, fresh_database) -> None:  # type: ignore[no-untyped-def]
    with Session(fresh_database.engine) as session:
        owner = f.citizen(session)
        key, raw = service.create_api_key(session, f.actor(session, owner), "停车导航小程序")
        key_id = key.id
        session.commit()
    listed = runner.invoke(app, ["opendata", "keys", "list"])
    assert listed.exit_code == 0, listed.output
    assert f"#{key_id}" in listed.output and "停车导航小程序" in listed.output and "有效" in listed.output
    assert raw not in listed.output and "共 1 个密钥" in listed.output
    revoked = runner.invoke(app, ["opendata", "keys", "revoke", str(key_id)])
    assert revoked.exit_code == 0 and "已停用" in revoked.output
    again = runner.invoke(app, ["opendata", "keys", "revoke", str(key_id)])
    assert again.exit_code == 0 and "此前已停用" in again.output
    assert "共 0 个密钥" in runner.invoke(app, ["opendata", "keys", "list", "--active"]).output
    missing = runner.invoke(app, ["opendata", "keys", "revoke", "99999"])
    assert missing.exit_code != 0 and "没有这个开发者密钥" in missing.output
    with Session(fresh_database.engine) as session:
        entries = session.scalars(
            select(LedgerEntry).where(LedgerEntry.action == "opendata.key_revoke")
        ).all()
        assert len(entries) == 1 and entries[0].subject == f"opendata_key:{key_id}"
