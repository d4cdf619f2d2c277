"""Bulk export: queued over the API (202), produced by the job into a CSV of the agreed fields masked as
agreed, traced (one ledger entry, an access-log row per person) when produced, downloaded by the same
client only, and every download in the ledger."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shuzheng.kit import clock
from shuzheng.ledger.models import LedgerEntry
from shuzheng.security import pi
from shuzheng.sharing import api, service
from shuzheng.sharing.models import SharingAccess, SharingExport
from tests.sharing import factories as sf


@pytest.fixture
def w(session, tmp_path: Path) -> sf.World:  # type: ignore[no-untyped-def]
    return sf.world(session, tmp_path)


@pytest.fixture
def no_background(app):  # type: ignore[no-untyped-def]
    """The test's transaction never commits, so the job runs here, in it, instead of after the response."""
    app.dependency_overrides[api.export_runner] = lambda: lambda: None
    yield
    app.dependency_overrides.pop(api.export_runner, None)


def _token(client, session, officer, agreement) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return sf.bearer(client, session, officer, agreement.id)[0]


def test_export_is_queued_produced_traced_and_downloaded(client, session, w, no_background) -> None:  # type: ignore[no-untyped-def]
    agreement = sf.agreement(session, w)
    headers = _token(client, session, w.consumer_officer, agreement)
    r = client.post(
        f"/api/sharing/v1/{w.person}/exports",
        params={"sex": "2", "fields": "id_number,name,sex"},
        headers=headers,
    )
    assert r.status_code == 202, r.text
    export_id = r.json()["export_id"]
    assert r.json()["status"] == "queued"
    r = client.get(f"/api/sharing/v1/exports/{export_id}/file", headers=headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "export_not_ready"

    export = service.run_export(session, export_id)
    session.commit()
    women = [row for row in sf.ROWS if row[2] == "2"]
    assert export.status == "done" and export.row_count == len(women)
    entry = session.scalar(select(LedgerEntry).where(LedgerEntry.seq == export.ledger_seq))
    payload = json.loads(entry.payload)
    assert payload["kind"] == "export" and payload["rows"] == len(women)
    assert session.scalar(select(func.count()).select_from(SharingAccess)) == len(women)

    status = client.get(f"/api/sharing/v1/exports/{export_id}", headers=headers).json()
    assert status["status"] == "done" and status["download"]
    r = client.get(status["download"], headers=headers)
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["身份证号", "姓名", "性别"] and len(rows) == len(women) + 1
    assert all("*" in row[0] and "*" in row[1] and row[2] == "2" for row in rows[1:])
    assert not any(row[0] == women[0][0] for row in rows[1:])
    assert sorted(row[:2] for row in rows[1:]) == sorted(
        [pi.mask(pi.PIKind.ID_NUMBER, row[0]), pi.mask(pi.PIKind.NAME, row[1])] for row in women
    )
    traced = set(session.scalars(select(SharingAccess.subject).where(SharingAccess.ledger_seq == entry.seq)))
    assert traced == {service.person_subject(row[0]) for row in women}
    downloads = (
        select(func.count()).select_from(LedgerEntry).where(LedgerEntry.action == "sharing.export.download")
    )
    assert session.scalar(downloads) == 1


def test_export_files_are_deleted_after_the_retention_period_and_say_so(
    client, session, w, no_background
) -> None:  # type: ignore[no-untyped-def]
    agreement = sf.agreement(session, w)
    headers = _token(client, session, w.consumer_officer, agreement)
    old, fresh = (
        client.post(f"/api/sharing/v1/{w.person}/exports", headers=headers).json()["export_id"] for _ in "ab"
    )
    service.run_export(session, old)
    status = client.get(f"/api/sharing/v1/exports/{old}", headers=headers).json()
    assert status["status_label"] == "可下载" and status["expires_at"]
    file = service.export_dir() / session.get(SharingExport, old).file_name
    with clock.frozen(clock.now() + dt.timedelta(days=6)):
        service.run_export(session, fresh)  # produced six days later
    with clock.frozen(clock.now() + dt.timedelta(days=8)):
        assert service.purge_exports(session) == [file]  # deleted by the job once committed (test_cli)
    assert session.get(SharingExport, fresh).status == "done"

    status = client.get(f"/api/sharing/v1/exports/{old}", headers=headers).json()
    assert status["status"] == "purged" and status["download"] is None and status["row_count"] == len(sf.ROWS)
    r = client.get(f"/api/sharing/v1/exports/{old}/file", headers=headers)
    assert r.status_code == 404 and r.json()["error"]["code"] == "export_purged"
    assert "7天保留期" in r.json()["error"]["message"]
    entry = session.scalar(select(LedgerEntry).where(LedgerEntry.action == "sharing.export.purge"))
    assert json.loads(entry.payload)["export_id"] == old
    assert service.purge_exports(session) == []  # nothing left to purge, nothing logged twice


def test_export_refuses_fields_outside_the_agreement_and_other_clients(
    client, session, w, no_background
) -> None:  # type: ignore[no-untyped-def]
    mine = sf.agreement(session, w, fields=["id_number", "sex"])
    headers = _token(client, session, w.consumer_officer, mine)
    r = client.post(f"/api/sharing/v1/{w.person}/exports", params={"name": "x"}, headers=headers)
    assert r.status_code == 403 and r.json()["error"]["code"] == "field_not_agreed"
    r = client.post(f"/api/sharing/v1/{w.person}/exports", headers=headers)
    export_id = r.json()["export_id"]
    other = sf.agreement(session, w)
    other_headers = _token(client, session, w.consumer_officer, other)
    assert client.get(f"/api/sharing/v1/exports/{export_id}", headers=other_headers).status_code == 404
