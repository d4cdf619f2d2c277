"""A published 人口-like resource (through the catalog's own services) and files for it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from shuzheng.catalog import service as catalog
from shuzheng.catalog.spec import ResourceSpec
from shuzheng.kit.identifiers import make_id_number
from tests.catalog import factories as cf
from tests.ingest.helpers import write_csv

HEADER = ["身份证号", "姓名", "性别", "出生日期"]


@dataclass
class Published:
    code: str
    cast: cf.Cast

    def spec(self, session: Session) -> ResourceSpec:
        return catalog.published_spec(session, self.code)


def published_person(session: Session) -> Published:
    cast = cf.cast(session)
    return Published(cf.published(session, cast), cast)


def person_rows(count: int, start: int = 1) -> list[list[str]]:
    rows = []
    for n in range(start, start + count):
        birth = dt.date(1986, 1, 1) + dt.timedelta(days=n * 11)
        rows.append([make_id_number("370802", birth, n), f"居民{n}", "12"[n % 2], birth.isoformat()])
    return rows


def person_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    return write_csv(path, rows, header=HEADER, encoding=encoding)
