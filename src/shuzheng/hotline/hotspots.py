"""民意热点: daily spikes of one topic in one district against that pair's own recent past.

The input is a Polars frame of requests (`request_id`, `created_at`, `topic_code`, `district_code`),
as `service`/`stats.requests_frame` gives it. `created_at` should be timezone-aware (UTC, as stored);
naive values are taken as UTC too. What counts is the day in China (UTC+8, no daylight saving since
1991): a call at 23:30 Beijing time on 3 March belongs to 3 March even though it is 15:30 UTC.
Requests without a topic or district are left out (they cannot make a topic × area spike).

For each (topic, district) and day the count is compared with the trailing `baseline_days` before it
(the day itself excluded; days without requests count as 0):

    mean  = Σ counts / days                      variance = Σ counts² / days − mean²
    score = (count − mean) / √max(mean, variance, 1)

Why this score: daily counts of independent calls are Poisson, whose variance equals the mean, so
(count − mean)/√mean is a z-score. Real series are over-dispersed — 社保 consultations drop at
weekends, one news story doubles a week — so the observed variance is used when it is larger, which
keeps a noisy topic from raising alarms every Monday. The floor of 1 keeps a pair that is almost
always 0 (mean 0.04) from scoring 100 for two calls. A robust z-score (median/MAD) was rejected:
for sparse daily counts the MAD is 0 most of the time. A pair is a hotspot when its count reaches
`min_count` (a spike of 3 calls is not news, whatever the score) and its score reaches `min_score`
(3 ≈ a one-in-a-thousand day for a Poisson count). Days with fewer than `MIN_HISTORY_DAYS` of
history in the frame are not scored: without a past there is no baseline to rise above.

Everything is one lazy Polars query over the whole frame — a per-group time-based rolling window
gives every day's baseline at once — so `detect_range` over 30 days costs about what one day does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from shuzheng.errors import ValidationFailed, field_error

COLUMNS = ("request_id", "created_at", "topic_code", "district_code")
CHINA_OFFSET = dt.timedelta(hours=8)
MIN_HISTORY_DAYS = 7
KEYS = ("topic_code", "district_code")


@dataclass(frozen=True)
class Hotspot:
    day: dt.date
    topic_code: str
    district_code: str
    count: int
    baseline: float  # mean daily count over the baseline window
    score: float
    request_ids: list[int] = field(default_factory=list)


def detect(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    day: dt.date,
    baseline_days: int = 28,
    min_count: int = 5,
    min_score: float = 3.0,
) -> list[Hotspot]:
    """The hotspots of one China-local day, highest score first."""
    return detect_range(
        frame, start=day, end=day, baseline_days=baseline_days, min_count=min_count, min_score=min_score
    )


def detect_range(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    start: dt.date,
    end: dt.date,
    baseline_days: int = 28,
    min_count: int = 5,
    min_score: float = 3.0,
) -> list[Hotspot]:
    """The hotspots of every day from `start` to `end` inclusive, by day, then highest score first."""
    _check(start, end, baseline_days, min_count)
    requests = _local_days(_lazy(frame)).drop_nulls(["topic_code", "district_code", "local_day"])
    history_start = requests.select(pl.col("local_day").min()).collect().item()
    if history_start is None:
        return []
    first_scored = max(start, history_start + dt.timedelta(days=MIN_HISTORY_DAYS))
    if first_scored > end:
        return []
    window_start = first_scored - dt.timedelta(days=baseline_days)
    requests = requests.filter(pl.col("local_day").is_between(window_start, end))

    daily = requests.group_by(*KEYS, "local_day").agg(pl.len().cast(pl.Int64).alias("count"))
    spikes = _score(daily, history_start, first_scored, end, baseline_days).filter(
        (pl.col("count") >= min_count) & (pl.col("score") >= min_score)
    )
    ids = (
        requests.join(spikes.select(*KEYS, "local_day"), on=[*KEYS, "local_day"], how="semi")
        .group_by(*KEYS, "local_day")
        .agg(pl.col("request_id").sort().alias("request_ids"))
    )
    result = (
        spikes.join(ids, on=[*KEYS, "local_day"], how="left")
        .sort(["local_day", "score", "topic_code", "district_code"], descending=[False, True, False, False])
        .collect()
    )
    return [
        Hotspot(
            day=row["local_day"],
            topic_code=row["topic_code"],
            district_code=row["district_code"],
            count=int(row["count"]),
            baseline=round(float(row["baseline"]), 4),
            score=round(float(row["score"]), 4),
            request_ids=[int(i) for i in row["request_ids"] or []],
        )
        for row in result.iter_rows(named=True)
    ]


def _score(
    daily: pl.LazyFrame, history_start: dt.date, first: dt.date, last: dt.date, baseline_days: int
) -> pl.LazyFrame:
    """Each (topic, district, day) from `first` to `last` with its baseline mean and score."""
    window = (
        daily.sort("local_day")
        .rolling(index_column="local_day", period=f"{baseline_days}d", closed="left", group_by=list(KEYS))
        .agg(
            pl.col("count").sum().alias("base_sum"),
            (pl.col("count") ** 2).sum().alias("base_squares"),
        )
    )
    # A day early in the frame has fewer than `baseline_days` behind it; divide by what it has.
    days_behind = pl.min_horizontal(
        pl.lit(baseline_days), (pl.col("local_day") - pl.lit(history_start)).dt.total_days()
    ).cast(pl.Float64)
    mean = pl.col("base_sum").fill_null(0) / days_behind
    variance = pl.col("base_squares").fill_null(0) / days_behind - mean**2
    spread = pl.max_horizontal(mean, variance, pl.lit(1.0)).sqrt()
    return (
        daily.filter(pl.col("local_day").is_between(first, last))
        .join(window, on=[*KEYS, "local_day"], how="left")
        .with_columns(mean.alias("baseline"))
        .with_columns(((pl.col("count") - pl.col("baseline")) / spread).alias("score"))
        .select(*KEYS, "local_day", "count", "baseline", "score")
    )


def _lazy(frame: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    if isinstance(frame, pl.DataFrame):
        return frame.lazy()
    if isinstance(frame, pl.LazyFrame):
        return frame
    raise ValidationFailed("热点识别的输入应为 Polars 数据表（DataFrame 或 LazyFrame）")


def _local_days(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Adds `local_day`, the date in China of `created_at`."""
    schema = frame.collect_schema()
    missing = [c for c in COLUMNS if c not in schema]
    if missing:
        raise field_error(missing[0], "热点识别的输入缺少该列")
    created = schema["created_at"]
    if not isinstance(created, pl.Datetime):
        raise field_error("created_at", f"应为日期时间类型，实际为 {created}")
    utc = pl.col("created_at")
    if created.time_zone is not None:
        utc = utc.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    return frame.select(
        pl.col("request_id"),
        pl.col("topic_code").cast(pl.Utf8),
        pl.col("district_code").cast(pl.Utf8),
        (utc + CHINA_OFFSET).dt.date().alias("local_day"),
    )


def _check(start: dt.date, end: dt.date, baseline_days: int, min_count: int) -> None:
    if end < start:
        raise field_error("end", "结束日期不能早于开始日期")
    if not 1 <= baseline_days <= 366:
        raise field_error("baseline_days", "基线天数应在 1 到 366 之间")
    if min_count < 1:
        raise field_error("min_count", "最小件数至少为 1")
