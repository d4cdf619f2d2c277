"""The operator's commands against a real, committed database: load, pull, lake verify and prune."""

import sqlite3

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from shuzheng.cli import app
from shuzheng.config import get_settings
from shuzheng.db import Database
from shuzheng.ingest import lake
from shuzheng.ingest import service as ingest
from shuzheng.ingest.models import DatasetVersion
from shuzheng.security.models import Account
from tests.ingest.factories import HEADER, person_csv, person_rows, published_person

runner = CliRunner()


@pytest.fixture
def cli_db(fresh_database, monkeypatch, lake_dir):
    monkeypatch.setenv("SHUZHENG_DATABASE_URL", fresh_database.url)
    get_settings.cache_clear()
    database = Database(engine=fresh_database.engine)
    with database.unit_of_work() as session:
        published = published_person(session)
        username = session.get(Account, published.cast.officer.account_id).username
    yield database, published.code, username
    get_settings.cache_clear()


def test_load_prints_a_summary_and_a_second_load_adds_nothing(cli_db, tmp_path) -> None:
    database, code, username = cli_db  # noqa: RUF059
    rows = person_rows(6)
    rows[2][3] = "2023-02-30"
    path = person_csv(tmp_path / "rk.csv", rows)
    first = runner.invoke(app, ["ingest", "load", code, str(path), "--as", username])
    assert first.exit_code == 0, first.output
    assert "读取 6 行：通过 5 行，拒收 1 行" in first.output
    assert "出生日期" in first.output or "birth_date" in first.output
    assert "日期不存在 × 1（如第 4 行）" in first.output
    assert "质量评分" in first.output and "已生成 第1版" in first.output
    second = runner.invoke(app, ["ingest", "load", code, str(path)])
    assert second.exit_code == 0 and "未变化，没有生成新版本" in second.output


def test_load_errors_are_one_clear_line(cli_db, tmp_path) -> None:
    database, code, username = cli_db  # noqa: RUF059
    bad = tmp_path / "bad.csv"
    bad.write_text("证件号码,姓名,性别,出生日期\n1,2,3,4\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", "load", code, str(bad)])
    assert result.exit_code == 2 and "证件号码=id_number" in result.output
    mapped = runner.invoke(app, ["ingest", "load", code, str(bad), "--map", "证件号码=id_number"])
    assert mapped.exit_code == 0, mapped.output
    assert "拒收 1 行" in mapped.output
    unknown = runner.invoke(app, ["ingest", "load", "999999999-none-00001", str(bad)])
    assert unknown.exit_code == 2 and "错误" in unknown.output


def test_pull_from_a_department_database(cli_db, tmp_path) -> None:
    database, code, username = cli_db  # noqa: RUF059
    db = tmp_path / "dept.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE rk (sfzh TEXT, xm TEXT, xb TEXT, csrq TEXT)")
    conn.executemany("INSERT INTO rk VALUES (?, ?, ?, ?)", person_rows(8))
    conn.commit()
    conn.close()
    query = "SELECT sfzh AS " + HEADER[0] + ", xm AS 姓名, xb AS 性别, csrq AS 出生日期 FROM rk"
    result = runner.invoke(
        app, ["ingest", "pull", code, "--url", f"sqlite:///{db}", "--query", query, "--as", username]
    )
    assert result.exit_code == 0, result.output
    assert "读取 8 行：通过 8 行" in result.output
    again = runner.invoke(app, ["ingest", "pull", code, "--url", f"sqlite:///{db}", "--query", query])
    assert "未变化" in again.output


def test_lake_verify_finds_a_corrupted_file_and_a_wrong_row_count(cli_db, tmp_path) -> None:
    database, code, username = cli_db  # noqa: RUF059
    runner.invoke(app, ["ingest", "load", code, str(person_csv(tmp_path / "a.csv", person_rows(5)))])
    runner.invoke(app, ["ingest", "load", code, str(person_csv(tmp_path / "b.csv", person_rows(7)))])
    ok = runner.invoke(app, ["lake", "verify"])
    assert ok.exit_code == 0 and "已校验 2 个数据版本，全部完好" in ok.output
    with database.unit_of_work() as session:
        v1, v2 = sorted(ingest.list_versions(session, code), key=lambda v: v.number)
        data = lake.absolute(v1.path) / lake.DATA_FILE
        session.execute(update(DatasetVersion).where(DatasetVersion.id == v2.id).values(row_count=99))
    blob = bytearray(data.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    data.write_bytes(bytes(blob))
    bad = runner.invoke(app, ["lake", "verify"])
    assert bad.exit_code == 1
    assert "第1版：数据文件的SM3校验值与登记不符" in bad.output
    assert "第2版：数据文件有7行，登记为99行" in bad.output
    assert f"2 个版本校验未通过：{code} 第1版、{code} 第2版" in bad.output


def test_lake_prune_keeps_the_latest(cli_db, tmp_path) -> None:
    database, code, username = cli_db  # noqa: RUF059
    for n in (3, 4, 5):
        runner.invoke(app, ["ingest", "load", code, str(person_csv(tmp_path / f"{n}.csv", person_rows(n)))])
    refused = runner.invoke(app, ["lake", "prune", "--keep", "0"])
    assert refused.exit_code == 2 and "至少保留1个版本" in refused.output
    result = runner.invoke(app, ["lake", "prune", "--keep", "1"])
    assert result.exit_code == 0 and "共清理 2 个旧版本" in result.output
    with database.unit_of_work() as session:
        versions = {v.number: v for v in ingest.list_versions(session, code)}
        assert versions[3].pruned_at is None and lake.absolute(versions[3].path).is_dir()
        assert versions[1].pruned_at is not None and not lake.absolute(versions[1].path).exists()
        assert ingest.count_rows(session, code) == 5
    assert runner.invoke(app, ["lake", "verify"]).exit_code == 0
