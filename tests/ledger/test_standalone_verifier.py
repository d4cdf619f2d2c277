"""tools/verify_ledger.py against the real application served by uvicorn on a local port: it accepts an
intact ledger with either SM2 backend, and fails when the server's answers do not match what was signed."""

from __future__ import annotations

import ast
import datetime as dt
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import text

from shuzheng.app import create_app
from shuzheng.db import Database
from shuzheng.ledger import service as ledger
from shuzheng.security import keys
from shuzheng.security.crypto import sm2
from tests import factories as f

TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_ledger.py"


@pytest.fixture
def server(fresh_database) -> Iterator[str]:  # type: ignore[no-untyped-def]
    app = create_app(database=Database(engine=fresh_database.engine))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def city(fresh_database, tmp_path: Path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A committed ledger with two signed tree heads, the pinned platform key and an auditor account."""
    with Database(engine=fresh_database.engine).unit_of_work() as session:
        auditor = f.staff(session, "platform_admin", username="auditor")
        for i in range(20):
            ledger.append(session, action="test.audit", subject=f"case:{i}", payload={"i": i, "结果": "通过"})
        ledger.produce_tree_head(session)
        pem = sm2.public_key_to_pem(keys.active_key(session, keys.PLATFORM).public_key)
        assert auditor.username == "auditor"
    key_file = tmp_path / "platform.pem"
    key_file.write_text(pem)
    return {"public_key": str(key_file), "state": str(tmp_path / "state.json")}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(TOOL), *args], capture_output=True, text=True, timeout=120)


def _token(url: str) -> str:
    import urllib.request

    request = urllib.request.Request(
        url + "/api/auth/token",
        data=json.dumps({"login": "auditor", "password": f.PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return str(json.load(response)["access_token"])


def _grow(fresh_database, n: int) -> int:  # type: ignore[no-untyped-def]
    with Database(engine=fresh_database.engine).unit_of_work() as session:
        for i in range(n):
            ledger.append(session, action="test.audit", subject=f"more:{i}", payload={"i": i})
        return ledger.produce_tree_head(session).tree_size


@pytest.mark.parametrize("backend", ["gmssl", "openssl"])
def test_an_intact_ledger_verifies_and_later_heads_are_consistent_with_it(
    server, city, fresh_database, backend
) -> None:
    first = _run(
        server,
        "--sm2",
        backend,
        "--public-key",
        city["public_key"],
        "--state",
        city["state"],
        "--seq",
        "0",
        "--seq",
        "7",
        "--token",
        _token(server),
    )
    assert first.returncode == 0, first.stdout + first.stderr
    assert "✓ 签名树头：大小 22" in first.stdout  # 20 entries + the auditor's account + the key's creation
    assert "✓ 条目 7：由字段重算的载荷摘要与叶子哈希一致" in first.stdout
    assert "✓ 包含性证明：条目 7 在大小为 22 的树中" in first.stdout
    assert "✓ 一致性证明：大小 22 的树是大小 1 的树的追加" in first.stdout
    assert json.loads(Path(city["state"]).read_text())["tree_size"] == 22

    size = _grow(fresh_database, 9)  # 9 more, and whatever the auditor's login traced
    second = _run(server, "--sm2", backend, "--public-key", city["public_key"], "--state", city["state"])
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"✓ 一致性证明：大小 {size} 的树是大小 22 的树的追加" in second.stdout
    assert "结论：账本校验通过" in second.stdout


def test_rewritten_history_is_detected(server, city, fresh_database) -> None:
    assert _run(server, "--public-key", city["public_key"], "--state", city["state"]).returncode == 0
    _grow(fresh_database, 3)
    # The operator rewrites a stored subtree (as if entries 8–15 had been changed).
    with fresh_database.engine.begin() as conn:
        conn.execute(
            text("UPDATE ledger_nodes SET hash = :h WHERE level = 3 AND idx = 1"), {"h": b"\x01" * 32}
        )
    result = _run(server, "--public-key", city["public_key"], "--state", city["state"], "--seq", "3")
    assert result.returncode == 1
    assert "✗ 包含性证明：条目 3" in result.stdout  # its audit path includes the subtree over 8–15
    assert "结论：校验失败" in result.stdout


def test_a_head_not_signed_by_the_pinned_key_fails(server, city, tmp_path: Path) -> None:
    stranger = tmp_path / "stranger.pem"
    stranger.write_text(sm2.public_key_to_pem(sm2.generate_keypair().public_key))
    result = _run(server, "--public-key", str(stranger), "--sm2", "openssl")
    assert result.returncode == 1 and "✗ 签名树头" in result.stdout


def test_an_unreachable_server_or_bad_request_is_a_failure_not_a_traceback(server, city) -> None:
    beyond = _run(server, "--public-key", city["public_key"], "--seq", "999")
    assert beyond.returncode == 1 and "HTTP 422" in beyond.stdout and "Traceback" not in beyond.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    down = _run(f"http://127.0.0.1:{closed}")
    assert down.returncode == 1 and "无法连接" in down.stdout


def test_the_tool_imports_only_the_standard_library_and_an_sm2_verifier() -> None:
    tree = ast.parse(TOOL.read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported - set(sys.stdlib_module_names) - {"__future__"} == {"gmssl_pyx"}


def test_the_tool_and_the_service_agree_on_the_leaf_bytes() -> None:
    sys.path.insert(0, str(TOOL.parent))
    try:
        import verify_ledger  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(TOOL.parent))
    entry = {
        "seq": 5,
        "time_us": 1_795_249_815_123_456,
        "actor_id": 17,
        "actor_label": "staff",
        "action": "key.sign",
        "subject": "key:platform-1",
        "payload_digest": "ab" * 32,
    }
    when = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=entry["time_us"])
    assert verify_ledger.leaf_bytes(entry) == ledger.leaf_bytes(
        5, when, 17, "staff", "key.sign", "key:platform-1", "ab" * 32
    )
