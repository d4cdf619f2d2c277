"""Writing many rows at once in the caller's transaction (an export's trace: a row per person served)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

BATCH = 10_000


def insert_rows(session: Session, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert `rows` (tuples in the order of `columns`) into `table` in the session's transaction and
    return how many. PostgreSQL gets its COPY protocol, many times faster than INSERT at a million rows;
    other databases get batched executemany. Values go in as given: no type decorators run, so pass
    what the column stores (timezone-aware UTC datetimes) — COPY bypasses SQLAlchemy's type handling."""
    connection = session.connection()
    count = 0
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        assert raw is not None  # a live connection inside the session's transaction
        names = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    statement = insert(table)
    iterator = iter(rows)
    while batch := [dict(zip(columns, row, strict=True)) for row in itertools.islice(iterator, BATCH)]:
        connection.execute(statement, batch)
        count += len(batch)
    return count
