"""`shuzheng ledger …` and `shuzheng signing-keys …` against a database of their own (real commits)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from shuzheng.cli import app
from shuzheng.config import get_settings
from shuzheng.db import Database
from shuzheng.ledger import jobs
from shuzheng.ledger import service as ledger
from shuzheng.security.crypto import sm2


@pytest.fixture
def cli(fresh_database, monkeypatch) -> Iterator[CliRunner]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SHUZHENG_DATABASE_URL", fresh_database.url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _append(fresh_database, n: int) -> None:  # type: ignore[no-untyped-def]
    with Database(engine=fresh_database.engine).unit_of_work() as session:
        for i in range(n):
            ledger.append(session, action="test.cli", subject=f"case:{i}", payload={"i": i})


def test_keys_init_list_and_rotate(cli) -> None:
    made = cli.invoke(app, ["signing-keys", "init"])
    assert made.exit_code == 0, made.output
    assert "platform-1" in made.output
    assert "platform-1" in cli.invoke(app, ["signing-keys", "list"]).output
    rotated = cli.invoke(app, ["signing-keys", "rotate", "platform"])
    assert rotated.exit_code == 0 and "新密钥 platform-2" in rotated.output
    listed = cli.invoke(app, ["signing-keys", "list", "--owner", "platform"]).output
    assert "platform-1" in listed and "已退役" in listed and "platform-2" in listed
    bad = cli.invoke(app, ["signing-keys", "rotate", "nobody"])
    assert bad.exit_code == 2 and "密钥归属应为 platform 或 department:<部门ID>" in bad.output


def test_sth_verify_and_a_tampered_entry(cli, fresh_database) -> None:
    _append(fresh_database, 12)
    signed = cli.invoke(app, ["ledger", "sth"])
    assert signed.exit_code == 0, signed.output
    assert "签名树头：大小 13" in signed.output  # 12 entries + the platform key's creation
    intact = cli.invoke(app, ["ledger", "verify"])
    assert intact.exit_code == 0, intact.output
    assert "账本完好" in intact.output and "已校验 13 条条目" in intact.output

    shown = cli.invoke(app, ["ledger", "show", "3", "--count", "2"])
    assert shown.exit_code == 0 and '{"i":3}' in shown.output and '{"i":4}' in shown.output

    with fresh_database.engine.begin() as conn:
        conn.execute(text("UPDATE ledger_entries SET subject = 'case:forged' WHERE seq = 5"))
        conn.execute(text("DELETE FROM ledger_entries WHERE seq = 9"))
    broken = cli.invoke(app, ["ledger", "verify"])
    assert broken.exit_code == 1
    assert "字段被篡改（field_altered）：序号 5" in broken.output
    assert "条目被删除（removed）：序号 9" in broken.output
    assert "签名树头不符（tree_head_mismatch）：树大小 13" in broken.output


def test_show_beyond_the_end_and_witness_registration(cli, tmp_path: Path) -> None:
    missing = cli.invoke(app, ["ledger", "show", "100"])
    assert missing.exit_code == 2 and "没有序号从 100 起的条目" in missing.output
    pem = tmp_path / "province.pem"
    pem.write_text(sm2.public_key_to_pem(sm2.generate_keypair().public_key))
    added = cli.invoke(app, ["ledger", "witness-add", "省级平台", "--pem", str(pem)])
    assert added.exit_code == 0 and "已登记见证节点：省级平台" in added.output
    again = cli.invoke(app, ["ledger", "witness-add", "省级平台", "--pem", str(pem)])
    assert again.exit_code == 2 and "已存在" in again.output


def test_the_scheduled_job_signs_until_stopped(fresh_database) -> None:
    _append(fresh_database, 3)
    db = Database(engine=fresh_database.engine)
    stop = threading.Event()
    seen: list[int] = []

    def on_head(size: int, root: bytes) -> None:
        seen.append(size)
        stop.set()

    jobs.sign_tree_heads_every(db, 3600, stop=stop, on_head=on_head)
    assert seen == [4]
    assert jobs.sign_tree_head(db)[0] == 4  # unchanged size: the same head
