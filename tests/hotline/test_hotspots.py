"""民意热点: a topic × district rising above its own trailing baseline on a China-local day."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest

from shuzheng.errors import ValidationFailed
from shuzheng.hotline import hotspots
from shuzheng.kit.clock import CHINA_TZ

DONGCHENG, XICHENG, COUNTY = "379902", "379903", "379921"
FIRST_DAY = dt.date(2026, 2, 1)
DAYS = 45
SPIKE_DAY = dt.date(2026, 3, 10)


class Requests:
    """Deterministic request rows (id, created_at as aware UTC, topic, district)."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, dt.datetime, str, str | None]] = []
        self.random = random.Random(12345)

    def add(
        self, day: dt.date, topic: str, district: str | None, n: int, hour: int | None = None
    ) -> list[int]:
        ids = []
        for _ in range(n):
            minute = self.random.randrange(24 * 60) if hour is None else hour * 60 + self.random.randrange(60)
            local = dt.datetime.combine(day, dt.time(), CHINA_TZ) + dt.timedelta(minutes=minute)
            ids.append(len(self.rows) + 1)
            self.rows.append((ids[-1], local.astimezone(dt.UTC), topic, district))
        return ids

    def steady(self, topic: str, district: str, mean: float, weekend: float = 1.0) -> None:
        """A Poisson-like daily series (sum of Bernoulli trials) over the whole period; `weekend`
        scales Saturdays and Sundays."""
        for d in range(DAYS):
            day = FIRST_DAY + dt.timedelta(days=d)
            rate = mean * (weekend if day.weekday() >= 5 else 1.0)
            n = sum(self.random.random() < 0.25 for _ in range(round(rate * 4)))
            self.add(day, topic, district, n)

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            self.rows,
            schema={
                "request_id": pl.Int64,
                "created_at": pl.Datetime("us", "UTC"),
                "topic_code": pl.Utf8,
                "district_code": pl.Utf8,
            },
            orient="row",
        )


@pytest.fixture
def city() -> Requests:
    r = Requests()
    r.steady("social_security", DONGCHENG, 30)  # busy and steady
    r.steady("noise", XICHENG, 6)
    r.steady("water", DONGCHENG, 1)
    r.steady("heating", COUNTY, 0.5)
    return r


def test_a_planted_spike_is_found_with_its_requests(city: Requests) -> None:
    planted = city.add(SPIKE_DAY, "water", DONGCHENG, 18)
    frame = city.frame()

    found = hotspots.detect(frame, day=SPIKE_DAY)

    assert [(h.topic_code, h.district_code) for h in found] == [("water", DONGCHENG)]
    spike = found[0]
    same_day = frame.filter(
        (pl.col("topic_code") == "water")
        & (pl.col("district_code") == DONGCHENG)
        & (pl.col("created_at").dt.convert_time_zone("Asia/Shanghai").dt.date() == SPIKE_DAY)
    )["request_id"].to_list()
    assert spike.request_ids == sorted(same_day)
    assert set(planted) <= set(spike.request_ids)
    assert spike.count == len(spike.request_ids) >= 18
    assert spike.day == SPIKE_DAY
    assert 0.3 < spike.baseline < 2.5
    assert spike.score > 5


def test_steady_topics_raise_no_alarm_on_any_day(city: Requests) -> None:
    last = FIRST_DAY + dt.timedelta(days=DAYS - 1)
    assert hotspots.detect_range(city.frame(), start=last - dt.timedelta(days=29), end=last) == []


def test_a_small_count_below_min_count_is_not_a_hotspot(city: Requests) -> None:
    city.add(SPIKE_DAY, "gas", COUNTY, 4)  # gas in the county: never a call before
    frame = city.frame()
    assert hotspots.detect(frame, day=SPIKE_DAY) == []
    [spike] = hotspots.detect(frame, day=SPIKE_DAY, min_count=4)
    assert (spike.topic_code, spike.count, spike.baseline) == ("gas", 4, 0.0)


def test_a_rise_within_the_usual_spread_is_not_a_hotspot(city: Requests) -> None:
    city.add(SPIKE_DAY, "social_security", DONGCHENG, 8)  # ~38 on a day that averages 30
    assert hotspots.detect(city.frame(), day=SPIKE_DAY) == []


