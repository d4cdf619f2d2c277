"""Data files uploaded over HTTP are streamed to the lake's staging space, limited by max_upload_bytes
(not the app-wide max_body_bytes), and leave nothing behind when refused."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shuzheng.config import Settings, get_settings
from shuzheng.ingest import lake
from shuzheng.ingest.models import DatasetVersion
from shuzheng.kit.identifiers import make_id_number
from shuzheng.security import service as accounts
from shuzheng.security.models import Account
from tests.ingest.factories import HEADER, Published, person_csv, person_rows, published_person

CSRF = "ingest-upload-csrf"


def _officer(session: Session, p: Published) -> dict[str, str]:
    token = accounts.issue_tokens(session, session.get(Account, p.cast.officer.account_id)).access_token
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def _login(client: TestClient, session: Session, p: Published) -> None:
    client.cookies.set(
        "sz_session", accounts.start_web_session(session, session.get(Account, p.cast.officer.account_id))
    )
    client.cookies.set("sz_csrf", CSRF)
    session.commit()


def _big_csv(path: Path, rows: int) -> Path:
    """Valid 人口 rows: 1000 people born on each day from 1986 (370802 existed 1983–2013)."""
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(",".join(HEADER) + "\n")
        for n in range(rows):
            birth = dt.date(1986, 1, 1) + dt.timedelta(days=n // 1000)
            out.write(f"{make_id_number('370802', birth, n)},居民{n},{'12'[n % 2]},{birth.isoformat()}\n")
    return path


def _versions(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(DatasetVersion)) or 0


def _staged(lake_dir: Path) -> list[Path]:
    staging = lake_dir / ".staging"
    return [p for p in staging.rglob("*")] if staging.exists() else []


@pytest.fixture
def limit(app) -> Iterator[Settings]:  # type: ignore[no-untyped-def]
    """The app's settings with a small max_upload_bytes (64 KB)."""
    original = app.state.settings
    app.state.settings = original.model_copy(update={"max_upload_bytes": 64 * 1024})
    yield app.state.settings
    app.state.settings = original


def test_a_file_larger_than_the_request_limit_is_streamed_and_loaded(
    client, session, tmp_path, lake_dir
) -> None:  # type: ignore[no-untyped-def]
    p = published_person(session)
    rows = 240_000
    path = _big_csv(tmp_path / "人口.csv", rows)
    assert path.stat().st_size > get_settings().max_body_bytes == 10 * 1024 * 1024
    with path.open("rb") as fh:
        r = client.post(
            f"/api/ingest/{p.code}/versions",
            files={"file": ("人口.csv", fh, "text/csv")},
            data={"incremental": "false"},
            headers=_officer(session, p),
        )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["rows_read"] == rows and body["accepted"] == rows and body["version"]["number"] == 1
    assert body["version"]["source_name"] == "人口.csv"
    assert _staged(lake_dir) == []
    # The rest of the app keeps its 10 MB limit.
    other = client.post(
        "/api/auth/token", content=b"x" * (11 * 1024 * 1024), headers={"content-type": "application/json"}
    )
    assert other.status_code == 413 and "10 MB" in other.json()["error"]["message"]


