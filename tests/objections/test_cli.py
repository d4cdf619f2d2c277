"""`shuzheng objections …` against a database of its own: each command commits like it does on a server."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shuzheng.cli import app
from shuzheng.config import get_settings
from shuzheng.kit import clock
from tests.objections import factories as of


@pytest.fixture
def cli(fresh_database, monkeypatch) -> Iterator[CliRunner]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SHUZHENG_DATABASE_URL", fresh_database.url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_list_show_tick_stats(cli, fresh_database) -> None:
    with Session(fresh_database.engine) as session:
        w = of.world(session)
        with clock.frozen(dt.datetime(2026, 9, 30, 10, tzinfo=clock.CHINA_TZ)):
            o = of.objection(session, w)
        oid, dept_name = o.id, w.dept.name
        session.commit()

    listed = cli.invoke(app, ["objections", "list"])
    assert listed.exit_code == 0, listed.output
    assert f"#{oid}" in listed.output and "待处理" in listed.output and "2026-10-13" in listed.output
    assert "共 1 条" in listed.output

    with clock.frozen(dt.datetime(2026, 10, 14, 9, tzinfo=clock.CHINA_TZ)):
        ticked = cli.invoke(app, ["objections", "tick"])
        assert ticked.exit_code == 0 and f"升级 1 条：{oid}" in ticked.output
        again = cli.invoke(app, ["objections", "tick"])
        assert "升级 0 条" in again.output
        stats = cli.invoke(app, ["objections", "stats", "--from", "2026-09-01", "--to", "2026-10-31"])
    assert stats.exit_code == 0, stats.output
    assert dept_name in stats.output and "共 1 条异议" in stats.output

    shown = cli.invoke(app, ["objections", "show", str(oid)])
    assert shown.exit_code == 0, shown.output
    assert "超期督办" in shown.output and "escalate" in shown.output and "3708" in shown.output

    missing = cli.invoke(app, ["objections", "show", "999"])
    assert missing.exit_code == 2 and "找不到第999号异议" in missing.output
    bad = cli.invoke(app, ["objections", "stats", "--from", "2026-13-01"])
    assert bad.exit_code == 2 and "日期格式" in bad.output
