"""The lake on disk: where a resource's versions live, how a version directory is published atomically,
checksums, and the DuckDB connections that read and write it.

Layout (paths relative to `settings.lake_dir`, stored on each version row):

    <resource>/v000003-1f2e3d4c/data.parquet      accepted rows of version 3 (immutable)
    <resource>/v000003-1f2e3d4c/rejects.parquet   rejected rows with their reasons
    <resource>/v000003-1f2e3d4c/manifest.json     counts and SM3 checksums, for readers without the DB
    <resource>/.tmp-<token>/                      a version being written (never read)
    .staging/<token>/                             scratch space of a load in progress

A version directory is written under a temporary name and renamed into place (atomic on one file
system); it becomes visible only when the row naming it commits. Readers resolve versions through the
database, so they see the previous version or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from shuzheng.config import get_settings

DATA_FILE = "data.parquet"
REJECTS_FILE = "rejects.parquet"
MANIFEST_FILE = "manifest.json"
STAGING_DIR = ".staging"
TMP_PREFIX = ".tmp-"

HASH_CHUNK = 4 << 20

_UNSAFE = re.compile(r"[^0-9A-Za-z._-]+")


def lake_dir() -> Path:
    return get_settings().lake_dir


def resource_dirname(code: str) -> str:
    """A directory name for a resource code (codes may hold / or Chinese; the DB keeps the real code)."""
    safe = _UNSAFE.sub("_", code).strip("._") or "resource"
    return safe[:100]


def version_dirname(number: int) -> str:
    # The random suffix keeps two concurrent loads of the same number from colliding on disk; the
    # database's unique (resource, number) decides which one exists.
    return f"v{number:06d}-{secrets.token_hex(4)}"


def absolute(relative: str) -> Path:
    return lake_dir() / relative


def sm3_file(path: Path, progress: Callable[[int], None] | None = None) -> str:
    h = hashlib.new("sm3")
    with path.open("rb") as fh:
        while chunk := fh.read(HASH_CHUNK):
            h.update(chunk)
            if progress is not None:
                progress(len(chunk))
    return h.hexdigest()


def connect(temp_dir: Path | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for one load or query. Insertion order is preserved (source row numbers
    depend on it); memory is capped (settings.duckdb_memory_limit) and spills to `temp_dir`."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET memory_limit = {sql_str(get_settings().duckdb_memory_limit)}")
    con.execute("SET preserve_insertion_order = true")
    if temp_dir is not None:
        temp_dir.mkdir(parents=True, exist_ok=True)
        con.execute(f"SET temp_directory = '{sql_path(temp_dir)}'")
    return con


_shared: tuple[int, duckdb.DuckDBPyConnection] | None = None
_shared_lock = threading.Lock()


def _shared_database() -> duckdb.DuckDBPyConnection:
    """The process's one in-memory DuckDB for reads. Opening a database costs tens of milliseconds, more
    than a keyed lookup itself, so readers share one and take a cursor each. Parquet footers are cached
    (versions are immutable files, named uniquely, so a cached footer is never stale). Reopened after a
    fork, since a DuckDB database must not cross processes."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared[0] != os.getpid():
            con = connect()
            con.execute("SET parquet_metadata_cache = true")
            _shared = (os.getpid(), con)
        return _shared[1]


@contextlib.contextmanager
def reader() -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor for one read (query, count, page) on the shared database; thread-safe, closed after.
    Loads and exports that write files keep their own `connect()` with its own spill directory."""
    cursor = _shared_database().cursor()
    try:
        cursor.execute("SET enable_progress_bar = false")
        yield cursor
    finally:
        cursor.close()


def sql_path(path: Path) -> str:
    """A path as a SQL string literal body (single quotes doubled)."""
    return str(path).replace("'", "''")


def sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextlib.contextmanager
def staging() -> Iterator[Path]:
    """Scratch space for one load, removed afterwards whatever happens."""
    path = lake_dir() / STAGING_DIR / secrets.token_hex(8)
    path.mkdir(parents=True, exist_ok=True)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@dataclass(frozen=True)
class WrittenVersion:
    """A version directory written under a temporary name, not yet published."""

    tmp: Path
    relative: str  # where it will live, relative to the lake

    @property
    def final(self) -> Path:
        return absolute(self.relative)


def new_version_dir(code: str, number: int) -> WrittenVersion:
    parent = lake_dir() / resource_dirname(code)
    parent.mkdir(parents=True, exist_ok=True)
    tmp = parent / f"{TMP_PREFIX}{secrets.token_hex(8)}"
    tmp.mkdir()
    return WrittenVersion(tmp=tmp, relative=f"{resource_dirname(code)}/{version_dirname(number)}")


def write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    (directory / MANIFEST_FILE).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8"
    )


def publish(written: WrittenVersion) -> Path:
    """Rename the finished directory into place: one atomic step on the lake's file system."""
    final = written.final
    written.tmp.rename(final)
    return final


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def parquet_row_count(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    row = con.execute(f"SELECT count(*) FROM read_parquet('{sql_path(path)}')").fetchone()
    return int(row[0]) if row else 0
