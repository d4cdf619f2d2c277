"""What the browser tests share: the real app served by uvicorn on a free local port in a thread,
logging in through the login page, and optional screenshots. Each test seeds its own committed database
(and lake) first."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from playwright.sync_api import Page, expect
from sqlalchemy import Engine

from shuzheng.app import create_app
from shuzheng.db import Database
from tests import factories as f


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(engine: Engine, *, name: str = "uvicorn-live-server") -> Iterator[str]:
    """The application on `engine`'s database, served until the block ends; yields its base URL."""
    app = create_app(database=Database(engine=engine))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("测试服务器未能启动")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def log_in(page: Page, base: str, username: str, password: str = f.PASSWORD) -> None:
    """A fresh login through /login (cookies cleared first), waiting until the page shows 退出登录."""
    page.context.clear_cookies()
    page.goto(base + "/login")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("main").get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()


def screenshot(page: Page, folder: str, name: str) -> None:
    """A full-page screenshot `name`.png into `folder` (a SHUZHENG_*_SHOTS setting); none when it is empty."""
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