def test_the_weekly_rhythm_is_expected_and_a_weekday_surge_still_stands_out() -> None:
    r = Requests()
    for topic, district, mean in (
        ("social_security", DONGCHENG, 40),
        ("housing", XICHENG, 20),
        ("noise", COUNTY, 8),
    ):
        r.steady(topic, district, mean, weekend=0.4)  # offices are shut at weekends
    last = FIRST_DAY + dt.timedelta(days=DAYS - 1)
    assert hotspots.detect_range(r.frame(), start=last - dt.timedelta(days=29), end=last) == []

    wednesday = dt.date(2026, 3, 11)
    r.add(wednesday, "social_security", DONGCHENG, 30)  # ~70 on a day that expects ~40
    [surge] = hotspots.detect(r.frame(), day=wednesday)
    assert surge.topic_code == "social_security"
    # The expectation is a weekday's, not the week's average dragged down by quiet weekends.
    assert 35 < surge.baseline < 45


def test_the_day_is_the_day_in_china() -> None:
    r = Requests()
    for d in range(30):
        r.add(FIRST_DAY + dt.timedelta(days=d), "noise", XICHENG, 1)
    late_evening = r.add(SPIKE_DAY, "noise", XICHENG, 8, hour=23)  # 15:00–16:00 UTC, same UTC date
    after_midnight = r.add(SPIKE_DAY + dt.timedelta(days=1), "noise", XICHENG, 8, hour=0)  # previous UTC date
    frame = r.frame()
    [evening] = hotspots.detect(frame, day=SPIKE_DAY)
    [night] = hotspots.detect(frame, day=SPIKE_DAY + dt.timedelta(days=1))
    assert evening.request_ids == late_evening
    assert night.request_ids == after_midnight
    # Naive timestamps are read as UTC, the way the database stores them.
    naive = frame.with_columns(pl.col("created_at").dt.replace_time_zone(None))
    assert hotspots.detect(naive, day=SPIKE_DAY) == [evening]
    # Any zone works: it is the instant that counts.
    beijing = frame.with_columns(pl.col("created_at").dt.convert_time_zone("Asia/Shanghai"))
    assert hotspots.detect(beijing.lazy(), day=SPIKE_DAY) == [evening]


def test_a_range_gives_what_each_day_gives(city: Requests) -> None:
    city.add(SPIKE_DAY, "water", DONGCHENG, 18)
    city.add(SPIKE_DAY + dt.timedelta(days=3), "noise", XICHENG, 25)
    frame = city.frame()
    start, end = SPIKE_DAY - dt.timedelta(days=2), SPIKE_DAY + dt.timedelta(days=5)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    per_day = [h for d in days for h in hotspots.detect(frame, day=d)]
    assert hotspots.detect_range(frame, start=start, end=end) == per_day
    assert [(h.day, h.topic_code) for h in per_day] == [
        (SPIKE_DAY, "water"),
        (SPIKE_DAY + dt.timedelta(days=3), "noise"),
    ]


def test_requests_without_topic_or_district_are_left_out(city: Requests) -> None:
    city.add(SPIKE_DAY, "water", None, 30)
    assert hotspots.detect(city.frame(), day=SPIKE_DAY) == []


def test_without_enough_history_there_is_no_baseline_to_rise_above() -> None:
    r = Requests()
    r.add(SPIKE_DAY - dt.timedelta(days=3), "water", DONGCHENG, 1)
    r.add(SPIKE_DAY, "water", DONGCHENG, 20)
    assert hotspots.detect(r.frame(), day=SPIKE_DAY) == []
    assert hotspots.detect(Requests().frame(), day=SPIKE_DAY) == []


def test_bad_input_is_refused_with_the_field_named(city: Requests) -> None:
    frame = city.frame()
    with pytest.raises(ValidationFailed, match="district_code"):
        hotspots.detect(frame.drop("district_code"), day=SPIKE_DAY)
    with pytest.raises(ValidationFailed, match="created_at"):
        hotspots.detect(frame.with_columns(pl.col("created_at").cast(pl.Utf8)), day=SPIKE_DAY)
    with pytest.raises(ValidationFailed, match="baseline_days"):
        hotspots.detect(frame, day=SPIKE_DAY, baseline_days=0)
    with pytest.raises(ValidationFailed, match="min_count"):
        hotspots.detect(frame, day=SPIKE_DAY, min_count=0)
    with pytest.raises(ValidationFailed, match="end"):
        hotspots.detect_range(frame, start=SPIKE_DAY, end=SPIKE_DAY - dt.timedelta(days=1))
    with pytest.raises(ValidationFailed, match="Polars"):
        hotspots.detect(frame.rows(), day=SPIKE_DAY)  # type: ignore[arg-type]
