"""What the benchmarks share: a throwaway database, the app served over real HTTP in this process, and the
seeding they all start from (示范市, its departments, staff, a published resource).

A benchmark runs as a script, so it puts the repository on sys.path and imports `benchmarks.common`
after setting its SHUZHENG_* environment (settings are read at first use).
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from shuzheng.catalog import service as catalog
from shuzheng.catalog.validation import ResourceInput
from shuzheng.db import Database
from shuzheng.org import service as org
from shuzheng.org.models import DepartmentKind, RegionLevel
from shuzheng.security import service as accounts
from shuzheng.security.roles import Actor

CITY = "379900"
PASSWORD = "Bench@2026pass"


@contextmanager
def throwaway_database(**engine_kw: Any) -> Iterator[Database]:
    """A SQLite file in a temporary folder; with SHUZHENG_DATABASE_URL=postgresql+psycopg://… a database
    of its own on that server, created here and dropped afterwards. `engine_kw` go to the engine."""
    url = os.environ.get("SHUZHENG_DATABASE_URL", "")
    if url.startswith("postgresql"):
        name = f"shuzheng_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            db = Database(make_url(url).set(database=name).render_as_string(hide_password=False), **engine_kw)
            try:
                yield db
            finally:
                db.dispose()
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}", **engine_kw)
            try:
                yield db
            finally:
                db.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(app: Any, *, name: str = "bench-server") -> Iterator[str]:
    """`app` served by uvicorn in a thread of this process on a free local port, until the block ends;
    yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("基准测试服务器未能启动")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def city_regions(session: Session, *below: tuple[str, str, RegionLevel, str, bool]) -> None:
    """山东省 and 示范市 (CITY), and the regions `below` them: (code, name, level, parent code, official)."""
    org.upsert_regions(
        session,
        [
            ("370000", "山东省", RegionLevel.PROVINCE, None, True),
            (CITY, "示范市", RegionLevel.CITY, "370000", False),
            *below,
        ],
    )


def department(
    session: Session,
    code: str,
    name: str,
    *,
    short_name: str | None = None,
    uscc: str | None = None,
    parent_code: str | None = None,
) -> int:
    """A city-level 委办局 of 示范市; returns its id."""
    data = org.DepartmentInput(
        code=code,
        name=name,
        short_name=short_name or name,
        kind=DepartmentKind.COMMITTEE,
        region_code=CITY,
        uscc=uscc,
        parent_code=parent_code,
    )
    return org.create_department(session, None, data).id


def staff(
    session: Session, username: str, department_id: int, role: str, *, display_name: str | None = None
) -> Actor:
    """A staff account with one role (password PASSWORD), as the actor the services take."""
    account = accounts.create_staff(
        session,
        None,
        username=username,
        display_name=display_name or username,
        department_id=department_id,
        roles=(role,),
        password=PASSWORD,
    )
    return accounts.actor_for(session, account)


def publish(
    session: Session,
    officer: Actor,
    admin: Actor,
    department_id: int,
    data: ResourceInput,
    classification: str | None = None,
) -> str:
    """A catalog resource drafted by `officer`, submitted and approved by `admin`; returns its code."""
    revision = catalog.create_resource(
        session, officer, provider_department_id=department_id, data=data, classification=classification
    )
    code = revision.resource.code
    catalog.submit(session, officer, code)
    catalog.approve(session, admin, code)
    return code
