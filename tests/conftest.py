"""Test harness: a real database (SQLite by default, PostgreSQL when SHUZHENG_DATABASE_URL says so),
migrated once per run; each test runs inside a transaction that is rolled back afterwards.

On PostgreSQL the run creates its own throwaway database next to the one named in the URL and drops it
at the end, so tests never touch existing data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

# Settings are read at first use; fix the ones tests depend on before anything imports them.
os.environ.setdefault("SHUZHENG_MASTER_KEY", "0f" * 32)
os.environ["SHUZHENG_LOG_JSON"] = os.environ.get("SHUZHENG_LOG_JSON", "false")
os.environ.setdefault("SHUZHENG_LOG_LEVEL", "WARNING")
# Tests create many apps: domains' start-up work (registry.py) runs only where a test turns it on.
os.environ.setdefault("SHUZHENG_STARTUP_HOOKS", "false")

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from shuzheng.db import Database, make_engine
from shuzheng.migrate import upgrade

DATABASE_URL = os.environ.get("SHUZHENG_DATABASE_URL", "")


def _is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


class ThrowawayDatabase:
    """A database that exists for the length of a test run (or one test), then disappears."""

    def __init__(self, tmp_dir: Path):
        self.admin_url = DATABASE_URL
        if _is_postgres(DATABASE_URL):
            self.name = f"shuzheng_test_{uuid.uuid4().hex[:10]}"
            self.url = make_url(DATABASE_URL).set(database=self.name).render_as_string(hide_password=False)
            self._admin(f'CREATE DATABASE "{self.name}"')
        else:
            self.name = str(tmp_dir / f"shuzheng-{uuid.uuid4().hex[:8]}.db")
            self.url = f"sqlite:///{self.name}"
        self.engine: Engine = make_engine(self.url)
        upgrade(self.engine)

    def _admin(self, statement: str) -> None:
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(statement))
        finally:
            admin.dispose()

    def drop(self) -> None:
        self.engine.dispose()
        if _is_postgres(self.admin_url):
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def test_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThrowawayDatabase]:
    db = ThrowawayDatabase(tmp_path_factory.mktemp("db"))
    yield db
    db.drop()


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[ThrowawayDatabase]:
    """A database of its own, for tests that must really commit (concurrency, CLI, migrations)."""
    db = ThrowawayDatabase(tmp_path)
    yield db
    db.drop()


@pytest.fixture
def session(test_database: ThrowawayDatabase) -> Iterator[Session]:
    """A session inside an outer transaction that is rolled back: commits inside become savepoints."""
    connection = test_database.engine.connect()
    outer = connection.begin()
    s = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield s
    finally:
        s.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def app(test_database: ThrowawayDatabase, session: Session):  # type: ignore[no-untyped-def]
    """The real application, its requests running in the test's transaction."""
    from shuzheng.app import create_app
    from shuzheng.web.deps import get_session

    application = create_app(database=Database(engine=test_database.engine))

    def test_session() -> Iterator[Session]:
        try:
            yield session
            session.commit()  # releases the savepoint, as a real commit would end the transaction
        except BaseException:
            session.rollback()
            raise
        finally:
            session.expire_all()

    application.dependency_overrides[get_session] = test_session
    return application


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
