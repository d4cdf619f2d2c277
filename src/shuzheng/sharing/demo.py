"""The demo city's sharing: 民政局 consumes 人口基础信息 (公安局, 有条件共享) under an agreement the
provider approved with narrowed fields, and its system has made a few API calls (lookups and a query),
so the trace shows entries; 人社局 has a demand waiting in 公安局's inbox; a demand for data nobody
publishes (养老机构床位) sits in the 需求清单.

The lookups ask for the first three demo citizens (whose rows ingest's demo data holds, so their
"我的数据被谁用了" shows the calls) and for three other people of the loaded 人口基础信息, who show on the
operator's trace look-up and `shuzheng sharing trace`. Everything goes through the services; filing and approval are back-dated.
Idempotent: if 民政局's demo demand exists, nothing is added.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shuzheng.catalog import service as catalog
from shuzheng.catalog.demo import CODES
from shuzheng.errors import DomainError
from shuzheng.ingest import service as ingest
from shuzheng.kit import clock
from shuzheng.sharing import service
from shuzheng.sharing.models import SharingDemand
from shuzheng.sharing.schemas import ApproveInput, DemandInput

DEMO_AFTER = ("catalog", "ingest")
PURPOSE = "最低生活保障对象身份核验"
CONSUMER, PROVIDER, OTHER = "shuju.minzheng", "shuju.gongan", "shuju.renshe"


def load(session: Session, city: Any) -> int | None:
    code = CODES["population"]
    try:
        spec = catalog.published_spec(session, code)
    except DomainError:
        return 0
    if (
        ingest.latest_version(session, code) is None
        or CONSUMER not in city.staff
        or PROVIDER not in city.staff
    ):
        return 0
    consumer = city.actor(session, CONSUMER)
    if session.scalar(
        select(SharingDemand.id).where(
            SharingDemand.resource_code == code,
            SharingDemand.consumer_department_id == consumer.department_id,
            SharingDemand.purpose == PURPOSE,
        )
    ):
        return 0
    provider = city.actor(session, PROVIDER)
    now = clock.now()
    key = spec.key_fields[0]
    wanted = [key, *[f.name for f in spec.fields if not f.is_key][:4]]
    basis = "《社会救助暂行办法》第十一条；《最低生活保障审核确认办法》"
    with clock.frozen(now - dt.timedelta(days=3)):
        demand = service.file_demand(
            session,
            consumer,
            DemandInput(
                resource_code=code,
                fields=wanted,
                purpose=PURPOSE,
                legal_basis=basis,
                period_end=clock.today_in_china() + dt.timedelta(days=365),
                expected_volume=500,
            ),
        )
    added = 1
    with clock.frozen(now - dt.timedelta(days=2)):
        agreement = service.approve(session, provider, demand.id, ApproveInput(fields=wanted[:-1]))
    service.issue_credentials(session, consumer, agreement.id)
    # The demo citizens first, then other people in the data.
    keys = [c.id_number for _, c in sorted(city.citizens.items())][:3]
    keys += [str(row[key]) for row in ingest.read_rows(session, code, limit=3)]
    for hours, number in enumerate(keys, start=1):
        with clock.frozen(now - dt.timedelta(hours=hours * 5)):
            service.lookup(session, agreement, code, number)
            added += 1
    with clock.frozen(now - dt.timedelta(hours=2)):
        service.query(session, agreement, code, {}, limit=5)
        added += 1
    if OTHER in city.staff:
        service.file_demand(
            session,
            city.actor(session, OTHER),
            DemandInput(
                resource_code=code,
                fields=[key],
                purpose="社会保险参保登记身份核验",
                legal_basis="《社会保险法》第五十八条",
                period_end=clock.today_in_china() + dt.timedelta(days=180),
                expected_volume=2000,
            ),
        )
        added += 1
    service.file_demand(
        session,
        consumer,
        DemandInput(
            wanted="全市养老机构床位及入住情况（按机构、按月）",
            purpose="养老服务补贴测算",
            legal_basis="《养老机构管理办法》",
            period_end=clock.today_in_china() + dt.timedelta(days=365),
        ),
    )
    return added + 1
