"""Migrations: they build exactly the schema the models describe, on SQLite and PostgreSQL, and go back down."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from shuzheng.db import load_models
from shuzheng.migrate import alembic_config, current_heads, downgrade, upgrade


def _drift(engine) -> list:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, load_models())


def test_migrated_schema_matches_the_models(fresh_database) -> None:
    assert _drift(fresh_database.engine) == []


def test_all_heads_are_applied(fresh_database) -> None:
    script = ScriptDirectory.from_config(alembic_config(fresh_database.url))
    assert current_heads(fresh_database.engine) == tuple(sorted(script.get_heads()))


def test_downgrade_to_nothing_and_back(fresh_database) -> None:
    engine = fresh_database.engine
    downgrade(engine, "base")
    assert current_heads(engine) == ()
    upgrade(engine)
    assert _drift(engine) == []
