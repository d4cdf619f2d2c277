"""Settings, read from the environment with the SHUZHENG_ prefix (or a .env file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHUZHENG_", env_file=".env", extra="ignore")

    # SQLite under var/ is the embedded default; PostgreSQL is the production target.
    database_url: str = "sqlite:///var/shuzheng.db"
    var_dir: Path = Path("var")

    # One master secret; every other key (JWT, field encryption, blind index, key wrapping) is derived
    # from it, so an operator guards a single secret. Given inline (hex) or as a file.
    master_key: SecretStr | None = None
    master_key_file: Path = Path("var/master.key")

    access_token_minutes: int = 15
    refresh_token_days: int = 14
    web_session_hours: int = 8
    cookie_secure: bool = False

    # Repeated failed logins: from the Nth failure the next attempt must wait (doubling each time);
    # from the Mth failure the account locks for a while.
    login_slowdown_after: int = 3
    login_lock_after: int = 8
    login_lock_minutes: int = 15

    # Every request body is limited to max_body_bytes, except a department's data file uploaded for
    # ingest (API and page), which is streamed to disk and may reach max_upload_bytes.
    max_body_bytes: int = 10 * 1024 * 1024
    max_upload_bytes: int = 2 * 1024 * 1024 * 1024
    # Memory of each DuckDB database (a load, an export, the process's shared reader): beyond it
    # DuckDB spills to disk, so a load's memory stays bounded whatever the file size. DuckDB's syntax.
    duckdb_memory_limit: str = "256MB"
    # Days a finished bulk export (批量导出) of shared data stays downloadable before its file is deleted.
    sharing_export_retention_days: int = 7
    log_level: str = "INFO"
    log_json: bool = True
    # Domains' start-up work when the web application starts (registry.py: `jobs.startup`), e.g. the
    # hotline classifier learning dispatchers' corrections. Off in the test suite.
    startup_hooks: bool = True

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def lake_dir(self) -> Path:
        return self.var_dir / "lake"


@lru_cache
def get_settings() -> Settings:
    return Settings()
