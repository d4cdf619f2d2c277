"""Running Alembic migrations programmatically (used by the CLI, `make run` and the tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@contextmanager
def _migration_connection(engine: Engine) -> Iterator[tuple[Config, Connection]]:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            # SQLite ALTERs rebuild tables ("batch" mode); with foreign keys on, dropping the old copy
            # would cascade. The pragma only takes effect outside a transaction.
            _raw_sqlite_pragma(conn, "PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                yield cfg, conn
        finally:
            if sqlite:
                _raw_sqlite_pragma(conn, "PRAGMA foreign_keys=ON")


def _raw_sqlite_pragma(conn: Connection, statement: str) -> None:
    # Straight to the driver, which is in autocommit mode (see db.make_engine): no BEGIN around it.
    conn.connection.driver_connection.execute(statement)  # type: ignore[union-attr]


def upgrade(engine: Engine, revision: str = "heads") -> None:
    with _migration_connection(engine) as (cfg, _):
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    with _migration_connection(engine) as (cfg, _):
        command.downgrade(cfg, revision)


def make_revision(engine: Engine, message: str, rev_id: str, head: str = "head") -> None:
    """Autogenerate a migration from the models (developers only), on top of `head`."""
    with _migration_connection(engine) as (cfg, _):
        command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id, head=head)


def current_heads(engine: Engine) -> tuple[str, ...]:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return tuple(sorted(MigrationContext.configure(conn).get_current_heads()))
