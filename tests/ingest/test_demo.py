"""The demo datasets: every demo resource gets data through the real load path, with a few realistic
errors, and a second run adds nothing. (Shrunk with `scale`: the full demo loads thousands of rows.)"""

from shuzheng.catalog import demo as catalog_demo
from shuzheng.demo import loader
from shuzheng.demo.loader import DemoCity
from shuzheng.ingest import demo
from shuzheng.ingest import service as ingest
from shuzheng.quality import service as quality
from tests import factories as f


def test_demo_data_for_every_resource_with_a_few_errors_and_idempotent(session) -> None:
    city = DemoCity()
    loader._load_regions(session, city)
    loader._load_departments(session, city)
    city.staff["admin"] = f.staff(session, "platform_admin", username="admin", dept=city.department("dsjj"))
    catalog_demo.load(session, city)

    assert demo.load(session, city, scale=0.06) == 13
    versions = {key: ingest.list_versions(session, code) for key, code in catalog_demo.CODES.items()}
    assert len(versions["population"]) == 2 and not versions["medical_institutions"]
    loaded = [v for vs in versions.values() for v in vs]
    assert all(v.row_count > 0 for v in loaded)
    assert sum(v.rejected for v in loaded) > 0
    assert sum(v.rejected for v in loaded) < 0.1 * sum(v.rows_read for v in loaded)

    _, qualities = quality.overview(session, f.actor(session, city.staff["admin"]))
    by_code = {q.code: q for q in qualities}
    population = by_code[catalog_demo.CODES["population"]]
    assert [t.version for t in population.trend] == [1, 2] and population.trend[0].score < population.trend[
        1
    ].score
    assert by_code[catalog_demo.CODES["presale_permits"]].overdue
    assert by_code[catalog_demo.CODES["medical_institutions"]].score is None

    assert demo.load(session, city, scale=0.06) == 0
