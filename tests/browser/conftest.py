"""Browser journeys: the real app served by uvicorn on a free local port, against a committed throwaway
database, driven through Playwright (sync API) in Debian's Chromium — never a downloaded browser.

The pytest-playwright plugin supplies `page`; here it is pointed at /usr/bin/chromium. A failing test
leaves a full-page screenshot under test-results/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests import factories as f
from tests.browser.live import serve

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_DIR = "test-results"


@dataclass(frozen=True)
class Seeded:
    citizen_name: str
    citizen_id_number: str
    staff_name: str
    staff_username: str
    department_name: str
    password: str = f.PASSWORD


@dataclass(frozen=True)
class LiveServer:
    url: str
    seeded: Seeded


def _seed(engine: Any) -> Seeded:
    """A citizen and a staff member, created through the services and committed."""
    with Session(engine) as session:
        department = f.department(session, name="示范市政务服务管理办公室")
        f.staff(session, "approver", dept=department, username="wang.fang", name="王芳")
        id_number = f.id_number(21)
        f.citizen(session, name="张三", id_number=id_number)
        session.commit()
    return Seeded(
        citizen_name="张三",
        citizen_id_number=id_number,
        staff_name="王芳",
        staff_username="wang.fang",
        department_name="示范市政务服务管理办公室",
    )


@pytest.fixture
def live_server(fresh_database) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    seeded = _seed(fresh_database.engine)
    with serve(fresh_database.engine) as url:
        yield LiveServer(url, seeded)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            "缺少 /usr/bin/chromium：请先运行 make browser（安装 Debian 的 chromium 软件包，不下载浏览器）"
        )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1280, "height": 860}}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """When a browser test fails, keep a screenshot of what the page looked like at that moment."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when != "call" or not report.failed:
        return
    page = getattr(item, "funcargs", {}).get("page")
    if page is None or page.is_closed():
        return
    folder = Path(item.config.rootpath) / SCREENSHOT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (re.sub(r"[^\w.-]+", "_", item.nodeid).strip("_") + ".png")
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception as err:  # a crashed page must not hide the real failure
        report.sections.append(("screenshot", f"截图失败：{err}"))
    else:
        report.sections.append(("screenshot", str(path)))
