"""`shuzheng catalog …` against a database of its own: each command commits like it does on a server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shuzheng.catalog import service
from shuzheng.cli import app
from shuzheng.config import get_settings
from tests import factories as f
from tests.catalog import factories as cf


@pytest.fixture
def cli(fresh_database, monkeypatch) -> Iterator[CliRunner]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SHUZHENG_DATABASE_URL", fresh_database.url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_list_show_export_and_import(cli, fresh_database, tmp_path: Path) -> None:
    with Session(fresh_database.engine) as session:
        c = cf.cast(session)
        code = cf.published(session, c)
        f.staff(session, "data_officer", dept=c.dept, username="shuju.test")
        session.commit()

    listed = cli.invoke(app, ["catalog", "list", "-q", "rkjc"])
    assert listed.exit_code == 0, listed.output
    assert code in listed.output and "人口基础信息" in listed.output and "共 1 个资源" in listed.output

    shown = cli.invoke(app, ["catalog", "show", code])
    assert shown.exit_code == 0, shown.output
    assert "id_number" in shown.output and "主键" in shown.output and "第1版 现行版本" in shown.output
    unknown = cli.invoke(app, ["catalog", "show", "101001001-x-00001"])
    assert unknown.exit_code == 2 and "数据资源目录中没有资源代码" in unknown.output

    book = tmp_path / "catalog.xlsx"
    exported = cli.invoke(app, ["catalog", "export", str(book)])
    assert exported.exit_code == 0 and book.is_file()
    wb = load_workbook(book)
    wb["数据资源"]["I2"] = "每月"  # 更新周期
    wb.save(book)

    refused = cli.invoke(app, ["catalog", "import", str(book), "--as", "nobody"])
    assert refused.exit_code == 2 and "工作人员账号不存在" in refused.output
    imported = cli.invoke(app, ["catalog", "import", str(book), "--as", "shuju.test", "--submit"])
    assert imported.exit_code == 0, imported.output
    assert "修订1个" in imported.output and "已提交审核1个" in imported.output
    with Session(fresh_database.engine) as session:
        assert service.open_revision(session, service.get_resource(session, code)).status == "submitted"

    wb["信息项"]["E2"] = "整数"  # 身份证号 as an integer
    wb.save(book)
    bad = cli.invoke(app, ["catalog", "import", str(book), "--as", "shuju.test"])
    assert bad.exit_code == 2
    assert "工作表「信息项」第2行 E列（数据类型）" in bad.output
