"""`shuzheng sharing …` against a database of its own: each command commits like it does on a server."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shuzheng.cli import app
from shuzheng.config import get_settings
from shuzheng.kit import clock
from shuzheng.sharing import service
from shuzheng.sharing.models import SharingExport
from tests.sharing import factories as sf


@pytest.fixture
def cli(fresh_database, monkeypatch) -> Iterator[CliRunner]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SHUZHENG_DATABASE_URL", fresh_database.url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_demands_agreements_trace_kpis_revoke(cli, fresh_database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with Session(fresh_database.engine) as session:
        w = sf.world(session, tmp_path)
        a = sf.agreement(session, w)
        service.lookup(session, a, w.person, sf.ROWS[0][0])
        pending = sf.demand(session, w)
        aid, pid = a.id, pending.id
        session.commit()
    out = cli.invoke(app, ["sharing", "demands"])
    assert out.exit_code == 0, out.output
    assert f"#{pid}" in out.output and "待提供方审核" in out.output
    out = cli.invoke(app, ["sharing", "agreements"])
    assert f"#{aid}" in out.output and "调用 1 次 / 1 行" in out.output
    out = cli.invoke(app, ["sharing", "trace", "--id-number", sf.ROWS[0][0]])
    assert out.exit_code == 0 and "市民政局" in out.output and "共 1 次" in out.output
    out = cli.invoke(app, ["sharing", "kpis"])
    assert "统一提供数据服务比例" in out.output and "（1/" in out.output
    out = cli.invoke(app, ["sharing", "revoke", str(aid), "--reason", "停止"])
    assert out.exit_code == 0 and "已撤销" in out.output
    out = cli.invoke(app, ["sharing", "revoke", str(aid), "--reason", "停止"])
    assert out.exit_code != 0 and "已撤销" in out.output


def test_exports_run_produces_queued_exports_and_purges_old_files(
    cli, fresh_database, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    with Session(fresh_database.engine) as session:
        w = sf.world(session, tmp_path)
        a = sf.agreement(session, w)
        queued = service.request_export(session, a, w.person, {}).id
        old = service.request_export(session, a, w.person, {}).id
        with clock.frozen(clock.now() - dt.timedelta(days=30)):
            service.run_export(session, old)
        old_file = service.export_dir() / session.get(SharingExport, old).file_name
        session.commit()
    out = cli.invoke(app, ["sharing", "exports-run"])
    assert out.exit_code == 0, out.output
    assert "已处理 1 个导出任务" in out.output and "删除 1 个超过保留期的导出文件" in out.output
    assert not old_file.exists()
    with Session(fresh_database.engine) as session:
        assert session.get(SharingExport, queued).status == "done"
        assert session.get(SharingExport, old).status == "purged"
