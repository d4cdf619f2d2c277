"""The operator's CLI against a real, committed database."""

import pytest
from typer.testing import CliRunner

from shuzheng.cli import app
from shuzheng.config import get_settings
from tests import factories as f

runner = CliRunner()


@pytest.fixture
def cli_db(fresh_database, monkeypatch):
    monkeypatch.setenv("SHUZHENG_DATABASE_URL", fresh_database.url)
    get_settings.cache_clear()
    yield fresh_database
    get_settings.cache_clear()


def _department(db) -> str:
    from shuzheng.db import Database

    database = Database(engine=db.engine)
    with database.unit_of_work() as session:
        return f.department(session).code


def test_db_upgrade_is_idempotent(cli_db) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "数据库已迁移到" in result.output


def _create_user(username: str, department: str, *roles: str, password: str = f.PASSWORD):
    args = ["users", "create", username, "--name", "李雷", "--department", department, "--password", password]
    for role in roles:
        args += ["--role", role]
    return runner.invoke(app, args)


def test_users_create_and_errors(cli_db) -> None:
    code = _department(cli_db)
    ok = _create_user("li.lei", code, "approver", "leader")
    assert ok.exit_code == 0, ok.output
    assert "已创建账号 li.lei" in ok.output
    dup = _create_user("li.lei", code, "approver")
    assert dup.exit_code == 2 and "用户名已存在" in dup.output
    bad = _create_user("han.mei", "nope", "approver")
    assert bad.exit_code == 2 and "部门不存在" in bad.output
    weak = _create_user("han.mei", code, "approver", password="short")
    assert weak.exit_code == 2 and "密码至少8位" in weak.output
    listing = runner.invoke(app, ["users", "list"])
    assert "li.lei" in listing.output and "approver,leader" in listing.output


def test_unreachable_database_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setenv(
        "SHUZHENG_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2"
    )
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["db", "upgrade"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 3 and "无法连接数据库" in result.output


def test_keys_init_writes_a_private_file_once(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("SHUZHENG_MASTER_KEY", raising=False)
    monkeypatch.setenv("SHUZHENG_MASTER_KEY_FILE", str(tmp_path / "master.key"))
    get_settings.cache_clear()
    try:
        first = runner.invoke(app, ["keys", "init"])
        second = runner.invoke(app, ["keys", "init"])
    finally:
        get_settings.cache_clear()
    assert first.exit_code == 0 and "已生成平台主密钥" in first.output
    assert "未覆盖" in second.output
    assert (tmp_path / "master.key").stat().st_mode & 0o777 == 0o600
    assert len(bytes.fromhex((tmp_path / "master.key").read_text().strip())) == 32


def test_serve_refuses_to_start_without_a_database(monkeypatch) -> None:
    monkeypatch.setenv(
        "SHUZHENG_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2"
    )
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["serve", "--port", "8799"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 3 and "无法连接数据库" in result.output
    assert "nobody@" in result.output and "Traceback" not in result.output
