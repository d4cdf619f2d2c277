"""The hotline demo on the demo city: history in bulk, the planted hotspot found, every page's data
present, the published Open311 key working, and a second run adding nothing.

The full demo city hashes ~90 demo passwords; here only the accounts the hotline demo acts as are
created, on the demo city's real regions and departments."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shuzheng.demo import city as spec
from shuzheng.demo import loader
from shuzheng.hotline import demo, service, stats
from shuzheng.hotline.models import Callback, HotlineRequest, Hotspot
from shuzheng.kit import clock
from shuzheng.security import service as accounts

ACTS_AS = ("hotline01", "paidan01", "shuju.zhujian", "shuju.chengguan", "shuju.donghua", "leader.city")


@pytest.fixture
def demo_city(session: Session, var_dir: object) -> loader.DemoCity:
    city = loader.DemoCity()
    with clock.frozen(dt.datetime(2026, 3, 20, 10, tzinfo=clock.CHINA_TZ)):
        loader._load_regions(session, city)
        loader._load_departments(session, city)
        for s in spec.STAFF:
            if s.username in ACTS_AS:
                city.staff[s.username] = accounts.create_staff(
                    session,
                    None,
                    username=s.username,
                    display_name=s.name,
                    department_id=city.department(s.department).id,
                    roles=[r.value for r in s.roles],
                    password=spec.DEMO_PASSWORD,
                )
        first = spec.citizens()[0]
        account = accounts.register_citizen(
            session,
            name=first.name,
            id_number=first.id_number,
            password=spec.DEMO_PASSWORD,
            phone=first.phone,
        )
        city.citizens[first.key] = loader.DemoCitizen(first, account)
    return city


def test_the_demo_loads_history_a_hotspot_and_live_work_once(
    session: Session, demo_city: loader.DemoCity, client: TestClient
) -> None:
    with clock.frozen(dt.datetime(2026, 3, 20, 10, tzinfo=clock.CHINA_TZ)):
        added = demo.load(session, demo_city)
        assert added > 3000 and demo.DEMO_API_KEY in str(added)
        total = session.scalar(select(func.count()).select_from(HotlineRequest))
        assert 3000 < total < 7000
        assert session.scalar(select(func.count()).select_from(Callback)) > 2000

        spots = list(session.scalars(select(Hotspot)))
        planted = [h for h in spots if h.topic_code == "water" and h.district_code == spec.DONGCHENG]
        assert [h.day for h in planted][:1] == [dt.date(2026, 3, 14)]
        assert any(h.topic_code == "noise" and h.district_code == spec.SHIFAN_COUNTY for h in spots)

        dispatcher = demo_city.actor(session, "paidan01")
        queue = service.dispatcher_queue(session, dispatcher)
        assert len(queue.pending) >= 3 and queue.disputes and queue.extensions and queue.callbacks
        assert service.department_requests(session, demo_city.actor(session, "shuju.zhujian"))
        citizen = accounts.actor_for(session, demo_city.citizens["citizen01"].account)
        assert any(r.status == "resolved" for r in service.my_requests(session, citizen))

        rates = stats.department_rates(session, dt.date(2026, 2, 1), dt.date(2026, 3, 19))
        ranked = [r for r in rates if r.rank]
        assert len(ranked) >= 10 and all(0 < (r.score or 0) <= 100 for r in ranked)
        overview = stats.overview(session, demo_city.actor(session, "leader.city"))
        assert sum(overview.volume) > 1000

        assert demo.load(session, demo_city) == 0

    session.commit()
    posted = client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": demo.DEMO_API_KEY,
            "service_code": "urban",
            "description": "路灯不亮",
            "address_string": "示范市西城区西关街道人民路3号",
        },
    )
    assert posted.status_code in (201, 400), posted.text  # 400 only if the road is not in the sample
