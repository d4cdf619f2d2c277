"""The demo city's objections: a few in every state against the demo resources, through the same services
people use, so the inbox, the escalation queue, the ranking and the ledger have something to show.

- 人口基础信息 · 民族: filed yesterday by 民政局, waiting for 公安局 (待处理);
- 人口基础信息 · 出生日期: filed 30 days ago by 人社局, never answered, escalated by the job (超期督办);
- 法人基础信息 · 住所: filed 15 days ago, rejected by 市场监管局 with a reason (已驳回);
- 人口基础信息 · 性别: filed 20 days ago, confirmed by 公安局 and corrected — a new data version — when
  ingest can make corrections and the resource has data (已更正); otherwise left out.

Records are real rows of the latest loaded version when ingest has one, else the demo citizens and
enterprises (so the demo also runs before any data is loaded). Filing is back-dated with the clock
(`clock.frozen`) so deadlines and fix times look lived-in; the demo runs from the CLI, not in a server.
Idempotent: a scenario whose objection (resource, field, evidence text) exists is skipped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shuzheng.catalog.demo import CODES
from shuzheng.catalog.spec import ResourceSpec
from shuzheng.errors import DomainError
from shuzheng.kit import clock
from shuzheng.kit.identifiers import make_id_number, make_uscc
from shuzheng.objections import service
from shuzheng.objections.models import Objection
from shuzheng.security.roles import Actor

DEMO_AFTER = ("catalog", "ingest", "quality")
OPERATOR = "admin"


@dataclass(frozen=True)
class Scenario:
    resource: str  # key of catalog.demo.CODES
    row: int  # which record of the data (or of the fallback list)
    field: str
    filer: str
    days_ago: int
    outcome: str  # "open" | "escalate" | "reject" | "confirm"
    evidence: str
    answerer: str = OPERATOR
    reason: str = ""


SCENARIOS = (
    Scenario(
        "population",
        0,
        "nation",
        "shuju.minzheng",
        1,
        "open",
        "婚姻登记时当事人出示的户口簿记载民族为汉族，与人口库不一致，请核实。",
    ),
    Scenario(
        "population",
        1,
        "birth_date",
        "shuju.renshe",
        30,
        "escalate",
        "社保参保登记时核验身份证件，出生日期与人口库记载不符，附身份证复印件。",
    ),
    Scenario(
        "legal_entity",
        0,
        "address",
        "shuju.dsj",
        15,
        "reject",
        "企业反映住所已变更，人口法人库仍为旧地址。",
        answerer="shuju.shichang",
        reason="经核对登记档案，该企业未办理住所变更登记，库内住所与登记一致；请企业先办理变更登记。",
    ),
    Scenario(
        "population",
        2,
        "sex",
        "shuju.weijian",
        20,
        "confirm",
        "出生医学证明记载性别为女，与人口库不一致，附出生医学证明扫描件。",
        answerer="shuju.gongan",
    ),
)


def load(session: Session, city: Any) -> int:
    """File the demo objections that are not there yet; returns how many were added (0 on a rerun)."""
    added = 0
    now = clock.now()
    for scenario in SCENARIOS:
        if scenario.outcome == "confirm" and not service.correction_available():
            continue
        spec = service._spec(session, CODES[scenario.resource])
        # Found by what the scenario wrote, not by its record: a correction may reorder the data.
        exists = session.scalar(
            select(Objection.id).where(
                Objection.resource_code == spec.code,
                Objection.field_name == scenario.field,
                Objection.evidence == scenario.evidence,
            )
        )
        if exists is not None:
            continue
        record, current = _record(session, city, spec, scenario)
        if record is None:
            continue
        if scenario.outcome == "confirm" and current is None:
            continue  # nothing loaded to correct
        _play(session, city, spec, scenario, record, current, now)
        added += 1
    return added


def _play(
    session: Session,
    city: Any,
    spec: ResourceSpec,
    s: Scenario,
    record: dict[str, str],
    current: dict[str, Any] | None,
    now: dt.datetime,
) -> None:
    claimed = _text(current.get(s.field)) if current else None
    data = service.ObjectionInput(
        resource_code=spec.code,
        record=record,
        evidence=s.evidence,
        field=s.field,
        claimed_value=claimed,
        proposed_value=_proposed(s.field, claimed),
    )
    with clock.frozen(now - dt.timedelta(days=s.days_ago)):
        o = service.file(session, _actor(session, city, s.filer), data)
    if s.outcome == "escalate":
        service.escalate_overdue(session)
    elif s.outcome == "reject":
        with clock.frozen(now - dt.timedelta(days=s.days_ago - 3)):
            service.reject(session, _actor(session, city, s.answerer), o.id, s.reason)
    elif s.outcome == "confirm":
        service.confirm(session, _actor(session, city, s.answerer), o.id, note="已核对出生医学证明，予以更正")


def _proposed(field: str, claimed: str | None) -> str:
    if field == "sex":
        return "1" if claimed == "2" else "2"
    if field == "nation":
        return "01"
    if field == "birth_date":
        return "1988-06-02"
    return "示范市东城区人民路88号"


def _record(
    session: Session, city: Any, spec: ResourceSpec, s: Scenario
) -> tuple[dict[str, str] | None, dict[str, Any] | None]:
    """The scenario's record: row `s.row` of the loaded data, else of the demo people/enterprises."""
    module = service._ingest_service()
    if (
        module is not None
        and hasattr(module, "read_rows")
        and service._latest_data_version(session, spec.code)
    ):
        try:
            rows = module.read_rows(session, spec.code, limit=s.row + 1)
        except DomainError:
            rows = []
        if len(rows) > s.row:
            row = rows[s.row]
            return {k: _text(row.get(k)) or "" for k in spec.key_fields}, row
    fallback = _fallback_keys(city, s.resource)
    if s.row >= len(fallback) or len(spec.key_fields) != 1:
        return None, None
    return {spec.key_fields[0]: fallback[s.row]}, None


def _fallback_keys(city: Any, resource: str) -> list[str]:
    if resource == "population":
        people = [c.id_number for c in getattr(city, "citizens", {}).values()]
        return people or [make_id_number("370802", dt.date(1988, 6, 1), n) for n in range(900, 903)]
    if resource == "legal_entity":
        firms = [e.uscc for e in getattr(city, "enterprises", {}).values()]
        return firms or [make_uscc("91", "370800", f"MD{n:06d}") for n in range(3)]
    return []


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _actor(session: Session, city: Any, username: str) -> Actor:
    try:
        return city.actor(session, username)  # type: ignore[no-any-return]
    except KeyError:
        return city.actor(session, OPERATOR)  # type: ignore[no-any-return]