@pytest.mark.parametrize(
    "size", [100 * 1024, 2 * 1024 * 1024], ids=["counted-while-streaming", "declared-length"]
)
def test_a_file_over_max_upload_bytes_is_413_and_leaves_nothing(
    client, session, tmp_path, lake_dir, limit, size
) -> None:  # type: ignore[no-untyped-def]
    p = published_person(session)
    officer = _officer(session, p)
    path = _big_csv(tmp_path / "big.csv", size // 40 + 1000)
    assert path.stat().st_size > size > limit.max_upload_bytes
    before = _versions(session)
    r = client.post(
        f"/api/ingest/{p.code}/versions",
        files={"file": ("big.csv", path.read_bytes(), "text/csv")},
        headers=officer,
    )
    assert r.status_code == 413, r.text
    error = r.json()["error"]
    assert error["code"] == "payload_too_large" and "不能超过 64 KB" in error["message"]
    assert "shuzheng ingest load" in error["message"]
    assert error["details"][0]["max_bytes"] == 64 * 1024
    assert _versions(session) == before
    assert client.get(f"/api/ingest/{p.code}/versions", headers=officer).json() == []
    assert _staged(lake_dir) == []
    small = client.post(
        f"/api/ingest/{p.code}/versions",
        files={"file": ("s.csv", person_csv(tmp_path / "s.csv", person_rows(3)).read_bytes(), "text/csv")},
        headers=officer,
    )
    assert small.status_code == 201, small.text


def test_a_refused_type_or_department_stores_nothing(client, session, tmp_path, lake_dir) -> None:  # type: ignore[no-untyped-def]
    p = published_person(session)
    officer = _officer(session, p)
    doc = client.post(
        f"/api/ingest/{p.code}/versions",
        files={"file": ("a.exe", b"MZ" * 1000, "application/x-msdownload")},
        headers=officer,
    )
    assert doc.status_code == 422 and "不支持的文件类型" in doc.json()["error"]["message"]
    missing = client.post(f"/api/ingest/{p.code}/versions", data={"incremental": "true"}, headers=officer)
    assert missing.status_code == 422 and missing.json()["error"]["details"][0]["field"] == "file"
    raw = client.post(
        f"/api/ingest/{p.code}/versions",
        content=b"a,b\n1,2\n",
        headers={**officer, "content-type": "text/csv"},
    )
    assert raw.status_code == 422 and "multipart/form-data" in raw.json()["error"]["message"]
    bad_flag = client.post(
        f"/api/ingest/{p.code}/versions",
        files={"file": ("s.csv", person_csv(tmp_path / "s.csv", person_rows(2)).read_bytes(), "text/csv")},
        data={"incremental": "maybe"},
        headers=officer,
    )
    assert bad_flag.status_code == 422 and bad_flag.json()["error"]["details"][0]["field"] == "incremental"
    assert _versions(session) == 0 and _staged(lake_dir) == []


def test_the_page_refuses_a_file_over_the_limit_and_a_form_without_its_token(
    client, session, tmp_path, lake_dir, limit
) -> None:  # type: ignore[no-untyped-def]
    p = published_person(session)
    _login(client, session, p)
    big = _big_csv(tmp_path / "big.csv", 3000).read_bytes()
    r = client.post(
        f"/ingest/{p.code}/upload", data={"csrf_token": CSRF}, files={"file": ("big.csv", big, "text/csv")}
    )
    assert r.status_code == 413 and "不能超过 64 KB" in r.text and "上传并校验" in r.text
    forged = client.post(
        f"/ingest/{p.code}/upload",
        data={"csrf_token": "forged"},
        files={"file": ("s.csv", person_csv(tmp_path / "s.csv", person_rows(2)).read_bytes(), "text/csv")},
    )
    assert forged.status_code == 403
    assert _versions(session) == 0 and _staged(lake_dir) == []
    ok = client.post(
        f"/ingest/{p.code}/upload",
        data={"csrf_token": CSRF, "incremental": "1"},
        files={"file": ("s.csv", person_csv(tmp_path / "s.csv", person_rows(2)).read_bytes(), "text/csv")},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.headers["location"] == f"/ingest/{p.code}/versions/1"
    assert _versions(session) == 1


def test_an_upload_is_checksummed_as_it_arrives_and_the_same_file_twice_adds_nothing(
    client, session, tmp_path, lake_dir, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    p = published_person(session)
    path = _big_csv(tmp_path / "人口.csv", 2_000)
    headers = _officer(session, p)

    sm3_file = lake.sm3_file

    def not_the_upload(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        assert not path.name.startswith("upload"), "hashed as it arrived, the upload is not read again"
        return sm3_file(path, *args, **kwargs)

    monkeypatch.setattr(lake, "sm3_file", not_the_upload)
    for expected in (201, 200):
        with path.open("rb") as fh:
            r = client.post(
                f"/api/ingest/{p.code}/versions",
                files={"file": ("人口.csv", fh, "text/csv")},
                headers=headers,
            )
        assert r.status_code == expected, r.text
    assert r.json()["unchanged"] is True
    version = session.scalar(select(DatasetVersion))
    assert version is not None and version.source_sm3 == hashlib.new("sm3", path.read_bytes()).hexdigest()
    assert _versions(session) == 1 and _staged(lake_dir) == []
