"""Sharing test data: a provider with a conditional 人口-like resource loaded with rows, an unconditional
resource, a 不予共享 resource, a consumer department with its data officer, and the operator."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from shuzheng.catalog.validation import FieldInput
from shuzheng.ingest import service as ingest
from shuzheng.kit import clock
from shuzheng.org.models import Department
from shuzheng.security.roles import Actor
from shuzheng.sharing import service
from shuzheng.sharing.models import SharingAgreement, SharingDemand
from shuzheng.sharing.schemas import DemandInput
from tests import factories as f
from tests.catalog import factories as cf
from tests.ingest.factories import person_csv, person_rows

ROWS = person_rows(30)


@dataclass
class World:
    person: str  # conditional, loaded with ROWS
    open_code: str  # unconditional, general fields only
    closed: str  # 不予共享
    provider: Department
    provider_officer: Actor
    consumer: Department
    consumer_officer: Actor
    operator: Actor


def _open_fields() -> list[FieldInput]:
    return [
        FieldInput(name="code", label="编码", required=True, is_key=True),
        FieldInput(name="title", label="名称"),
    ]


def world(session: Session, tmp: Path) -> World:
    c = cf.cast(session)
    person = cf.published(session, c)
    ingest.load(session, c.officer, person, person_csv(tmp / "people.csv", ROWS))
    open_code = cf.published(
        session, c, cf.person("办事指南目录", share_type="unconditional", fields=_open_fields(), rules=[])
    )
    closed = cf.published(
        session, c, cf.person("涉密名单", share_type="none", fields=_open_fields(), rules=[])
    )
    consumer = f.department(session, name="市民政局")
    officer = f.actor(session, f.staff(session, "data_officer", dept=consumer))
    return World(person, open_code, closed, c.dept, c.officer, consumer, officer, c.operator)


def demand_input(code: str | None, **kw: Any) -> DemandInput:
    data: dict[str, Any] = {
        "resource_code": code,
        "fields": ["id_number", "name", "sex", "birth_date"],
        "purpose": "最低生活保障资格核验",
        "legal_basis": "《社会救助暂行办法》第十一条",
        "period_end": clock.today_in_china() + dt.timedelta(days=365),
        "expected_volume": 1000,
    }
    data.update(kw)
    return DemandInput(**data)


def agreement(session: Session, w: World, **kw: Any) -> SharingAgreement:
    """An approved agreement on the person resource."""
    demand = service.file_demand(session, w.consumer_officer, demand_input(w.person, **kw))
    return service.approve(session, w.provider_officer, demand.id)


def demand(session: Session, w: World, **kw: Any) -> SharingDemand:
    return service.file_demand(session, w.consumer_officer, demand_input(w.person, **kw))


def bearer(client: Any, session: Session, officer: Any, agreement_id: int) -> tuple[dict[str, str], Any]:
    """Credentials for the agreement, exchanged for a token over the API: (Authorization header, creds)."""
    from shuzheng.sharing import service

    creds = service.issue_credentials(session, officer, agreement_id)
    session.commit()
    r = client.post(
        "/api/sharing/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["token_type"] == "bearer"
    return {"Authorization": f"Bearer {r.json()['access_token']}"}, creds
