"""`shuzheng calendar …` against a database of its own: each command commits like it does on a server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from shuzheng.cli import app
from shuzheng.config import get_settings
from tests.kit.calendar_helpers import SAMPLE_2027


@pytest.fixture
def cli(fresh_database, monkeypatch) -> Iterator[CliRunner]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SHUZHENG_DATABASE_URL", fresh_database.url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _days_2027(fresh_database) -> int:  # type: ignore[no-untyped-def]
    with fresh_database.engine.connect() as conn:
        return int(
            conn.execute(text("SELECT count(*) FROM kit_calendar_days WHERE schedule_year = 2027")).scalar()
        )


def test_import_the_sample_then_count_across_the_new_year(cli, fresh_database) -> None:
    before = cli.invoke(app, ["calendar", "add-days", "2026-12-30", "3"])
    assert before.exit_code == 0 and "2027-01-04（星期一）" in before.output
    assert "注意：2027年尚无正式的节假日安排" in before.output

    result = cli.invoke(app, ["calendar", "import", str(SAMPLE_2027)])
    assert result.exit_code == 0, result.output
    assert "已导入2027年节假日正式安排（新增）：放假29天，调休上班5天" in result.output
    assert _days_2027(fresh_database) == 34

    after = cli.invoke(app, ["calendar", "add-days", "2026-12-30", "3"])
    assert after.exit_code == 0 and "2027-01-05（星期二）" in after.output and "注意" not in after.output
    shown = cli.invoke(app, ["calendar", "show", "2027"])
    assert "2027年：已录入正式安排" in shown.output
    assert "春节：2月5日至2月13日放假，共9天；1月31日（星期日）、2月20日（星期六）上班" in shown.output
    assert "命令行" in shown.output
    assert "2027  已录入正式安排  放假29天 上班5天  文件导入" in cli.invoke(app, ["calendar", "years"]).output


def test_negative_days_and_between(cli) -> None:
    back = cli.invoke(app, ["calendar", "add-days", "2026-02-24", "-1"])
    assert back.exit_code == 0 and "2026-02-14（星期六）" in back.output
    counted = cli.invoke(app, ["calendar", "between", "2026-09-30", "2026-10-12"])
    assert counted.exit_code == 0 and counted.output.strip() == "4"


def test_a_bad_file_fails_with_its_row_and_writes_nothing(cli, fresh_database, tmp_path: Path) -> None:
    bad = tmp_path / "calendar-2027.csv"
    bad.write_text(
        "日期,类型(放假/上班),名称\n2027-10-01,放假,国庆节\n2027-10-32,放假,国庆节\n", encoding="utf-8"
    )
    result = cli.invoke(app, ["calendar", "import", str(bad)])
    assert result.exit_code == 2
    assert "第3行：日期「2027-10-32」不存在" in result.output
    assert _days_2027(fresh_database) == 0


def test_the_year_option_and_a_gbk_file(cli, fresh_database, tmp_path: Path) -> None:
    gbk = tmp_path / "2027.csv"
    gbk.write_bytes(SAMPLE_2027.read_text(encoding="utf-8").encode("gbk"))
    wrong = cli.invoke(app, ["calendar", "import", str(gbk), "--year", "2028"])
    assert wrong.exit_code == 2 and "不属于 2028 年" in wrong.output
    right = cli.invoke(app, ["calendar", "import", str(gbk), "--year", "2027", "--draft"])
    assert right.exit_code == 0 and "草案" in right.output
    assert _days_2027(fresh_database) == 34


def test_a_bad_date_argument_is_a_clear_error(cli) -> None:
    result = cli.invoke(app, ["calendar", "add-days", "tomorrow", "3"])
    assert result.exit_code == 2 and "起算日期：日期「tomorrow」格式不正确" in result.output


def test_import_library_refuses_a_year_the_package_lacks(cli) -> None:
    result = cli.invoke(app, ["calendar", "import-library", "2031"])
    assert result.exit_code == 2 and "不包含2031年的数据" in result.output
    again = cli.invoke(app, ["calendar", "import-library", "2026"])
    assert (
        again.exit_code == 0
        and "替换原有安排" in again.output
        and "新增0个日期，删除0个，修改0个" in again.output
    )
