"""Quality: the score's documented weighting and breakdown, timeliness against the update cycle,
trends across versions, the department ranking and who may see what."""

import datetime as dt

import pytest

from shuzheng.errors import PermissionDenied
from shuzheng.ingest import service as ingest
from shuzheng.kit import clock
from shuzheng.quality import scoring
from shuzheng.quality import service as quality
from shuzheng.security import service as accounts
from shuzheng.security.models import Account
from tests import factories as f
from tests.ingest.factories import person_csv, person_rows, published_person

START = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)


def test_score_weights_add_up_and_a_perfect_load_scores_100() -> None:
    assert sum(scoring.WEIGHTS.values()) == pytest.approx(1.0)
    assert scoring.score(dict.fromkeys(scoring.WEIGHTS, 1.0)) == 100.0
    assert scoring.score({**dict.fromkeys(scoring.WEIGHTS, 1.0), "validity": 0.5}) == 82.5
    assert (
        scoring.timeliness(1, 1) == 1.0
        and scoring.timeliness(1.5, 1) == 0.5
        and scoring.timeliness(9, 1) == 0.0
    )
    assert scoring.completeness(10, {"a": 10, "b": 5}) == 0.75


def test_a_load_report_breaks_the_score_down(session, tmp_path) -> None:
    p = published_person(session)
    rows = person_rows(10)
    rows[0][2] = ""  # 性别 is optional: blank lowers completeness only
    rows[1][2] = "7"  # validity
    rows[2][3] = "1986-01-01"  # consistency: the 身份证号 says otherwise
    rows.append(list(rows[5]))  # uniqueness: two rows with one key
    with clock.frozen(START):
        summary = ingest.load(session, p.cast.officer, p.code, person_csv(tmp_path / "rk.csv", rows))
    report = quality.report_for(session, summary.version.id)
    assert report.rows_read == 11
    assert report.validity == pytest.approx(10 / 11)
    assert report.consistency == pytest.approx(10 / 11)
    assert report.uniqueness == pytest.approx(9 / 11)
    assert report.completeness == pytest.approx((11 + 11 + 10 + 11) / (4 * 11))
    assert report.timeliness == 1.0
    expected = scoring.score(
        {
            "completeness": report.completeness,
            "validity": report.validity,
            "uniqueness": report.uniqueness,
            "consistency": report.consistency,
            "timeliness": 1.0,
        }
    )
    assert report.score == expected < 100
    fields = {x["name"]: x for x in report.breakdown["fields"]}
    assert fields["sex"] == {"name": "sex", "label": "性别", "filled": 10, "invalid": 1}
    assert {r["category"] for r in report.breakdown["reasons"]} == {"validity", "consistency", "uniqueness"}


def test_resource_quality_timeliness_and_trend(session, tmp_path) -> None:
    p = published_person(session)
    with clock.frozen(START):
        ingest.load(session, p.cast.officer, p.code, person_csv(tmp_path / "a.csv", person_rows(5)))
        bad = person_rows(5)
        bad[0][2] = "7"
        clock.advance(dt.timedelta(hours=12))
        ingest.load(session, p.cast.officer, p.code, person_csv(tmp_path / "b.csv", bad))
        q = quality.resource_quality(session, p.cast.officer, p.code)
        assert [t.version for t in q.trend] == [1, 2] and q.trend[0].score == 100.0 and q.trend[1].score < 100
        assert q.score == q.trend[1].score and not q.overdue
        assert q.reasons[0]["reason"].startswith("不在代码表中")
        clock.advance(dt.timedelta(hours=36))  # daily data, 1.5 days old
        q = quality.resource_quality(session, p.cast.officer, p.code)
        assert q.overdue and q.dimensions["timeliness"] == pytest.approx(0.5)


def test_incremental_loads_count_towards_the_current_quality(session, tmp_path) -> None:
    p = published_person(session)
    with clock.frozen(START):
        rows = person_rows(8)
        rows[0][2] = "7"
        ingest.load(session, p.cast.officer, p.code, person_csv(tmp_path / "a.csv", rows))
        ingest.load(
            session,
            p.cast.officer,
            p.code,
            person_csv(tmp_path / "b.csv", person_rows(2, 40)),
            incremental=True,
        )
        q = quality.resource_quality(session, p.cast.officer, p.code)
    assert q.dimensions["validity"] == pytest.approx(9 / 10)


def test_ranking_problems_and_who_may_look(session, tmp_path) -> None:
    loaded = published_person(session)
    never = published_person(session)
    operator = loaded.cast.operator
    with clock.frozen(START):
        ingest.load(session, loaded.cast.officer, loaded.code, person_csv(tmp_path / "a.csv", person_rows(4)))
        ranking, qualities = quality.overview(session, operator)
    by_dept = {d.department_id: d for d in ranking}
    assert (
        by_dept[loaded.cast.dept.id].score == 100.0
        and by_dept[loaded.cast.dept.id].rank < by_dept[never.cast.dept.id].rank
    )
    assert by_dept[never.cast.dept.id].score is None
    assert next(q.code for q in quality.problems(qualities)) == never.code
    with pytest.raises(PermissionDenied):
        quality.overview(session, loaded.cast.officer)
    mine, _ = quality.overview(session, loaded.cast.officer, loaded.cast.dept.id)
    assert [d.department_id for d in mine] == [loaded.cast.dept.id]
    with pytest.raises(PermissionDenied):
        quality.resource_quality(session, loaded.cast.officer, never.code)


def _login(client, session, account) -> None:  # type: ignore[no-untyped-def]
    client.cookies.set("sz_session", accounts.start_web_session(session, account))
    client.cookies.set("sz_csrf", "q")
    session.commit()


def test_quality_pages_and_api(client, session, tmp_path) -> None:
    p = published_person(session)
    rows = person_rows(6)
    rows[1][3] = "2023-02-30"
    ingest.load(session, p.cast.officer, p.code, person_csv(tmp_path / "a.csv", rows))
    admin = session.get(Account, p.cast.operator.account_id)
    _login(client, session, admin)
    page = client.get("/quality")
    assert page.status_code == 200 and "部门排名" in page.text and "echarts.min.js" in page.text
    assert p.cast.dept.name in page.text
    detail = client.get(f"/quality/resources/{p.code}")
    assert detail.status_code == 200 and "日期不存在" in detail.text and "有效性" in detail.text
    assert client.get("/static/quality/quality.js").status_code == 200
    token = accounts.issue_tokens(session, admin).access_token
    session.commit()
    api = client.get("/api/quality/departments", headers={"Authorization": f"Bearer {token}"}).json()
    assert any(d["department_id"] == p.cast.dept.id and d["score"] is not None for d in api)
    one = client.get(f"/api/quality/resources/{p.code}", headers={"Authorization": f"Bearer {token}"}).json()
    assert one["dimensions"]["validity"] == pytest.approx(5 / 6, abs=1e-4) and len(one["trend"]) == 1
    officer = session.get(Account, p.cast.officer.account_id)
    _login(client, session, officer)
    assert "我的数据质量" in client.get("/quality/mine").text
    assert client.get("/quality").status_code == 403
    _login(client, session, f.staff(session, "data_officer"))
    assert client.get(f"/quality/resources/{p.code}").status_code == 403
