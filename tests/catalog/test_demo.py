"""The catalog's part of the demo city: thirteen published resources, loaded idempotently."""

from __future__ import annotations

from shuzheng.catalog import demo, service
from shuzheng.demo.loader import DEMO_ORDER, DemoCity
from tests.demo_city import small_city


def _city(session) -> DemoCity:  # type: ignore[no-untyped-def]
    """Just the departments the catalog demo names, the operator and one data officer (the other
    departments' entries then fall back to the operator, as for departments without an officer)."""
    return small_city(session, [("shuju.gongan", "gaj")])


def test_the_demo_catalog_loads_once_and_is_published(session) -> None:
    assert DEMO_ORDER.index("catalog") < DEMO_ORDER.index("ingest")
    city = _city(session)
    assert demo.load(session, city) == len(demo.CODES) == 13
    assert demo.load(session, city) == 0  # a rerun adds nothing

    specs = {s.code: s for s in service.published_specs(session)}
    assert set(demo.CODES.values()) <= set(specs)
    people = specs[demo.CODES["population"]]
    assert people.version == 2 and people.key_fields == ("id_number",)
    assert (
        people.field("id_number").identifier.value == "id_number" and people.field("id_number").sensitive_pi
    )
    assert {r.kind for r in people.rules} == {"id_number_birth_date", "not_after"}
    added = service.versions(session, people.code)[0].diff["fields_added"]
    assert [x["name"] for x in added] == ["registration_date", "former_name"]
    assert specs[demo.CODES["legal_entity"]].field("uscc").identifier.value == "uscc"
    assert sum(1 for s in specs.values() if s.open_type.value == "unconditional") >= 5

    admin = city.actor(session, "admin")
    queue = service.review_queue(session, admin)
    assert [(q.resource.code, q.revision.number) for q in queue] == [(demo.CODES["bus_stops"], 2)]
    assert [r.code for r in service.browse(session, admin, query="rkjc").items] == [demo.CODES["population"]]
    author = service.get_resource(session, demo.CODES["population"]).created_by_id
    assert author == city.staff["shuju.gongan"].id
